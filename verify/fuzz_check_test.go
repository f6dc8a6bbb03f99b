package verify_test

import (
	"strings"
	"testing"

	"github.com/titlecert/titlecert/cert"
	"github.com/titlecert/titlecert/verify"
)

// FuzzCheck feeds Check what a stranger can type or paste into the server
// (a JWS or QR text, with whatever comes around it). Check never panics and
// its Result is coherent: a verdict it can give for text, a reason exactly
// when not valid, a certificate and code when valid; a valid text checks
// again to the same certificate and code, from its JWS alone.
// Seed corpus: testdata/fuzz/FuzzCheck.
func FuzzCheck(f *testing.F) {
	v := loadVector(f)
	_, trust := trustTestKey(f)
	for _, s := range []string{v.JWS, v.QRText, v.QRLower, v.QRLower + "?from=singlemessage", "请核验 " + v.QRLower + " 谢谢", "https://x/C/0:", "hello"} {
		f.Add(s)
	}
	o := verify.Options{Trust: trust, Now: checkTime}
	f.Fuzz(func(t *testing.T, in string) {
		r := verify.Check(in, o)
		wantSource := verify.SourceJWS
		if cert.LooksLikeQRText(strings.TrimSpace(in)) {
			wantSource = verify.SourceURL
		}
		if r.Source != wantSource {
			t.Fatalf("source %q, want %q", r.Source, wantSource)
		}
		switch r.Status {
		case verify.Invalid:
			if r.Reason == "" {
				t.Fatalf("invalid without a reason: %+v", r)
			}
			if r.Reason == verify.ReasonMalformed && (r.Certificate != nil || r.Code != "") {
				t.Fatalf("a malformed input reports a certificate: %+v", r)
			}
			return
		case verify.Valid:
		default:
			t.Fatalf("verdict %q for text without a status source", r.Status)
		}
		if r.Reason != "" || r.Certificate == nil || r.Code == "" || r.KeyID == "" {
			t.Fatalf("valid result incomplete: %+v", r)
		}
		again := verify.CheckJWS(r.JWS, verify.SourceJWS, o)
		if again.Status != verify.Valid || again.Code != r.Code || again.Certificate.Number != r.Certificate.Number {
			t.Fatalf("its JWS checks to %s/%s code %s, not valid with code %s", again.Status, again.Reason, again.Code, r.Code)
		}
	})
}
