package main

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
)

// Every way cobra can refuse a command line exits 2, decided by the
// error's type (run no longer reads cobra's words); other failures exit 1.
func TestUsageExitCodes(t *testing.T) {
	for name, args := range map[string][]string{
		"unknown command":       {"frobnicate"},
		"unknown flag":          {"list", "--data", "d", "--frobnicate"},
		"unknown shorthand":     {"list", "-z"},
		"flag needs a value":    {"list", "--data"},
		"bad flag value":        {"list", "--data", "d", "--limit", "many"},
		"bad duration":          {"status", "export", "--data", "d", "--out", "x", "--validity", "soon"},
		"required flag missing": {"list"},
		"required flags":        {"init", "--data", "d"},
		"no arguments allowed":  {"list", "--data", "d", "extra"},
		"too many arguments":    {"show", "--data", "d", "1", "2"},
		"too few arguments":     {"verify"},
		"data not a directory":  {"list", "--data", t.TempDir() + "/none"},
		"unknown subcommand":    {"keys", "expor"},
		"unknown status verb":   {"status", "frobnicate"},
		"unknown token verb":    {"token", "frobnicate"},
	} {
		t.Run(name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if code := run(args, strings.NewReader(""), &stdout, &stderr); code != exitUsage {
				t.Fatalf("titlecert %s: exit %d, want %d\n%s", strings.Join(args, " "), code, exitUsage, stderr.String())
			}
			if !strings.HasPrefix(stderr.String(), "titlecert: ") {
				t.Fatalf("stderr %q does not say what is wrong", stderr.String())
			}
		})
	}
	var stdout, stderr bytes.Buffer
	if code := run(nil, strings.NewReader(""), &stdout, &stderr); code != exitOK || !strings.Contains(stdout.String(), "Available Commands") {
		t.Fatalf("titlecert alone: exit %d, stdout %q", code, stdout.String())
	}
	// A group alone shows its help, as before.
	stdout.Reset()
	if code := run([]string{"keys"}, strings.NewReader(""), &stdout, &stderr); code != exitOK || !strings.Contains(stdout.String(), "Available Commands") {
		t.Fatalf("titlecert keys: exit %d, stdout %q", code, stdout.String())
	}
	// A typo in a group's verb names the group and suggests the verb.
	stderr.Reset()
	run([]string{"keys", "expor"}, strings.NewReader(""), &stdout, &stderr)
	if want := `titlecert: unknown command "expor" for "titlecert keys" (did you mean export?)` + "\n"; stderr.String() != want {
		t.Fatalf("stderr %q, want %q", stderr.String(), want)
	}
}

// The exit code comes from the error's type: an error that merely reads
// like cobra's is a failure (1), a usageError whatever its words is 2.
func TestExitCodeFromType(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want int
	}{
		{nil, exitOK},
		{errors.New("unknown flag: --x"), exitFailed},
		{fmt.Errorf("required flag(s) %q not set", "data"), exitFailed},
		{usageError{errors.New("anything")}, exitUsage},
		{fmt.Errorf("wrapped: %w", usageError{errors.New("anything")}), exitUsage},
		{silentError{1}, 1},
	} {
		if got := exitCode(tc.err, new(bytes.Buffer)); got != tc.want {
			t.Errorf("exitCode(%v) = %d, want %d", tc.err, got, tc.want)
		}
	}
}
