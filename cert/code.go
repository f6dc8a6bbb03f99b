package cert

import (
	"crypto/sha256"
	"strings"
)

const crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// VerificationCode returns the short code printed on a certificate for
// people to type: the first 50 bits of SHA-256 of the compact JWS in
// Crockford base32, as two groups of five ("7KQ2M-9XDA4"). It identifies a
// certificate for look-up; it proves nothing by itself. With 50 bits, ten
// million certificates collide with probability about 4 %, so an issuer
// must check uniqueness and re-sign (new jti) on a collision.
func VerificationCode(jws string) string {
	sum := sha256.Sum256([]byte(jws))
	var v uint64
	for _, b := range sum[:7] {
		v = v<<8 | uint64(b)
	}
	v >>= 6 // keep the top 50 bits
	var out [11]byte
	for i := 10; i >= 0; i-- {
		if i == 5 {
			out[i] = '-'
			continue
		}
		out[i] = crockford[v&31]
		v >>= 5
	}
	return string(out[:])
}

// NormalizeVerificationCode upper-cases a typed code, reads full-width
// letters, digits and hyphen (FoldWidth) as ASCII, drops spaces of every
// kind, invisible characters and dashes, maps the look-alikes O→0, I and
// L→1 (Crockford) and re-inserts the dash. It returns "" when the result
// is not a well-formed code.
func NormalizeVerificationCode(s string) string {
	s = NormalizeNumber(s)
	var b []byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ' || c == '-':
			continue
		case c >= 'a' && c <= 'z':
			c -= 'a' - 'A'
		}
		switch c {
		case 'O':
			c = '0'
		case 'I', 'L':
			c = '1'
		}
		if !isCrockford(c) {
			return ""
		}
		b = append(b, c)
	}
	if len(b) != 10 {
		return ""
	}
	return string(b[:5]) + "-" + string(b[5:])
}

func isCrockford(c byte) bool {
	for i := 0; i < len(crockford); i++ {
		if crockford[i] == c {
			return true
		}
	}
	return false
}

// FoldWidth returns s with the full-width forms of ASCII (U+FF01..U+FF5E:
// digits, letters, hyphen-minus and punctuation, as a Chinese input method
// in full-width mode types them) as the ASCII characters, and the
// ideographic space U+3000 as ' '. Other characters are kept.
func FoldWidth(s string) string {
	if !strings.ContainsFunc(s, isWide) {
		return s
	}
	return strings.Map(func(r rune) rune {
		switch {
		case r >= '\uff01' && r <= '\uff5e':
			return r - 0xfee0
		case r == '\u3000':
			return ' '
		}
		return r
	}, s)
}

func isWide(r rune) bool { return r >= '\uff01' && r <= '\uff5e' || r == '\u3000' }

// NormalizeNumber returns the form of a typed certificate number that the
// store is looked up with: FoldWidth, and spaces of every kind and
// invisible characters (IsSpaceOrInvisible) removed wherever they are.
// It does not check the number (Claims.Validate does): a look-up of
// anything else finds nothing.
func NormalizeNumber(s string) string {
	s = FoldWidth(s)
	if !strings.ContainsFunc(s, IsSpaceOrInvisible) {
		return s
	}
	return strings.Map(func(r rune) rune {
		if IsSpaceOrInvisible(r) {
			return -1
		}
		return r
	}, s)
}
