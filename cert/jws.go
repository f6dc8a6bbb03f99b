package cert

import (
	"bytes"
	"compress/flate"
	"crypto/ecdsa"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/titlecert/titlecert/internal/strictjson"
)

// Header values of a certificate JWS.
const (
	// MediaType is the JWS "typ" header of a certificate.
	MediaType = "titlecert+jws"
)

// Size limits, checked before any parsing.
const (
	// MaxJWSLen bounds a compact JWS. A QR code of version 40 holds about
	// 3,500 JWS characters in the numeric encoding; 8 KiB leaves room.
	MaxJWSLen = 8 << 10
	// MaxPayloadLen bounds the inflated payload.
	MaxPayloadLen = 16 << 10
)

// Algorithms is the allow-list of JWS algorithms for certificates and
// status lists: Ed25519 and ECDSA P-256 with SHA-256. Never "none", never
// an HMAC.
var Algorithms = []jose.SignatureAlgorithm{jose.EdDSA, jose.ES256}

// Errors a certificate decoder returns, for errors.Is.
var (
	ErrTooLarge             = errors.New("cert: input too large")
	ErrMalformed            = errors.New("cert: malformed certificate")
	ErrUnsupportedAlgorithm = errors.New("cert: unsupported algorithm")
)

// NewSigner returns a jose.Signer for certificates made with the private
// key k (Ed25519 or P-256), with the "kid" and "typ" headers set. Its
// ES256 signatures always have a low S (s ≤ n/2), so that the JWS it makes
// is the certificate's canonical text (CanonicalJWS). The "typ"
// implies the payload encoding (raw DEFLATE with Dictionary), so there is
// no "zip" header: generic JOSE tools would misread it.
// k.KeyID must be the key's RFC 7638 thumbprint.
func NewSigner(k jose.JSONWebKey) (jose.Signer, error) {
	return newSigner(k, MediaType)
}

// NewJWTSigner is NewSigner for other tokens of the same issuer (status
// lists): header "typ" is typ and the payload is not compressed.
func NewJWTSigner(k jose.JSONWebKey, typ string) (jose.Signer, error) {
	return newSigner(k, typ)
}

func newSigner(k jose.JSONWebKey, typ string) (jose.Signer, error) {
	var alg jose.SignatureAlgorithm
	switch key := k.Key.(type) {
	case ed25519.PrivateKey:
		alg = jose.EdDSA
	case *ecdsa.PrivateKey:
		if key.Curve.Params().Name != "P-256" {
			return nil, errorf(ErrUnsupportedAlgorithm, "ECDSA curve %s", key.Curve.Params().Name)
		}
		alg = jose.ES256
	default:
		return nil, errorf(ErrUnsupportedAlgorithm, "key type %T", k.Key)
	}
	if k.KeyID == "" {
		return nil, errors.New("cert: signing key has no kid")
	}
	opts := (&jose.SignerOptions{}).WithType(jose.ContentType(typ)).WithHeader(jose.HeaderKey("kid"), k.KeyID)
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: k.Key}, opts)
	if err != nil {
		return nil, err
	}
	if alg == jose.ES256 {
		return lowSSigner{s}, nil // one of the two valid signatures only (malleability.go)
	}
	return s, nil
}

// Sign validates c, encodes it and signs it with s (from NewSigner),
// returning the compact JWS.
func Sign(s jose.Signer, c *Claims) (string, error) {
	if err := c.Validate(); err != nil {
		return "", err
	}
	payload, err := EncodePayload(c)
	if err != nil {
		return "", err
	}
	obj, err := s.Sign(payload)
	if err != nil {
		return "", fmt.Errorf("cert: signing: %w", err)
	}
	return obj.CompactSerialize()
}

// EncodePayload returns the raw DEFLATE of c's JSON encoding, compressed
// with the preset Dictionary.
func EncodePayload(c *Claims) ([]byte, error) {
	js, err := json.Marshal(c)
	if err != nil {
		return nil, fmt.Errorf("cert: encoding claims: %w", err)
	}
	var buf bytes.Buffer
	w := deflaters.Get().(*flate.Writer)
	defer deflaters.Put(w)
	w.Reset(&buf) // keeps the level and the dictionary
	w.Write(js)
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("cert: compressing claims: %w", err)
	}
	return buf.Bytes(), nil
}

// deflaters holds compressors set up with the dictionary: a new one
// allocates about 800 KB, several times the cost of the signature.
var deflaters = sync.Pool{New: func() any {
	w, err := flate.NewWriterDict(io.Discard, flate.BestCompression, []byte(Dictionary))
	if err != nil {
		panic(err) // only for an invalid level
	}
	return w
}}

// DecodePayload inflates a payload (with Dictionary; at most MaxPayloadLen bytes once
// inflated) and decodes its claims strictly, so that the signed bytes have
// one reading in every JSON parser: invalid UTF-8, unknown claims, member
// names that are not exactly those of docs/FORMAT.md §4 (a case variant
// such as "HN"), a member twice in one object (at any level), null values
// and trailing data are ErrMalformed. It does not call Validate.
func DecodePayload(payload []byte) (*Claims, error) {
	r := flate.NewReaderDict(bytes.NewReader(payload), []byte(Dictionary))
	defer r.Close()
	js, err := io.ReadAll(io.LimitReader(r, MaxPayloadLen+1))
	if err != nil {
		return nil, errorf(ErrMalformed, "payload is not raw DEFLATE: %v", err)
	}
	if len(js) > MaxPayloadLen {
		return nil, errorf(ErrTooLarge, "payload inflates to more than %d bytes", MaxPayloadLen)
	}
	var c Claims
	if err := strictjson.Unmarshal(js, &c); err != nil {
		return nil, errorf(ErrMalformed, "claims: %s", strictjson.Message(err))
	}
	return &c, nil
}

