package scan

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/color"
	"image/png"
	"strings"
	"testing"

	"github.com/titlecert/titlecert/cert/qr"
	"github.com/titlecert/titlecert/verify"
)

func mustPNG(t testing.TB, w, h int) []byte {
	t.Helper()
	img := image.NewGray(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = 255
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// pngHeader is a PNG signature and an IHDR chunk claiming w×h pixels,
// followed by a few bytes of nothing: what a decompression bomb starts
// with.
func pngHeader(w, h uint32) []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	ihdr := make([]byte, 17)
	copy(ihdr, "IHDR")
	binary.BigEndian.PutUint32(ihdr[4:], w)
	binary.BigEndian.PutUint32(ihdr[8:], h)
	ihdr[12], ihdr[13] = 8, 0 // 8-bit greyscale
	binary.Write(&b, binary.BigEndian, uint32(13))
	b.Write(ihdr)
	binary.Write(&b, binary.BigEndian, crc32.ChecksumIEEE(ihdr))
	b.WriteString("\x00\x00\x00\x00IDAT")
	return b.Bytes()
}

// jpegHeader is the start of a baseline JPEG claiming w×h pixels.
func jpegHeader(w, h uint16) []byte {
	b := []byte{0xFF, 0xD8, 0xFF, 0xC0, 0, 11, 8}
	b = binary.BigEndian.AppendUint16(b, h)
	b = binary.BigEndian.AppendUint16(b, w)
	b = append(b, 1, 1, 0x11, 0)
	return append(b, 0xFF, 0xDA, 0, 8, 1, 1, 0, 0, 0x3F, 0) // SOS; the scan data would follow
}

func TestDecodeImageRefuses(t *testing.T) {
	valid := mustPNG(t, 50, 50)
	for _, tc := range []struct {
		name string
		data []byte
		size int64
		want error
	}{
		{"size over the cap", valid, MaxImageSize + 1, ErrTooLarge},
		{"longer than the cap, size unknown", append(pngHeader(100, 100), make([]byte, MaxImageSize)...), -1, ErrTooLarge},
		{"PNG header claiming 100000×100000", pngHeader(100000, 100000), -1, ErrTooLarge},
		{"PNG header claiming 8000×8000", pngHeader(8000, 8000), -1, ErrTooLarge},
		{"PNG header claiming 20000×10", pngHeader(20000, 10), -1, ErrTooLarge},
		{"JPEG header claiming 65000×65000", jpegHeader(65000, 65000), -1, ErrTooLarge},
		{"PNG header claiming 0×10", pngHeader(0, 10), -1, ErrNotImage},
		{"text", []byte("HTTPS://VERIFY.EXAMPLE/C/1234"), -1, ErrNotImage},
		{"GIF", []byte("GIF89a\x01\x00\x01\x00\x00\x00\x00;"), -1, ErrNotImage},
		{"PDF", []byte("%PDF-1.7\n"), -1, ErrNotImage},
		{"empty", nil, 0, ErrNotImage},
		{"truncated PNG", valid[:len(valid)-20], -1, ErrNotImage},
		{"PNG header with no data", pngHeader(100, 100), -1, ErrNotImage},
		{"blank page", valid, int64(len(valid)), ErrNoQRCode},
		{"tiny", mustPNG(t, 3, 3), -1, ErrNoQRCode},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := DecodeImage(bytes.NewReader(tc.data), tc.size)
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if !strings.HasPrefix(err.Error(), "scan: ") {
				t.Errorf("error %q does not start with the package name", err)
			}
		})
	}
}

func TestSniff(t *testing.T) {
	for _, tc := range []struct {
		head string
		want Kind
	}{
		{"\xFF\xD8\xFF\xE0", KindJPEG},
		{"\x89PNG\r\n\x1a\n", KindPNG},
		{"%PDF-1.4", KindPDF},
		{"\r\n%PDF-1.4", KindPDF},
		{"eyJhbGciOi", KindUnknown},
		{"\x89PNG", KindUnknown},
		{"", KindUnknown},
	} {
		if got := Sniff([]byte(tc.head)); got != tc.want {
			t.Errorf("Sniff(%q) = %v, want %v", tc.head, got, tc.want)
		}
	}
}

func TestCheckImage(t *testing.T) {
	f := newFixture(t)
	o := verify.Options{Trust: f.trust, Now: checkTime}
	code, _ := qr.Encode(f.v.QRText)
	img, _ := code.PNG(3)
	r, err := CheckImage(bytes.NewReader(img), int64(len(img)), o)
	if err != nil || r.Status != verify.Valid || r.Source != verify.SourceQRImage || r.Certificate.Number != f.v.Claims.Number {
		t.Fatalf("QR image: %+v, %v", r, err)
	}
	// A QR code that is not a certificate.
	other, _ := qr.Encode("https://example.com/hello")
	img, _ = other.PNG(3)
	r, err = CheckImage(bytes.NewReader(img), -1, o)
	if err != nil || r.Status != verify.Invalid || r.Source != verify.SourceQRImage || r.Reason != verify.ReasonMalformed {
		t.Fatalf("other QR code: %+v, %v", r, err)
	}
	// No code at all: an unreadable result (never invalid), not an error.
	blank := mustPNG(t, 200, 200)
	r, err = CheckImage(bytes.NewReader(blank), -1, o)
	if err != nil || r.Status != verify.Unreadable || r.Reason != verify.ReasonNoCertificateFound || !strings.Contains(r.Detail, "no readable QR code") {
		t.Fatalf("blank: %+v, %v", r, err)
	}
	// Refused input: an error.
	if _, err := CheckImage(bytes.NewReader(pngHeader(100000, 100000)), -1, o); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("bomb: %v", err)
	}
}

// A transparent PNG is read as if on white paper.
func TestTransparentPNG(t *testing.T) {
	f := newFixture(t)
	code, _ := qr.Encode(f.v.QRText)
	n := code.Size()
	const s, qz = 4, 4
	img := image.NewNRGBA(image.Rect(0, 0, (n+2*qz)*s, (n+2*qz)*s))
	for y := 0; y < n*s; y++ {
		for x := 0; x < n*s; x++ {
			if code.Dark(x/s, y/s) {
				img.Set(x+qz*s, y+qz*s, color.NRGBA{0, 0, 0, 255})
			}
		}
	}
	var b bytes.Buffer
	png.Encode(&b, img)
	text, err := DecodeImage(&b, -1)
	if err != nil || text != f.v.QRText {
		t.Fatalf("transparent PNG: %q, %v", text, err)
	}
}
