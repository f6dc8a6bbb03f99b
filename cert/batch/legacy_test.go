package batch_test

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/titlecert/titlecert/cert"
	"github.com/titlecert/titlecert/cert/batch"
	"github.com/titlecert/titlecert/cert/pdf/pdftest"
)

// legacyPDF is a certificate PDF rendered by titlecert before the QR text
// form was recorded (the QR code's base URL upper-cased): testdata holds
// the files that code wrote, from the FORMAT.md vectors.
type legacyPDF struct {
	file, vector, baseURL string
}

// The files were made by the code of main at bc3a928 with
// batch.Render(renderer, baseURL, strings.TrimRight(baseURL, "/")+"/v",
// "福建省人力资源和社会保障厅", vector.jws, vector.claims).
var legacyPDFs = []legacyPDF{
	{"testdata/legacy-vector-nohash.pdf", "../testdata/vector-nohash.json", "https://verify.hrss.fj.example"},
	// A base URL with capitals and a path: the legacy form upper-cased
	// the whole of it, and printed the verification address as configured.
	{"testdata/legacy-vector-mixedcase.pdf", "../testdata/vector.json", "https://Verify.HRSS.fj.example/Zc/"},
}

// TestLegacyPDFRendersAgain: a certificate issued in the legacy form
// renders again, in that form, to the bytes issued; the current form
// gives other bytes (so the store must record which).
func TestLegacyPDFRendersAgain(t *testing.T) {
	r := pdftest.Renderer(t)
	for _, l := range legacyPDFs {
		issued, err := os.ReadFile(l.file)
		if err != nil {
			t.Fatal(err)
		}
		data, err := os.ReadFile(l.vector)
		if err != nil {
			t.Fatal(err)
		}
		var v struct {
			JWS    string       `json:"jws"`
			Claims *cert.Claims `json:"claims"`
		}
		if err := json.Unmarshal(data, &v); err != nil {
			t.Fatal(err)
		}
		verifyURL := strings.TrimRight(l.baseURL, "/") + "/v"
		var again, current bytes.Buffer
		if err := batch.Render(r, cert.QRFormUpper, l.baseURL, verifyURL, "福建省人力资源和社会保障厅", v.JWS, v.Claims, &again); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(again.Bytes(), issued) {
			t.Errorf("%s: the legacy form no longer renders to the bytes issued", l.file)
		}
		if err := batch.Render(r, cert.QRFormLower, l.baseURL, verifyURL, "福建省人力资源和社会保障厅", v.JWS, v.Claims, &current); err != nil {
			t.Fatal(err)
		}
		if bytes.Equal(current.Bytes(), issued) {
			t.Errorf("%s: the current form renders the legacy bytes", l.file)
		}
		if err := batch.Render(r, cert.QRForm(9), l.baseURL, verifyURL, "x", v.JWS, v.Claims, &current); err == nil || !strings.Contains(err.Error(), "unknown QR text form 9") {
			t.Errorf("an unknown form: %v", err)
		}
	}
}
