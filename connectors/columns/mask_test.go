package columns

import (
	"strings"
	"testing"
)

// The expected digests are what real Debezium (PostgreSQL 3.6.1.Final and
// MariaDB 3.5.0.Final on Kafka Connect 4.3.0) wrote for the same values in
// integration/compat's TestPostgresColumnsSideBySide and
// TestMariaDBColumnsSideBySide; Debezium cuts a digest to the column's
// length (limit), here as the test does.
func TestHashMatchesDebezium(t *testing.T) {
	big := strings.Repeat("0123456789abcdef", 4500) // > 65535 bytes: TC_LONGSTRING
	for _, c := range []struct {
		alg, salt string
		v2        bool
		value     string
		limit     int
		want      string
	}{
		{"SHA-256", "CzQMA0cB5K", false, "a@b.example", 40, "cc8156834d14da5d0ee54754b4a3178d8e34f354"},
		{"SHA-256", "CzQMA0cB5K", false, "changed@x.example", 40, "14d2e22e3a54811f5ec32af5d9f84baa5db68779"},
		{"SHA-256", "CzQMA0cB5K", false, "e@x.example", 40, "113b9f1c00e5e3a0e90356724063f90da21d5ff5"},
		{"SHA-256", "CzQMA0cB5K", false, "ü€😀", 40, "7cec0417ac9eb6a4bfbe9770246203467925ba6f"},
		{"SHA-256", "CzQMA0cB5K", false, "tg", 10, "9da35a5474"},         // MariaDB CHAR(10)
		{"SHA-256", "CzQMA0cB5K", false, "tg        ", 10, "d450b59de8"}, // PostgreSQL char(10), blank-padded
		{"SHA-256", "CzQMA0cB5K", false, "b", 1, "a"},                    // MariaDB ENUM('a','b')
		{"SHA-256", "CzQMA0cB5K", false, "nvc", 5, "20218"},              // MariaDB NVARCHAR(5)
		{"SHA-256", "CzQMA0cB5K", false, big, 0, "0eda054b8f8c8a0f461c94a6fa236693a60f40f89a397c8e5474fe5c7e44f763"},
		{"SHA-256", "salty", true, "top secret", 0, "57d0a1092dd6bdbe4a95d947613de3873dc802f866b2f76fbe4b76743ba0d097"},
		{"SHA-256", "salty", true, "v2 again", 0, "4a6338d803a7e3b875a89899fc12bb97972f04836ab7670a079c9839813f31dd"},
		{"SHA-256", "salty", true, "ü€😀", 0, "818a51fbf1a97f9a65e40e49e4600af936be9a6f438b011481a16903b53bec30"},
		{"MD5", "x", false, "x", 0, "7ed1974d2ce109f0e84898625f2f0a2a"},
		{"MD5", "x", false, "y", 0, "9b969482be5c1e5423592601e0983cb9"},
		{"md5", "x", false, "z", 0, "7c0c2c8e171061327b531c0cdd90dcbf"},
	} {
		h, ok := NewHasher(c.alg, c.salt, c.v2)
		if !ok {
			t.Fatalf("%s: not known", c.alg)
		}
		got := h.Hash(c.value)
		if c.limit > 0 && len(got) > c.limit {
			got = got[:c.limit]
		}
		if got != c.want {
			t.Errorf("%s salt %q v2=%t of %.20q: got %s, want %s", c.alg, c.salt, c.v2, c.value, got, c.want)
		}
	}
	if _, ok := NewHasher("SHA-999", "s", false); ok {
		t.Error("SHA-999 accepted")
	}
}

func TestJavaSerializedString(t *testing.T) {
	// ObjectOutputStream.writeObject("a\u0000é😀"): header, TC_STRING, length,
	// modified UTF-8 (U+0000 in two bytes, each surrogate in three).
	got := javaSerializedString("a\x00é😀")
	want := []byte{0xAC, 0xED, 0x00, 0x05, 0x74, 0x00, 0x0B, 'a', 0xC0, 0x80, 0xC3, 0xA9, 0xED, 0xA0, 0xBD, 0xED, 0xB8, 0x80}
	if string(got) != string(want) {
		t.Errorf("got % x\nwant % x", got, want)
	}
	long := javaSerializedString(strings.Repeat("x", 70000))
	if long[4] != 0x7C || long[10] != 0x01 || long[11] != 0x11 || long[12] != 0x70 || len(long) != 4+9+70000 {
		t.Errorf("long string header % x", long[:13])
	}
}

func TestTruncateCountsUTF16Units(t *testing.T) {
	for _, c := range []struct {
		in   string
		n    int
		want string
	}{
		{"a long note", 4, "a lo"},
		{"ab😀cdef", 4, "ab😀"}, // what Debezium wrote (a pair is two units)
		{"ü€ab", 3, "ü€a"},
		{"abc", 4, "abc"},
		{"", 4, ""},
	} {
		if got, _ := truncateString(c.in, c.n); got != c.want {
			t.Errorf("truncate(%q, %d) = %q, want %q", c.in, c.n, got, c.want)
		}
	}
}
