package postgres

import (
	"bytes"
	"errors"
	"io"
	"testing"
)

// chunks is a socket: chunk i arrives as one piece, and a read returns at
// most what is left of the piece being read.
type chunks struct {
	data  []byte
	sizes []int // what is left of each piece
}

func (c *chunks) Read(p []byte) (int, error) {
	if len(c.sizes) == 0 {
		return 0, io.EOF
	}
	n := copy(p, c.data[:c.sizes[0]])
	c.data, c.sizes[0] = c.data[n:], c.sizes[0]-n
	if c.sizes[0] == 0 {
		c.sizes = c.sizes[1:]
	}
	return n, nil
}

// TestElasticReader checks that the buffer grows while fills fill it,
// shrinks after a run of small fills, and that every byte comes out once,
// in order.
func TestElasticReader(t *testing.T) {
	const big = 2 * replReadBuffer // a backlog: more than any buffer holds
	small := make([]int, replReadShrinkAfter+1)
	for i := range small {
		small[i] = 100
	}
	tests := []struct {
		name  string
		sizes []int
		want  int // buffer size at the end
	}{
		{"idle stays small", []int{10, 200, 3000}, replReadBufferMin},
		{"backlog grows to the maximum", []int{big, big, big, big, big, big}, replReadBuffer},
		{"one full fill grows fourfold", []int{replReadBufferMin, 10}, 4 * replReadBufferMin},
		{"small fills after a backlog shrink it", append([]int{big, big, big, big}, small...), replReadBufferMin},
		{"fewer small fills keep it", append([]int{big, big, big, big}, small[:replReadShrinkAfter-2]...), replReadBuffer},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			total := 0
			for _, s := range tt.sizes {
				total += s
			}
			data := make([]byte, total)
			for i := range data {
				data[i] = byte(i * 7)
			}
			src := &chunks{data: data, sizes: append([]int(nil), tt.sizes...)}
			er := newElasticReader(src)
			var got bytes.Buffer
			p := make([]byte, 8<<10) // pgproto3's read size
			for {
				n, err := er.Read(p)
				got.Write(p[:n])
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				if n == 0 {
					t.Fatal("read returned 0 bytes and no error")
				}
			}
			if !bytes.Equal(got.Bytes(), data) {
				t.Fatalf("read %d bytes that differ from the %d written", got.Len(), len(data))
			}
			if len(er.buf) != tt.want {
				t.Errorf("buffer %d bytes, want %d", len(er.buf), tt.want)
			}
		})
	}
}
