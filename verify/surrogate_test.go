package verify_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/titlecert/titlecert/verify"
)

// A certificate whose name holds the escape "\ud800" (signed by a key of
// the break-it pass, trust file alongside) has two readings: Go's decoder
// gives U+FFFD, Python and JavaScript the lone surrogate. It is malformed
// (break-it F5); the same payload with an escaped U+FFFD, which has one
// reading, is not refused by this rule.
func TestLoneSurrogateCertificateMalformed(t *testing.T) {
	data, err := readFile("testdata/surrogate/jwks.json")
	if err != nil {
		t.Fatal(err)
	}
	var trust jose.JSONWebKeySet
	if err := json.Unmarshal(data, &trust); err != nil {
		t.Fatal(err)
	}
	o := verify.Options{Trust: &verify.PinnedKeys{Keys: trust}, Now: func() time.Time { return time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC) }}
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
