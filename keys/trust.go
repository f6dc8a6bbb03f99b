package keys

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"encoding/json"
	"fmt"
	"strings"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/titlecert/titlecert/cert"
	"github.com/titlecert/titlecert/internal/strictjson"
)

// MaxTrustLen bounds a trusted key set file.
const MaxTrustLen = 1 << 20

// IssuerMember is the JWK member that names the issuer identifier (the
// certificates' "iss") a key signs for. titlecert keys export writes it on
// every key; a verifier accepts a key's certificates and status lists only
// when their "iss" equals it.
const IssuerMember = "iss"

// Trust is a pinned set of issuer keys, each bound to the issuer it signs
// for. A verifier checks through it with verify.PinnedKeys{Keys: t.Keys,
// Issuers: t.Issuers}, the verify.Trust of a pinned JWKS (package keys
// sits below verify and does not import it).
type Trust struct {
	// Keys are public Ed25519 or P-256 keys with "alg" set and "kid" their
	// RFC 7638 thumbprint.
	Keys jose.JSONWebKeySet
	// Issuers maps a key's kid to the issuer identifier it signs for. A
	// key of a trust file written before keys named their issuer (a
	// legacy file: no key has "iss") has no entry; the caller decides
	// which issuer it belongs to (see Bind).
	Issuers map[string]string
}

// Legacy reports whether no key of t names its issuer.
func (t *Trust) Legacy() bool { return len(t.Issuers) == 0 }

// Bind binds every key of t that names no issuer to iss.
func (t *Trust) Bind(iss string) {
	if t.Issuers == nil {
		t.Issuers = map[string]string{}
	}
	for _, k := range t.Keys.Keys {
		if _, ok := t.Issuers[k.KeyID]; !ok {
			t.Issuers[k.KeyID] = iss
		}
	}
}

// jwkMembers are the registered JWK members (RFC 7517, 7518, 8037) and
// IssuerMember. go-jose matches them case-insensitively, so a member that
// differs from one of them only in case is refused, not silently read.
var jwkMembers = []string{"kty", "use", "key_ops", "alg", "kid", "x5u", "x5c", "x5t", "x5t#S256",
	"crv", "x", "y", "d", "n", "e", "p", "q", "dp", "dq", "qi", "oth", "k", IssuerMember}

// ParseTrust parses a JWKS that a verifier pins and returns its keys, as
// ReadTrust does, without the issuer binding. Verifiers use ReadTrust.
func ParseTrust(data []byte) (jose.JSONWebKeySet, error) {
	t, err := ReadTrust(data)
	if err != nil {
		return jose.JSONWebKeySet{}, err
	}
	return t.Keys, nil
}

