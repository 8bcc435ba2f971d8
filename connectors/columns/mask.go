package columns

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha3"
	"crypto/sha512"
	"encoding/binary"
	"encoding/hex"
	"hash"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// hashes are the MessageDigest algorithms of a standard JVM that
// column.mask.hash accepts, by upper-cased name (Java's lookup ignores case).
var hashes = map[string]func() hash.Hash{
	"MD5":         md5.New,
	"SHA-1":       sha1.New,
	"SHA1":        sha1.New,
	"SHA":         sha1.New,
	"SHA-224":     sha256.New224,
	"SHA-256":     sha256.New,
	"SHA-384":     sha512.New384,
	"SHA-512":     sha512.New,
	"SHA-512/224": sha512.New512_224,
	"SHA-512/256": sha512.New512_256,
	"SHA3-224":    func() hash.Hash { return sha3.New224() },
	"SHA3-256":    func() hash.Hash { return sha3.New256() },
	"SHA3-384":    func() hash.Hash { return sha3.New384() },
	"SHA3-512":    func() hash.Hash { return sha3.New512() },
}

// hashNames lists the algorithm names for messages.
const hashNames = "MD5, SHA-1, SHA-224, SHA-256, SHA-384, SHA-512, SHA-512/224, SHA-512/256, SHA3-224, SHA3-256, SHA3-384, SHA3-512"

// Hasher is Debezium's HashValueConverter: the hex digest of the salt
// followed by the value's bytes. Version 1 (column.mask.hash) hashes the
// Java serialization of the String (ObjectOutputStream.writeObject);
// version 2 (column.mask.hash.v2) its UTF-8 bytes.
type Hasher struct {
	newHash func() hash.Hash
	salt    []byte
	v2      bool
}

// NewHasher returns the hasher of algorithm (a Java MessageDigest name such
// as "SHA-256") with salt; ok is false for an algorithm it does not know.
func NewHasher(algorithm, salt string, v2 bool) (h *Hasher, ok bool) {
	nh := hashes[strings.ToUpper(algorithm)]
	if nh == nil {
		return nil, false
	}
	return &Hasher{newHash: nh, salt: []byte(salt), v2: v2}, true
}

// Hash returns the lower-case hex digest of s.
func (h *Hasher) Hash(s string) string {
	d := h.newHash()
	d.Write(h.salt)
	if h.v2 {
		d.Write(javaBytes(s))
	} else {
		d.Write(javaSerializedString(s))
	}
	return hex.EncodeToString(d.Sum(nil))
}

// javaBytes is String.getBytes() with UTF-8, the JVM's default charset:
// like Go's UTF-8 except that invalid bytes become '?'.
func javaBytes(s string) []byte {
	if utf8.ValidString(s) {
		return []byte(s)
	}
	return []byte(strings.ToValidUTF8(s, "?"))
}

// javaSerializedString returns the bytes ObjectOutputStream writes for a
// String as the only object of a new stream: the stream header, then
// TC_STRING with a 2-byte length or TC_LONGSTRING with an 8-byte length,
// then the string in Java's modified UTF-8.
func javaSerializedString(s string) []byte {
	mu := modifiedUTF8(s)
	b := make([]byte, 0, 4+9+len(mu))
	b = append(b, 0xAC, 0xED, 0x00, 0x05)
	if len(mu) <= 0xFFFF {
		b = append(b, 0x74)
		b = binary.BigEndian.AppendUint16(b, uint16(len(mu)))
	} else {
		b = append(b, 0x7C)
		b = binary.BigEndian.AppendUint64(b, uint64(len(mu)))
	}
	return append(b, mu...)
}

// modifiedUTF8 encodes s's UTF-16 code units as Java's DataOutput.writeUTF
// does: U+0000 in two bytes, each surrogate of a pair in three.
func modifiedUTF8(s string) []byte {
	b := make([]byte, 0, len(s)+8)
	unit := func(c uint16) {
		switch {
		case c >= 0x0001 && c <= 0x007F:
			b = append(b, byte(c))
		case c <= 0x07FF: // includes U+0000
			b = append(b, 0xC0|byte(c>>6), 0x80|byte(c&0x3F))
		default:
			b = append(b, 0xE0|byte(c>>12), 0x80|byte((c>>6)&0x3F), 0x80|byte(c&0x3F))
		}
	}
	for _, r := range s { // an invalid byte is U+FFFD, as Java decodes it
		if r >= 0x10000 {
			hi, lo := utf16.EncodeRune(r)
			unit(uint16(hi))
			unit(uint16(lo))
			continue
		}
		unit(uint16(r))
	}
	return b
}

// truncateString cuts s to at most n UTF-16 code units, as Java's
// String.substring(0, n) does, and reports whether it cut. A cut inside a
// surrogate pair keeps the whole character (Java would keep half of it,
// which no encoder writes).
func truncateString(s string, n int) (string, bool) {
	if len(s) <= n { // n bytes hold at least n code units
		return s, false
	}
	units := 0
	for i, r := range s {
		w := 1
		if r >= 0x10000 {
			w = 2
		}
		if units >= n {
			return s[:i], true
		}
		units += w
	}
	return s, false
}

// mask returns n copies of '*', Debezium's mask for column.mask.with.N.chars.
func mask(n int) string { return strings.Repeat("*", n) }
