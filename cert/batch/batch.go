// Package batch issues certificates in batches: from the checked rows of a
// candidates spreadsheet to signed JWS, QR codes, PDF files, a manifest and
// the store's records.
//
// Promises: a batch is all or nothing. Every row is checked (by package
// roster, then here against the store) before anything is issued; PDFs are
// rendered into a staging folder inside the output folder; the store's
// records are committed in one transaction; only then are the files moved
// into place. A crash before the commit leaves no record (at most burned
// certificate numbers and status indexes, which are never reused, and a
// staging folder); a crash after it leaves records whose PDFs can be
// rendered again from the stored JWS, byte for byte.
package batch

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/titlecert/titlecert/cert"
	"github.com/titlecert/titlecert/cert/pdf"
	"github.com/titlecert/titlecert/cert/qr"
	"github.com/titlecert/titlecert/cert/roster"
	"github.com/titlecert/titlecert/store"
)

// Issuer issues batches for one issuer.
type Issuer struct {
	Store      store.Store
	Key        jose.JSONWebKey        // private signing key
	HolderHash func(id string) []byte // keyed hash of an ID number (datadir.Secrets.HolderHash)
	Renderer   *pdf.Renderer

	IssuerID   string
	IssuerName string
	BaseURL    string
	VerifyURL  string
	StatusURI  func(list int64) string
	IDHashCost int

	Now      func() time.Time      // time.Now when nil
	Rand     io.Reader             // crypto/rand when nil
	Workers  int                   // runtime.GOMAXPROCS(0) when 0
	Operator string                // recorded with the batch
	Progress func(done, total int) // called as certificates are rendered; may be nil
	Stats    *Stats                // when set, receives the time spent in each stage
}

// Stats adds up the time spent in each stage of issuance, summed over the
// workers (so on two busy cores they add up to about twice the wall time).
// Its fields are safe to read once Issue has returned.
type Stats struct {
	Check atomic.Int64 // nanoseconds checking candidates against the store
	Hash  atomic.Int64 // computing the holder ID hashes (scrypt)
	Sign  atomic.Int64 // encoding and signing the claims
	QR    atomic.Int64 // encoding the QR codes
	PDF   atomic.Int64 // rendering the PDFs
	Write atomic.Int64 // writing the PDF files and the manifest
	Store atomic.Int64 // recording the batch in the store (one transaction)
}

// timer adds the time since its start to a Stats field.
func (is *Issuer) timer(field func(*Stats) *atomic.Int64) func() {
	if is.Stats == nil {
		return func() {}
	}
	start := time.Now()
	return func() { field(is.Stats).Add(int64(time.Since(start))) }
}

// Result describes an issued batch.
type Result struct {
	BatchID  string
	Issued   []Issued
	OutDir   string
	Manifest string
}

// Issued is one issued certificate.
type Issued struct {
	Number, Name, File, JWS, VerificationCode string
}

// ManifestName returns the manifest file name of a batch.
func ManifestName(batchID string) string { return "manifest-" + batchID + ".csv" }

