// Package keys makes, seals and publishes the issuer's signing keys.
//
// An issuer key is an Ed25519 (JWS "EdDSA") or P-256 ("ES256") key in JWK
// form whose "kid" is its RFC 7638 thumbprint (base64url of SHA-256), so a
// verifier can recompute it from the public key alone.
//
// Security notes: private keys are never written in clear. Seal encrypts a
// key (or any secret) as a compact JWE with PBES2-HS512+A256KW key wrapping
// and A256GCM content encryption under a passphrase; Open reports a wrong
// passphrase as ErrWrongPassphrase. PublicSet and MarshalPublic only ever
// emit public members; ReadTrust refuses a key set that contains private
// members, symmetric keys, unknown algorithms, a "kid" that is not the
// key's thumbprint, or members given twice or in another case. MarshalTrust
// and BindTrust write, and ReadTrust reads, the issuer each key signs for
// (member "iss"), which verifiers bind the key to (verify.PinnedKeys).
package keys

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	jose "github.com/go-jose/go-jose/v4"
)

// Algorithms a key may be made for.
const (
	EdDSA = "EdDSA"
	ES256 = "ES256"
)

// Errors, for errors.Is.
var (
	ErrWrongPassphrase = errors.New("keys: wrong passphrase (or the key file is damaged)")
	ErrBadKey          = errors.New("keys: unusable key")
)

// Generate makes a new private signing key for alg (EdDSA or ES256) from
// rand (crypto/rand when nil), with "kid" set to its thumbprint, "alg" and
// "use":"sig".
func Generate(alg string, r io.Reader) (jose.JSONWebKey, error) {
	if r == nil {
		r = rand.Reader
	}
	var priv crypto.PrivateKey
	switch alg {
	case EdDSA:
		_, k, err := ed25519.GenerateKey(r)
		if err != nil {
			return jose.JSONWebKey{}, fmt.Errorf("keys: generating Ed25519 key: %w", err)
		}
		priv = k
	case ES256:
		k, err := ecdsa.GenerateKey(elliptic.P256(), r)
		if err != nil {
			return jose.JSONWebKey{}, fmt.Errorf("keys: generating P-256 key: %w", err)
		}
		priv = k
	default:
		return jose.JSONWebKey{}, fmt.Errorf("%w: algorithm %q (choose EdDSA or ES256)", ErrBadKey, alg)
	}
	return FromPrivate(priv)
}

// FromPrivate wraps an Ed25519 or P-256 private key as a JWK with its
// thumbprint as "kid".
func FromPrivate(priv crypto.PrivateKey) (jose.JSONWebKey, error) {
	k := jose.JSONWebKey{Key: priv, Use: "sig"}
	switch p := priv.(type) {
	case ed25519.PrivateKey:
		k.Algorithm = EdDSA
	case *ecdsa.PrivateKey:
		if p.Curve != elliptic.P256() {
			return jose.JSONWebKey{}, fmt.Errorf("%w: curve %s", ErrBadKey, p.Curve.Params().Name)
		}
		k.Algorithm = ES256
	default:
		return jose.JSONWebKey{}, fmt.Errorf("%w: type %T", ErrBadKey, priv)
	}
	kid, err := Thumbprint(k)
	if err != nil {
		return jose.JSONWebKey{}, err
	}
	k.KeyID = kid
	return k, nil
}

// Thumbprint returns the RFC 7638 JWK thumbprint of k (public part), as
// unpadded base64url of its SHA-256.
func Thumbprint(k jose.JSONWebKey) (string, error) {
	pub := k.Public()
	tp, err := pub.Thumbprint(crypto.SHA256)
	if err != nil {
		return "", fmt.Errorf("%w: thumbprint: %v", ErrBadKey, err)
	}
	return base64.RawURLEncoding.EncodeToString(tp), nil
}

// Public returns the public half of k with only public members.
func Public(k jose.JSONWebKey) jose.JSONWebKey {
	p := k.Public()
	p.KeyID, p.Algorithm, p.Use = k.KeyID, k.Algorithm, "sig"
	return p
}

// PublicSet returns a JWKS of the public halves of ks.
func PublicSet(ks ...jose.JSONWebKey) jose.JSONWebKeySet {
	var set jose.JSONWebKeySet
	for _, k := range ks {
		set.Keys = append(set.Keys, Public(k))
	}
	return set
}

// MarshalPublic encodes PublicSet(ks...) as indented JSON. It fails rather
// than emit a private member.
func MarshalPublic(ks ...jose.JSONWebKey) ([]byte, error) {
	set := PublicSet(ks...)
	for _, k := range set.Keys {
		if !k.IsPublic() {
			return nil, fmt.Errorf("%w: refusing to publish a private key", ErrBadKey)
		}
	}
	out, err := json.MarshalIndent(set, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("keys: encoding key set: %w", err)
	}
	return append(out, '\n'), nil
}
