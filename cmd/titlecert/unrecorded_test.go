package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/titlecert/titlecert/cert/batch"
	"github.com/titlecert/titlecert/cert/batch/batchtest"
	"github.com/titlecert/titlecert/cert/pdf"
	"github.com/titlecert/titlecert/cert/roster"
	"github.com/titlecert/titlecert/internal/datadir"
	"github.com/titlecert/titlecert/store"
	"github.com/titlecert/titlecert/store/sqlite"
)

// TestUnrecordedOrphans issues a batch in a real data directory that
// crashes before the commit, a day ago; status export then publishes the
// orphans as unrecorded, and verify calls the orphan certificate revoked,
// never recorded by the issuer, while the certificate issued normally stays
// valid.
func TestUnrecordedOrphans(t *testing.T) {
	dir, pass, csv := storeTemplate(t)
	data := filepath.Join(dir, "data")
	d, err := datadir.Open(data)
	if err != nil {
		t.Fatal(err)
	}
	secrets, err := d.Unlock([]byte("correct-horse-battery"))
	if err != nil {
		t.Fatal(err)
	}
	yesterday := time.Now().Add(-store.UnrecordedGrace - time.Hour).UTC().Truncate(time.Second)
	st, err := d.OpenStore(sqlite.WithClock(func() time.Time { return yesterday }))
	if err != nil {
		t.Fatal(err)
	}
	r, err := pdf.NewRenderer()
	if err != nil {
		t.Fatal(err)
	}
	var orphans []string
	is := &batch.Issuer{Store: batchtest.CrashStore{Store: st, Tokens: &orphans}, Key: secrets.SigningKey, HolderHash: secrets.HolderHash, Renderer: r,
		Issuer: d.Config.Issuer(), Now: func() time.Time { return yesterday }, Operator: "test"}
	raw, _ := os.ReadFile(csv)
	raw = []byte(strings.ReplaceAll(string(raw), "张伟,11010519491231002X", "王芳,110105198001010024"))
	ro := roster.Options{Now: func() time.Time { return yesterday }, CheckName: r.CheckText}
	src := batch.Source{Name: "c.csv", Open: func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(raw)), nil }, Options: ro}
	if _, err := is.Issue(context.Background(), src, filepath.Join(dir, "crashed")); !errors.Is(err, batchtest.ErrCrash) {
		t.Fatalf("crashing batch: %v", err)
	}
	st.Close()
	if len(orphans) != 1 {
		t.Fatalf("%d orphans", len(orphans))
	}
	orphan := filepath.Join(dir, "orphan.jws")
	os.WriteFile(orphan, []byte(orphans[0]), 0o644)

	runOK := func(args ...string) string {
		t.Helper()
		var out, errb bytes.Buffer
		if code := run(args, nil, &out, &errb); code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, errb.String())
		}
		return out.String()
	}
	lists := filepath.Join(dir, "lists.jwt")
	jwks := filepath.Join(dir, "jwks.json")
	out := runOK("status", "export", "--data", data, "--out", lists, "--passphrase-file", pass)
	if !strings.Contains(out, "0 revoked, 0 suspended, 1 unrecorded (reserved by a batch that never completed)") {
		t.Fatalf("status export: %s", out)
	}
	runOK("keys", "export", "--data", data, "--out", jwks)
	var vout bytes.Buffer
	if code := run([]string{"verify", "--trust", jwks, "--status", lists, orphan}, nil, &vout, io.Discard); code != exitFailed {
		t.Fatalf("verify the orphan: exit %d\n%s", code, vout.String())
	}
	if !strings.Contains(vout.String(), "REVOKED 已撤销: unrecorded — this certificate was never recorded by the issuer (签发机构从未登记此证书)\n") ||
		strings.Contains(vout.String(), "since") {
		t.Fatalf("verify the orphan:\n%s", vout.String())
	}
	vout.Reset()
	if code := run([]string{"verify", "--trust", jwks, "--status", lists, "--json", orphan}, nil, &vout, io.Discard); code != exitFailed ||
		!strings.Contains(vout.String(), `"status":"revoked","reason":"unrecorded"`) {
		t.Fatalf("verify --json the orphan: exit %d\n%s", code, vout.String())
	}
	// The certificate issued normally is untouched.
	good := runOK("show", "--data", data, "--jws", "--first")
	goodFile := filepath.Join(dir, "good.jws")
	os.WriteFile(goodFile, []byte(good), 0o644)
	if out := runOK("verify", "--trust", jwks, "--status", lists, goodFile); !strings.Contains(out, "VALID") {
		t.Fatalf("the recorded certificate: %s", out)
	}
}
