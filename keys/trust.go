package keys

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"encoding/json"
	"fmt"

	jose "github.com/go-jose/go-jose/v4"
)

// MaxTrustLen bounds a trusted key set file.
const MaxTrustLen = 1 << 20

// ParseTrust parses a JWKS that a verifier pins. Every key must be a public
// Ed25519 or P-256 key, its "alg" (when present) must match, and its "kid"
// must be its RFC 7638 thumbprint. A private member anywhere is an error:
// a trust file that holds a private key has leaked it.
func ParseTrust(data []byte) (jose.JSONWebKeySet, error) {
	if len(data) > MaxTrustLen {
		return jose.JSONWebKeySet{}, fmt.Errorf("%w: key set larger than %d bytes", ErrBadKey, MaxTrustLen)
	}
	var raw struct {
		Keys []json.RawMessage `json:"keys"`
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&raw); err != nil {
		return jose.JSONWebKeySet{}, fmt.Errorf("%w: key set is not JSON: %v", ErrBadKey, err)
	}
	if len(raw.Keys) == 0 {
		return jose.JSONWebKeySet{}, fmt.Errorf("%w: key set has no keys", ErrBadKey)
	}
	var set jose.JSONWebKeySet
	for i, r := range raw.Keys {
		var members map[string]any
		if err := json.Unmarshal(r, &members); err != nil {
			return jose.JSONWebKeySet{}, fmt.Errorf("%w: key %d: %v", ErrBadKey, i+1, err)
		}
		for _, m := range []string{"d", "p", "q", "dp", "dq", "qi", "k"} {
			if _, ok := members[m]; ok {
				return jose.JSONWebKeySet{}, fmt.Errorf("%w: key %d has the private or secret member %q: never distribute it", ErrBadKey, i+1, m)
			}
		}
		var k jose.JSONWebKey
		if err := k.UnmarshalJSON(r); err != nil {
			return jose.JSONWebKeySet{}, fmt.Errorf("%w: key %d: %v", ErrBadKey, i+1, err)
		}
		var alg string
		switch pk := k.Key.(type) {
		case ed25519.PublicKey:
			alg = EdDSA
		case *ecdsa.PublicKey:
			if pk.Curve != elliptic.P256() {
				return jose.JSONWebKeySet{}, fmt.Errorf("%w: key %d: curve %s not allowed", ErrBadKey, i+1, pk.Curve.Params().Name)
			}
			alg = ES256
		default:
			return jose.JSONWebKeySet{}, fmt.Errorf("%w: key %d: type %T not allowed (Ed25519 or P-256 public keys only)", ErrBadKey, i+1, k.Key)
		}
		if k.Algorithm != "" && k.Algorithm != alg {
			return jose.JSONWebKeySet{}, fmt.Errorf("%w: key %d: alg %q does not match its %s key", ErrBadKey, i+1, k.Algorithm, alg)
		}
		k.Algorithm = alg
		tp, err := Thumbprint(k)
		if err != nil {
			return jose.JSONWebKeySet{}, err
		}
		if k.KeyID != tp {
			return jose.JSONWebKeySet{}, fmt.Errorf("%w: key %d: kid %q is not its RFC 7638 thumbprint %q", ErrBadKey, i+1, k.KeyID, tp)
		}
		set.Keys = append(set.Keys, k)
	}
	return set, nil
}
