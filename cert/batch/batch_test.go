package batch_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/titlecert/titlecert/cert"
	"github.com/titlecert/titlecert/cert/batch"
	"github.com/titlecert/titlecert/cert/batch/batchtest"
	"github.com/titlecert/titlecert/cert/pdf"
	"github.com/titlecert/titlecert/cert/roster"
	"github.com/titlecert/titlecert/internal/testtool"
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

func newFixture(t testing.TB) *fixture {
	t.Helper()
	dir := t.TempDir()
	bf, err := batchtest.New(dir, "https://verify.example", renderer)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { bf.Store.Close() })
	bf.Issuer.Now = func() time.Time { return now }
	return &fixture{
		issuer: bf.Issuer,
		store:  bf.Store,
		trust:  verify.Options{Trust: &verify.PinnedKeys{Keys: keys.PublicSet(bf.Key)}, Now: func() time.Time { return now.Add(time.Hour) }},
		out:    filepath.Join(dir, "out"),
	}
}

func sampleCSV(t testing.TB, n int) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := roster.WriteSampleCSV(&buf, n, now); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func rosterOptions() roster.Options {
	return roster.Options{Now: func() time.Time { return now }, CheckName: renderer.CheckText}
}

// source is a batch.Source over data.
func source(data []byte) batch.Source {
	return batch.Source{
		Name:    "sample.csv",
		Open:    func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil },
		Options: rosterOptions(),
	}
}

// candidates returns the source of n sample candidates and the candidates.
func candidates(t *testing.T, n int) (batch.Source, []roster.Candidate) {
	t.Helper()
	data := sampleCSV(t, n)
	c, err := roster.Read(bytes.NewReader(data), "sample.csv", rosterOptions())
	if err != nil {
		t.Fatal(err)
	}
	return source(data), c
}

// readManifest returns what the manifest lists.
func readManifest(t *testing.T, path string) []batch.Issued {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(data, []byte("\ufeff")))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) == 0 || strings.Join(rows[0], ",") != "number,name,file,verification_code,jws" {
		t.Fatalf("manifest header: %v", rows)
	}
	var out []batch.Issued
	for _, r := range rows[1:] {
		out = append(out, batch.Issued{Number: r[0], Name: r[1], File: r[2], VerificationCode: r[3], JWS: r[4]})
	}
	return out
}

func TestIssueEndToEnd(t *testing.T) {
	t.Run("default", func(t *testing.T) { testIssueEndToEnd(t, 0) })
	t.Run("with ID hash", func(t *testing.T) { testIssueEndToEnd(t, cert.MinIDHashLogN) })
}

