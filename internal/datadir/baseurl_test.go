package datadir_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/titlecert/titlecert/internal/datadir"
)

// init refuses a base URL with a non-ASCII character whose upper case is
// ASCII (break-it F12); a data directory an older init made with one still
// opens, so that its issuer can serve, render and revoke what it issued.
func TestBaseURLNonASCII(t *testing.T) {
	for _, u := range []string{"https://verify.hrſs.fj.gov.cn", "https://verify.ıd.cn", "https://verify.\u212aelvin.cn"} {
		c := cfg
		c.BaseURL = u
		dir := filepath.Join(t.TempDir(), "data")
		if _, err := datadir.Init(dir, c, []byte("correct horse battery"), nil, nil); err == nil || !strings.Contains(err.Error(), "not ASCII") {
			t.Errorf("Init with %q: %v", u, err)
		}
	}
	dir := filepath.Join(t.TempDir(), "data")
	if _, err := datadir.Init(dir, cfg, []byte("correct horse battery"), nil, nil); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, datadir.ConfigFile)
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	old := strings.Replace(string(raw), `"https://verify.example"`, `"https://verify.hrſs.example"`, 1)
	if old == string(raw) {
		t.Fatal("base_url not found in config.json")
	}
	if err := os.WriteFile(path, []byte(old), 0o644); err != nil {
		t.Fatal(err)
	}
	d, err := datadir.Open(dir)
	if err != nil || d.Config.BaseURL != "https://verify.hrſs.example" {
		t.Fatalf("Open of an older directory: %v", err)
	}
	// Not any non-ASCII character: one an older init refused stays refused.
	if err := os.WriteFile(path, []byte(strings.Replace(string(raw), `"https://verify.example"`, `"https://verify.中文.example"`, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := datadir.Open(dir); err == nil {
		t.Fatal("Open accepted a base URL no init ever accepted")
	}
}
