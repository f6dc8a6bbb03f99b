package cert

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/crypto/scrypt"
)

// ErrIDNumber is wrapped by every error CheckIDNumber returns.
var ErrIDNumber = errors.New("cert: invalid resident ID number")

var idWeights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

const idCheckChars = "10X98765432"

// NormalizeIDNumber returns the form of a typed resident ID number that
// CheckIDNumber, MaskIDNumber and IDHash expect: full-width digits
// (U+FF10..U+FF19, as Chinese input methods type them) become ASCII digits;
// x, full-width Ｘ and ｘ become X; spaces of every kind (ASCII, no-break
// U+00A0, ideographic U+3000, tabs, line breaks) and invisible characters
// (zero-width U+200B..U+200D, word joiner U+2060, byte-order mark U+FEFF,
// soft hyphen U+00AD) are removed wherever they are. Anything else is kept
// as typed, for CheckIDNumber to describe. It is the one normaliser every
// reader of an ID number (roster, CLI, server forms) uses.
func NormalizeIDNumber(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r >= '\uff10' && r <= '\uff19':
			b.WriteByte(byte('0' + r - '\uff10'))
		case r == 'x' || r == 'X' || r == '\uff38' || r == '\uff58':
			b.WriteByte('X')
		case IsSpaceOrInvisible(r):
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// IDNumberError says what is wrong with a resident ID number, without
// repeating it. It wraps ErrIDNumber.
type IDNumberError struct {
	// Kind is one of "length", "digit", "last", "date", "birth", "check".
	Kind string
	// Count is the number of characters (Kind "length").
	Count int
	// Digits reports whether every character is a digit (Kind "length").
	Digits bool
	// Pos is the 1-based position of the offending character (Kinds
	// "digit" and "last") and Char that character.
	Pos  int
	Char rune
}

func (e *IDNumberError) Unwrap() error { return ErrIDNumber }

func (e *IDNumberError) Error() string { return ErrIDNumber.Error() + ": " + e.English() }

// English describes the problem in English.
func (e *IDNumberError) English() string {
	switch e.Kind {
	case "length":
		s := fmt.Sprintf("it has %d characters, a resident ID number has 18", e.Count)
		if e.Count == 15 && e.Digits {
			s += " (a 15-digit number is a first-generation number or one Excel shortened: enter the 18-digit number, with the column formatted as text)"
		}
		return s
	case "digit":
		return fmt.Sprintf("character %d is %s, not a digit", e.Pos, describeRune(e.Char))
	case "last":
		return fmt.Sprintf("the last character is %s; it must be a digit or X", describeRune(e.Char))
	case "date":
		return "characters 7-14 are not a real birth date"
	case "birth":
		return "the birth date in characters 7-14 is impossible"
	}
	return "the check character does not match (typing error?)"
}

// Chinese describes the problem in Chinese.
func (e *IDNumberError) Chinese() string {
	switch e.Kind {
	case "length":
		s := fmt.Sprintf("有 %d 个字符，身份证号应为 18 位", e.Count)
		if e.Count == 15 && e.Digits {
			s += "（15 位的是一代身份证号，或被 Excel 截短了：请把该列设为“文本”后输入 18 位号码）"
		}
		return s
	case "digit":
		return fmt.Sprintf("第 %d 位是%s，不是数字", e.Pos, describeRuneZh(e.Char))
	case "last":
		return fmt.Sprintf("最后一位是%s，应为数字或 X", describeRuneZh(e.Char))
	case "date":
		return "第 7–14 位不是存在的出生日期"
	case "birth":
		return "第 7–14 位的出生日期不可能"
	}
	return "校验位不符（是否输入有误？）"
}

// describeRune names one character of a rejected ID number. One
// character reveals nothing of the number.
func describeRune(r rune) string {
	if IsSpaceOrInvisible(r) || unicode.IsControl(r) || !unicode.IsPrint(r) {
		return fmt.Sprintf("an invisible character (%U)", r)
	}
	return fmt.Sprintf("%q (%U)", string(r), r)
}

func describeRuneZh(r rune) string {
	if IsSpaceOrInvisible(r) || unicode.IsControl(r) || !unicode.IsPrint(r) {
		return fmt.Sprintf("不可见字符（%U）", r)
	}
	return fmt.Sprintf("“%s”（%U）", string(r), r)
}

// CheckIDNumber validates an 18-character resident ID number (GB 11643-1999)
// as NormalizeIDNumber returns it: 17 ASCII digits, a real birth date not
// after now, and the ISO 7064 MOD 11-2 check character (a digit or upper-case
// X). The error is an *IDNumberError (wrapping ErrIDNumber) that explains
// what is wrong, counting characters, not bytes, and without repeating the
// number.
func CheckIDNumber(id string, now time.Time) error {
	if n := utf8.RuneCountInString(id); n != 18 {
		digits := strings.Trim(id, "0123456789") == ""
		return &IDNumberError{Kind: "length", Count: n, Digits: digits}
	}
	runes := []rune(id)
	sum := 0
	for i := 0; i < 17; i++ {
		c := runes[i]
		if c < '0' || c > '9' {
			return &IDNumberError{Kind: "digit", Pos: i + 1, Char: c}
		}
		sum += int(c-'0') * idWeights[i]
	}
	last := runes[17]
	if (last < '0' || last > '9') && last != 'X' {
		return &IDNumberError{Kind: "last", Pos: 18, Char: last}
	}
	// Every character is ASCII from here on: byte offsets are rune offsets.
	birth, err := time.Parse("20060102", id[6:14])
	if err != nil {
		return &IDNumberError{Kind: "date"}
	}
	if birth.After(now) || birth.Year() < 1900 {
		return &IDNumberError{Kind: "birth"}
	}
	if want := idCheckChars[sum%11]; byte(last) != want {
		return &IDNumberError{Kind: "check"}
	}
	return nil
}

// ContainsIDNumber reports whether s holds something shaped like a full
// resident ID number: 17 digits and a digit or X (full-width forms count,
// and so do up to three separators between two digits: spaces, invisible
// characters, dashes, and . _ / , : + 、 ‧ · in ASCII or full width, as
// people group the number: "350102/19800101/0060", "3501 0219 8001
// 0100 60"), not part of a longer run of digits, whose characters 7-14
// are a date from 1900 to 2099. It is how a text meant to be printed,
// logged or archived is checked for a number typed into the wrong field;
// the check character is not required, so that mistyped numbers are
// caught too.
func ContainsIDNumber(s string) bool {
	var run [18]byte // the current run of digits (and a final X), normalized
	n := 0           // its length; 19 for a run longer than 18
	end := func() bool {
		ok := n == 18 && string(run[6:8]) >= "19" && string(run[6:8]) <= "20"
		if ok {
			_, err := time.Parse("20060102", string(run[6:14]))
			ok = err == nil
		}
		n = 0
		return ok
	}
	add := func(c byte) {
		if n < 18 {
			run[n] = c
		}
		n = min(n+1, 19)
	}
	seps := 0 // separators since the last digit
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			add(byte(r))
			seps = 0
		case r >= '\uff10' && r <= '\uff19':
			add(byte('0' + r - '\uff10'))
			seps = 0
		case (r == 'x' || r == 'X' || r == '\uff38' || r == '\uff58') && n == 17:
			add('X')
			if end() {
				return true
			}
		case IsIDSeparator(r) && n > 0 && n < 18 && seps < 3:
			// "3501 0219 8503 1412 14", "350102-19850314-1214" are numbers too
			seps++
		default:
			seps = 0
			if end() {
				return true
			}
		}
	}
	return end()
}

