package pdf_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/titlecert/titlecert/cert"
	"github.com/titlecert/titlecert/cert/pdf"
	"github.com/titlecert/titlecert/cert/qr"
)

// TestRenderIssuedGolden: the one render path gives the golden bytes of a
// certificate issued in the current form, with or without the QR code
// encoded by the caller (as issuance does).
func TestRenderIssuedGolden(t *testing.T) {
	want, err := os.ReadFile(filepath.Join("testdata", "golden-lower.sha256"))
	if err != nil {
		t.Fatal(err)
	}
	c := testClaims()
	d := testDocumentForm(c, cert.QRFormLower)
	is := cert.Issuer{ID: "fjhrss", Name: d.IssuerName, BaseURL: "https://verify.example.gov.cn/"}
	code, err := qr.Encode(is.QRText(cert.QRFormLower, d.JWS))
	if err != nil {
		t.Fatal(err)
	}
	r := newRenderer(t)
	for name, q := range map[string]*qr.Code{"encoded here": nil, "encoded by the caller": code} {
		var b bytes.Buffer
		if err := r.RenderIssued(&b, pdf.Issued{Issuer: is, Form: cert.QRFormLower, JWS: d.JWS, Claims: c, QR: q}); err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(b.Bytes())
		if got := hex.EncodeToString(sum[:]) + "\n"; got != string(want) {
			t.Errorf("%s: SHA-256 %s, golden %s", name, strings.TrimSpace(got), strings.TrimSpace(string(want)))
		}
	}
}

// TestRenderIssuedUnknownForm: a form this version does not know is an
// error naming the certificate, and nothing is written.
func TestRenderIssuedUnknownForm(t *testing.T) {
	c := testClaims()
	var b bytes.Buffer
	err := newRenderer(t).RenderIssued(&b, pdf.Issued{Issuer: cert.Issuer{Name: "x", BaseURL: "https://x.example"}, Form: cert.QRForm(9), JWS: fakeJWS(1), Claims: c})
	if err == nil || !strings.HasPrefix(err.Error(), "pdf: certificate "+c.Number+": ") || !strings.Contains(err.Error(), "unknown QR text form 9") {
		t.Fatalf("unknown form: %v", err)
	}
	if b.Len() != 0 {
		t.Fatalf("%d bytes written", b.Len())
	}
}
