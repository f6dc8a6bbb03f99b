package scan

import (
	"bytes"
	"compress/zlib"
	"errors"
	"fmt"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pdfcpu/pdfcpu/pkg/api"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"

	"github.com/titlecert/titlecert/cert"
	"github.com/titlecert/titlecert/cert/pdf"
	"github.com/titlecert/titlecert/cert/pdf/pdftest"
	"github.com/titlecert/titlecert/cert/qr"
	"github.com/titlecert/titlecert/internal/testtool"
	"github.com/titlecert/titlecert/keys"
	"github.com/titlecert/titlecert/verify"
)

const (
	issuerName = "福建省人力资源和社会保障厅"
)

var checkTime = func() time.Time { return time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC) }

func newRenderer(t testing.TB) *pdf.Renderer { return pdftest.Renderer(t) }

// fixture is the test vector's certificate and a second one, both signed
// by the test key, and their issued PDFs.
type fixture struct {
	v          vector
	trust      *verify.PinnedKeys
	jws2       string
	claims2    *cert.Claims
	pdf1, pdf2 []byte
	renderer   *pdf.Renderer
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	v := loadVector(t)
	f := &fixture{v: v, trust: &verify.PinnedKeys{Keys: keys.PublicSet(v.Key)}, renderer: newRenderer(t)}
	s, err := cert.NewSigner(v.Key)
	if err != nil {
		t.Fatal(err)
	}
	c2 := *v.Claims
	c2.Number, c2.HolderName = "2026000002", "李娜"
	if f.jws2, err = cert.Sign(s, &c2); err != nil {
		t.Fatal(err)
	}
	f.claims2 = &c2
	f.pdf1 = f.render(t, v.JWS, v.Claims)
	f.pdf2 = f.render(t, f.jws2, f.claims2)
	return f
}

// render issues the PDF as titlecert issue does (in the current QR text
// form).
func (f *fixture) render(t testing.TB, jws string, c *cert.Claims) []byte {
	t.Helper()
	return f.renderForm(t, cert.QRFormCurrent, jws, c)
}

