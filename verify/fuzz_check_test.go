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
// when not valid, no certificate when malformed or unreadable, a
// certificate and code when valid; a valid text checks
// again to the same certificate and code, from its JWS alone.
// Seed corpus: testdata/fuzz/FuzzCheck.
func FuzzCheck(f *testing.F) {
	v := loadVector(f)
	_, trust := trustTestKey(f)
	for _, s := range []string{v.JWS, v.QRText, v.QRLower, v.QRLower + "?from=singlemessage", "请核验 " + v.QRLower + " 谢谢", "https://x/C/0:", "hello",
		"\uFEFF" + v.QRLower, "\xFF\xFEh\x00t\x00"} {
		f.Add(s)
	}
	o := verify.Options{Trust: trust, Now: checkTime}
	f.Fuzz(func(t *testing.T, in string) {
		r := verify.Check(in, o)
		wantSource := verify.SourceJWS
		// Check ignores a byte order mark like white space, and reads no
		// further in UTF-16 text (a UTF-16 byte order mark, or a NUL in
		// the first two bytes).
		text := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(in), "\uFEFF"))
		utf16 := strings.HasPrefix(text, "\xFF\xFE") || strings.HasPrefix(text, "\xFE\xFF") || len(text) >= 2 && (text[0] == 0 || text[1] == 0)
		if !utf16 && cert.LooksLikeQRText(text) {
			wantSource = verify.SourceURL
		}
		if r.Source != wantSource {
			t.Fatalf("source %q, want %q", r.Source, wantSource)
		}
		switch r.Status {
		case verify.Invalid, verify.Unreadable:
			if r.Reason == "" {
				t.Fatalf("%s without a reason: %+v", r.Status, r)
			}
			if (r.Status == verify.Unreadable || r.Reason == verify.ReasonMalformed) && (r.Certificate != nil || r.Code != "") {
				t.Fatalf("a malformed or unreadable input reports a certificate: %+v", r)
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
