package server

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/titlecert/titlecert/store"
	"github.com/titlecert/titlecert/verify"
)

// TestReadyzStoreGone checks that readiness notices the store's file
// removed or replaced while the server holds it open (it would go on
// answering from the deleted file, and record into it), with a message
// that names no path.
func TestReadyzStoreGone(t *testing.T) {
	for _, how := range []string{"removed", "replaced by an empty file"} {
		t.Run(how, func(t *testing.T) {
			f := newFixture(t, 1, "", nil)
			if w := f.do("GET", "/readyz"); w.Code != 200 {
				t.Fatalf("readyz %d", w.Code)
			}
			path := filepath.Join(filepath.Dir(f.out), "t.db")
			if err := os.Rename(path, path+".moved"); err != nil {
				t.Fatal(err)
			}
			if how != "removed" {
				if err := os.WriteFile(path, nil, 0o600); err != nil {
					t.Fatal(err)
				}
			}
			w := f.do("GET", "/readyz")
			if w.Code != 503 || strings.Contains(w.Body.String(), path) || strings.Contains(w.Body.String(), "t.db") {
				t.Fatalf("readyz: %d %s", w.Code, w.Body.String())
			}
			err := f.srv.Ready(context.Background())
			if !errors.Is(err, store.ErrMissing) || !strings.HasPrefix(err.Error(), "server: ") {
				t.Fatalf("Ready: %v", err)
			}
			if !strings.Contains(f.logs.String(), "not ready") {
				t.Fatalf("not logged: %s", f.logs.String())
			}
		})
	}
}

// TestVerdictUnrecorded checks the words the verdict page gives an entry
// published as unrecorded: never recorded, not "revoked since".
func TestVerdictUnrecorded(t *testing.T) {
	f := newFixture(t, 1, "", nil)
	at := time.Date(2026, 3, 1, 2, 0, 0, 0, time.UTC)
	v := f.srv.verdictPage(verify.Result{Status: verify.Revoked, Reason: store.ReasonUnrecorded, RevokedAt: &at}, "page")
	if v.Verdict != "revoked" || v.Since != "" ||
		v.Reason.EN != "this certificate was never recorded by the issuer" || v.Reason.ZH != "签发机构从未登记此证书" ||
		!strings.Contains(v.Summary.EN, "never recorded by the issuer") {
		t.Fatalf("%+v", v)
	}
	// Other revocations keep their date.
	v = f.srv.verdictPage(verify.Result{Status: verify.Revoked, Reason: store.ReasonFraud, RevokedAt: &at}, "page")
	if v.Since == "" || strings.Contains(v.Summary.EN, "never recorded") {
		t.Fatalf("%+v", v)
	}
}
