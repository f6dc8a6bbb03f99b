package testtool_test

import (
	"testing"

	"github.com/titlecert/titlecert/internal/testtool"
)

// recorder is a testing.TB that records what a helper asked of it.
type recorder struct {
	testing.TB
	failed, skipped bool
	msg             string
}

func (r *recorder) Helper()                         {}
func (r *recorder) Fatal(args ...any)               { r.failed = true; panic(r) }
func (r *recorder) Fatalf(f string, args ...any)    { r.failed = true; panic(r) }
func (r *recorder) Skipf(f string, args ...any)     { r.skipped = true; panic(r) }
func (r *recorder) Logf(format string, args ...any) {}

func call(fn func(tb testing.TB)) (r *recorder) {
	r = &recorder{}
	defer func() {
		if p := recover(); p != nil && p != any(r) {
			panic(p)
		}
	}()
	fn(r)
	return r
}

func TestMissingProgram(t *testing.T) {
	const missing = "titlecert-no-such-program"
	t.Setenv("CI", "true")
	if r := call(func(tb testing.TB) { testtool.Need(tb, missing) }); !r.failed || r.skipped {
		t.Errorf("CI=true: Need of a missing program failed %v, skipped %v; want a failure", r.failed, r.skipped)
	}
	if r := call(func(tb testing.TB) { testtool.Find(tb, missing) }); !r.failed {
		t.Error("CI=true: Find of a missing program did not fail")
	}
	t.Setenv("CI", "")
	if r := call(func(tb testing.TB) { testtool.Need(tb, missing) }); r.failed || !r.skipped {
		t.Errorf("outside CI: Need of a missing program failed %v, skipped %v; want a skip", r.failed, r.skipped)
	}
	var ok bool
	if r := call(func(tb testing.TB) { _, ok = testtool.Find(tb, missing) }); r.failed || r.skipped || ok {
		t.Errorf("outside CI: Find of a missing program failed %v, skipped %v, found %v", r.failed, r.skipped, ok)
	}
}

func TestFoundProgram(t *testing.T) {
	t.Setenv("CI", "true")
	// go is on $PATH wherever these tests run; the first name missing is passed over.
	if p := testtool.Need(t, "titlecert-no-such-program", "go"); p == "" {
		t.Fatal("no path for go")
	}
}
