package cert_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/titlecert/titlecert/cert"
)

// Callers (verify, statuslist, the server) show the parts of a refusal, so
// each kind of refusal is a typed error whose fields hold them.
func TestTypedErrors(t *testing.T) {
	c := vectorClaims(t)
	c.ReviewDate = "2026-02-30"
	var cl *cert.ClaimError
	err := c.Validate()
	if !errors.As(err, &cl) || !errors.Is(err, cert.ErrInvalidClaims) || cl.Claim != "rd" || cl.Problem == "" {
		t.Fatalf("Validate: %#v, want a *cert.ClaimError for \"rd\"", err)
	}
	if err.Error() != "cert: invalid claims: "+cl.Detail() || !strings.HasPrefix(cl.Detail(), `"rd" `) {
		t.Fatalf("Validate: %q / %q", err, cl.Detail())
	}

	for name, tc := range map[string]struct {
		err  error
		kind error
	}{
		"too large": {second(cert.ParseCompactN(strings.Repeat("a", 11), 10)), cert.ErrTooLarge},
		"malformed": {second(cert.ParseCompact("a.b")), cert.ErrMalformed},
		"algorithm": {second(cert.ParseCompact("eyJhbGciOiJIUzI1NiIsImtpZCI6ImsiLCJ0eXAiOiJ4In0.e30.AA")), cert.ErrUnsupportedAlgorithm},
		"payload":   {second(cert.DecodePayload([]byte{0xff, 0xff})), cert.ErrMalformed},
		"QR text":   {second(cert.ParseQRText("https://v.example/C/123")), cert.ErrMalformed},
		"QR suffix": {second(cert.ParseQRText("https://v.example/C/0:")), cert.ErrQRTextSuffix},
	} {
		var ce *cert.Error
		if !errors.As(tc.err, &ce) || ce.Kind != tc.kind || !errors.Is(tc.err, tc.kind) {
			t.Errorf("%s: %#v, want a *cert.Error of kind %v", name, tc.err, tc.kind)
			continue
		}
		if ce.Detail == "" || strings.HasPrefix(ce.Detail, "cert:") || tc.err.Error() != tc.kind.Error()+": "+ce.Detail ||
			"cert: "+ce.Message() != tc.err.Error() {
			t.Errorf("%s: Error %q, Detail %q, Message %q", name, tc.err, ce.Detail, ce.Message())
		}
	}
}

func second[T any](_ T, err error) error { return err }
