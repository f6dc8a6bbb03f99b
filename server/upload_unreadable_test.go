package server

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/png"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/titlecert/titlecert/cert/pdf/pdftest"
)

func whitePNG(w, h int) ([]byte, error) {
	img := image.NewGray(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = 255
	}
	var b bytes.Buffer
	err := png.Encode(&b, img)
	return b.Bytes(), err
}

// A file from which no certificate can be read is "could not read" on the
// upload page, never invalid or forged, with what to try.
func TestUploadUnreadable(t *testing.T) {
	f := newFixture(t, 1, "", nil)
	// A white square: a photo without a code.
	white, err := whitePNG(200, 200)
	if err != nil {
		t.Fatal(err)
	}
	page := pdftest.New()
	page.Obj("<< /Type /Catalog /Pages 2 0 R >>")
	page.Obj("<< /Type /Pages /Kids [3 0 R] /Count 1 /MediaBox [0 0 595 842] >>")
	page.Obj("<< /Type /Page /Parent 2 0 R /Resources << >> /Contents 4 0 R >>")
	page.Stream("", []byte("BT /F1 12 Tf 72 720 Td (a letter) Tj ET"))
	bomb, err := os.ReadFile("testdata/hostile/pdf-page-content-bomb.pdf")
	if err != nil {
		t.Fatal(err)
	}
	for i, tc := range []struct {
		name, file string
		data       []byte
		reason     string
	}{
		{"photo without a code", "photo.png", white, "请上传签发机构提供的原始PDF文件"},
		{"PDF without attachment or code", "c.pdf", page.Bytes(), "No readable QR code or certificate attachment was found"},
		{"damaged PDF", "c.pdf", []byte("%PDF-1.7\n1 0 obj\n<< /Type /Cat"), "The file is damaged"},
		{"decompression bomb", "c.pdf", bomb, "exceeds what a certificate file may hold"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body, ctype := multipartBody(t, "file", tc.file, tc.data)
			w := f.do("POST", "/v/upload", body, header("Content-Type", ctype), from(fmt.Sprintf("192.0.2.%d:1000", 10+i)))
			page := w.Body.String()
			if w.Code != 200 || verdictClass(t, page) != "verdict-unreadable" {
				t.Fatalf("%d %s", w.Code, verdictClass(t, page))
			}
			for _, want := range []string{"无法读取", "COULD NOT READ", "这并不表示证书无效", tc.reason} {
				if !strings.Contains(page, want) {
					t.Errorf("the page does not say %q", want)
				}
			}
			for _, never := range []string{"伪造", "INVALID", "forged", "无效 /"} {
				if strings.Contains(page, never) {
					t.Errorf("the page says %q", never)
				}
			}
		})
	}
}

// The search for a code in an upload stops with the request (the client
// gone, or the decoding deadline): the handler passes its context to
// scan, so a photo or a PDF of images is then "could not read"
// (too_large), not searched on (breakit F9).
func TestUploadSearchStopsWithRequest(t *testing.T) {
	f := newFixture(t, 1, "", nil)
	photo, err := whitePNG(300, 300)
	if err != nil {
		t.Fatal(err)
	}
	page := pdftest.New()
	page.Obj("<< /Type /Catalog /Pages 2 0 R >>")
	page.Obj("<< /Type /Pages /Kids [3 0 R] /Count 1 /MediaBox [0 0 595 842] >>")
	page.Obj("<< /Type /Page /Parent 2 0 R /Resources << /XObject << /Im1 4 0 R /Im2 4 0 R >> >> >>")
	page.Stream("/Type /XObject /Subtype /Image /Width 300 /Height 300 /ColorSpace /DeviceGray /BitsPerComponent 8", bytes.Repeat([]byte{255}, 300*300))
	for i, tc := range []struct {
		name, file string
		data       []byte
	}{
		{"photo", "photo.png", photo},
		{"PDF of images", "c.pdf", page.Bytes()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			f.srv.decodeHook = cancel // the client goes away once decoding may start
			defer func() { f.srv.decodeHook = nil }()
			body, ctype := multipartBody(t, "file", tc.file, tc.data)
			w := f.do("POST", "/v/upload", body, header("Content-Type", ctype), from(fmt.Sprintf("192.0.2.%d:1000", 40+i)),
				func(r *http.Request) { *r = *r.WithContext(ctx) })
			page := w.Body.String()
			if w.Code != 200 || verdictClass(t, page) != "verdict-unreadable" || !strings.Contains(page, "exceeds what a certificate file may hold") {
				t.Fatalf("%d %s", w.Code, verdictClass(t, page))
			}
		})
	}
}

// A genuine certificate PDF whose attachment certificate.jws was damaged
// (here a byte of it changed, as a mail gateway might): the printed code
// is verified, and the page says the file was damaged, never "forged"
// (breakit F14).
func TestUploadDamagedAttachment(t *testing.T) {
	f := newFixture(t, 1, "", nil)
	data, err := os.ReadFile(filepath.Join(f.out, f.issued[0].File))
	if err != nil {
		t.Fatal(err)
	}
	jws := []byte(f.issued[0].JWS)
	if n := bytes.Count(data, jws); n != 1 {
		t.Fatalf("the attachment holds the JWS %d times in the file", n)
	}
	damaged := bytes.Clone(jws)
	damaged[len(damaged)/2] = '!'
	data = bytes.Replace(data, jws, damaged, 1)
	body, ctype := multipartBody(t, "file", "c.pdf", data)
	w := f.do("POST", "/v/upload", body, header("Content-Type", ctype), from("192.0.2.50:1000"))
	page := w.Body.String()
	if w.Code != 200 || verdictClass(t, page) != "verdict-valid" {
		t.Fatalf("%d %s", w.Code, verdictClass(t, page))
	}
	if !strings.Contains(page, "证书附件缺失或已损坏") || !strings.Contains(page, "its certificate attachment is missing or damaged") {
		t.Errorf("the page does not say the attachment is damaged")
	}
	for _, never := range []string{"伪造", "INVALID", "forged"} {
		if strings.Contains(page, never) {
			t.Errorf("the page says %q", never)
		}
	}
}
