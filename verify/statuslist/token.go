package statuslist

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/titlecert/titlecert/cert"
	"github.com/titlecert/titlecert/internal/strictjson"
	"github.com/titlecert/titlecert/verify"
)

// MediaType is the JWT "typ" of a status list.
const MediaType = "statuslist+jwt"

// MaxTokenLen bounds a status list token (a list of MaxEntries entries
// with many revocations still compresses far below it).
const MaxTokenLen = 8 << 20

// Detail is what a list says about one entry that is not valid. It names
// no person.
type Detail struct {
	Index  int64  `json:"idx"`
	Reason string `json:"reason,omitempty"`
	At     int64  `json:"at,omitempty"` // when the status took effect, Unix seconds
}

// Claims are the payload of a status list token.
type Claims struct {
	Issuer     string      `json:"iss"`
	Subject    string      `json:"sub"` // the list's URI, as in certificates
	IssuedAt   int64       `json:"iat"`
	Expiry     int64       `json:"exp"`
	TTL        int64       `json:"ttl"` // seconds a verifier may cache the list before fetching again
	StatusList StatusClaim `json:"status_list"`
	Details    []Detail    `json:"titlecert_details,omitempty"`
}

// StatusClaim is the "status_list" claim.
type StatusClaim struct {
	Bits int    `json:"bits"`
	Lst  string `json:"lst"`
}

// BuildOptions say what a list built by Build claims besides its entries.
type BuildOptions struct {
	Issuer   string        // "iss": the issuer identifier, as in its certificates
	URI      string        // "sub": the list's URI, as its certificates carry it
	IssuedAt time.Time     // "iat", in whole seconds
	Validity time.Duration // "exp" = IssuedAt + Validity
	TTL      time.Duration // "ttl": how long a verifier may cache the list, in whole seconds
	// Details are what the list says about entries that are not valid
	// (reason code, time); Build sorts a copy by index.
	Details []Detail
}

// Build makes the claims of list l: iss, sub, iat, exp = iat + validity,
// ttl, the encoded list and its details sorted by index. It fails only when
// the list cannot be compressed.
func Build(l *List, o BuildOptions) (*Claims, error) {
	lst, err := l.Encode()
	if err != nil {
		return nil, err
	}
	ds := append([]Detail(nil), o.Details...)
	sort.Slice(ds, func(i, j int) bool { return ds[i].Index < ds[j].Index })
	return &Claims{
		Issuer: o.Issuer, Subject: o.URI, IssuedAt: o.IssuedAt.Unix(), Expiry: o.IssuedAt.Add(o.Validity).Unix(), TTL: int64(o.TTL / time.Second),
		StatusList: StatusClaim{Bits: Bits, Lst: lst}, Details: ds,
	}, nil
}

// Sign signs the claims with s, a signer from cert.NewJWTSigner(key, MediaType).
func Sign(s jose.Signer, c *Claims) (string, error) {
	js, err := json.Marshal(c)
	if err != nil {
		return "", fmt.Errorf("statuslist: %w", err)
	}
	obj, err := s.Sign(js)
	if err != nil {
		return "", fmt.Errorf("statuslist: signing: %w", err)
	}
	return obj.CompactSerialize()
}

// Token is a verified status list.
type Token struct {
	Claims
	KeyID   string
	list    *List
	details map[int64]Detail
}

// Errors Parse returns, for errors.Is: the list cannot be trusted
// (ErrUntrusted) or is out of date (ErrExpired).
var (
	ErrUntrusted = errors.New("statuslist: status list not signed by a trusted key")
	ErrExpired   = errors.New("statuslist: status list expired")
)

