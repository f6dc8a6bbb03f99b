package verify_test

import (
	"strings"
	"testing"

	"github.com/titlecert/titlecert/cert"
	"github.com/titlecert/titlecert/verify"
)

// A JWS of cert.MaxJWSLen characters is read (and refused for what it
// holds); one character more is too_large, before any parsing.
func TestJWSLengthAtTheLimit(t *testing.T) {
	_, trust := trustTestKey(t)
	o := verify.Options{Trust: trust, Now: checkTime}
	for _, n := range []int{cert.MaxJWSLen, cert.MaxJWSLen + 1} {
		r := verify.CheckJWS(strings.Repeat("A", n), verify.SourceJWS, o)
		want := verify.ReasonMalformed
		if n > cert.MaxJWSLen {
			want = verify.ReasonTooLarge
		}
		if r.Status != verify.Invalid || r.Reason != want {
			t.Errorf("%d characters: %s/%s, want invalid/%s", n, r.Status, r.Reason, want)
		}
	}
}