func (f *fixture) renderForm(t testing.TB, form cert.QRForm, jws string, c *cert.Claims) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := newRenderer(t).RenderIssued(&b, pdf.Issued{Issuer: cert.Issuer{ID: c.Issuer, Name: issuerName, BaseURL: f.v.BaseURL}, Form: form, JWS: jws, Claims: c}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func (f *fixture) opts() (verify.Options, PDFOptions) {
	return verify.Options{Trust: f.trust, Now: checkTime}, PDFOptions{Renderer: f.renderer}
}

// pdfcpuConfig is a configuration for editing PDFs in tests that does not
// create pdfcpu's folder in the home directory.
func pdfcpuConfig(cmd model.CommandMode) *model.Configuration {
	c := pdf.ReadConfig(cmd, MaxImagePixels)
	c.WriteObjectStream = true
	c.WriteXRefStream = true
	c.Optimize = true
	return c
}

// swapAttachment replaces the PDF's certificate.jws with jws, or removes
// it when jws is empty.
func swapAttachment(t *testing.T, doc []byte, jws string) []byte {
	t.Helper()
	var removed bytes.Buffer
	if _, err := pdf.ExtractJWS(bytes.NewReader(doc), int64(len(doc))); errors.Is(err, pdf.ErrNoCertificate) {
		removed.Write(doc)
	} else if err := api.RemoveAttachments(bytes.NewReader(doc), &removed, []string{pdf.AttachmentName}, pdfcpuConfig(model.REMOVEATTACHMENTS)); err != nil {
		t.Fatalf("removing the attachment: %v", err)
	}
	if jws == "" {
		return removed.Bytes()
	}
	file := filepath.Join(t.TempDir(), pdf.AttachmentName)
	if err := os.WriteFile(file, []byte(jws), 0o644); err != nil {
		t.Fatal(err)
	}
	var added bytes.Buffer
	if err := api.AddAttachments(bytes.NewReader(removed.Bytes()), &added, []string{file}, false, pdfcpuConfig(model.ADDATTACHMENTS)); err != nil {
		t.Fatalf("adding the attachment: %v", err)
	}
	got, err := pdf.ExtractJWS(bytes.NewReader(added.Bytes()), int64(added.Len()))
	if err != nil || got != jws {
		t.Fatalf("the swapped attachment reads %q, %v", got, err)
	}
	return added.Bytes()
}

// imagePDF makes a PDF whose page is only an image, as a copier's scan:
// the PNG, decoded and stored as an 8-bit grey or RGB image, 60 mm wide
// at (120 mm, 200 mm) from the top left of an A4 page.
func imagePDF(t *testing.T, pngData []byte) []byte {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(pngData))
	if err != nil {
		t.Fatal(err)
	}
	bounds := img.Bounds()
	var raw bytes.Buffer
	zw := zlib.NewWriter(&raw)
	for y := bounds.Min.Y; y < bounds.Max.Y; y++ {
		for x := bounds.Min.X; x < bounds.Max.X; x++ {
			r, g, b, _ := img.At(x, y).RGBA()
			zw.Write([]byte{byte(r >> 8), byte(g >> 8), byte(b >> 8)})
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	const k = 72 / 25.4
	w := 60 * k
	h := w * float64(bounds.Dy()) / float64(bounds.Dx())
	content := fmt.Sprintf("q %.2f 0 0 %.2f %.2f %.2f cm /Im1 Do Q", w, h, 120*k, 841.89-200*k-h)
	f := pdftest.New()
	f.Obj("<< /Type /Catalog /Pages 2 0 R >>")
	f.Obj("<< /Type /Pages /Kids [3 0 R] /Count 1 /MediaBox [0 0 595.28 841.89] >>")
	f.Obj("<< /Type /Page /Parent 2 0 R /Resources << /XObject << /Im1 5 0 R >> >> /Contents 4 0 R >>")
	f.Stream("", []byte(content))
	f.Stream(fmt.Sprintf("/Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceRGB /BitsPerComponent 8 /Filter /FlateDecode", bounds.Dx(), bounds.Dy()), raw.Bytes())
	return f.Bytes()
}

func TestIssuedPDF(t *testing.T) {
	f := newFixture(t)
	vo, po := f.opts()
	r := CheckPDF(f.pdf1, vo, po)
	if r.Status != verify.Valid || r.Source != verify.SourcePDFAttachment || r.JWS != f.v.JWS {
		t.Fatalf("issued PDF: %+v", r)
	}
	if r.Original == nil || !*r.Original {
		t.Fatalf("issued PDF: original = %v, warnings %q", r.Original, r.Warnings)
	}
	// From the file alone, the unsigned issuer name and addresses are named.
	if len(r.Warnings) != 1 || !strings.Contains(r.Warnings[0], issuerName) || !strings.Contains(r.Warnings[0], f.v.BaseURL) {
		t.Errorf("warnings: %q", r.Warnings)
	}
	// With the issuer's configuration, nothing to warn about.
	po.Issuers = []cert.Issuer{{ID: "fjhrss", Name: issuerName, BaseURL: f.v.BaseURL}}
	r = CheckPDF(f.pdf1, vo, po)
	if r.Status != verify.Valid || r.Original == nil || !*r.Original || len(r.Warnings) != 0 {
		t.Fatalf("with the issuer's configuration: %+v", r)
	}
	// Another configuration: the file is not what that issuer renders.
	po.Issuers = []cert.Issuer{{ID: "fjhrss", Name: "某某厅", BaseURL: f.v.BaseURL}}
	r = CheckPDF(f.pdf1, vo, po)
	if r.Status != verify.Valid || r.Original == nil || *r.Original || len(r.Warnings) != 1 || !strings.Contains(r.Warnings[0], "altered") {
		t.Fatalf("with another configuration: %+v", r)
	}
}

func TestPrintedQRFromVectors(t *testing.T) {
	f := newFixture(t)
	doc, err := pdf.Open(f.pdf1)
	if err != nil {
		t.Fatal(err)
	}
	text, err := readPrintedQR(nil, doc)
	if err != nil || text != f.v.QRLower {
		t.Fatalf("printed QR: %q, %v\nwant %q", text, err, f.v.QRLower)
	}
}

// The attachment swapped for another certificate's: pdf_mismatch, even
// though both are validly signed.
func TestSwappedAttachment(t *testing.T) {
	f := newFixture(t)
	vo, po := f.opts()
	r := CheckPDF(swapAttachment(t, f.pdf1, f.jws2), vo, po)
	if r.Status != verify.Invalid || r.Reason != verify.ReasonPDFMismatch || r.Source != verify.SourcePDFAttachment {
		t.Fatalf("swapped attachment: %+v", r)
	}
	if !strings.Contains(r.Detail, "2026000002") || !strings.Contains(r.Detail, f.v.Claims.Number) {
		t.Errorf("detail: %s", r.Detail)
	}
	if !errors.Is(&verify.InvalidError{Reason: r.Reason}, verify.ErrPDFMismatch) {
		t.Error("ReasonPDFMismatch has no sentinel")
	}
}

// The visible content re-rendered with another name, the attachment and
// QR code kept: valid (the signed data counts), but not the original.
func TestAlteredVisibleContent(t *testing.T) {
	f := newFixture(t)
	vo, po := f.opts()
	altered := *f.v.Claims
	altered.HolderName = "王五"
	doc := f.render(t, f.v.JWS, &altered)
	r := CheckPDF(doc, vo, po)
	if r.Status != verify.Valid || r.Original == nil || *r.Original {
		t.Fatalf("altered PDF: %+v", r)
	}
	if len(r.Warnings) == 0 || !strings.Contains(r.Warnings[0], "altered") || !strings.Contains(r.Warnings[0], "signed data") {
		t.Errorf("warnings: %q", r.Warnings)
	}
	if r.Certificate.HolderName != f.v.Claims.HolderName {
		t.Errorf("the result shows %q, not the signed name", r.Certificate.HolderName)
	}
}

// Without attachment (a print to PDF): the printed code is verified.
func TestNoAttachment(t *testing.T) {
	f := newFixture(t)
	vo, po := f.opts()
	r := CheckPDF(swapAttachment(t, f.pdf1, ""), vo, po)
	if r.Status != verify.Valid || r.Source != verify.SourcePDFQR || r.JWS != f.v.JWS || r.Original == nil || *r.Original || len(r.Warnings) != 1 {
		t.Fatalf("without attachment: %+v", r)
	}
}

// A scanned PDF: the page is an image.
func TestScannedPDF(t *testing.T) {
	f := newFixture(t)
	vo, po := f.opts()
	code, err := qr.Encode(f.v.QRText)
	if err != nil {
		t.Fatal(err)
	}
	png, err := code.PNG(4)
	if err != nil {
		t.Fatal(err)
	}
	r := CheckPDF(imagePDF(t, png), vo, po)
	if r.Status != verify.Valid || r.Source != verify.SourcePDFQR || r.JWS != f.v.JWS {
		t.Fatalf("scanned PDF: %+v", r)
	}
	// An edited PDF whose code is a picture of another certificate's.
	code2, _ := qr.Encode(cert.QRText(f.v.BaseURL, f.jws2))
	png2, _ := code2.PNG(4)
	r = CheckPDF(swapAttachment(t, imagePDF(t, png2), f.v.JWS), vo, po)
	if r.Status != verify.Invalid || r.Reason != verify.ReasonPDFMismatch {
		t.Fatalf("picture of another code: %+v", r)
	}
}

// A file from which no certificate can be read is unreadable, never
// invalid: it says nothing about any certificate.
func TestBrokenPDFs(t *testing.T) {
	f := newFixture(t)
	vo, po := f.opts()
	for name, tc := range map[string]struct {
		doc    []byte
		reason verify.Reason
		detail string
	}{
		"truncated":  {f.pdf1[:len(f.pdf1)/2], verify.ReasonMalformed, "cannot be read"},
		"not a PDF":  {[]byte("hello"), verify.ReasonMalformed, "not a PDF"},
		"too large":  {append([]byte("%PDF-1.4\n"), make([]byte, pdf.MaxPDFSize)...), verify.ReasonTooLarge, "at most 10485760 bytes"},
		"blank page": {imagePDF(t, mustPNG(t, 40, 40)), verify.ReasonNoCertificateFound, "no readable QR code"},
		"no page":    {pdftest.New().Bytes(), verify.ReasonMalformed, "cannot be read"},
	} {
		r := CheckPDF(tc.doc, vo, po)
		if r.Status != verify.Unreadable || r.Reason != tc.reason || r.Certificate != nil || !strings.Contains(r.Detail, tc.detail) {
			t.Errorf("%s: %+v", name, r)
		}
	}
}

// A real rendered page, rasterised at 150 dpi by poppler, then read as an
// image.
func TestRenderedPage(t *testing.T) {
	pdftoppm := testtool.Need(t, "pdftoppm")
	f := newFixture(t)
	dir := t.TempDir()
	file := filepath.Join(dir, "c.pdf")
	if err := os.WriteFile(file, f.pdf1, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, dpi := range []string{"150", "300"} {
		for _, format := range []string{"-png", "-jpeg"} {
			if out, err := exec.Command(pdftoppm, format, "-r", dpi, "-singlefile", file, filepath.Join(dir, "page")).CombinedOutput(); err != nil {
				t.Fatalf("pdftoppm: %v\n%s", err, out)
			}
			name := filepath.Join(dir, "page.png")
			if format == "-jpeg" {
				name = filepath.Join(dir, "page.jpg")
			}
			fh, err := os.Open(name)
			if err != nil {
				t.Fatal(err)
			}
			st, _ := fh.Stat()
			r, err := CheckImage(fh, st.Size(), verify.Options{Trust: f.trust, Now: checkTime})
			fh.Close()
			if err != nil || r.Status != verify.Valid || r.Source != verify.SourceQRImage || r.JWS != f.v.JWS {
				t.Errorf("%s dpi %s: %+v, %v", dpi, format, r, err)
			}
		}
	}
}

// TestCheckPDFWithoutRenderer: with no renderer passed in there is no
// original-file check (so a program that only verifies links no font):
// the verdict is the signature's, Original stays nil and no warning says
// the file was altered; an altered file is still told apart once a
// renderer is passed.
func TestCheckPDFWithoutRenderer(t *testing.T) {
	f := newFixture(t)
	vo, po := f.opts()
	for name, data := range map[string][]byte{"issued": f.pdf1, "re-saved": append(append([]byte(nil), f.pdf1...), "\n%re-saved\n"...)} {
		r := CheckPDF(data, vo, PDFOptions{})
		if r.Status != verify.Valid || r.Source != verify.SourcePDFAttachment || r.Original != nil {
			t.Errorf("%s, no renderer: status %v, source %q, original %v; want valid from the attachment, original nil", name, r.Status, r.Source, r.Original)
		}
		for _, w := range r.Warnings {
			if strings.Contains(w, "altered") {
				t.Errorf("%s, no renderer: warning %q", name, w)
			}
		}
		r = CheckPDF(data, vo, po)
		if want := name == "issued"; r.Original == nil || *r.Original != want {
			t.Errorf("%s, with a renderer: original %v, want %v", name, r.Original, want)
		}
	}
}
