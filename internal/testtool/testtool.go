// Package testtool finds the programs tests call (pdftotext, pdftoppm,
// zbarimg, chromium, qpdf). .ci/run installs every one of them, so under
// CI=true a missing program fails the test instead of skipping it: a check
// CI was meant to run never passes by not running.
package testtool

import (
	"os"
	"os/exec"
	"testing"
)

// packages names the Debian package that provides each program.
var packages = map[string]string{
	"pdftotext":        "poppler-utils",
	"pdftoppm":         "poppler-utils",
	"zbarimg":          "zbar-tools",
	"chromium":         "chromium",
	"chromium-browser": "chromium",
	"google-chrome":    "chromium",
	"qpdf":             "qpdf",
}

// CI reports whether the tests run in CI (the environment variable CI is
// "true"), where every program of this package is installed.
func CI() bool { return os.Getenv("CI") == "true" }

// Need returns the path of the first of names found on $PATH. When none
// is, it fails the test under CI=true and skips it otherwise, naming the
// package to install.
func Need(t testing.TB, names ...string) string {
	t.Helper()
	p, ok := look(t, names)
	if !ok {
		t.Skipf("%s not installed (apt-get install %s): skipped", names[0], packages[names[0]])
	}
	return p
}

// Find is Need for a check that is only part of a test: when none of
// names is on $PATH it fails the test under CI=true, and otherwise logs
// that the check is not made and returns false.
func Find(t testing.TB, names ...string) (string, bool) {
	t.Helper()
	p, ok := look(t, names)
	if !ok {
		t.Logf("%s not installed (apt-get install %s): its check is not made", names[0], packages[names[0]])
	}
	return p, ok
}

// look finds the first of names on $PATH; under CI=true, finding none
// fails the test.
func look(t testing.TB, names []string) (string, bool) {
	t.Helper()
	if len(names) == 0 {
		t.Fatal("testtool: no program named")
	}
	for _, name := range names {
		if p, err := exec.LookPath(name); err == nil {
			return p, true
		}
	}
	if CI() {
		t.Fatalf("%s not installed (apt-get install %s), and CI=true: CI must run this check", names[0], packages[names[0]])
	}
	return "", false
}
