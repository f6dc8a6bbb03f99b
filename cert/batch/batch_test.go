package batch_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/titlecert/titlecert/cert"
	"github.com/titlecert/titlecert/cert/batch"
	"github.com/titlecert/titlecert/cert/pdf"
	"github.com/titlecert/titlecert/cert/roster"
	"github.com/titlecert/titlecert/keys"
	"github.com/titlecert/titlecert/store"
	"github.com/titlecert/titlecert/store/sqlite"
	"github.com/titlecert/titlecert/verify"
)

var now = time.Date(2026, 7, 1, 2, 0, 0, 0, time.UTC)

type fixture struct {
	issuer *batch.Issuer
	store  *sqlite.Store
	trust  verify.Options
	out    string
}

var renderer = func() *pdf.Renderer {
	r, err := pdf.NewRenderer()
	if err != nil {
		panic(err)
	}
	return r
}()

func newFixture(t *testing.T) *fixture {
	t.Helper()
	dir := t.TempDir()
	st, err := sqlite.Open(filepath.Join(dir, "t.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	k, err := keys.Generate(keys.EdDSA, nil)
	if err != nil {
		t.Fatal(err)
	}
	hk := []byte("0123456789abcdef0123456789abcdef")
	return &fixture{
		issuer: &batch.Issuer{
			Store: st, Key: k, Renderer: renderer,
			HolderHash: func(id string) []byte { m := hmac.New(sha256.New, hk); m.Write([]byte(id)); return m.Sum(nil) },
			IssuerID:   "fjhrss", IssuerName: "福建省人力资源和社会保障厅", BaseURL: "https://verify.example",
			VerifyURL: "https://verify.example/v", StatusURI: func(l int64) string { return "https://verify.example/s/1" },
			IDHashCost: cert.MinIDHashLogN, Now: func() time.Time { return now },
		},
		store: st,
		trust: verify.Options{Trust: keys.PublicSet(k), Now: func() time.Time { return now.Add(time.Hour) }},
		out:   filepath.Join(dir, "out"),
	}
}

func candidates(t *testing.T, n int) []roster.Candidate {
	t.Helper()
	var buf bytes.Buffer
	if err := roster.WriteSampleCSV(&buf, n, now); err != nil {
		t.Fatal(err)
	}
	c, err := roster.Read(&buf, "sample.csv", roster.Options{Now: func() time.Time { return now }, CheckName: renderer.CheckText})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestIssueEndToEnd(t *testing.T) {
	f := newFixture(t)
	cands := candidates(t, 6)
	res, err := f.issuer.Issue(context.Background(), cands, f.out, "sample.csv", nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Issued) != 6 {
		t.Fatalf("issued %d", len(res.Issued))
	}
	entries, _ := os.ReadDir(f.out)
	if len(entries) != 7 { // 6 PDFs + manifest, no staging left
		t.Fatalf("out holds %d entries", len(entries))
	}
	for i, it := range res.Issued {
		data, err := os.ReadFile(filepath.Join(f.out, it.File))
		if err != nil {
			t.Fatal(err)
		}
		// The PDF alone verifies: its attachment is the issued JWS.
		jws, err := pdf.ExtractJWS(bytes.NewReader(data), int64(len(data)))
		if err != nil || jws != it.JWS {
			t.Fatalf("%s: attachment %v", it.File, err)
		}
		c, _, err := verify.Verify(jws, f.trust)
		if err != nil {
			t.Fatalf("%s: %v", it.File, err)
		}
		if c.HolderName != cands[i].Name || c.Number != it.Number || !c.HolderIDHash.Matches(cands[i].IDNumber) {
			t.Fatalf("%s: claims %+v", it.File, c)
		}
		// The store holds the file's hash, and rendering again gives the same bytes.
		rec, err := f.store.Certificate(context.Background(), it.Number)
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(data)
		if !bytes.Equal(rec.PDFHash, sum[:]) || rec.JWS != jws || rec.BatchID != res.BatchID {
			t.Fatalf("%s: store record does not match the file", it.File)
		}
		var again bytes.Buffer
		if err := batch.Render(renderer, "https://verify.example", "https://verify.example/v", "福建省人力资源和社会保障厅", jws, c, &again); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(again.Bytes(), data) {
			t.Fatalf("%s: rendering again changed the bytes", it.File)
		}
		// The holder's Chinese name is in the PDF's text.
		if i == 0 {
			if _, err := exec.LookPath("pdftotext"); err != nil {
				t.Log("pdftotext not installed (apt-get install poppler-utils): text extraction not checked")
				continue
			}
			txt, err := exec.Command("pdftotext", filepath.Join(f.out, it.File), "-").Output()
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(txt), cands[i].Name) || strings.Contains(string(txt), cands[i].IDNumber) {
				t.Fatalf("PDF text: name missing or full ID number present:\n%s", txt)
			}
		}
	}
	manifest, err := os.ReadFile(res.Manifest)
	if err != nil || !strings.Contains(string(manifest), res.Issued[5].JWS) {
		t.Fatalf("manifest: %v", err)
	}

	// The same candidates again: refused row by row, nothing issued.
	_, err = f.issuer.Issue(context.Background(), cands, f.out+"2", "sample.csv", nil)
	var re roster.Errors
	if !errors.As(err, &re) || len(re) != 6 {
		t.Fatalf("second run: %v", err)
	}
	if _, err := os.Stat(f.out + "2"); !errors.Is(err, os.ErrNotExist) {
		t.Fatal("refused batch created its output folder")
	}
}

// failingStore fails Issue, as a crash or a full disk at commit would.
type failingStore struct{ store.Store }

func (failingStore) Issue(context.Context, store.Batch, []store.Certificate) error {
	return errors.New("disk full")
}

func TestAllOrNothing(t *testing.T) {
	t.Run("commit fails", func(t *testing.T) {
		f := newFixture(t)
		f.issuer.Store = failingStore{f.store}
		if _, err := f.issuer.Issue(context.Background(), candidates(t, 4), f.out, "x.csv", nil); err == nil {
			t.Fatal("no error")
		}
		assertNothingIssued(t, f)
	})
	t.Run("cancelled midway", func(t *testing.T) {
		f := newFixture(t)
		ctx, cancel := context.WithCancel(context.Background())
		f.issuer.Workers = 1
		f.issuer.Progress = func(done, total int) {
			if done == 2 {
				cancel()
			}
		}
		if _, err := f.issuer.Issue(ctx, candidates(t, 8), f.out, "x.csv", nil); !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v", err)
		}
		assertNothingIssued(t, f)
	})
	t.Run("existing output folder is kept, without leftovers", func(t *testing.T) {
		f := newFixture(t)
		os.MkdirAll(f.out, 0o755)
		os.WriteFile(filepath.Join(f.out, "keep.txt"), []byte("x"), 0o644)
		f.issuer.Store = failingStore{f.store}
		f.issuer.Issue(context.Background(), candidates(t, 2), f.out, "x.csv", nil)
		entries, _ := os.ReadDir(f.out)
		if len(entries) != 1 || entries[0].Name() != "keep.txt" {
			t.Fatalf("out holds %v", entries)
		}
	})
}

func assertNothingIssued(t *testing.T, f *fixture) {
	t.Helper()
	if _, err := os.Stat(f.out); !errors.Is(err, os.ErrNotExist) {
		entries, _ := os.ReadDir(f.out)
		t.Fatalf("output folder left behind with %d entries", len(entries))
	}
	n := 0
	f.store.List(context.Background(), store.Filter{}, func(*store.Certificate) error { n++; return nil })
	if n != 0 {
		t.Fatalf("%d records in the store", n)
	}
	// Numbers handed out before the failure are never reused.
	first, err := f.store.AllocateSeq(context.Background(), 1)
	if err != nil || first == 1 {
		t.Fatalf("sequence restarted: %d %v", first, err)
	}
}
