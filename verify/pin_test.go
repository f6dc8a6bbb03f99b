package verify_test

import (
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/titlecert/titlecert/cert"
	"github.com/titlecert/titlecert/internal/testkey"
	"github.com/titlecert/titlecert/verify"
)

// signVectorAt signs the FORMAT.md vector's claims again with the test key,
// issued at iat.
func signVectorAt(t testing.TB, iat time.Time) string {
	t.Helper()
	v := loadVector(t)
	priv, _ := trustTestKey(t)
	c := *v.Claims
	c.IssuedAt = iat.Unix()
	s, err := cert.NewSigner(priv)
	if err != nil {
		t.Fatal(err)
	}
	jws, err := cert.Sign(s, &c)
	if err != nil {
		t.Fatal(err)
	}
	return jws
}

// A certificate may be issued up to ClockSkew after the time of checking
// (a signer's clock runs ahead): at the limit it is valid, one second past
// it is not yet valid.
func TestClockSkewAtTheLimit(t *testing.T) {
	_, trust := trustTestKey(t)
	now := checkTime()
	o := verify.Options{Trust: trust, Now: func() time.Time { return now }}
	for _, tc := range []struct {
		name   string
		iat    time.Time
		status verify.Verdict
		reason verify.Reason
	}{
		{"at the limit", now.Add(verify.ClockSkew), verify.Valid, ""},
		{"one second past", now.Add(verify.ClockSkew + time.Second), verify.Invalid, verify.ReasonNotYetValid},
		{"one second before", now.Add(verify.ClockSkew - time.Second), verify.Valid, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := verify.Check(signVectorAt(t, tc.iat), o)
			if r.Status != tc.status || r.Reason != tc.reason {
				t.Fatalf("issued %s after checking: got %s/%s (%s), want %s/%s", tc.iat.Sub(now), r.Status, r.Reason, r.Detail, tc.status, tc.reason)
			}
		})
	}
}

// A "zip" header is refused by name (docs/FORMAT.md §3.1 makes it a MUST:
// the payload's compression is implied by "typ", and a generic JOSE tool
// would inflate it with another dictionary), even when it is signed by a
// trusted key over a payload that is otherwise the vector's.
func TestZipHeaderRefusedByName(t *testing.T) {
	v := loadVector(t)
	_, trust := trustTestKey(t)
	o := verify.Options{Trust: trust, Now: checkTime}
	payload := vectorPayloadJSON(t, v)
	for _, h := range []string{
		`{"alg":"EdDSA","kid":"` + testkey.Thumbprint + `","typ":"titlecert+jws","zip":"DEF"}`,
		`{"zip":"DEF","alg":"EdDSA","kid":"` + testkey.Thumbprint + `","typ":"titlecert+jws"}`,
		`{"alg":"EdDSA","kid":"` + testkey.Thumbprint + `","typ":"titlecert+jws","zip":""}`,
	} {
		r := verify.Check(signRaw([]byte(h), rawDeflate(t, payload)), o)
		if r.Status != verify.Invalid || r.Reason != verify.ReasonMalformed || !strings.Contains(r.Detail, `"zip" is not part of the format`) {
			t.Errorf("%s: got %s/%s (%s), want invalid/malformed naming zip", h, r.Status, r.Reason, r.Detail)
		}
		if r.Certificate != nil {
			t.Errorf("%s: a refused token reports a certificate", h)
		}
	}
}

// A trusted key whose "alg" is not the certificate's algorithm does not
// verify it, even when the signature would verify with the key's bytes: a
// key set built in code (not read with keys.ReadTrust) may say so.
func TestKeyAlgorithmMustMatchHeader(t *testing.T) {
	v := loadVector(t)
	k, _ := trustTestKey(t)
	pub := k.Public()
	pub.KeyID, pub.Algorithm = testkey.Thumbprint, string(jose.ES256)
	pinned := &verify.PinnedKeys{Keys: jose.JSONWebKeySet{Keys: []jose.JSONWebKey{pub}}}
	o := verify.Options{Trust: pinned, Now: checkTime}
	r := verify.Check(v.JWS, o)
	if r.Status != verify.Invalid || r.Reason != verify.ReasonUnsupportedAlgorithm || !strings.Contains(r.Detail, "is for ES256") {
		t.Fatalf("got %s/%s (%s), want invalid/unsupported_algorithm", r.Status, r.Reason, r.Detail)
	}
	pinned.Keys.Keys[0].Algorithm = string(jose.EdDSA)
	if r := verify.Check(v.JWS, o); r.Status != verify.Valid {
		t.Fatalf("key with the matching alg: %s/%s (%s)", r.Status, r.Reason, r.Detail)
	}
}
