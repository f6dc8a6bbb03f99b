package server

import (
	"bytes"
	"context"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/titlecert/titlecert/cert"
	"github.com/titlecert/titlecert/cert/qr"
)

func multipartBody(t *testing.T, field, filename string, data []byte) (io.Reader, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, err := mw.CreateFormFile(field, filename)
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(data)
	mw.Close()
	return &buf, mw.FormDataContentType()
}

func TestUpload(t *testing.T) {
	f := newFixture(t, 1, "", func(c *Config) { c.MaxUpload = 1 << 20 })
	data, err := os.ReadFile(filepath.Join(f.out, f.issued[0].File))
	if err != nil {
		t.Fatal(err)
	}
	body, ctype := multipartBody(t, "file", "c.pdf", data)
	w := f.do("POST", "/v/upload", body, header("Content-Type", ctype))
	if w.Code != 200 || verdictClass(t, w.Body.String()) != "verdict-valid" || !strings.Contains(w.Body.String(), `name="source" value="pdf_attachment"`) {
		t.Fatalf("%d", w.Code)
	}
	body, ctype = multipartBody(t, "file", "c.pdf", []byte("not a pdf at all"))
	if w := f.do("POST", "/v/upload", body, header("Content-Type", ctype)); w.Code != 415 {
		t.Fatalf("neither PDF nor image: %d", w.Code)
	}
	// A photo or scan of the QR code: the same verdict, from the image.
	code, err := qr.Encode(cert.QRText(f.srv.cfg.Issuer.BaseURL, f.issued[0].JWS))
	if err != nil {
		t.Fatal(err)
	}
	png, err := code.PNG(4)
	if err != nil {
		t.Fatal(err)
	}
	body, ctype = multipartBody(t, "file", "photo.png", png)
	w = f.do("POST", "/v/upload", body, header("Content-Type", ctype))
	if w.Code != 200 || verdictClass(t, w.Body.String()) != "verdict-valid" || !strings.Contains(w.Body.String(), `name="source" value="qr_image"`) {
		t.Fatalf("QR image: %d", w.Code)
	}
	blank, _ := (func() ([]byte, error) { c, _ := qr.Encode("x"); return c.PNG(1) })()
	body, ctype = multipartBody(t, "file", "photo.png", blank[:len(blank)/2])
	if w := f.do("POST", "/v/upload", body, header("Content-Type", ctype)); w.Code != 400 {
		t.Fatalf("broken image: %d", w.Code)
	}
	big := append([]byte("%PDF-1.7\n"), bytes.Repeat([]byte("x"), 1<<20)...)
	body, ctype = multipartBody(t, "file", "c.pdf", big)
	if w := f.do("POST", "/v/upload", body, header("Content-Type", ctype)); w.Code != 413 {
		t.Fatalf("too large: %d", w.Code)
	}
	body, ctype = multipartBody(t, "file", "c.pdf", big)
	if w := f.do("POST", "/v/upload", body, header("Content-Type", ctype), func(r *http.Request) { r.ContentLength = -1 }); w.Code != 413 {
		t.Fatalf("too large, chunked: %d", w.Code)
	}
	body, ctype = multipartBody(t, "other", "c.pdf", data)
	if w := f.do("POST", "/v/upload", body, header("Content-Type", ctype)); w.Code != 400 {
		t.Fatalf("no file field: %d", w.Code)
	}
	if w := f.postForm("/v/upload", "file=x"); w.Code != 415 {
		t.Fatalf("not multipart: %d", w.Code)
	}
}

// Uploads share the look-up rate limit, and a full decoding slot answers
// 503 rather than queueing without bound.
func TestUploadLimits(t *testing.T) {
	f := newFixture(t, 1, "", func(c *Config) { c.LookupPerMinute, c.LookupBurst, c.DecodeWait = 1, 1, -1 })
	data, err := os.ReadFile(filepath.Join(f.out, f.issued[0].File))
	if err != nil {
		t.Fatal(err)
	}
	body, ctype := multipartBody(t, "file", "c.pdf", data)
	if w := f.do("POST", "/v/upload", body, header("Content-Type", ctype)); w.Code != 200 {
		t.Fatalf("first upload: %d", w.Code)
	}
	body, ctype = multipartBody(t, "file", "c.pdf", data)
	if w := f.do("POST", "/v/upload", body, header("Content-Type", ctype)); w.Code != 429 {
		t.Fatalf("second upload: %d, want 429", w.Code)
	}
	// Both decoding slots taken: with no DecodeWait, the next upload is
	// turned away at once.
	for range DefaultMaxConcurrentUploads {
		if err := f.srv.decoding.Acquire(context.Background(), 0); err != nil {
			t.Fatal(err)
		}
	}
	body, ctype = multipartBody(t, "file", "c.pdf", data)
	if w := f.do("POST", "/v/upload", body, header("Content-Type", ctype), from("192.0.2.77:1234")); w.Code != 503 || w.Header().Get("Retry-After") != "5" {
		t.Fatalf("busy: %d %q, want 503", w.Code, w.Header().Get("Retry-After"))
	}
}
