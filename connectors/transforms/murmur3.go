package transforms

import (
	"math/bits"
	"strings"
	"unicode/utf8"

	"github.com/sluicecdc/sluice/connectors/change"
)

// prMurmur is PartitionRouting's murmur hash of a value (Debezium's
// io.debezium.util.MurmurHash3.hash(Object), seed 9001): a String hashes
// its UTF-8 bytes, anything else the four little-endian bytes of its Java
// hashCode (a ByteBuffer, Debezium's bytes, is not a byte[], so its
// hashCode too).
func prMurmur(s *change.Field, v any) int32 {
	if str, ok := v.(string); ok {
		if !utf8.ValidString(str) {
			str = strings.ToValidUTF8(str, "\uFFFD")
		}
		return prMurmur64Hi32([]byte(str))
	}
	h := uint32(prJavaHash(s, v))
	return prMurmur64Hi32([]byte{byte(h), byte(h >> 8), byte(h >> 16), byte(h >> 24)})
}

// prMurmur64Hi32 is Debezium's MurmurHash3_x64_32(key, 9001): the high 32
// bits of its MurmurHash3_x64_64, a 128-bit-state MurmurHash3 whose mixing
// constants change with every block and whose tail bytes are sign-extended
// (Java's byte to long), as in the original Java port.
func prMurmur64Hi32(key []byte) int32 {
	const seed = 9001
	st := prMurmurState{
		h1: 0x9368e53c2f6af274 ^ seed, h2: 0x586dcd208f7cd3fd ^ seed,
		c1: 0x87c37b91114253d5, c2: 0x4cf5ad432745937f,
	}
	n := len(key)
	for i := 0; i+16 <= n; i += 16 {
		st.k1 = prLE64(key[i:])
		st.k2 = prLE64(key[i+8:])
		st.bmix()
	}
	st.k1, st.k2 = 0, 0
	tail := key[n&^15:]
	sx := func(i int) uint64 { return uint64(int64(int8(tail[i]))) }
	for i := len(tail) - 1; i >= 8; i-- {
		st.k2 ^= sx(i) << (8 * (i - 8))
	}
	for i := min(len(tail), 8) - 1; i >= 0; i-- {
		st.k1 ^= sx(i) << (8 * i)
	}
	if len(tail) > 0 {
		st.bmix()
	}
	st.h2 ^= uint64(n)
	st.h1 += st.h2
	st.h2 += st.h1
	st.h1 = prFmix64(st.h1)
	st.h2 = prFmix64(st.h2)
	st.h1 += st.h2
	return int32(st.h1 >> 32)
}

type prMurmurState struct{ h1, h2, k1, k2, c1, c2 uint64 }

func (s *prMurmurState) bmix() {
	s.k1 *= s.c1
	s.k1 = bits.RotateLeft64(s.k1, 23)
	s.k1 *= s.c2
	s.h1 ^= s.k1
	s.h1 += s.h2
	s.h2 = bits.RotateLeft64(s.h2, 41)
	s.k2 *= s.c2
	s.k2 = bits.RotateLeft64(s.k2, 23)
	s.k2 *= s.c1
	s.h2 ^= s.k2
	s.h2 += s.h1
	s.h1 = s.h1*3 + 0x52dce729
	s.h2 = s.h2*3 + 0x38495ab5
	s.c1 = s.c1*5 + 0x7b7d159c
	s.c2 = s.c2*5 + 0x6bce6396
}

func prFmix64(k uint64) uint64 {
	k ^= k >> 33
	k *= 0xff51afd7ed558ccd
	k ^= k >> 33
	k *= 0xc4ceb9fe1a85ec53
	k ^= k >> 33
	return k
}

func prLE64(b []byte) uint64 {
	return uint64(b[0]) | uint64(b[1])<<8 | uint64(b[2])<<16 | uint64(b[3])<<24 |
		uint64(b[4])<<32 | uint64(b[5])<<40 | uint64(b[6])<<48 | uint64(b[7])<<56
}
