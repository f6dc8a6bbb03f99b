package verify

import (
	"errors"
	"fmt"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// Trust finds the keys a verifier trusts, in the shape of
// golang.org/x/mod/sumdb/note's Verifiers: the signed object names a key
// (its "kid") and an issuer (its "iss"), and Trust says whether that key
// vouches for that issuer, and until when. Certificates (Options.Trust) and
// status lists (package verify/statuslist) are checked through it.
//
// PinnedKeys, a pinned JWKS (read from a trust file by keys.ReadTrust),
// implements it; a root-signed trust list of several issuers will be
// another implementation.
type Trust interface {
	// Key returns the key kid when it is trusted to sign for issuer iss
	// (its certificates and its status lists). With iss "", it returns the
	// key whatever issuer it signs for: a verifier asks so to check a
	// signature before it reads the signed "iss", then asks again with
	// that "iss".
	//
	// Errors: one wrapping ErrUnknownKey when kid is not trusted at all,
	// one wrapping ErrWrongIssuer when the key signs for another issuer
	// than iss. Any other error means the trust could not be consulted
	// (I/O, network): a verifier then reports that it could not check
	// (Result.Err), never that the certificate is invalid.
	Key(iss, kid string) (*TrustedKey, error)
}

// TrustedKey is a key a Trust vouches for, with what it may sign and when.
type TrustedKey struct {
	// Key is the public key (Ed25519 or P-256) with its "kid" (KeyID)
	// and the algorithm it signs with (Algorithm; "" means the one its
	// type implies: EdDSA for Ed25519, ES256 for P-256).
	Key jose.JSONWebKey
	// Issuer is the issuer identifier (the "iss" of certificates and
	// status lists) the key signs for; "" when the key is bound to no
	// issuer (a legacy trust file of one issuer's keys).
	Issuer string
	// NotBefore and NotAfter bound the issue times ("iat") of what the
	// key may have signed; the zero time leaves that end unbounded.
	NotBefore, NotAfter time.Time
}

// Errors a Trust returns, for errors.Is. A Verify that meets them reports
// ReasonUntrustedIssuer.
var (
	ErrUnknownKey  = errors.New("verify: key not in the trusted set")
	ErrWrongIssuer = errors.New("verify: key signs for another issuer")
)

// Covers reports whether t falls inside the key's validity window
// (NotBefore <= t <= NotAfter, a zero bound being open).
func (k *TrustedKey) Covers(t time.Time) bool {
	return (k.NotBefore.IsZero() || !t.Before(k.NotBefore)) && (k.NotAfter.IsZero() || !t.After(k.NotAfter))
}

// PinnedKeys is the Trust of a pinned JWKS: the keys of a trust file (as
// keys.ReadTrust returns them in keys.Trust) and the issuer each signs for.
// Its keys have no validity window.
type PinnedKeys struct {
	// Keys are public Ed25519 or P-256 keys, "kid" set.
	Keys jose.JSONWebKeySet
	// Issuers maps a key's kid to the issuer identifier it signs for. A
	// key without an entry signs for any issuer: only a verifier whose
	// Keys are one issuer's may leave keys so (a legacy trust file, bound
	// by keys.Trust.Bind, or the issuer's own keys).
	Issuers map[string]string
}

var _ Trust = (*PinnedKeys)(nil)

// Key implements Trust: the key whose kid is kid, when it signs for issuer
// iss (any issuer when iss is ""). Errors wrap ErrUnknownKey or
// ErrWrongIssuer.
func (p *PinnedKeys) Key(iss, kid string) (*TrustedKey, error) {
	ks := p.Keys.Key(kid)
	if kid == "" || len(ks) == 0 {
		return nil, fmt.Errorf("%w: key %q", ErrUnknownKey, kid)
	}
	bound := p.Issuers[kid]
	if iss != "" && bound != "" && bound != iss {
		return nil, fmt.Errorf("%w: key %q signs for issuer %q, not %q", ErrWrongIssuer, kid, bound, iss)
	}
	return &TrustedKey{Key: ks[0], Issuer: bound}, nil
}
