package main

import (
	"bytes"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"

	_ "modernc.org/sqlite"
)

// titlecert runs the command line (in the current directory) and returns
// its standard output.
func titlecert(t *testing.T, args ...string) string {
	t.Helper()
	var out, errOut bytes.Buffer
	if code := run(args, strings.NewReader(""), &out, &errOut); code != 0 {
		t.Fatalf("titlecert %s: exit %d\n%s", strings.Join(args, " "), code, errOut.String())
	}
	return out.String()
}

// issueOne makes the data directory "data" of issuer fjhrss in the current
// directory (init with extra init flags) and issues one certificate from
// c.csv into "out".
func issueOne(t *testing.T, initFlags ...string) {
	t.Helper()
	csv := "姓名,身份证号,系列,专业,级别,资格名称,评审委员会,评审日期,文号,评价方式,适用地区,工作单位\n" +
		"张伟,11010519491231002X,工程技术,建筑工程,副高级,高级工程师,福建省工程技术人才职称评审委员会,2025-06-30,闽人社文〔2025〕12号,常规,,福州市建筑设计院\n"
	if err := os.WriteFile("c.csv", []byte(csv), 0o644); err != nil {
		t.Fatal(err)
	}
	titlecert(t, append([]string{"init", "--data", "data", "--issuer-id", "fjhrss", "--issuer-name", "福建省人力资源和社会保障厅", "--base-url", "https://verify.hrss.fj.example"}, initFlags...)...)
	titlecert(t, "issue", "--data", "data", "--in", "c.csv", "--out", "out")
}

// A certificate the store records in the legacy QR text form (every
// certificate issued before the current form: the store's migration
// marks them so) is shown and rendered in that form by show --qr and
// show --pdf, and the PDF verifies as the original; a certificate of the
// current form keeps its own.
func TestShowLegacyQRForm(t *testing.T) {
	t.Setenv("TITLECERT_PASSPHRASE", "correct-horse-battery")
	dir := t.TempDir()
	t.Chdir(dir)
	issueOne(t)
	titlecert(t, "keys", "export", "--data", "data", "--out", "jwks.json")
	if q := titlecert(t, "show", "--data", "data", "--qr", "--first"); !strings.HasPrefix(q, "https://verify.hrss.fj.example/C/") {
		t.Fatalf("show --qr: %.40s", q)
	}
	titlecert(t, "show", "--data", "data", "--first", "--pdf", "current.pdf")

	db, err := sql.Open("sqlite", filepath.Join(dir, "data", "titlecert.db"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`UPDATE certificates SET qr_form = 1`); err != nil {
		t.Fatal(err)
	}
	db.Close()

	q := titlecert(t, "show", "--data", "data", "--qr", "--first")
	if !strings.HasPrefix(q, "HTTPS://VERIFY.HRSS.FJ.EXAMPLE/C/") {
		t.Fatalf("show --qr of a legacy certificate: %.40s", q)
	}
	titlecert(t, "show", "--data", "data", "--first", "--pdf", "legacy.pdf")
	current, _ := os.ReadFile(filepath.Join(dir, "current.pdf"))
	legacy, _ := os.ReadFile(filepath.Join(dir, "legacy.pdf"))
	if len(legacy) == 0 || bytes.Equal(current, legacy) {
		t.Fatal("show --pdf renders a legacy certificate in the current form")
	}
	out := titlecert(t, "verify", "--trust", "jwks.json", "--json", "legacy.pdf", "current.pdf")
	if strings.Count(out, `"status":"valid"`) != 2 || strings.Count(out, `"original":true`) != 2 {
		t.Fatalf("verify: %s", out)
	}
}
