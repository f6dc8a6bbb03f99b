package scan

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/titlecert/titlecert/cert"
	"github.com/titlecert/titlecert/cert/pdf"
	"github.com/titlecert/titlecert/keys"
	"github.com/titlecert/titlecert/verify"
)

// TestLegacyPDFIsOriginal: PDFs rendered by titlecert before the QR text
// form was recorded (upper-case base URL in the QR code; the files in
// cert/batch/testdata were written by that code) verify, and are
// reported as the original file, from the file alone and with the
// issuer's configuration.
func TestLegacyPDFIsOriginal(t *testing.T) {
	rnd := newRenderer(t)
	for _, tc := range []struct{ file, vector, baseURL string }{
		{"../../cert/batch/testdata/legacy-vector-nohash.pdf", "../../cert/testdata/vector-nohash.json", "https://verify.hrss.fj.example"},
		{"../../cert/batch/testdata/legacy-vector-mixedcase.pdf", "../../cert/testdata/vector.json", "https://Verify.HRSS.fj.example/Zc/"},
	} {
		data, err := os.ReadFile(tc.file)
		if err != nil {
			t.Fatal(err)
		}
		vj, err := os.ReadFile(tc.vector)
		if err != nil {
			t.Fatal(err)
		}
		var v vector
		if err := json.Unmarshal(vj, &v); err != nil {
			t.Fatal(err)
		}
		vo := verify.Options{Trust: &verify.PinnedKeys{Keys: keys.PublicSet(v.Key)}, Now: checkTime}
		configured := PDFOptions{Renderer: rnd, Issuers: []cert.Issuer{{ID: "fjhrss", Name: issuerName, BaseURL: tc.baseURL}}}
		r := CheckPDF(data, vo, configured)
		if r.Status != verify.Valid || r.Source != verify.SourcePDFAttachment || r.JWS != v.JWS || r.Original == nil || !*r.Original || len(r.Warnings) != 0 {
			t.Errorf("%s with the issuer's configuration: %+v", tc.file, r)
		}
		// The printed code is the legacy QR text.
		doc, err := pdf.Open(data)
		if err != nil {
			t.Fatal(err)
		}
		if text, err := readPrintedQR(nil, doc); err != nil || text != cert.QRFormUpper.Text(tc.baseURL, v.JWS) {
			t.Errorf("%s: printed QR %.50q, %v", tc.file, text, err)
		}
		// From the file alone: the original when the configured address
		// is lower-case (as the legacy form printed it under the code).
		r = CheckPDF(data, vo, PDFOptions{Renderer: rnd})
		wantOriginal := tc.baseURL == strings.ToLower(tc.baseURL)
		if r.Status != verify.Valid || r.Original == nil || *r.Original != wantOriginal {
			t.Errorf("%s from the file alone: original %v, want %v: %+v", tc.file, r.Original, wantOriginal, r)
		}
		// Another issuer name: not the original, still valid.
		configured.Issuers = []cert.Issuer{{ID: "fjhrss", Name: "某某厅", BaseURL: tc.baseURL}}
		if r = CheckPDF(data, vo, configured); r.Status != verify.Valid || r.Original == nil || *r.Original {
			t.Errorf("%s with another issuer name: %+v", tc.file, r)
		}
	}
}

// The same certificate issued in each form is the original under the same
// configuration; neither file is the other's rendering.
func TestBothFormsAreOriginal(t *testing.T) {
	f := newFixture(t)
	vo, po := f.opts()
	po.Issuers = []cert.Issuer{{ID: "fjhrss", Name: issuerName, BaseURL: f.v.BaseURL}}
	lower := f.renderForm(t, cert.QRFormLower, f.v.JWS, f.v.Claims)
	upper := f.renderForm(t, cert.QRFormUpper, f.v.JWS, f.v.Claims)
	if bytes.Equal(lower, upper) {
		t.Fatal("the two forms render the same bytes")
	}
	for name, data := range map[string][]byte{"lower": lower, "upper": upper} {
		r := CheckPDF(data, vo, po)
		if r.Status != verify.Valid || r.Original == nil || !*r.Original || len(r.Warnings) != 0 {
			t.Errorf("%s form: %+v", name, r)
		}
	}
}

// The base URL of the printed code is found on the text's own bytes: QR
// text whose case mapping changes its length gives no panic and no
// original.
func TestOriginalOddQRText(t *testing.T) {
	f := newFixture(t)
	doc, err := pdf.Open(f.pdf1)
	if err != nil {
		t.Fatal(err)
	}
	ctx := docInfo{Author: doc.Author()}
	digits := cert.QRText("", f.v.JWS)[len(cert.QRPath):]
	for _, q := range []string{"ȿȿȿȿ/C/" + digits, "ȿ" + cert.QRPath, "/C/" + digits, "ſſ/c/" + digits, "\xff/C/00", ""} {
		orig, warning := original(f.pdf1, f.v.JWS, f.v.Claims, ctx, q, PDFOptions{Renderer: f.renderer})
		if orig || !strings.Contains(warning, "altered") {
			t.Errorf("original with printed text %.20q: %v, %q", q, orig, warning)
		}
	}
}