// Issue issues one certificate per candidate into outDir. source names the
// input (for the batch record) and sourceHash is its SHA-256. When a
// candidate already holds the same title in the store, nothing is issued
// and the error is a roster.Errors listing every such row.
func (is *Issuer) Issue(ctx context.Context, cands []roster.Candidate, outDir, source string, sourceHash []byte) (*Result, error) {
	if len(cands) == 0 {
		return nil, errors.New("batch: the file has no candidates")
	}
	now := time.Now
	if is.Now != nil {
		now = is.Now
	}
	rnd := is.Rand
	if rnd == nil {
		rnd = rand.Reader
	}
	// 1. Against the store: nobody may receive the same title twice.
	stop := is.timer(func(s *Stats) *atomic.Int64 { return &s.Check })
	holderKeys := make([][]byte, len(cands))
	var errs roster.Errors
	for i := range cands {
		c := &cands[i]
		holderKeys[i] = is.HolderHash(c.IDNumber)
		prev, err := is.Store.FindTitle(ctx, holderKeys[i], c.TitleKey())
		switch {
		case err == nil:
			errs = append(errs, &roster.RowError{Line: c.Line, Field: "id_number", Column: "",
				Message: fmt.Sprintf("%s 已持有%s（%s %s），证书编号 %s；请删除该行 / already holds this title as certificate %s (batch %s): remove the row",
					c.Name, prev.Title, prev.Series, prev.Specialty, prev.Number, prev.Number, prev.BatchID)})
		case !errors.Is(err, store.ErrNotFound):
			return nil, fmt.Errorf("batch: checking the store: %w", err)
		}
	}
	stop()
	if len(errs) > 0 {
		return nil, errs
	}
	signer, err := cert.NewSigner(is.Key)
	if err != nil {
		return nil, err
	}
	// 2. Numbers and status slots: committed at once, never reused.
	first, err := is.Store.AllocateSeq(ctx, len(cands))
	if err != nil {
		return nil, fmt.Errorf("batch: allocating certificate numbers: %w", err)
	}
	slots, err := is.Store.AllocateStatusSlots(ctx, len(cands), rnd)
	if err != nil {
		return nil, fmt.Errorf("batch: allocating status-list entries: %w", err)
	}
	issuedAt := now().UTC().Truncate(time.Second)
	batchID := fmt.Sprintf("B%s-%d", issuedAt.Format("20060102T150405Z"), first)

	// 3. Claims, with per-certificate randomness drawn here, in order, so a
	// given rand stream gives given certificates whatever the scheduling.
	claims := make([]*cert.Claims, len(cands))
	salts := make([][]byte, len(cands))
	for i := range cands {
		c := &cands[i]
		jti := make([]byte, 12)
		salts[i] = make([]byte, 16)
		if _, err := io.ReadFull(rnd, jti); err != nil {
			return nil, fmt.Errorf("batch: %w", err)
		}
		if _, err := io.ReadFull(rnd, salts[i]); err != nil {
			return nil, fmt.Errorf("batch: %w", err)
		}
		claims[i] = &cert.Claims{
			Version:      cert.FormatVersion,
			Issuer:       is.IssuerID,
			Number:       Number(issuedAt, first+int64(i)),
			IssuedAt:     issuedAt.Unix(),
			ID:           base64.RawURLEncoding.EncodeToString(jti),
			HolderName:   c.Name,
			HolderIDMask: cert.MaskIDNumber(c.IDNumber),
			Series:       c.Series,
			Specialty:    c.Specialty,
			Level:        c.Level,
			Title:        c.Title,
			Committee:    c.Committee,
			ReviewDate:   c.ReviewDate,
			ApprovalDoc:  c.ApprovalDoc,
			Route:        c.Route,
			Scope:        c.Scope,
			Employer:     c.Employer,
			Status:       &cert.Status{StatusList: cert.StatusListRef{Index: slots[i].Index, URI: is.StatusURI(slots[i].List)}},
		}
	}

	// 4. Sign, hash the ID number, render: in parallel, into staging.
	createdOut := false
	if _, err := os.Stat(outDir); errors.Is(err, os.ErrNotExist) {
		createdOut = true
	}
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return nil, fmt.Errorf("batch: %w", err)
	}
	staging, err := os.MkdirTemp(outDir, ".staging-"+batchID+"-")
	if err != nil {
		return nil, fmt.Errorf("batch: %w", err)
	}
	committed := false
	defer func() {
		os.RemoveAll(staging)
		if !committed && createdOut {
			os.Remove(outDir)
		}
	}()
	recs := make([]store.Certificate, len(cands))
	if err := is.render(ctx, cands, claims, salts, signer, staging, recs); err != nil {
		return nil, err
	}
	// Verification codes must be unique: re-sign with a fresh jti on the
	// rare collision (50-bit codes).
	seen := make(map[string]bool, len(recs))
	for i := range recs {
		for attempt := 0; ; attempt++ {
			code := recs[i].VerificationCode
			_, err := is.Store.ByVerificationCode(ctx, code)
			if !seen[code] && errors.Is(err, store.ErrNotFound) {
				seen[code] = true
				break
			}
			if err != nil && !errors.Is(err, store.ErrNotFound) {
				return nil, fmt.Errorf("batch: %w", err)
			}
			if attempt > 10 {
				return nil, errors.New("batch: could not find a unique verification code")
			}
			jti := make([]byte, 12)
			if _, err := io.ReadFull(rnd, jti); err != nil {
				return nil, fmt.Errorf("batch: %w", err)
			}
			claims[i].ID = base64.RawURLEncoding.EncodeToString(jti)
			// The ID hash is already in the claims: only sign and render again.
			if err := is.signAndRender(&cands[i], claims[i], signer, staging, &recs[i]); err != nil {
				return nil, err
			}
		}
	}
	for i := range recs {
		recs[i].Seq = first + int64(i)
		recs[i].BatchID = batchID
		recs[i].HolderKey = holderKeys[i]
		recs[i].StatusList = slots[i].List
		recs[i].StatusIndex = slots[i].Index
		recs[i].IssuedAt = issuedAt
	}
	// 5. Manifest in staging, then one transaction, then the moves.
	res := &Result{BatchID: batchID, OutDir: outDir, Manifest: filepath.Join(outDir, ManifestName(batchID))}
	for i := range recs {
		res.Issued = append(res.Issued, Issued{Number: recs[i].Number, Name: recs[i].HolderName,
			File: FileName(recs[i].Number), JWS: recs[i].JWS, VerificationCode: recs[i].VerificationCode})
	}
	stop = is.timer(func(s *Stats) *atomic.Int64 { return &s.Write })
	if err := writeManifest(filepath.Join(staging, ManifestName(batchID)), res.Issued); err != nil {
		return nil, err
	}
	stop()
	b := store.Batch{ID: batchID, Source: source, SourceSHA256: sourceHash, Count: len(recs), CreatedAt: issuedAt, Operator: is.Operator}
	stop = is.timer(func(s *Stats) *atomic.Int64 { return &s.Store })
	if err := is.Store.Issue(ctx, b, recs); err != nil {
		return nil, fmt.Errorf("batch: recording the batch (nothing was issued): %w", err)
	}
	stop()
	committed = true
	for _, it := range res.Issued {
		if err := os.Rename(filepath.Join(staging, it.File), filepath.Join(outDir, it.File)); err != nil {
			return res, fmt.Errorf("batch: the batch is recorded but moving %s failed (render it again with titlecert export-pdf): %w", it.File, err)
		}
	}
	if err := os.Rename(filepath.Join(staging, ManifestName(batchID)), res.Manifest); err != nil {
		return res, fmt.Errorf("batch: %w", err)
	}
	syncDir(outDir)
	return res, nil
}