// ReadTrust parses a JWKS that a verifier pins, of at most MaxTrustLen
// bytes. The file must be one JSON object in UTF-8 with a non-empty "keys"
// array, with no member twice and no two member names differing only in
// case in any object. Every key must be a public Ed25519 or P-256 key, its
// "alg" (when present) must match, and its "kid" must be its RFC 7638
// thumbprint. A private member anywhere is an
// error: a trust file that holds a private key has leaked it. Each key may
// name its issuer ("iss", an issuer identifier as in certificates); either
// every key does or none does (a legacy file). Errors wrap ErrBadKey and
// name the key by its position.
func ReadTrust(data []byte) (*Trust, error) {
	if len(data) > MaxTrustLen {
		return nil, fmt.Errorf("%w: key set larger than %d bytes", ErrBadKey, MaxTrustLen)
	}
	if err := strictjson.Check(data); err != nil {
		return nil, fmt.Errorf("%w: key set: %s", ErrBadKey, strictjson.Message(err))
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(data, &top); err != nil {
		return nil, fmt.Errorf("%w: key set is not a JSON object: %v", ErrBadKey, err)
	}
	for name := range top {
		if name != "keys" && strings.EqualFold(name, "keys") {
			return nil, fmt.Errorf("%w: key set member %q must be written \"keys\"", ErrBadKey, name)
		}
	}
	var raw []json.RawMessage
	if r, ok := top["keys"]; ok {
		if err := json.Unmarshal(r, &raw); err != nil {
			return nil, fmt.Errorf("%w: \"keys\" is not an array of keys: %v", ErrBadKey, err)
		}
	}
	if len(raw) == 0 {
		return nil, fmt.Errorf("%w: key set has no keys", ErrBadKey)
	}
	t := &Trust{}
	named := 0
	for i, r := range raw {
		var members map[string]json.RawMessage
		if err := json.Unmarshal(r, &members); err != nil {
			return nil, fmt.Errorf("%w: key %d: %v", ErrBadKey, i+1, err)
		}
		for name := range members {
			for _, m := range jwkMembers {
				if name != m && strings.EqualFold(name, m) {
					return nil, fmt.Errorf("%w: key %d: member %q must be written %q", ErrBadKey, i+1, name, m)
				}
			}
		}
		for _, m := range []string{"d", "p", "q", "dp", "dq", "qi", "k"} {
			if _, ok := members[m]; ok {
				return nil, fmt.Errorf("%w: key %d has the private or secret member %q: never distribute it", ErrBadKey, i+1, m)
			}
		}
		var k jose.JSONWebKey
		if err := k.UnmarshalJSON(r); err != nil {
			return nil, fmt.Errorf("%w: key %d: %v", ErrBadKey, i+1, err)
		}
		var alg string
		switch pk := k.Key.(type) {
		case ed25519.PublicKey:
			alg = EdDSA
		case *ecdsa.PublicKey:
			if pk.Curve != elliptic.P256() {
				return nil, fmt.Errorf("%w: key %d: curve %s not allowed", ErrBadKey, i+1, pk.Curve.Params().Name)
			}
			alg = ES256
		default:
			return nil, fmt.Errorf("%w: key %d: type %T not allowed (Ed25519 or P-256 public keys only)", ErrBadKey, i+1, k.Key)
		}
		if k.Algorithm != "" && k.Algorithm != alg {
			return nil, fmt.Errorf("%w: key %d: alg %q does not match its %s key", ErrBadKey, i+1, k.Algorithm, alg)
		}
		k.Algorithm = alg
		tp, err := Thumbprint(k)
		if err != nil {
			return nil, err
		}
		if k.KeyID != tp {
			return nil, fmt.Errorf("%w: key %d: kid %q is not its RFC 7638 thumbprint %q", ErrBadKey, i+1, k.KeyID, tp)
		}
		if r, ok := members[IssuerMember]; ok {
			var iss string
			if err := json.Unmarshal(r, &iss); err != nil || cert.CheckIssuerID(iss) != nil {
				return nil, fmt.Errorf("%w: key %d: %q must be an issuer identifier (1-64 of A-Z a-z 0-9 . _ -)", ErrBadKey, i+1, IssuerMember)
			}
			if prev, dup := t.Issuers[k.KeyID]; dup && prev != iss {
				return nil, fmt.Errorf("%w: key %d: kid %q signs for issuer %q here and for %q earlier in the key set", ErrBadKey, i+1, k.KeyID, iss, prev)
			}
			if t.Issuers == nil {
				t.Issuers = map[string]string{}
			}
			t.Issuers[k.KeyID] = iss
			named++
		}
		t.Keys.Keys = append(t.Keys.Keys, k)
	}
	if named != 0 && named != len(t.Keys.Keys) {
		return nil, fmt.Errorf("%w: %d of the %d keys name their issuer (%q): every key must, or none (a file from an older titlecert keys export)", ErrBadKey, named, len(t.Keys.Keys), IssuerMember)
	}
	return t, nil
}

// MarshalTrust encodes the public halves of ks as an indented JWKS whose
// every key names issuer iss (the form titlecert keys export writes). It
// fails rather than emit a private member.
func MarshalTrust(iss string, ks ...jose.JSONWebKey) ([]byte, error) {
	if cert.CheckIssuerID(iss) != nil {
		return nil, fmt.Errorf("%w: issuer identifier %q is not 1-64 of A-Z a-z 0-9 . _ -", ErrBadKey, iss)
	}
	set := PublicSet(ks...)
	var buf bytes.Buffer
	buf.WriteString(`{"keys":[`)
	for i, k := range set.Keys {
		if !k.IsPublic() {
			return nil, fmt.Errorf("%w: refusing to publish a private key", ErrBadKey)
		}
		js, err := k.MarshalJSON()
		if err != nil {
			return nil, fmt.Errorf("keys: encoding key set: %w", err)
		}
		is, _ := json.Marshal(iss)
		if i > 0 {
			buf.WriteByte(',')
		}
		buf.Write(js[:len(js)-1]) // the object without its closing brace
		buf.WriteString(`,"` + IssuerMember + `":`)
		buf.Write(is)
		buf.WriteByte('}')
	}
	buf.WriteString(`]}`)
	var out bytes.Buffer
	if err := json.Indent(&out, buf.Bytes(), "", "  "); err != nil {
		return nil, fmt.Errorf("keys: encoding key set: %w", err)
	}
	out.WriteByte('\n')
	return out.Bytes(), nil
}

// BindTrust rewrites a JWKS (as ReadTrust accepts it) so that every key
// names issuer iss: what titlecert keys export and the server's
// /.well-known/jwks.json publish from the data directory's key set. A key
// that already names another issuer is an error.
func BindTrust(jwks []byte, iss string) ([]byte, error) {
	t, err := ReadTrust(jwks)
	if err != nil {
		return nil, err
	}
	for kid, other := range t.Issuers {
		if other != iss {
			return nil, fmt.Errorf("%w: key %q already names issuer %q, not %q", ErrBadKey, kid, other, iss)
		}
	}
	return MarshalTrust(iss, t.Keys.Keys...)
}
