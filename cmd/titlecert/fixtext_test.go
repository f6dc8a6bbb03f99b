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

// revoke/suspend --note, --operator and token create --name refuse a
// resident ID number, whatever its grouping: the archive of status
// changes is append-only (break-it F10). Exit 2, the flag named, nothing
// recorded.
func TestNoteWithIDNumberRefused(t *testing.T) {
	t.Setenv("TITLECERT_PASSPHRASE", "correct-horse-battery")
	dir := t.TempDir()
	t.Chdir(dir)
	issueOne(t, "--id-hash-cost", "10")
	fail := func(flag string, args ...string) {
		t.Helper()
		var out, stderr bytes.Buffer
		code := run(args, strings.NewReader(""), &out, &stderr)
		if code != 2 || !strings.Contains(stderr.String(), flag) || !strings.Contains(stderr.String(), "resident ID number") || strings.Contains(stderr.String(), "19800101") {
			t.Errorf("titlecert %s: exit %d\n%s", strings.Join(args, " "), code, stderr.String())
		}
	}
	for _, note := range []string{"持证人身份证 350102198001010037 申请", "ID 350102/19800101/0060", "350102,19800101,0060", "3501 0219 8001 0100 6 0", "３５０１０２、１９８００１０１、００６０", "350102‧19800101‧0060"} {
		fail("--note", "revoke", "--data", "data", "--reason", "fraud", "--note", note, "2026000001")
		fail("--note", "suspend", "--data", "data", "--note", note, "2026000001")
	}
	fail("--operator", "revoke", "--data", "data", "--reason", "fraud", "--operator", "ops-350102198001010029", "2026000001")
	fail("--name", "token", "create", "--data", "data", "--name", "ops-350102198001010029")
	if out := titlecert(t, "revocations", "--data", "data"); strings.Contains(out, "2026000001") {
		t.Errorf("the archive holds an entry:\n%s", out)
	}
	titlecert(t, "suspend", "--data", "data", "--note", "案件 2026-17", "2026000001")
	if out := titlecert(t, "revocations", "--data", "data"); !strings.Contains(out, "案件 2026-17") {
		t.Errorf("an ordinary note is not in the archive:\n%s", out)
	}
}
