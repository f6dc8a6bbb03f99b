package verify_test

import (
	"strings"
	"testing"

	"github.com/titlecert/titlecert/verify"
)

// A certificate whose name holds the escape "\ud800" (signed by a key of
// the break-it pass, trust file alongside) has two readings: Go's decoder
// gives U+FFFD, Python and JavaScript the lone surrogate. It is malformed
// (break-it F5); the same payload with an escaped U+FFFD, which has one
// reading, is not refused by this rule.
func TestLoneSurrogateCertificateMalformed(t *testing.T) {
	o := pinnedOptions(t, "testdata/surrogate/jwks.json")
	lone, err := readFile("testdata/surrogate/lone-surrogate.jws")
	if err != nil {
		t.Fatal(err)
	}
	r := verify.Check(string(lone), o)
	if r.Status != verify.Invalid || r.Reason != verify.ReasonMalformed || !strings.Contains(r.Detail, "surrogate") || r.Certificate != nil {
		t.Errorf("lone surrogate: %s %s %s", r.Status, r.Reason, r.Detail)
	}
	fffd, err := readFile("testdata/surrogate/escaped-fffd.jws")
	if err != nil {
		t.Fatal(err)
	}
	if r := verify.Check(string(fffd), o); strings.Contains(r.Detail, "surrogate") || r.Certificate == nil {
		t.Errorf("escaped U+FFFD: %s %s %s", r.Status, r.Reason, r.Detail)
	}
}
