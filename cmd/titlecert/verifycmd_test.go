package main

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"hash/crc32"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/titlecert/titlecert/keys"
	"github.com/titlecert/titlecert/verify"
)

// A tiny PNG whose header claims 100000×100000 pixels is refused before
// decoding, as unreadable input (exit 2), not as an invalid certificate.
func TestVerifyRefusesImageBomb(t *testing.T) {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	ihdr := []byte("IHDR\x00\x01\x86\xa0\x00\x01\x86\xa0\x08\x00\x00\x00\x00")
	binary.Write(&b, binary.BigEndian, uint32(13))
	b.Write(ihdr)
	binary.Write(&b, binary.BigEndian, crc32.ChecksumIEEE(ihdr))
	file := filepath.Join(t.TempDir(), "bomb.png")
	if err := os.WriteFile(file, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, in := range []struct {
		arg   string
		stdin []byte
	}{{file, nil}, {"-", b.Bytes()}} {
		_, err := checkInput(t.Context(), bytes.NewReader(in.stdin), in.arg, verify.Options{})
		if err == nil || !strings.Contains(err.Error(), "too large") || !strings.Contains(err.Error(), "100000×100000") {
			t.Errorf("%s: err = %v", in.arg, err)
		}
	}
	// An image that is not one.
	if err := os.WriteFile(file, []byte("\xFF\xD8\xFFnot really"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := checkInput(t.Context(), nil, file, verify.Options{}); err == nil || !strings.Contains(err.Error(), "not a JPEG or PNG") {
		t.Errorf("damaged JPEG: err = %v", err)
	}
}

// vectorTrust writes the public key of the test vector (docs/FORMAT.md
// §12) as a trust file and returns its path and the vector's JWS.
func vectorTrust(t *testing.T) (string, string) {
	t.Helper()
	data, err := os.ReadFile("../../cert/testdata/vector.json")
	if err != nil {
		t.Fatal(err)
	}
	var v struct {
		Key jose.JSONWebKey `json:"key"`
		JWS string          `json:"jws"`
	}
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatal(err)
	}
	set, err := json.Marshal(keys.PublicSet(v.Key))
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "trust.jwks")
	if err := os.WriteFile(file, set, 0o644); err != nil {
		t.Fatal(err)
	}
	return file, v.JWS
}

// A file in which no certificate can be read is "unreadable", exit 2 (as
// the README promises), never invalid; a decompression bomb among them is
// refused in bounded memory. An invalid certificate among the inputs
// still makes the exit status 1.
func TestVerifyUnreadable(t *testing.T) {
	trust, jws := vectorTrust(t)
	dir := t.TempDir()
	white := filepath.Join(dir, "white.png")
	img := image.NewGray(image.Rect(0, 0, 120, 120))
	for i := range img.Pix {
		img.Pix[i] = 255
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(white, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	tampered := jws[:len(jws)-2] + map[bool]string{true: "AA", false: "BA"}[strings.HasSuffix(jws, "AA")]
	bomb := "testdata/hostile/pdf-page-content-bomb.pdf"
	tests := []struct {
		args []string
		code int
		out  []string
	}{
		{[]string{bomb}, exitUsage, []string{"UNREADABLE 无法读取: too_large", "expands beyond the limits"}},
		{[]string{white}, exitUsage, []string{"UNREADABLE 无法读取: no_certificate_found", "no readable QR code"}},
		{[]string{"--json", bomb, white}, exitUsage, []string{`"status":"unreadable","reason":"too_large"`, `"status":"unreadable","reason":"no_certificate_found"`}},
		{[]string{"--json", bomb, tampered}, exitFailed, []string{`"status":"unreadable"`, `"status":"invalid","reason":"bad_signature"`}},
	}
	for _, tt := range tests {
		var out, errOut bytes.Buffer
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		code := run(append([]string{"verify", "--trust", trust}, tt.args...), nil, &out, &errOut)
		runtime.ReadMemStats(&after)
		if code != tt.code {
			t.Errorf("%v: exit %d, want %d\n%s%s", tt.args, code, tt.code, out.String(), errOut.String())
		}
		for _, want := range tt.out {
			if !strings.Contains(out.String(), want) {
				t.Errorf("%v: the output does not say %q:\n%s", tt.args, want, out.String())
			}
		}
		if strings.Contains(out.String(), "INVALID") && tt.code == exitUsage {
			t.Errorf("%v: an unreadable input is called invalid:\n%s", tt.args, out.String())
		}
		// The bomb inflated to 500 MiB and grew the process by 1.6 GB.
		if n := after.TotalAlloc - before.TotalAlloc; n > 64<<20 && !raceDetector {
			t.Errorf("%v: allocated %d MiB", tt.args, n>>20)
		}
	}
}
