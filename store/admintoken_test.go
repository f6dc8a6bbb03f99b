package store

import (
	"bytes"
	"encoding/base64"
	"strings"
	"testing"
)

func TestHashAdminToken(t *testing.T) {
	h := HashAdminToken("tc_x")
	if len(h) != 32 || base64.RawURLEncoding.EncodeToString(h) != "cBh2Prj4r47wgt6bD2gJeoSC96IYICIhjMRWPyIOKkk" {
		t.Fatalf("%s", base64.RawURLEncoding.EncodeToString(h))
	}
}

func TestNewAdminToken(t *testing.T) {
	tok, err := NewAdminToken(bytes.NewReader(make([]byte, 32)))
	if err != nil || tok != "tc_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" {
		t.Fatalf("%q %v", tok, err)
	}
	if _, err := NewAdminToken(bytes.NewReader(make([]byte, 31))); err == nil || !strings.HasPrefix(err.Error(), "store: ") {
		t.Fatalf("short rand: %v", err)
	}
	a, _ := NewAdminToken(nil)
	b, _ := NewAdminToken(nil)
	if a == b || len(a) != 46 {
		t.Fatalf("%q %q", a, b)
	}
}
