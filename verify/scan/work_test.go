package scan

import (
	"bytes"
	"compress/zlib"
	"context"
	"fmt"
	"image"
	"image/jpeg"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/titlecert/titlecert/cert/pdf/pdftest"
	"github.com/titlecert/titlecert/keys"
	"github.com/titlecert/titlecert/verify"
)

// flatJPEG is a w×h grey JPEG without a QR code: the cheapest file for
// the most pixels, as the F9 finding's 40-megapixel, 470 KB image.
func flatJPEG(t testing.TB, w, h int, shade uint8) []byte {
	t.Helper()
	img := image.NewGray(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = shade
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 50}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// manyPages builds a PDF of pages pages whose resources all name the
// image objects images (object numbers from 3+pages), each names times.
func manyPages(pages, names int, images []func(f *pdftest.File)) []byte {
	f := pdftest.New()
	f.Obj("<< /Type /Catalog /Pages 2 0 R >>")
	kids := ""
	for p := range pages {
		kids += fmt.Sprintf("%d 0 R ", 3+p)
	}
	f.Obj("<< /Type /Pages /Kids [%s] /Count %d /MediaBox [0 0 595 842] >>", kids, pages)
	first := 3 + pages
	var xobj strings.Builder
	for i := range images {
		for n := range names {
			fmt.Fprintf(&xobj, "/Im%d_%d %d 0 R ", i, n, first+i)
		}
	}
	for range pages {
		f.Obj("<< /Type /Page /Parent 2 0 R /Resources << /XObject << %s >> >> >>", xobj.String())
	}
	for _, im := range images {
		im(f)
	}
	return f.Bytes()
}

func jpegObject(data []byte, w, h int) func(f *pdftest.File) {
	return func(f *pdftest.File) {
		f.Stream(fmt.Sprintf("/Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray /BitsPerComponent 8 /Filter /DCTDecode", w, h), data)
	}
}

func greyObject(w, h int) func(f *pdftest.File) {
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	zw.Write(bytes.Repeat([]byte{200}, w*h))
	zw.Close()
	return func(f *pdftest.File) {
		f.Stream(fmt.Sprintf("/Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray /BitsPerComponent 8 /Filter /FlateDecode", w, h), z.Bytes())
	}
}

// One image object named 16 times on each of 4 pages (finding F9) is
// decoded and searched once: the work done is that of one image, not 64.
func TestPDFImageNamedManyTimesSearchedOnce(t *testing.T) {
	f := newFixture(t)
	vo, po := f.opts()
	const w, h = 1200, 900
	for _, tc := range []struct {
		name string
		obj  func(f *pdftest.File)
	}{
		{"JPEG", jpegObject(flatJPEG(t, w, h, 180), w, h)},
		{"Flate grey samples", greyObject(w, h)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc := manyPages(4, 16, []func(*pdftest.File){tc.obj})
			wk := newWork(context.Background(), MaxPDFImagePixels)
			r := checkPDF(wk, doc, vo, po)
			if r.Status != verify.Unreadable || r.Reason != verify.ReasonNoCertificateFound {
				t.Fatalf("%s (%s): %s", r.Status, r.Reason, r.Detail)
			}
			if wk.decodes != 1 || wk.pixels != w*h {
				t.Errorf("%d images searched, %d pixels; want 1 image of %d pixels", wk.decodes, wk.pixels, w*h)
			}
		})
	}
}

// Distinct images are searched until MaxPDFImagePixels (here scaled down
// with the work's bound): a file of many large images costs at most that.
func TestPDFImagePixelBudget(t *testing.T) {
	f := newFixture(t)
	vo, po := f.opts()
	const w, h = 400, 300
	var imgs []func(*pdftest.File)
	for i := range 8 {
		if i%2 == 0 {
			imgs = append(imgs, jpegObject(flatJPEG(t, w, h, uint8(100+i)), w, h))
		} else {
			imgs = append(imgs, greyObject(w, h))
		}
	}
	doc := manyPages(2, 2, imgs)
	wk := newWork(context.Background(), 3*w*h)
	r := checkPDF(wk, doc, vo, po)
	if r.Status != verify.Unreadable || r.Reason != verify.ReasonTooLarge || !strings.Contains(r.Detail, "megapixels searched") {
		t.Fatalf("%s (%s): %s", r.Status, r.Reason, r.Detail)
	}
	if wk.decodes != 3 || wk.pixels != 3*w*h {
		t.Errorf("%d images searched, %d pixels; want 3 images, %d pixels", wk.decodes, wk.pixels, 3*w*h)
	}
}

