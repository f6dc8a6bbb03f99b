package verify_test

import (
	"strings"
	"testing"

	"github.com/titlecert/titlecert/cert"
	"github.com/titlecert/titlecert/verify"
)

// Whatever text CheckJWS finds valid is one line of base64url with two
// dots (after trimming), and reports the code of its canonical form;
// nothing panics. (QR text is cert.ParseQRText's own fuzz target.)
func FuzzCheckJWS(f *testing.F) {
	v := loadVector(f)
	_, trust := trustTestKey(f)
	f.Add(v.JWS)
	f.Add(strings.Replace(v.JWS, ".", ".\r\n", 1))
	f.Add(`eyJhbGciOiJFZERTQSIsImNyaXQiOltdfQ.e30.AA`)
	o := verify.Options{Trust: trust, Now: checkTime}
	f.Fuzz(func(t *testing.T, in string) {
		r := verify.CheckJWS(in, verify.SourceJWS, o)
		if r.Status != verify.Valid {
			if r.Certificate != nil && r.Reason == verify.ReasonMalformed {
				t.Fatal("a malformed token reports a certificate")
			}
			return
		}
		tok := r.JWS
		if strings.Count(tok, ".") != 2 || strings.ContainsAny(tok, " \t\r\n") {
			t.Fatalf("valid token with white space or wrong dots: %q", tok)
		}
		if r.Code != cert.CanonicalCode(tok, "EdDSA") {
			t.Fatalf("code %s", r.Code)
		}
	})
}

// BenchmarkVerify measures one offline verification of the FORMAT.md
// vector, strict decoding included.
func BenchmarkVerify(b *testing.B) {
	v := loadVector(b)
	_, trust := trustTestKey(b)
	o := verify.Options{Trust: trust, Now: checkTime}
	for b.Loop() {
		if _, _, err := verify.Verify(v.JWS, o); err != nil {
			b.Fatal(err)
		}
	}
}
