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

	"golang.org/x/crypto/scrypt"
)

// ErrIDNumber is wrapped by every error CheckIDNumber returns.
var ErrIDNumber = errors.New("cert: invalid resident ID number")

var idWeights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

const idCheckChars = "10X98765432"

// NormalizeIDNumber trims spaces and upper-cases a trailing x.
func NormalizeIDNumber(s string) string {
	return strings.ToUpper(strings.TrimSpace(s))
}

// CheckIDNumber validates an 18-character resident ID number (GB 11643-1999):
// digits, a real birth date not after now, and the ISO 7064 MOD 11-2 check
// character. The error explains what is wrong without repeating the number.
func CheckIDNumber(id string, now time.Time) error {
	if len(id) != 18 {
		return fmt.Errorf("%w: it has %d characters, a resident ID number has 18", ErrIDNumber, len([]rune(id)))
	}
	sum := 0
	for i := 0; i < 17; i++ {
		c := id[i]
		if c < '0' || c > '9' {
			return fmt.Errorf("%w: character %d is not a digit", ErrIDNumber, i+1)
		}
		sum += int(c-'0') * idWeights[i]
	}
	last := id[17]
	if (last < '0' || last > '9') && last != 'X' {
		return fmt.Errorf("%w: the last character must be a digit or X", ErrIDNumber)
	}
	birth, err := time.Parse("20060102", id[6:14])
	if err != nil {
		return fmt.Errorf("%w: characters 7-14 are not a real birth date", ErrIDNumber)
	}
	if birth.After(now) || birth.Year() < 1900 {
		return fmt.Errorf("%w: the birth date in characters 7-14 is impossible", ErrIDNumber)
	}
	if want := idCheckChars[sum%11]; last != want {
		return fmt.Errorf("%w: the check character does not match (typing error?)", ErrIDNumber)
	}
	return nil
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
