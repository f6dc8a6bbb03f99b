package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// init refuses a base URL with a character whose upper case is ASCII
// ('ſ', 'ı', the Kelvin sign): its QR codes would open another host
// (break-it F12).
func TestInitRefusesNonASCIIBaseURL(t *testing.T) {
	dir := t.TempDir()
	pass := filepath.Join(dir, "pass")
	os.WriteFile(pass, []byte("correct-horse-battery\n"), 0o600)
	for i, u := range []string{"https://verify.hrſs.fj.gov.cn", "https://verify.ıd.cn", "https://verify.\u212aelvin.cn", "https://x.cn/zſ"} {
		data := filepath.Join(dir, "d"+string(rune('a'+i)))
		var stderr bytes.Buffer
		code := run([]string{"init", "--data", data, "--issuer-id", "bu", "--issuer-name", "测试", "--base-url", u, "--passphrase-file", pass, "--id-hash-cost", "10"}, nil, &bytes.Buffer{}, &stderr)
		if code != 2 || !strings.Contains(stderr.String(), "not ASCII") || !strings.Contains(stderr.String(), "xn--") {
			t.Errorf("init --base-url %q: exit %d, %s", u, code, stderr.String())
		}
		if _, err := os.Stat(filepath.Join(data, "config.json")); err == nil {
			t.Errorf("init --base-url %q wrote a configuration", u)
		}
	}
}
