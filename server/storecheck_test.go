package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/titlecert/titlecert/cert"
	"github.com/titlecert/titlecert/cert/batch"
	"github.com/titlecert/titlecert/cert/batch/batchtest"
	"github.com/titlecert/titlecert/cert/roster"
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
	v := f.srv.verdictPage(verify.Result{Status: verify.Revoked, RevocationReason: store.ReasonUnrecorded, RevokedAt: &at}, "page")
	if v.Verdict != "revoked" || v.Since != "" ||
		v.Reason.EN != "this certificate was never recorded by the issuer" || v.Reason.ZH != "签发机构从未登记此证书" ||
		!strings.Contains(v.Summary.EN, "never recorded by the issuer") {
		t.Fatalf("%+v", v)
	}
	// Other revocations keep their date.
	v = f.srv.verdictPage(verify.Result{Status: verify.Revoked, RevocationReason: store.ReasonFraud, RevokedAt: &at}, "page")
	if v.Since == "" || strings.Contains(v.Summary.EN, "never recorded") {
		t.Fatalf("%+v", v)
	}
}

// TestUnrecordedOnline crashes a batch on the server's store before its
// commit. The server's lists publish the orphan as unrecorded as soon as
// the grace period ends (not at their next TTL/2 signing), and the API and
// the page call it revoked, never recorded by the issuer.
func TestUnrecordedOnline(t *testing.T) {
	f := newFixture(t, 1, "", nil)
	var orphans []string
	is := &batch.Issuer{Store: batchtest.CrashStore{Store: f.st, Tokens: &orphans}, Key: f.key, Renderer: renderer(),
		HolderHash: func(id string) []byte { return []byte("h" + id) },
		Issuer:     f.srv.cfg.Issuer, Now: func() time.Time { return issuedAt }}
	csv := []byte("姓名,身份证号,系列,专业,级别,评审委员会,评审日期,文号\n" +
		"王芳,110105198001010024,工程技术,建筑工程,中级,福建省工程技术人才职称评审委员会,2026-06-30,闽人社文〔2026〕12号\n")
	ro := roster.Options{Now: func() time.Time { return issuedAt }, CheckName: renderer().CheckText}
	src := batch.Source{Name: "c.csv", Open: func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(csv)), nil }, Options: ro}
	// The store reserves with its own (real) clock.
	reserved := time.Now().UTC().Truncate(time.Second)
	if _, err := is.Issue(context.Background(), src, filepath.Join(t.TempDir(), "out")); !errors.Is(err, batchtest.ErrCrash) {
		t.Fatalf("crashing batch: %v", err)
	}
	if len(orphans) != 1 {
		t.Fatalf("%d orphans", len(orphans))
	}
	api := func() verify.Result {
		t.Helper()
		w := f.do("POST", "/api/v1/verify", strings.NewReader(orphans[0]), header("Content-Type", "text/plain"))
		var res verify.Result
		if w.Code != 200 || json.Unmarshal(w.Body.Bytes(), &res) != nil {
			t.Fatalf("%d %s", w.Code, w.Body.String())
		}
		return res
	}
	// A minute before the grace period ends: the batch might still
	// commit, the certificate verifies.
	f.clock.Add(reserved.Add(store.UnrecordedGrace - time.Minute).Sub(f.clock.Now()))
	if res := api(); res.Status != verify.Valid {
		t.Fatalf("within the grace period: %s %s", res.Status, res.Reason)
	}
	signed := f.srv.m.statusSigned.Value()
	f.clock.Add(2 * time.Minute)
	res := api()
	if res.Status != verify.Revoked || res.RevocationReason != store.ReasonUnrecorded || !res.StatusChecked {
		t.Fatalf("after the grace period: %s %q", res.Status, res.RevocationReason)
	}
	if f.srv.m.statusSigned.Value() != signed+1 {
		t.Fatalf("lists signed %v times, want once more", f.srv.m.statusSigned.Value()-signed)
	}
	u, err := url.Parse(cert.QRText(f.baseURL, orphans[0]))
	if err != nil {
		t.Fatal(err)
	}
	page := f.do("GET", u.Path).Body.String()
	if verdictClass(t, page) != "verdict-revoked" || !strings.Contains(page, "this certificate was never recorded by the issuer") ||
		!strings.Contains(page, "签发机构从未登记此证书") {
		t.Fatalf("page:\n%s", page)
	}
	// The certificate issued normally stays valid, and the lists are not
	// signed again for the orphan published already.
	if got := verdictClass(t, f.do("GET", f.qrPath(0)).Body.String()); got != "verdict-valid" {
		t.Fatalf("the recorded certificate: %s", got)
	}
	signed = f.srv.m.statusSigned.Value()
	f.clock.Add(time.Hour)
	f.do("GET", f.qrPath(0))
	if f.srv.m.statusSigned.Value() != signed {
		t.Fatal("signed again with nothing pending")
	}
}