// Number formats a certificate number: the year of issue and the sequence
// number, at least six digits ("2026000042"). Sequence numbers are unique
// per issuer, so numbers are too.
func Number(issued time.Time, seq int64) string {
	return fmt.Sprintf("%d%06d", issued.Year(), seq)
}

// FileName is the PDF file name of a certificate.
func FileName(number string) string { return number + ".pdf" }

func (is *Issuer) render(ctx context.Context, cands []roster.Candidate, claims []*cert.Claims, salts [][]byte, signer jose.Signer, dir string, recs []store.Certificate) error {
	workers := is.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	jobs := make(chan int)
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
		done     int
	)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				err := is.renderOne(&cands[i], claims[i], salts[i], signer, dir, &recs[i])
				mu.Lock()
				if err != nil && firstErr == nil {
					firstErr = fmt.Errorf("batch: line %d (%s): %w", cands[i].Line, cands[i].Name, err)
					cancel()
				}
				done++
				if is.Progress != nil {
					is.Progress(done, len(cands))
				}
				mu.Unlock()
			}
		}()
	}
	for i := range cands {
		select {
		case jobs <- i:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
	}
	close(jobs)
	wg.Wait()
	if firstErr != nil {
		return firstErr
	}
	return ctx.Err()
}

// renderOne hashes the ID number (the one costly step, done once per
// certificate), then signs, renders the PDF into dir and fills rec.
func (is *Issuer) renderOne(c *roster.Candidate, cl *cert.Claims, salt []byte, signer jose.Signer, dir string, rec *store.Certificate) error {
	stop := is.timer(func(s *Stats) *atomic.Int64 { return &s.Hash })
	h, err := cert.NewIDHash(c.IDNumber, is.IDHashCost, bytes.NewReader(salt))
	stop()
	if err != nil {
		return err
	}
	cl.HolderIDHash = h
	return is.signAndRender(c, cl, signer, dir, rec)
}

