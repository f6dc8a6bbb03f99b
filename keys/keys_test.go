package keys_test

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/titlecert/titlecert/internal/testkey"
	"github.com/titlecert/titlecert/keys"
)

// RFC 8037 Appendix A.4: the JWS of "Example of Ed25519 signing".
const rfc8037JWS = "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc.hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg"

func TestRFC8037Vector(t *testing.T) {
	priv := testkey.Ed25519()
	x, _ := base64.RawURLEncoding.DecodeString(testkey.X)
	if !bytes.Equal(priv.Public().(ed25519.PublicKey), x) {
		t.Fatal("public key does not match RFC 8037 A.1")
	}
	k, err := keys.FromPrivate(priv)
	if err != nil {
		t.Fatal(err)
	}
	if k.KeyID != testkey.Thumbprint {
		t.Fatalf("kid = %s, want RFC 8037 A.3 thumbprint %s", k.KeyID, testkey.Thumbprint)
	}
	// Signing: Ed25519 is deterministic, so go-jose must reproduce A.4.
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.EdDSA, Key: priv}, nil)
	if err != nil {
		t.Fatal(err)
	}
	obj, err := s.Sign([]byte("Example of Ed25519 signing"))
	if err != nil {
		t.Fatal(err)
	}
	got, _ := obj.CompactSerialize()
	if got != rfc8037JWS {
		t.Fatalf("JWS = %s\nwant %s", got, rfc8037JWS)
	}
	// Verification of the published JWS with the public key from a trust set.
	set, err := keys.MarshalPublic(k)
	if err != nil {
		t.Fatal(err)
	}
	trust, err := keys.ParseTrust(set)
	if err != nil {
		t.Fatal(err)
	}
	parsed, err := jose.ParseSignedCompact(rfc8037JWS, []jose.SignatureAlgorithm{jose.EdDSA})
	if err != nil {
		t.Fatal(err)
	}
	payload, err := parsed.Verify(trust.Keys[0].Key)
	if err != nil || string(payload) != "Example of Ed25519 signing" {
		t.Fatalf("verify: %q, %v", payload, err)
	}
}

func TestExportHasNoPrivateMember(t *testing.T) {
	for _, alg := range []string{keys.EdDSA, keys.ES256} {
		t.Run(alg, func(t *testing.T) {
			k, err := keys.Generate(alg, nil)
			if err != nil {
				t.Fatal(err)
			}
			out, err := keys.MarshalPublic(k)
			if err != nil {
				t.Fatal(err)
			}
			var set struct{ Keys []map[string]any }
			if err := json.Unmarshal(out, &set); err != nil {
				t.Fatal(err)
			}
			if len(set.Keys) != 1 {
				t.Fatalf("%d keys", len(set.Keys))
			}
			for _, m := range []string{"d", "p", "q", "dp", "dq", "qi", "k"} {
				if _, ok := set.Keys[0][m]; ok {
					t.Errorf("exported key set has private member %q", m)
				}
			}
			if set.Keys[0]["kid"] != k.KeyID || set.Keys[0]["alg"] != alg {
				t.Errorf("exported kid/alg = %v/%v", set.Keys[0]["kid"], set.Keys[0]["alg"])
			}
			if _, err := keys.ParseTrust(out); err != nil {
				t.Errorf("ParseTrust(export): %v", err)
			}
		})
	}
}

func TestSealOpen(t *testing.T) {
	k, err := keys.Generate(keys.ES256, nil)
	if err != nil {
		t.Fatal(err)
	}
	pass := []byte("correct horse battery")
	sealed, err := keys.SealKey(k, pass)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(sealed, []byte(`"d"`)) || bytes.Contains(sealed, []byte(k.KeyID)) {
		t.Fatal("sealed file shows key material in clear")
	}
	got, err := keys.OpenKey(sealed, pass)
	if err != nil {
		t.Fatal(err)
	}
	if got.KeyID != k.KeyID {
		t.Fatalf("kid %s != %s", got.KeyID, k.KeyID)
	}
	if _, err := keys.OpenKey(sealed, []byte("wrong passphrase")); !errors.Is(err, keys.ErrWrongPassphrase) {
		t.Fatalf("wrong passphrase: %v", err)
	}
	if _, err := keys.SealKey(k, []byte("short")); err == nil {
		t.Fatal("short passphrase accepted")
	}
	if _, err := keys.OpenKey([]byte("not a jwe"), pass); !errors.Is(err, keys.ErrBadKey) {
		t.Fatalf("garbage: %v", err)
	}
	// A secret sealed as a secret is not accepted as a key.
	sec, _ := keys.SealSecret([]byte("0123456789abcdef0123456789abcdef"), pass)
	if _, err := keys.OpenKey(sec, pass); err == nil {
		t.Fatal("secret opened as key")
	}
	if s, err := keys.OpenSecret(sec, pass); err != nil || string(s) != "0123456789abcdef0123456789abcdef" {
		t.Fatalf("OpenSecret: %q %v", s, err)
	}
}

func TestParseTrustRefusals(t *testing.T) {
	k, _ := keys.Generate(keys.EdDSA, nil)
	priv, _ := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{k}})
	pub, _ := keys.MarshalPublic(k)
	wrongKid := strings.Replace(string(pub), k.KeyID, "abc", 1)
	for name, in := range map[string]string{
		"private":   string(priv),
		"hmac":      `{"keys":[{"kty":"oct","k":"c2VjcmV0","kid":"x"}]}`,
		"empty":     `{"keys":[]}`,
		"not json":  `{`,
		"wrong kid": wrongKid,
		"huge":      `{"keys":[` + strings.Repeat(" ", keys.MaxTrustLen) + `]}`,
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := keys.ParseTrust([]byte(in)); !errors.Is(err, keys.ErrBadKey) {
				t.Fatalf("ParseTrust accepted or wrong error: %v", err)
			}
		})
	}
}
