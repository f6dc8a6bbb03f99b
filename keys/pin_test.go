package keys_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/titlecert/titlecert/keys"
)

// publicJWK returns the JSON of the public half of key with its RFC 7638
// thumbprint as "kid" and alg (omitted when "").
func publicJWK(t *testing.T, key any, alg string) string {
	t.Helper()
	k := jose.JSONWebKey{Key: key, Algorithm: alg}
	tp, err := k.Thumbprint(crypto.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	k.KeyID = base64.RawURLEncoding.EncodeToString(tp)
	js, err := k.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	return string(js)
}

// withMember adds member name with JSON value to the key object js.
func withMember(js, name, value string) string {
	return strings.TrimSuffix(js, "}") + `,"` + name + `":` + value + `}`
}

// Each check of a trust file refuses on its own, with its own message: a
// key that passes every other check (a correct thumbprint kid, well-formed
// JSON) is refused for the one thing wrong with it.
func TestReadTrustEachCheck(t *testing.T) {
	ed, _ := keys.Generate(keys.EdDSA, nil)
	es, _ := keys.Generate(keys.ES256, nil)
	edPub := publicJWK(t, ed.Public().Key, "")
	esPub := publicJWK(t, es.Public().Key, "")
	p384, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	set := func(k string) string { return `{"keys":[` + k + `]}` }
	for name, tc := range map[string]struct{ in, want string }{
		// Private members: a public key that also carries one has leaked
		// its private half (or was assembled by hand); go-jose would
		// ignore "p" and "dp" on an OKP or EC key and read it as public.
		"Ed25519 with p":         {set(withMember(edPub, "p", `"AAAA"`)), `private or secret member "p"`},
		"Ed25519 with dp":        {set(withMember(edPub, "dp", `"AAAA"`)), `private or secret member "dp"`},
		"P-256 with qi":          {set(withMember(esPub, "qi", `"AAAA"`)), `private or secret member "qi"`},
		"P-256 with k":           {set(withMember(esPub, "k", `"AAAA"`)), `private or secret member "k"`},
		"Ed25519 with d":         {set(publicJWKWithD(t, ed)), `private or secret member "d"`},
		"P-384":                  {set(publicJWK(t, &p384.PublicKey, "")), "curve P-384 not allowed"},
		"P-384 saying ES384":     {set(publicJWK(t, &p384.PublicKey, "ES384")), "curve P-384 not allowed"},
		"RSA":                    {set(publicJWK(t, &rsaKey.PublicKey, "")), "type *rsa.PublicKey not allowed"},
		"RSA saying RS256":       {set(publicJWK(t, &rsaKey.PublicKey, "RS256")), "type *rsa.PublicKey not allowed"},
		"Ed25519 saying ES256":   {set(publicJWK(t, ed.Public().Key, "ES256")), `alg "ES256" does not match its EdDSA key`},
		"P-256 saying EdDSA":     {set(publicJWK(t, es.Public().Key, "EdDSA")), `alg "EdDSA" does not match its ES256 key`},
		"P-256 saying ES384":     {set(publicJWK(t, es.Public().Key, "ES384")), `alg "ES384" does not match its ES256 key`},
		"second key bad, P-384":  {`{"keys":[` + edPub + `,` + publicJWK(t, &p384.PublicKey, "") + `]}`, "key 2: curve P-384"},
		"kid not the thumbprint": {set(strings.Replace(edPub, `"kid":"`, `"kid":"x`, 1)), "is not its RFC 7638 thumbprint"},
	} {
		t.Run(name, func(t *testing.T) {
			tr, err := keys.ReadTrust([]byte(tc.in))
			if !errors.Is(err, keys.ErrBadKey) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v (trust %v), want ErrBadKey with %q", err, tr, tc.want)
			}
		})
	}
	// The same keys without the fault are accepted, so each refusal above
	// is for the fault alone.
	for name, in := range map[string]string{
		"Ed25519":            set(edPub),
		"P-256":              set(esPub),
		"Ed25519 with EdDSA": set(publicJWK(t, ed.Public().Key, "EdDSA")),
		"P-256 with ES256":   set(publicJWK(t, es.Public().Key, "ES256")),
		"both":               `{"keys":[` + edPub + `,` + esPub + `]}`,
	} {
		tr, err := keys.ReadTrust([]byte(in))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for _, k := range tr.Keys.Keys {
			if k.Algorithm != keys.EdDSA && k.Algorithm != keys.ES256 {
				t.Fatalf("%s: key read with alg %q", name, k.Algorithm)
			}
		}
	}
}

// publicJWKWithD is the private JWK of an Ed25519 key: "d" beside "x".
func publicJWKWithD(t *testing.T, k jose.JSONWebKey) string {
	t.Helper()
	js, err := json.Marshal(k)
	if err != nil {
		t.Fatal(err)
	}
	return string(js)
}