// ParseCompact parses a compact JWS of at most MaxJWSLen bytes whose
// algorithm is in Algorithms, as ParseCompactN does. It checks nothing
// else: the caller verifies the signature (see package verify).
func ParseCompact(s string) (*jose.JSONWebSignature, error) {
	return ParseCompactN(s, MaxJWSLen)
}

// HeaderMembers are the only protected-header members of a certificate or
// status list JWS (docs/FORMAT.md §3.1).
var HeaderMembers = []string{"alg", "kid", "typ"}

// ParseCompactN parses a compact JWS of at most max bytes whose algorithm
// is in Algorithms, refusing (ErrMalformed) every text that could give
// one signature a second reading or a second text: a character outside
// the base64url alphabet and the two dots (white space or a line break
// inside the token; callers trim the ends), a part that is not canonical
// base64url, and a protected header that is not one JSON object in UTF-8
// with exactly the string members "alg", "kid" and "typ" (so "crit",
// "zip", "b64", duplicates and case variants are refused). Too long is
// ErrTooLarge; another algorithm is ErrUnsupportedAlgorithm.
func ParseCompactN(s string, max int) (*jose.JSONWebSignature, error) {
	if len(s) > max {
		return nil, errorf(ErrTooLarge, "a JWS has at most %d characters, this one %d", max, len(s))
	}
	if err := canonical(s); err != nil {
		return nil, err
	}
	if err := checkHeader(s[:strings.IndexByte(s, '.')]); err != nil {
		return nil, err
	}
	obj, err := jose.ParseSignedCompact(s, Algorithms)
	if err != nil {
		var alg string
		if h, herr := peekAlg(s); herr == nil {
			alg = h
		}
		if alg != "" && !algAllowed(alg) {
			return nil, errorf(ErrUnsupportedAlgorithm, "%q (allowed: EdDSA, ES256)", alg)
		}
		return nil, errorf(ErrMalformed, "%v", err)
	}
	if len(obj.Signatures) != 1 {
		return nil, errorf(ErrMalformed, "want exactly one signature")
	}
	return obj, nil
}

// canonical insists on three segments of canonical unpadded base64url:
// go-jose tolerates non-zero padding bits in the last character, which
// would let a certificate's text change without its signature failing.
func canonical(s string) error {
	for i := 0; i < len(s); i++ {
		if c := s[i]; !isB64URL(c) && c != '.' {
			what := fmt.Sprintf("the character %q", c)
			switch c {
			case ' ', '\t':
				what = "white space"
			case '\r', '\n':
				what = "a line break"
			}
			return errorf(ErrMalformed, "%s at position %d inside the token (a JWS is one line of A-Z a-z 0-9 - _ and two dots)", what, i+1)
		}
	}
	parts := strings.Split(s, ".")
	if len(parts) != 3 {
		return errorf(ErrMalformed, "a compact JWS has three dot-separated parts, this has %d", len(parts))
	}
	for i, p := range parts {
		if _, err := strictB64.DecodeString(p); err != nil {
			return errorf(ErrMalformed, "part %d is not canonical base64url", i+1)
		}
	}
	return nil
}

var strictB64 = b64.Strict()

func isB64URL(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_'
}

// checkHeader insists on a protected header of exactly the members
// HeaderMembers, each a string, each once, with names exactly as written
// there: go-jose reads the header into a map (the last duplicate wins) and
// processes "crit" and "b64" itself, and format version 1 has no use for
// any other member.
func checkHeader(part string) error {
	raw, err := strictB64.DecodeString(part)
	if err != nil {
		return errorf(ErrMalformed, "the header is not base64url")
	}
	var h struct {
		Alg string `json:"alg"`
		Kid string `json:"kid"`
		Typ string `json:"typ"`
	}
	// A known member that is not allowed gets its own message.
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) == nil {
		for _, name := range []string{"crit", "zip", "b64"} {
			if _, ok := m[name]; ok {
				return errorf(ErrMalformed, "header %q is not part of the format (docs/FORMAT.md §3.1)", name)
			}
		}
	}
	if err := strictjson.Unmarshal(raw, &h); err != nil {
		return errorf(ErrMalformed, "header: %s", strictjson.Message(err))
	}
	return nil
}

func algAllowed(alg string) bool {
	for _, a := range Algorithms {
		if string(a) == alg {
			return true
		}
	}
	return false
}

// peekAlg reads the "alg" header of a compact JWS without trusting it, to
// produce a precise error for disallowed algorithms.
func peekAlg(s string) (string, error) {
	i := bytes.IndexByte([]byte(s), '.')
	if i < 0 {
		return "", ErrMalformed
	}
	raw, err := b64.DecodeString(s[:i])
	if err != nil {
		return "", err
	}
	var h struct {
		Alg string `json:"alg"`
	}
	if err := json.Unmarshal(raw, &h); err != nil {
		return "", err
	}
	return h.Alg, nil
}
