package server

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/titlecert/titlecert/verify"
)

// TestStatusFallsBackToUnknown runs the status cache's fail-safe paths:
// when the lists cannot be signed (here the store is closed under the
// server), a genuine certificate is "unknown", never valid, with its
// reason, on the page and in the API; a failure is not retried on every
// request; and lists signed before the failure keep answering until they
// are due again.
func TestStatusFallsBackToUnknown(t *testing.T) {
	t.Run("never signed", func(t *testing.T) {
		f := newFixture(t, 1, "", nil)
		f.st.Close()
		if got := verdictClass(t, f.do("GET", f.qrPath(0)).Body.String()); got != "verdict-unknown" {
			t.Fatalf("page verdict %s, want verdict-unknown", got)
		}
		if n := strings.Count(f.logs.String(), "status: signing the status lists"); n != 1 {
			t.Fatalf("the failure to sign is logged %d times, want 1:\n%s", n, f.logs.String())
		}
		// Within 5 seconds of the failure, the empty set answers without
		// trying again.
		w := f.do("POST", "/api/v1/verify", strings.NewReader(f.issued[0].JWS), header("Content-Type", "application/jose"))
		var r verify.Result
		if err := json.Unmarshal(w.Body.Bytes(), &r); err != nil {
			t.Fatalf("%d %s: %v", w.Code, w.Body.String(), err)
		}
		if r.Status != verify.Unknown || r.StatusReason != verify.ReasonStatusListMissing || r.Certificate == nil {
			t.Fatalf("API: %s/%s (certificate %v), want unknown/%s with the certificate", r.Status, r.ReasonCode(), r.Certificate != nil, verify.ReasonStatusListMissing)
		}
		if n := strings.Count(f.logs.String(), "status: signing the status lists"); n != 1 {
			t.Fatalf("signing was tried again at once (%d failures logged)", n)
		}
		if r := verify.Check(f.issued[0].JWS, f.srv.options(context.Background())); r.Status != verify.Unknown {
			t.Fatalf("options' status source: %s", r.Status)
		}
	})
	t.Run("signed before", func(t *testing.T) {
		f := newFixture(t, 1, "", nil)
		if got := verdictClass(t, f.do("GET", f.qrPath(0)).Body.String()); got != "verdict-valid" {
			t.Fatalf("before: %s", got)
		}
		f.st.Close()
		f.srv.status.invalidate()
		if got := verdictClass(t, f.do("GET", f.qrPath(0)).Body.String()); got != "verdict-valid" {
			t.Fatalf("the lists signed before the failure were not kept: %s", got)
		}
		if !strings.Contains(f.logs.String(), "status: signing the status lists") {
			t.Fatalf("the failure to sign is not logged:\n%s", f.logs.String())
		}
	})
}
