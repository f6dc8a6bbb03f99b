package verify_test

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// goListDeps returns the packages outside the standard library that each
// of pkgs links, itself included, as `go list -deps` prints them. It skips the test when the go command is
// not installed, and fails under CI=true, where it always is.
func goListDeps(t *testing.T, pkgs ...string) map[string][]string {
	t.Helper()
	gocmd, err := exec.LookPath("go")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("the go command is not in PATH")
		}
		t.Skip("the go command is not in PATH")
	}
	deps := map[string][]string{}
	for _, pkg := range pkgs {
		out, err := exec.Command(gocmd, "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", pkg).Output()
		if err != nil {
			t.Fatalf("go list -deps %s: %v", pkg, err)
		}
		deps[pkg] = strings.Fields(string(out))
	}
	return deps
}

// TestLayers pins the layering the packages promise (STYLE.md 5): verify
// links the standard library, go-jose and cert (with x/text and x/crypto)
// only, so that an embedder
// gets no PDF, QR or database code; nothing below verify imports it; the
// server does not link the candidates-file readers (roster, excelize).
func TestLayers(t *testing.T) {
	const mod = "github.com/titlecert/titlecert/"
	below := []string{"../cert", "../cert/pdf", "../cert/qr", "../cert/batch", "../cert/roster", "../cert/directory", "../keys", "../store", "../store/sqlite"}
	deps := goListDeps(t, append([]string{".", "../server"}, below...)...)
	for _, d := range deps["."] {
		switch {
		case strings.HasPrefix(d, "github.com/go-jose/go-jose/v4"),
			strings.HasPrefix(d, "golang.org/x/text/"), strings.HasPrefix(d, "golang.org/x/crypto/"), // cert: names, ID hashes
			d == mod+"verify", d == mod+"cert", d == mod+"internal/strictjson":
		default:
			t.Errorf("verify links %s", d)
		}
	}
	for _, pkg := range below {
		for _, d := range deps[pkg] {
			if d == mod+"verify" || strings.HasPrefix(d, mod+"verify/") {
				t.Errorf("%s imports %s, which is above it", pkg, d)
			}
		}
	}
	for _, d := range deps["../server"] {
		if d == mod+"cert/roster" || d == mod+"cert/batch" || strings.HasPrefix(d, "github.com/xuri/excelize") {
			t.Errorf("the server links %s", d)
		}
	}
}
