package qr_test

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/png"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/makiuchi-d/gozxing"
	gozxingqr "github.com/makiuchi-d/gozxing/qrcode"

	"github.com/titlecert/titlecert/cert"
	"github.com/titlecert/titlecert/cert/qr"
	"github.com/titlecert/titlecert/internal/testtool"
)

// fakeJWS returns a deterministic string of n characters that looks like a
// compact JWS (base64url with two dots).
func fakeJWS(n int) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	r := rand.New(rand.NewPCG(1, uint64(n)))
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[r.IntN(len(alphabet))]
	}
	if n > 10 {
		b[n/5], b[n-n/5] = '.', '.'
	}
	return string(b)
}

// qrText returns QR text with jwsLen JWS characters, that is 2*jwsLen digits.
func qrText(jwsLen int) string {
	return cert.QRText("https://verify.example.gov.cn", fakeJWS(jwsLen))
}

func decodeGozxing(t *testing.T, pngBytes []byte) string {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(pngBytes))
	if err != nil {
		t.Fatalf("png.Decode: %v", err)
	}
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		t.Fatalf("NewBinaryBitmapFromImage: %v", err)
	}
	// The image is a pure barcode. Without this hint gozxing's finder
	// pattern detector misses about one synthetic code in thirty (zbarimg
	// reads them all), which says nothing about the encoder.
	res, err := gozxingqr.NewQRCodeReader().Decode(bmp, map[gozxing.DecodeHintType]any{
		gozxing.DecodeHintType_PURE_BARCODE: true,
	})
	if err != nil {
		t.Fatalf("gozxing could not decode the code: %v", err)
	}
	return res.GetText()
}

var roundTrips = []struct {
	name string
	text string
}{
	{"short", "HTTPS://VERIFY.EXAMPLE.GOV.CN/C/1234"},
	{"mixed case", "https://verify.example.gov.cn/v?code=7KQ2-M9XD"},
	{"typical certificate", qrText(625)},
	{"large certificate", qrText(1500)},
}

func TestRoundTripGozxing(t *testing.T) {
	for _, tt := range roundTrips {
		t.Run(tt.name, func(t *testing.T) {
			c, err := qr.Encode(tt.text)
			if err != nil {
				t.Fatal(err)
			}
			p, err := c.PNG(4)
			if err != nil {
				t.Fatal(err)
			}
			if got := decodeGozxing(t, p); got != tt.text {
				t.Errorf("decoded %q\nwant    %q", got, tt.text)
			}
		})
	}
}

func TestRoundTripZbar(t *testing.T) {
	zbar := testtool.Need(t, "zbarimg")
	dir := t.TempDir()
	for i, tt := range roundTrips {
		t.Run(tt.name, func(t *testing.T) {
			c, err := qr.Encode(tt.text)
			if err != nil {
				t.Fatal(err)
			}
			p, err := c.PNG(3)
			if err != nil {
				t.Fatal(err)
			}
			file := filepath.Join(dir, fmt.Sprintf("code%d.png", i))
			if err := os.WriteFile(file, p, 0o644); err != nil {
				t.Fatal(err)
			}
			out, err := exec.Command(zbar, "--raw", "-q", file).Output()
			if err != nil {
				t.Fatalf("zbarimg: %v", err)
			}
			if got := strings.TrimSuffix(string(out), "\n"); got != tt.text {
				t.Errorf("zbarimg decoded %q\nwant           %q", got, tt.text)
			}
		})
	}
}

// TestVersion checks that the encoder used the numeric and alphanumeric
// modes: in the byte mode, 1,250 digits would need version 27 at level M.
func TestVersion(t *testing.T) {
	tests := []struct {
		jwsLen     int
		maxVersion int
	}{
		{100, 8},
		{400, 15},
		{625, 20}, // about 1,250 digits: a typical certificate
		{800, 22},
		{1500, 32},
	}
	for _, tt := range tests {
		text := qrText(tt.jwsLen)
		c, err := qr.Encode(text)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%d characters (%d digits): version %d, %d modules", len(text), 2*tt.jwsLen, c.Version(), c.Size())
		if c.Version() > tt.maxVersion {
			t.Errorf("%d digits: version %d, want at most %d", 2*tt.jwsLen, c.Version(), tt.maxVersion)
		}
		if c.Size() != 17+4*c.Version() {
			t.Errorf("Size() = %d, want %d", c.Size(), 17+4*c.Version())
		}
	}
}

