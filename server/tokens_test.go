package server

import (
	"bytes"
	"strings"
	"testing"
)

func TestHashToken(t *testing.T) {
	h := HashToken("tc_x")
	if len(h) != 32 || b64(h) != "cBh2Prj4r47wgt6bD2gJeoSC96IYICIhjMRWPyIOKkk" {
		t.Fatalf("%s", b64(h))
	}
}

func TestNewToken(t *testing.T) {
	tok, err := NewToken(bytes.NewReader(make([]byte, 32)))
	if err != nil || tok != "tc_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" {
		t.Fatalf("%q %v", tok, err)
	}
	if _, err := NewToken(bytes.NewReader(make([]byte, 31))); err == nil || !strings.HasPrefix(err.Error(), "server: ") {
		t.Fatalf("short rand: %v", err)
	}
	a, _ := NewToken(nil)
	b, _ := NewToken(nil)
	if a == b || len(a) != 46 {
		t.Fatalf("%q %q", a, b)
	}
}