// Parse verifies a status list token against trust at time now: size, the
// token's text and header as strictly as a certificate's
// (cert.ParseCompactN: no white space inside, canonical base64url, a header
// of exactly alg, kid and typ), algorithm (EdDSA, ES256), typ, kid known to
// trust, signature, claims (decoded strictly: no duplicate or case-variant
// member names at any level, valid UTF-8, no unknown members), the key's
// issuer binding and validity window (trust.Key with the list's "iss"),
// shape, expiry; then decodes the list.
//
// Errors wrap ErrTooLarge, ErrMalformed, ErrUntrusted or ErrExpired; any
// other error comes from trust and means the list could not be checked.
func Parse(token string, trust verify.Trust, now time.Time) (*Token, error) {
	token = strings.TrimSpace(token)
	if len(token) > MaxTokenLen {
		return nil, fmt.Errorf("%w: %d bytes", ErrTooLarge, len(token))
	}
	obj, err := cert.ParseCompactN(token, MaxTokenLen)
	if err != nil {
		return nil, fmt.Errorf("%w: %s", ErrMalformed, certMessage(err))
	}
	if len(obj.Signatures) != 1 {
		return nil, fmt.Errorf("%w: want one signature", ErrMalformed)
	}
	h := obj.Signatures[0].Protected
	if typ, _ := h.ExtraHeaders[jose.HeaderType].(string); typ != MediaType {
		return nil, fmt.Errorf("%w: typ is %q, want %q", ErrMalformed, typ, MediaType)
	}
	key, err := trustedKey(trust, "", h.KeyID)
	if err != nil {
		return nil, err
	}
	payload, err := obj.Verify(key.Key.Key)
	if err != nil {
		return nil, fmt.Errorf("%w: bad signature", ErrUntrusted)
	}
	var t Token
	if err := strictjson.Unmarshal(payload, &t.Claims); err != nil {
		return nil, fmt.Errorf("%w: claims: %s", ErrMalformed, strictjson.Message(err))
	}
	if _, err := trustedKey(trust, t.Issuer, h.KeyID); err != nil {
		if errors.Is(err, ErrUntrusted) && key.Issuer != "" && key.Issuer != t.Issuer {
			return nil, fmt.Errorf("%w: key %q signs for issuer %q, but the list claims issuer %q", ErrUntrusted, h.KeyID, key.Issuer, t.Issuer)
		}
		return nil, err
	}
	if !key.Covers(time.Unix(t.IssuedAt, 0)) {
		return nil, fmt.Errorf("%w: key %q is not trusted for lists issued at %s", ErrUntrusted, h.KeyID, time.Unix(t.IssuedAt, 0).UTC().Format(time.RFC3339))
	}
	if t.StatusList.Bits != Bits || t.Subject == "" || t.IssuedAt <= 0 || t.Expiry <= t.IssuedAt {
		return nil, fmt.Errorf("%w: needs bits 2, sub, iat and exp after iat", ErrMalformed)
	}
	if now.Unix() >= t.Expiry {
		return nil, fmt.Errorf("%w: %s expired at %s", ErrExpired, t.Subject, time.Unix(t.Expiry, 0).UTC().Format(time.RFC3339))
	}
	if t.IssuedAt > now.Add(5*time.Minute).Unix() {
		return nil, fmt.Errorf("%w: issued in the future", ErrMalformed)
	}
	if t.list, err = Decode(t.StatusList.Lst); err != nil {
		return nil, err
	}
	t.details = make(map[int64]Detail, len(t.Details))
	for _, d := range t.Details {
		t.details[d.Index] = d
	}
	t.KeyID = h.KeyID
	return &t, nil
}

// trustedKey asks trust for key kid of issuer iss; a key it does not
// vouch for is ErrUntrusted.
func trustedKey(trust verify.Trust, iss, kid string) (*verify.TrustedKey, error) {
	if trust == nil || kid == "" {
		return nil, fmt.Errorf("%w: key %q", ErrUntrusted, kid)
	}
	k, err := trust.Key(iss, kid)
	switch {
	case errors.Is(err, verify.ErrUnknownKey) || errors.Is(err, verify.ErrWrongIssuer):
		return nil, fmt.Errorf("%w: key %q", ErrUntrusted, kid)
	case err != nil:
		return nil, fmt.Errorf("statuslist: consulting the trusted keys: %w", err)
	case k == nil:
		return nil, fmt.Errorf("%w: key %q", ErrUntrusted, kid)
	}
	return k, nil
}

// Lookup returns the status of entry idx and, when the list carries it,
// its detail. ok is false when idx is outside the list.
func (t *Token) Lookup(idx int64) (v uint8, d Detail, ok bool) {
	v, ok = t.list.Get(idx)
	return v, t.details[idx], ok
}

// Len returns the number of entries.
func (t *Token) Len() int { return t.list.Len() }

// certMessage is package cert's message for a refused JWS, without its
// prefix.
func certMessage(err error) string {
	var ce *cert.Error
	if errors.As(err, &ce) {
		return ce.Message()
	}
	return err.Error()
}
