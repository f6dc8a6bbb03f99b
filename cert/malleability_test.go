package cert_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"encoding/base64"
	"math/big"
	"strings"
	"testing"

	"github.com/titlecert/titlecert/cert"
	"github.com/titlecert/titlecert/keys"
)

// Every ES256 signature NewSigner makes has a low S, so the JWS it makes
// is its own canonical form; the high-S twin made from it verifies with
// crypto/ecdsa (it is why CanonicalJWS exists) and canonicalises back.
func TestES256SignsLowS(t *testing.T) {
	k, err := keys.Generate(keys.ES256, nil)
	if err != nil {
		t.Fatal(err)
	}
	s, err := cert.NewSigner(k)
	if err != nil {
		t.Fatal(err)
	}
	pub := k.Key.(*ecdsa.PrivateKey).Public().(*ecdsa.PublicKey)
	n := elliptic.P256().Params().N
	half := new(big.Int).Rsh(n, 1)
	c := vectorClaims(t)
	// A random signature has a high S half the time: 64 signatures all
	// low by chance happen once in 2^64.
	for i := 0; i < 64; i++ {
		jws, err := cert.Sign(s, c)
		if err != nil {
			t.Fatal(err)
		}
		dot := strings.LastIndexByte(jws, '.')
		sig, _ := base64.RawURLEncoding.DecodeString(jws[dot+1:])
		r, sv := new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])
		if sv.Cmp(half) > 0 {
			t.Fatalf("signature %d has a high S", i)
		}
		digest := sha256.Sum256([]byte(jws[:dot]))
		if !ecdsa.Verify(pub, digest[:], r, sv) {
			t.Fatal("the low-S signature does not verify")
		}
		if cert.CanonicalJWS(jws, "ES256") != jws {
			t.Fatal("a low-S JWS is not its own canonical form")
		}
		// The twin made without the key.
		high := new(big.Int).Sub(n, sv)
		if !ecdsa.Verify(pub, digest[:], r, high) {
			t.Fatal("the high-S twin does not verify: the premise of the test is wrong")
		}
		twinSig := append(append([]byte{}, sig[:32]...), high.FillBytes(make([]byte, 32))...)
		twin := jws[:dot+1] + base64.RawURLEncoding.EncodeToString(twinSig)
		if cert.CanonicalJWS(twin, "ES256") != jws || cert.CanonicalCode(twin, "ES256") != cert.VerificationCode(jws) {
			t.Fatal("the twin does not canonicalise to the signed JWS")
		}
		if cert.SigningInput(twin) != cert.SigningInput(jws) {
			t.Fatal("the twins have different signing inputs")
		}
	}
}