// IsIDSeparator reports whether r is a character people put between the
// groups of an ID number's digits: a space or invisible character
// (IsSpaceOrInvisible), a dash (Unicode Pd, U+2212 minus), or one of
// . _ / , : + 、 ‧ · ・ and their full-width forms.
func IsIDSeparator(r rune) bool {
	if r >= '\uff01' && r <= '\uff5e' {
		r -= 0xfee0 // full-width ASCII
	}
	switch r {
	case '-', '.', '_', '/', ',', ':', '+', '\u3001', '\u2027', '\u00b7', '\u30fb', '\uff65', '\u2212', '\u3002':
		return true
	}
	return IsSpaceOrInvisible(r) || unicode.Is(unicode.Pd, r)
}

// MaskIDNumber returns the displayable form of a resident ID number: the
// first four and last four characters, the ten in between as '*'. It
// expects a number that passed CheckIDNumber; anything else is masked whole.
func MaskIDNumber(id string) string {
	if len(id) != 18 {
		return strings.Repeat("*", 18)
	}
	return id[:4] + strings.Repeat("*", 10) + id[14:]
}

// MatchesMask reports whether id (normalized by NormalizeIDNumber here) has
// the visible characters of the masked number mask: its first four and last
// four. It is what a verifier without the full number's hash can confirm.
func MatchesMask(id, mask string) bool {
	id = NormalizeIDNumber(id)
	return len(id) == 18 && MaskIDNumber(id) == mask
}

