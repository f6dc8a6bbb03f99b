package main

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"os"
	"path/filepath"
	"strings"
	"testing"

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
		_, err := checkInput(bytes.NewReader(in.stdin), in.arg, verify.Options{})
		if err == nil || !strings.Contains(err.Error(), "too large") || !strings.Contains(err.Error(), "100000×100000") {
			t.Errorf("%s: err = %v", in.arg, err)
		}
	}
	// An image that is not one.
	if err := os.WriteFile(file, []byte("\xFF\xD8\xFFnot really"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := checkInput(nil, file, verify.Options{}); err == nil || !strings.Contains(err.Error(), "not a JPEG or PNG") {
		t.Errorf("damaged JPEG: err = %v", err)
	}
}