// signAndRender signs cl (which holds its ID hash), renders the PDF into
// dir and fills rec.
func (is *Issuer) signAndRender(c *roster.Candidate, cl *cert.Claims, signer jose.Signer, dir string, rec *store.Certificate) error {
	stop := is.timer(func(s *Stats) *atomic.Int64 { return &s.Sign })
	jws, err := cert.Sign(signer, cl)
	stop()
	if err != nil {
		return err
	}
	stop = is.timer(func(s *Stats) *atomic.Int64 { return &s.QR })
	text := cert.QRText(is.BaseURL, jws)
	code, err := qr.Encode(text)
	stop()
	if err != nil {
		return fmt.Errorf("batch: QR code: %w", err)
	}
	stop = is.timer(func(s *Stats) *atomic.Int64 { return &s.PDF })
	var buf bytes.Buffer
	buf.Grow(64 << 10)
	err = is.Renderer.Render(&buf, pdf.Document{Claims: cl, JWS: jws, QRText: text, QR: code,
		VerificationCode: cert.VerificationCode(jws), VerifyURL: is.VerifyURL, IssuerName: is.IssuerName})
	stop()
	if err != nil {
		return err
	}
	stop = is.timer(func(s *Stats) *atomic.Int64 { return &s.Write })
	err = writeFile(filepath.Join(dir, FileName(cl.Number)), buf.Bytes())
	stop()
	if err != nil {
		return err
	}
	jh := sha256.Sum256([]byte(jws))
	ph := sha256.Sum256(buf.Bytes())
	*rec = store.Certificate{
		Number: cl.Number, TitleKey: c.TitleKey(), HolderName: cl.HolderName, HolderIDMask: cl.HolderIDMask,
		Series: cl.Series, Specialty: cl.Specialty, Level: cl.Level, Title: cl.Title, Committee: cl.Committee,
		ReviewDate: cl.ReviewDate, JWS: jws, JWSHash: jh[:], PDFHash: ph[:], VerificationCode: cert.VerificationCode(jws), Status: store.StatusValid,
	}
	return nil
}

func writeFile(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return fmt.Errorf("batch: %w", err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("batch: writing %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("batch: %w", err)
	}
	return f.Close()
}

func writeManifest(path string, items []Issued) error {
	var buf bytes.Buffer
	buf.WriteString("\ufeff") // Excel opens UTF-8 CSV correctly only with a BOM
	w := csv.NewWriter(&buf)
	w.Write([]string{"number", "name", "file", "verification_code", "jws"})
	for _, it := range items {
		w.Write([]string{it.Number, it.Name, it.File, it.VerificationCode, it.JWS})
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return fmt.Errorf("batch: manifest: %w", err)
	}
	return writeFile(path, buf.Bytes())
}

func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}

// Render renders the PDF of an issued certificate again from its JWS; the
// bytes are those issued (rendering is deterministic).
func Render(r *pdf.Renderer, baseURL, verifyURL, issuerName string, jws string, cl *cert.Claims, w io.Writer) error {
	return r.Render(w, pdf.Document{Claims: cl, JWS: jws, QRText: cert.QRText(baseURL, jws),
		VerificationCode: cert.VerificationCode(jws), VerifyURL: verifyURL, IssuerName: issuerName})
}