func TestTooLong(t *testing.T) {
	// 5,596 digits is the capacity of version 40 at level M.
	c, err := qr.Encode(strings.Repeat("7", 5596))
	if err != nil {
		t.Fatalf("5,596 digits: %v", err)
	}
	if c.Version() != 40 {
		t.Errorf("5,596 digits: version %d, want 40", c.Version())
	}
	for name, text := range map[string]string{
		"5,597 digits":      strings.Repeat("7", 5597),
		"certificate":       qrText(2800),
		"3,000 bytes":       strings.Repeat("a", 3000),
		"over MaxTextLen":   strings.Repeat("7", 100000),
		"alphanumeric text": strings.Repeat("AB", 1700),
	} {
		_, err := qr.Encode(text)
		if !errors.Is(err, qr.ErrTooLong) {
			t.Errorf("%s: err = %v, want ErrTooLong", name, err)
		}
	}
}

func TestEmpty(t *testing.T) {
	if _, err := qr.Encode(""); err == nil || errors.Is(err, qr.ErrTooLong) {
		t.Errorf("Encode(\"\") = %v, want an empty-text error", err)
	}
}

func TestPNG(t *testing.T) {
	c, err := qr.Encode(qrText(625))
	if err != nil {
		t.Fatal(err)
	}
	a, err := c.PNG(2)
	if err != nil {
		t.Fatal(err)
	}
	b, err := c.PNG(2)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, b) {
		t.Error("PNG is not deterministic")
	}
	img, err := png.Decode(bytes.NewReader(a))
	if err != nil {
		t.Fatal(err)
	}
	side := (c.Size() + 2*qr.QuietZone) * 2
	if img.Bounds() != image.Rect(0, 0, side, side) {
		t.Fatalf("image bounds %v, want %dx%d", img.Bounds(), side, side)
	}
	isDark := func(x, y int) bool {
		r, _, _, _ := img.At(x, y).RGBA()
		return r < 0x8000
	}
	bm := c.Bitmap()
	for y := 0; y < side; y++ {
		for x := 0; x < side; x++ {
			mx, my := x/2-qr.QuietZone, y/2-qr.QuietZone
			want := mx >= 0 && my >= 0 && mx < c.Size() && my < c.Size() && bm[my][mx]
			if isDark(x, y) != want {
				t.Fatalf("pixel (%d,%d) dark=%v, want %v", x, y, !want, want)
			}
		}
	}
	for _, s := range []int{0, -1, qr.MaxScale + 1} {
		if _, err := c.PNG(s); err == nil {
			t.Errorf("PNG(%d) succeeded, want an error", s)
		}
	}
}

func TestBitmapIsACopy(t *testing.T) {
	c, err := qr.Encode("HTTPS://VERIFY.EXAMPLE.GOV.CN/C/1234")
	if err != nil {
		t.Fatal(err)
	}
	bm := c.Bitmap()
	if len(bm) != c.Size() || len(bm[0]) != c.Size() {
		t.Fatalf("bitmap is %dx%d, want %d", len(bm[0]), len(bm), c.Size())
	}
	// The top-left finder pattern: a dark 7x7 ring.
	if !bm[0][0] || !bm[0][6] || !bm[6][0] || bm[1][1] || !bm[3][3] {
		t.Error("bitmap does not start with a finder pattern; is the quiet zone included?")
	}
	for y := range bm {
		for x := range bm[y] {
			if bm[y][x] != c.Dark(x, y) {
				t.Fatalf("Bitmap and Dark disagree at (%d,%d)", x, y)
			}
		}
	}
	bm[0][0] = false
	if !c.Bitmap()[0][0] {
		t.Error("changing the returned bitmap changed the code")
	}
	if c.Dark(-1, 0) || c.Dark(0, c.Size()) {
		t.Error("Dark outside the code reported true")
	}
}

func ExampleEncode() {
	c, err := qr.Encode("HTTPS://VERIFY.EXAMPLE.GOV.CN/C/56767346565")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(c.Version(), c.Size())
	// Output: 3 29
}

// TestRoundTripSweep decodes codes of many lengths, so that every version
// and segment-length boundary of the encoder is crossed.
func TestRoundTripSweep(t *testing.T) {
	step := 23
	if testing.Short() {
		step = 157
	}
	versions := map[int]bool{}
	for n := 1; n <= 2760; n += step {
		text := qrText(n)
		c, err := qr.Encode(text)
		if err != nil {
			t.Fatalf("%d JWS characters: %v", n, err)
		}
		versions[c.Version()] = true
		p, err := c.PNG(2)
		if err != nil {
			t.Fatal(err)
		}
		if got := decodeGozxing(t, p); got != text {
			t.Fatalf("%d JWS characters (version %d): decoded text differs", n, c.Version())
		}
	}
	t.Logf("decoded codes of %d different versions", len(versions))
}

func BenchmarkEncode(b *testing.B) {
	text := qrText(451) // a typical EdDSA certificate
	b.ReportAllocs()
	var c *qr.Code
	for b.Loop() {
		var err error
		if c, err = qr.Encode(text); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(c.Version()), "version")
}