func testIssueEndToEnd(t *testing.T, idHashCost int) {
	f := newFixture(t)
	f.issuer.IDHashCost = idHashCost
	src, cands := candidates(t, 6)
	res, err := f.issuer.Issue(context.Background(), src, f.out)
	if err != nil {
		t.Fatal(err)
	}
	issued := readManifest(t, res.Manifest)
	if res.Count != 6 || len(issued) != 6 || res.First != issued[0] {
		t.Fatalf("issued %d, manifest lists %d, first %+v", res.Count, len(issued), res.First)
	}
	entries, _ := os.ReadDir(f.out)
	if len(entries) != 7 { // 6 PDFs + manifest, no staging left
		t.Fatalf("out holds %d entries", len(entries))
	}
	for i, it := range issued {
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
		if c.HolderName != cands[i].Name || c.Number != it.Number || !cert.MatchesMask(cands[i].IDNumber, c.HolderIDMask) {
			t.Fatalf("%s: claims %+v", it.File, c)
		}
		switch {
		case idHashCost == 0 && c.HolderIDHash != nil:
			t.Fatalf("%s: an ID hash although the issuer adds none", it.File)
		case idHashCost != 0 && (c.HolderIDHash == nil || c.HolderIDHash.LogN != idHashCost || !c.HolderIDHash.Matches(cands[i].IDNumber)):
			t.Fatalf("%s: ID hash %+v does not confirm the holder's number", it.File, c.HolderIDHash)
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
		if rec.QRForm != uint8(cert.QRFormCurrent) {
			t.Fatalf("%s: recorded QR text form %d, want the current one", it.File, rec.QRForm)
		}
		var again, other bytes.Buffer
		if err := batch.Render(renderer, cert.QRForm(rec.QRForm), "https://verify.example", "https://verify.example/v", "福建省人力资源和社会保障厅", jws, c, &again); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(again.Bytes(), data) {
			t.Fatalf("%s: rendering again changed the bytes", it.File)
		}
		// The form is part of the bytes: the record must say which.
		if err := batch.Render(renderer, cert.QRFormUpper, "https://verify.example", "https://verify.example/v", "福建省人力资源和社会保障厅", jws, c, &other); err != nil || bytes.Equal(other.Bytes(), data) {
			t.Fatalf("%s: the legacy form renders the same bytes (%v)", it.File, err)
		}
		// The holder's Chinese name is in the PDF's text.
		if i == 0 {
			if _, ok := testtool.Find(t, "pdftotext"); !ok {
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
	batches, err := f.store.Batches(context.Background())
	if err != nil || len(batches) != 1 || batches[0].Count != 6 || batches[0].Source != "sample.csv" || !bytes.Equal(batches[0].SourceSHA256, res.SourceSHA256) {
		t.Fatalf("batch record %+v, %v", batches, err)
	}
	if sum := sha256.Sum256(sampleCSV(t, 6)); !bytes.Equal(res.SourceSHA256, sum[:]) {
		t.Fatal("SourceSHA256 is not the file's SHA-256")
	}

	// The same candidates again: refused row by row, nothing issued.
	_, err = f.issuer.Issue(context.Background(), src, f.out+"2")
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
		src, _ := candidates(t, 4)
		if _, err := f.issuer.Issue(context.Background(), src, f.out); err == nil {
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
		src, _ := candidates(t, 8)
		if _, err := f.issuer.Issue(ctx, src, f.out); !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v", err)
		}
		assertNothingIssued(t, f)
	})
	t.Run("existing output folder is kept, without leftovers", func(t *testing.T) {
		f := newFixture(t)
		os.MkdirAll(f.out, 0o755)
		os.WriteFile(filepath.Join(f.out, "keep.txt"), []byte("x"), 0o644)
		f.issuer.Store = failingStore{f.store}
		src, _ := candidates(t, 2)
		f.issuer.Issue(context.Background(), src, f.out)
		entries, _ := os.ReadDir(f.out)
		if len(entries) != 1 || entries[0].Name() != "keep.txt" {
			t.Fatalf("out holds %v", entries)
		}
	})
	t.Run("an issued file is never replaced", func(t *testing.T) {
		f := newFixture(t)
		os.MkdirAll(f.out, 0o755)
		// Another issuer (or a restored database) already wrote this name.
		taken := filepath.Join(f.out, batch.FileName(batch.Number(now, 2)))
		os.WriteFile(taken, []byte("someone else's certificate"), 0o644)
		src, _ := candidates(t, 3)
		_, err := f.issuer.Issue(context.Background(), src, f.out)
		if err == nil || !strings.Contains(err.Error(), "already exists") || !strings.Contains(err.Error(), "nothing was issued") {
			t.Fatalf("err = %v", err)
		}
		if b, _ := os.ReadFile(taken); string(b) != "someone else's certificate" {
			t.Fatal("the existing file was replaced")
		}
		n := 0
		f.store.List(context.Background(), store.Filter{}, func(*store.Certificate) error { n++; return nil })
		entries, _ := os.ReadDir(f.out)
		if n != 0 || len(entries) != 1 {
			t.Fatalf("%d records, %d entries in out", n, len(entries))
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

// A staging folder left by a crash (signed PDFs never recorded) is removed
// by the next batch into the same folder once it is stale; one marked as
// recorded is kept.
func TestStaleStagingRemoved(t *testing.T) {
	f := newFixture(t)
	stale := filepath.Join(f.out, ".staging-B20260101T000000Z-1-123")
	recorded := filepath.Join(f.out, ".staging-B20260101T000000Z-9-456")
	fresh := filepath.Join(f.out, ".staging-B20260701T015900Z-7-789")
	for _, d := range []string{stale, recorded, fresh} {
		os.MkdirAll(d, 0o755)
		os.WriteFile(filepath.Join(d, "2026000001.pdf"), []byte("%PDF-"), 0o644)
	}
	os.WriteFile(filepath.Join(recorded, "RECORDED-MOVE-INTO-PLACE.txt"), nil, 0o644)
	old := now.Add(-2 * batch.StaleStaging)
	for _, d := range []string{stale, recorded} {
		os.Chtimes(d, old, old)
	}
	os.Chtimes(fresh, now, now)
	src, _ := candidates(t, 1)
	res, err := f.issuer.Issue(context.Background(), src, f.out)
	if err != nil {
		t.Fatal(err)
	}
	if res.RemovedStaging != 1 {
		t.Fatalf("removed %d", res.RemovedStaging)
	}
	if _, err := os.Stat(stale); !errors.Is(err, os.ErrNotExist) {
		t.Fatal("the stale staging folder is still there")
	}
	for _, d := range []string{recorded, fresh} {
		if _, err := os.Stat(d); err != nil {
			t.Fatalf("%s was removed", filepath.Base(d))
		}
	}
}

// takenCodes is a store in which the first verification codes asked about
// are already taken, as if another certificate had them.
type takenCodes struct {
	*sqlite.Store
	taken atomic.Int64 // how many more look-ups answer "taken"
	asked atomic.Int64
}

func (s *takenCodes) ByVerificationCode(ctx context.Context, code string) (*store.Certificate, error) {
	s.asked.Add(1)
	if s.taken.Add(-1) >= 0 {
		return &store.Certificate{Number: "2025000001", VerificationCode: code}, nil
	}
	return s.Store.ByVerificationCode(ctx, code)
}

// A certificate whose verification code is taken is signed again with a
// new jti, and its PDF file is replaced: the file, the manifest and the
// record all hold the new certificate.
func TestVerificationCodeTaken(t *testing.T) {
	f := newFixture(t)
	ts := &takenCodes{Store: f.store}
	ts.taken.Store(2) // the first certificate needs two more tries
	f.issuer.Store = ts
	src, _ := candidates(t, 3)
	res, err := f.issuer.Issue(context.Background(), src, f.out)
	if err != nil {
		t.Fatal(err)
	}
	if ts.asked.Load() != 3+2 {
		t.Fatalf("%d code look-ups, want 5 (3 certificates, 2 retries)", ts.asked.Load())
	}
	for _, it := range readManifest(t, res.Manifest) {
		data, err := os.ReadFile(filepath.Join(f.out, it.File))
		if err != nil {
			t.Fatal(err)
		}
		jws, err := pdf.ExtractJWS(bytes.NewReader(data), int64(len(data)))
		if err != nil || jws != it.JWS {
			t.Fatalf("%s holds another certificate than the manifest's (%v)", it.File, err)
		}
		rec, err := f.store.Certificate(context.Background(), it.Number)
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(data)
		if rec.JWS != it.JWS || !bytes.Equal(rec.PDFHash, sum[:]) || rec.VerificationCode != it.VerificationCode {
			t.Fatalf("%s: the record is not the file's certificate", it.Number)
		}
	}
}

// TestManifestNeutralizesFormulas issues the field case of cells that
// start with '=', '+' and '@' (testdata/formula-in-cells.csv) and reads the
// manifest back: no cell starts with what a spreadsheet would run.
func TestManifestNeutralizesFormulas(t *testing.T) {
	data, err := os.ReadFile("testdata/formula-in-cells.csv")
	if err != nil {
		t.Fatal(err)
	}
	f := newFixture(t)
	res, err := f.issuer.Issue(context.Background(), source(data), f.out)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(res.Manifest)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(raw, []byte("\ufeff")))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 {
		t.Fatalf("manifest rows %q", rows)
	}
	if want := `'=HYPERLINK("http://evil.example","x")`; rows[1][1] != want {
		t.Errorf("name cell %q, want %q", rows[1][1], want)
	}
	for _, r := range rows {
		for _, c := range r {
			if c != "" && strings.ContainsRune("=+-@\t\r", rune(c[0])) {
				t.Errorf("cell %q would run as a formula", c)
			}
		}
	}
	// The certificate itself holds the name as typed: only the file a
	// spreadsheet opens is changed.
	if res.First.Name != `=HYPERLINK("http://evil.example","x")` {
		t.Errorf("issued name %q", res.First.Name)
	}
}
