// Package statuslist implements the signed status lists through which
// revocations reach verifiers, online and offline, in the form of the IETF
// Token Status List (draft-ietf-oauth-status-list): a JWT of type
// "statuslist+jwt" whose "status_list" holds a bit string of 2 bits per
// certificate, compressed with DEFLATE in the zlib format and base64url
// encoded.
//
// Each certificate carries {"status": {"status_list": {"idx", "uri"}}}; the
// list at "uri" (its "sub" claim) gives the status of entry "idx": 0 valid,
// 1 revoked, 2 suspended. A list has at least MinSize entries and indexes
// are assigned at random, so fetching a list reveals nothing about which
// certificate is being checked; the list never carries personal data. It
// may carry, per revoked or suspended index, the reason code and the time
// it took effect (the "titlecert_details" claim), which identify nobody.
//
// This package is the format's one home: its encoder (New, List.Set,
// Build, Sign: what package store/publish uses on the issuer's side) and
// its decoder (Decode, Parse), with the verifier's side (Set, Online,
// Fetcher).
//
// Security notes: a list is trusted only when its signature verifies with a
// key that the verifier's verify.Trust vouches for (EdDSA or ES256) for the
// list's issuer and issue time, its "typ" is statuslist+jwt and it has not expired;
// its text, header and claims are read as strictly as a certificate's. Sizes are capped before parsing
// and inflation. A lookup is O(1).
package statuslist

import (
	"bytes"
	"compress/zlib"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
)

// Status values of a 2-bit entry.
const (
	Valid     = 0
	Revoked   = 1 // "INVALID" in the IETF registry
	Suspended = 2
)

// Bits is the number of bits per entry.
const Bits = 2

// MinSize is the smallest number of entries a list may have (W3C Bitstring
// Status List's privacy floor).
const MinSize = 131072

// MaxEntries bounds a list's size: 2^26 entries, 16 MiB uncompressed.
const MaxEntries = 1 << 26

// Errors, for errors.Is.
var (
	ErrMalformed = errors.New("statuslist: malformed status list")
	ErrTooLarge  = errors.New("statuslist: status list too large")
)

// List is a bit string of 2-bit entries. The zero value is unusable; use
// New or Decode.
type List struct {
	b []byte
	n int
}

// New returns a list of n entries, all Valid. n must be a multiple of 4
// between MinSize and MaxEntries.
func New(n int) (*List, error) {
	if n < MinSize || n > MaxEntries || n%4 != 0 {
		return nil, fmt.Errorf("statuslist: a list has a multiple of 4 entries between %d and %d, not %d", MinSize, MaxEntries, n)
	}
	return &List{b: make([]byte, n/4), n: n}, nil
}

// Len returns the number of entries.
func (l *List) Len() int { return l.n }

// Set sets entry i to v (0..3).
func (l *List) Set(i int, v uint8) error {
	if i < 0 || i >= l.n || v > 3 {
		return fmt.Errorf("statuslist: entry %d value %d out of range", i, v)
	}
	shift := uint(i%4) * 2
	l.b[i/4] = l.b[i/4]&^(3<<shift) | v<<shift
	return nil
}

// Get returns entry i; ok is false when i is outside the list.
func (l *List) Get(i int64) (v uint8, ok bool) {
	if i < 0 || i >= int64(l.n) {
		return 0, false
	}
	return l.b[i/4] >> (uint(i%4) * 2) & 3, true
}

// Encode returns the "lst" value: base64url of the zlib-compressed bits.
func (l *List) Encode() (string, error) {
	var buf bytes.Buffer
	w, err := zlib.NewWriterLevel(&buf, zlib.BestCompression)
	if err != nil {
		return "", err
	}
	w.Write(l.b)
	if err := w.Close(); err != nil {
		return "", fmt.Errorf("statuslist: compressing: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(buf.Bytes()), nil
}

// Decode parses an "lst" value, inflating at most MaxEntries/4 bytes. The
// list must have at least MinSize entries.
func Decode(lst string) (*List, error) {
	if len(lst) > MaxTokenLen {
		return nil, ErrTooLarge
	}
	raw, err := base64.RawURLEncoding.Strict().DecodeString(lst)
	if err != nil {
		return nil, fmt.Errorf("%w: lst is not base64url", ErrMalformed)
	}
	r, err := zlib.NewReader(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("%w: lst is not zlib: %v", ErrMalformed, err)
	}
	defer r.Close()
	b, err := io.ReadAll(io.LimitReader(r, MaxEntries/4+1))
	if err != nil {
		return nil, fmt.Errorf("%w: lst: %v", ErrMalformed, err)
	}
	if len(b) > MaxEntries/4 {
		return nil, fmt.Errorf("%w: more than %d entries", ErrTooLarge, MaxEntries)
	}
	if len(b)*4 < MinSize {
		return nil, fmt.Errorf("%w: %d entries, fewer than the %d a list must have", ErrMalformed, len(b)*4, MinSize)
	}
	return &List{b: b, n: len(b) * 4}, nil
}