// IDHash binds a certificate to its holder's full resident ID number
// without revealing it: H = scrypt(number, salt, N=2^LogN, r=8, p=1, 16 bytes).
// It is optional (claim "hih"): it lets anyone who knows the full number
// confirm it offline, and so lets anyone who holds the certificate recover
// the number by guessing the ten hidden digits, at the cost of 2^LogN work
// per guess.
type IDHash struct {
	LogN int    `json:"ln"`
	Salt string `json:"s"` // base64url, no padding, 16 bytes
	Hash string `json:"h"` // base64url, no padding, 16 bytes
}

// ID hash parameters. An issuer that opts in to the hash picks a cost in
// MinIDHashLogN..MaxIDHashLogN; RecommendedIDHashLogN costs about 55 ms on
// one core of a 2020s server (so it bounds issuance at about 18 certificates
// per second per core). The bounds are also what a verifier will compute
// for an untrusted certificate.
const (
	RecommendedIDHashLogN = 15
	MinIDHashLogN         = 10
	MaxIDHashLogN         = 20
	idHashR               = 8
	idHashP               = 1
	idHashLen             = 16
	idSaltLen             = 16
)

// CheckIDHashCost validates an issuer's ID hash setting: 0 (certificates
// carry no hash) or a cost from MinIDHashLogN to MaxIDHashLogN.
func CheckIDHashCost(logN int) error {
	if logN != 0 && (logN < MinIDHashLogN || logN > MaxIDHashLogN) {
		return fmt.Errorf("ID hash cost %d: use 0 (none) or %d to %d", logN, MinIDHashLogN, MaxIDHashLogN)
	}
	return nil
}

// NewIDHash hashes the normalized resident ID number id with a fresh salt
// read from rand (crypto/rand when nil).
func NewIDHash(id string, logN int, rand io.Reader) (IDHash, error) {
	if logN < MinIDHashLogN || logN > MaxIDHashLogN {
		return IDHash{}, fmt.Errorf("cert: ID hash cost %d outside %d..%d", logN, MinIDHashLogN, MaxIDHashLogN)
	}
	if rand == nil {
		rand = cryptoRand
	}
	salt := make([]byte, idSaltLen)
	if _, err := io.ReadFull(rand, salt); err != nil {
		return IDHash{}, fmt.Errorf("cert: reading salt: %w", err)
	}
	h, err := scrypt.Key([]byte(id), salt, 1<<logN, idHashR, idHashP, idHashLen)
	if err != nil {
		return IDHash{}, fmt.Errorf("cert: ID hash: %w", err)
	}
	return IDHash{LogN: logN, Salt: b64.EncodeToString(salt), Hash: b64.EncodeToString(h)}, nil
}

// Matches reports, in constant time for a given hash, whether id (normalized
// with NormalizeIDNumber by the caller or not) is the number h was made from.
func (h *IDHash) Matches(id string) bool {
	if h == nil || h.validate() != nil {
		return false
	}
	salt, _ := b64.DecodeString(h.Salt)
	want, _ := b64.DecodeString(h.Hash)
	got, err := scrypt.Key([]byte(NormalizeIDNumber(id)), salt, 1<<h.LogN, idHashR, idHashP, idHashLen)
	if err != nil {
		return false
	}
	return subtle.ConstantTimeCompare(got, want) == 1
}

func (h *IDHash) validate() error {
	if h.LogN < MinIDHashLogN || h.LogN > MaxIDHashLogN {
		return fmt.Errorf("cost ln must be %d..%d", MinIDHashLogN, MaxIDHashLogN)
	}
	if s, err := b64.DecodeString(h.Salt); err != nil || len(s) != idSaltLen {
		return errors.New("salt must be 16 bytes of base64url")
	}
	if s, err := b64.DecodeString(h.Hash); err != nil || len(s) != idHashLen {
		return errors.New("hash must be 16 bytes of base64url")
	}
	return nil
}

var (
	b64        = base64.RawURLEncoding
	cryptoRand = rand.Reader
)
