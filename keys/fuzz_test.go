package keys_test

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"errors"
	"os"
	"testing"

	"github.com/titlecert/titlecert/internal/testkey"
	"github.com/titlecert/titlecert/keys"
)

// FuzzReadTrust feeds ReadTrust what a verifier may be handed as a trust
// file. It never panics; every error wraps ErrBadKey; a set it accepts
// holds only public Ed25519 or P-256 keys, each with its alg and with its
// RFC 7638 thumbprint as kid, and either every key names its issuer or
// none does; a set whose keys name one issuer, written again with
// MarshalTrust, reads back to the same keys and issuers.
// Seed corpus: testdata/fuzz/FuzzReadTrust.
func FuzzReadTrust(f *testing.F) {
	for _, name := range []string{"testdata/issuer-jwks.json", "testdata/issuer2-jwks.json"} {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	k, err := keys.FromPrivate(testkey.Ed25519())
	if err != nil {
		f.Fatal(err)
	}
	js, err := keys.MarshalTrust("fjhrss", k)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(js)
	f.Add([]byte(`{"keys": [{"kty": "OKP", "crv": "Ed25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo", "kid": "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k", "alg": "EdDSA", "use": "sig"}]}`))
	f.Add([]byte(`{"keys":[{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo","d":"nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A"}]}`))
	f.Add([]byte(`{"keys":[],"Keys":[]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		tr, err := keys.ReadTrust(data)
		if err != nil {
			if !errors.Is(err, keys.ErrBadKey) {
				t.Fatalf("error %v does not wrap ErrBadKey", err)
			}
			return
		}
		if len(tr.Keys.Keys) == 0 {
			t.Fatal("accepted a set without keys")
		}
		if len(tr.Issuers) != 0 {
			for _, k := range tr.Keys.Keys {
				if _, ok := tr.Issuers[k.KeyID]; !ok {
					t.Fatalf("key %q names no issuer, others do", k.KeyID)
				}
			}
		}
		issuers := map[string]bool{}
		for i, k := range tr.Keys.Keys {
			if !k.IsPublic() {
				t.Fatalf("key %d is not public", i+1)
			}
			switch pk := k.Key.(type) {
			case ed25519.PublicKey:
				if k.Algorithm != keys.EdDSA {
					t.Fatalf("key %d: Ed25519 with alg %q", i+1, k.Algorithm)
				}
			case *ecdsa.PublicKey:
				if pk.Curve != elliptic.P256() || k.Algorithm != keys.ES256 {
					t.Fatalf("key %d: curve %s with alg %q", i+1, pk.Curve.Params().Name, k.Algorithm)
				}
			default:
				t.Fatalf("key %d: type %T accepted", i+1, k.Key)
			}
			if tp, err := keys.Thumbprint(k); err != nil || tp != k.KeyID {
				t.Fatalf("key %d: kid %q, thumbprint %q (%v)", i+1, k.KeyID, tp, err)
			}
			if iss, ok := tr.Issuers[k.KeyID]; ok {
				issuers[iss] = true
			}
		}
		if len(issuers) != 1 {
			return
		}
		var iss string
		for iss = range issuers {
		}
		again, err := keys.MarshalTrust(iss, tr.Keys.Keys...)
		if err != nil {
			t.Fatalf("an accepted set does not write: %v", err)
		}
		back, err := keys.ReadTrust(again)
		if err != nil {
			t.Fatalf("an accepted set, written again, is refused: %v\n%s", err, again)
		}
		if len(back.Keys.Keys) != len(tr.Keys.Keys) {
			t.Fatalf("%d keys read back, want %d", len(back.Keys.Keys), len(tr.Keys.Keys))
		}
		for i, k := range back.Keys.Keys {
			if k.KeyID != tr.Keys.Keys[i].KeyID || k.Algorithm != tr.Keys.Keys[i].Algorithm || back.Issuers[k.KeyID] != iss {
				t.Fatalf("key %d read back as %q/%q for %q", i+1, k.KeyID, k.Algorithm, back.Issuers[k.KeyID])
			}
		}
	})
}