// When the request's context ends (the client is gone, the deadline
// passed), no image is searched: the printed code counts as unreadable
// (too_large), and an attachment is still verified.
func TestSearchStopsWithContext(t *testing.T) {
	f := newFixture(t)
	vo, po := f.opts()
	const w, h = 600, 400
	jpg := flatJPEG(t, w, h, 90)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()

	wk := newWork(ctx, MaxPDFImagePixels)
	r := checkPDF(wk, manyPages(1, 1, []func(*pdftest.File){jpegObject(jpg, w, h)}), vo, po)
	if r.Status != verify.Unreadable || r.Reason != verify.ReasonTooLarge || !strings.Contains(r.Detail, "stopped") {
		t.Errorf("PDF: %s (%s): %s", r.Status, r.Reason, r.Detail)
	}
	if wk.decodes != 0 {
		t.Errorf("%d images searched after the context ended", wk.decodes)
	}
	if r := CheckPDFContext(ctx, f.pdf1, vo, po); r.Status != verify.Valid || r.JWS != f.v.JWS {
		t.Errorf("genuine PDF: %s (%s): %s", r.Status, r.Reason, r.Detail)
	}

	r, err := CheckImageContext(ctx, bytes.NewReader(jpg), int64(len(jpg)), vo)
	if err != nil || r.Status != verify.Unreadable || r.Reason != verify.ReasonTooLarge || r.Source != verify.SourceQRImage {
		t.Errorf("image: %v, %s (%s): %s", err, r.Status, r.Reason, r.Detail)
	}
	wk = newWork(ctx, 0)
	if _, err := decodeImage(wk, bytes.NewReader(jpg), int64(len(jpg))); err == nil || !strings.Contains(err.Error(), "stopped") || wk.decodes != 0 {
		t.Errorf("decodeImage after the context ended: %v, %d decodes", err, wk.decodes)
	}
}

// The field file of finding F9 (a 40-megapixel JPEG of 470 KB named 64
// times over 4 pages): one decode of 40 megapixels, not 64.
func TestPDFJPEG64RefsField(t *testing.T) {
	if testing.Short() {
		t.Skip("searches one 40-megapixel image (seconds)")
	}
	f := newFixture(t)
	vo, po := f.opts()
	doc, err := os.ReadFile("testdata/pdf-jpeg-64refs.pdf")
	if err != nil {
		t.Fatal(err)
	}
	wk := newWork(context.Background(), MaxPDFImagePixels)
	r := checkPDF(wk, doc, vo, po)
	if r.Status != verify.Unreadable {
		t.Fatalf("%s (%s): %s", r.Status, r.Reason, r.Detail)
	}
	if wk.decodes != 1 || wk.pixels != 16384*2441 {
		t.Errorf("%d images searched, %d pixels; want 1 of %d", wk.decodes, wk.pixels, 16384*2441)
	}
}

// An over-long certificate.jws gives the same verdict compressed with
// LZW as with Flate (breakit, held PDF bombs): unreadable, too_large.
func TestOverLongAttachmentLZWAsFlate(t *testing.T) {
	f := newFixture(t)
	vo, po := f.opts()
	for _, name := range []string{"attach-lzw.pdf", "attach-dblflate.pdf"} {
		doc, err := os.ReadFile("testdata/" + name)
		if err != nil {
			t.Fatal(err)
		}
		if r := CheckPDF(doc, vo, po); r.Status != verify.Unreadable || r.Reason != verify.ReasonTooLarge {
			t.Errorf("%s: %s (%s): %s", name, r.Status, r.Reason, r.Detail)
		}
	}
}

// The qpdf-made field files of breakit F7/F8 (certificate 2026000002 with
// certificate 2026000003 in a FileAttachment annotation, in the catalog's
// /AF, as QR text) are pdf_mismatch, not valid.
func TestAttachmentElsewhereIsMismatchBreakit(t *testing.T) {
	trust, err := os.ReadFile("testdata/breakit-jwks.json")
	if err != nil {
		t.Fatal(err)
	}
	set, err := keys.ParseTrust(trust)
	if err != nil {
		t.Fatal(err)
	}
	vo := verify.Options{Trust: &verify.PinnedKeys{Keys: set}, Now: func() time.Time { return time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC) }}
	for _, name := range []string{"a-annot", "a-af", "a-qrtext"} {
		doc, err := os.ReadFile("testdata/breakit-" + name + ".pdf")
		if err != nil {
			t.Fatal(err)
		}
		if r := CheckPDF(doc, vo, PDFOptions{Renderer: newRenderer(t)}); r.Status != verify.Invalid || r.Reason != verify.ReasonPDFMismatch {
			t.Errorf("%s: %s (%s): %s", name, r.Status, r.Reason, r.Detail)
		}
	}
}
