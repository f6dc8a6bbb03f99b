// Package batch issues certificates in batches: from the checked rows of a
// candidates spreadsheet to signed JWS, QR codes, PDF files, a manifest and
// the store's records.
//
// Promises: a batch is all or nothing. Every row is checked (by package
// roster, then here against the store) before anything is issued; PDFs are
// rendered into a staging folder inside the output folder and made durable
// there at once (one syncfs on Linux, not an fsync per file); the store's
// records are committed in one transaction; only then are the files moved
// into place. A crash before the commit leaves no record (at most burned
// certificate numbers and status indexes, which are never reused, and a
// staging folder); a crash after it leaves records whose PDFs can be
// rendered again from the stored JWS, byte for byte.
//
// # Memory
//
// A batch of any size is issued in bounded memory. The candidates file is
// read twice, streaming: the first pass checks every row and counts them;
// the second issues them through a pool of workers, never more than
// Issuer.ChunkSize candidates ahead of the last one finished. The manifest
// and the store records are written to the staging folder as they come; the
// records are then read back and added to the store's transaction
// ChunkSize at a time (store.BatchWriter), so the store's write lock is held
// for seconds, not for the whole rendering. What grows with the batch is
// small: about 100 bytes per certificate to find repeated rows and
// verification codes. A store that is not a store.BatchWriter gets the
// whole batch in one Store.Issue call, held in memory. The file must not
// change between the passes: Issue compares the SHA-256 of both reads and
// issues nothing if they differ.
package batch

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/gob"
	"errors"
	"fmt"
	"hash"
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
	"github.com/titlecert/titlecert/internal/csvcell"
	"github.com/titlecert/titlecert/store"
)

// DefaultChunkSize is Issuer.ChunkSize when it is 0.
const DefaultChunkSize = 256

// Issuer issues batches for one issuer.
type Issuer struct {
	Store      store.Store
	Key        jose.JSONWebKey        // private signing key
	HolderHash func(id string) []byte // keyed hash of an ID number (datadir.Secrets.HolderHash)
	Renderer   *pdf.Renderer

	// Issuer is who signs: its ID is the certificates' "iss", and it
	// derives their status-list URIs, QR text and printed addresses.
	Issuer cert.Issuer
	// IDHashCost, when not 0, adds the optional salted scrypt hash of the
	// holder's ID number (claim "hih") at cost 2^IDHashCost: about 55 ms
	// per certificate at 15, which then bounds the issuance rate.
	IDHashCost int

	Now      func() time.Time      // time.Now when nil
	Rand     io.Reader             // crypto/rand when nil
	Workers  int                   // runtime.GOMAXPROCS(0) when 0
	Operator string                // recorded with the batch
	Progress func(done, total int) // called, in order, as each certificate is ready; may be nil
	Stats    *Stats                // when set, receives the time spent in each stage
	// ChunkSize bounds how many candidates are being issued at once, and is
	// how many records go to the store per BatchTx.Add; DefaultChunkSize
	// when 0.
	ChunkSize int

	newJobHook func() // called as each candidate of the second pass is read (tests)
}

// Stats adds up the time spent in each stage of issuance, summed over the
// workers (so on two busy cores they add up to about twice the wall time).
// Its fields are safe to read once Issue has returned.
type Stats struct {
	Read  atomic.Int64 // nanoseconds in the first pass: reading and checking the file, Check included
	Check atomic.Int64 // checking candidates against the store
	Hash  atomic.Int64 // computing the optional holder ID hashes (scrypt)
	Sign  atomic.Int64 // encoding and signing the claims
	QR    atomic.Int64 // encoding the QR codes
	PDF   atomic.Int64 // rendering the PDFs
	Write atomic.Int64 // writing the PDF files, the manifest and the spooled records
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

// Source is a candidates file. Issue reads it twice, from the start each
// time: once to check every row, once to issue.
type Source struct {
	// Name is the file's name: recorded with the batch, and its extension
	// tells CSV from xlsx (see roster.Scan).
	Name string
	// Open opens the file. Issue calls it twice and closes what it
	// returns.
	Open func() (io.ReadCloser, error)
	// Options are those the file is read with. When Options.Now is nil
	// the Issuer's clock is used; either way both reads see the same time.
	Options roster.Options
}

// Result describes an issued batch.
type Result struct {
	BatchID      string
	Count        int    // certificates issued
	First        Issued // the first certificate of the batch
	OutDir       string
	Manifest     string // path of the manifest, which lists every certificate
	SourceSHA256 []byte // SHA-256 of the candidates file
	// RemovedStaging counts the staging folders of interrupted batches
	// (untouched for StaleStaging) that Issue removed from the output folder.
	RemovedStaging int
}

// StaleStaging is how long a staging folder must have been untouched before
// Issue takes it for the leftover of a crashed batch and removes it. A
// running batch writes into its folder every few milliseconds.
const StaleStaging = time.Hour

// recordedMarker marks a staging folder whose batch was recorded but whose
// files could not all be moved into place.
const recordedMarker = "RECORDED-MOVE-INTO-PLACE.txt"

// removeStaleStaging removes the staging folders a crashed batch left in
// outDir: they hold signed PDFs that were never recorded, whose status
// entries read as valid, and must not be handed out.
func removeStaleStaging(outDir string, now time.Time) int {
	matches, _ := filepath.Glob(filepath.Join(outDir, ".staging-*"))
	n := 0
	for _, m := range matches {
		info, err := os.Lstat(m)
		if err != nil || !info.IsDir() || now.Sub(info.ModTime()) < StaleStaging {
			continue
		}
		if _, err := os.Lstat(filepath.Join(m, recordedMarker)); err == nil {
			continue
		}
		if os.RemoveAll(m) == nil {
			n++
		}
	}
	return n
}

// Issued is one issued certificate.
type Issued struct {
	Number, Name, File, JWS, VerificationCode string
}

// ManifestName returns the manifest file name of a batch.
func ManifestName(batchID string) string { return "manifest-" + batchID + ".csv" }

// ErrSourceChanged is returned when the candidates file was not the same
// in both reads. Nothing is issued.
var ErrSourceChanged = errors.New("batch: the candidates file changed while the batch was being issued; nothing was issued")

// Issue issues one certificate per candidate of src into outDir. When a
// row has problems, or a candidate already holds the same title in the
// store, nothing is issued and the error is a roster.Errors listing every
// problem; problems with the file as a whole are plain errors (see
// roster.Scan). See the package documentation for what Issue promises.
func (is *Issuer) Issue(ctx context.Context, src Source, outDir string) (*Result, error) {
	now := time.Now
	if is.Now != nil {
		now = is.Now
	}
	rnd := is.Rand
	if rnd == nil {
		rnd = rand.Reader
	}
	chunk := is.ChunkSize
	if chunk <= 0 {
		chunk = DefaultChunkSize
	}
	if err := cert.CheckIDHashCost(is.IDHashCost); err != nil {
		return nil, fmt.Errorf("batch: %w", err)
	}
	ropts := src.Options
	readAt := now()
	if ropts.Now != nil {
		readAt = ropts.Now()
	}
	ropts.Now = func() time.Time { return readAt }

	// 1. Every row, and against the store: nobody may receive the same
	// title twice.
	stop := is.timer(func(s *Stats) *atomic.Int64 { return &s.Read })
	n, sum, err := is.check(ctx, src, ropts)
	stop()
	if err != nil {
		return nil, err
	}
	signer, err := cert.NewSigner(is.Key)
	if err != nil {
		return nil, err
	}
	// 2. Numbers and status slots: committed at once, never reused.
	first, err := is.Store.AllocateSeq(ctx, n)
	if err != nil {
		return nil, fmt.Errorf("batch: allocating certificate numbers: %w", err)
	}
	slots, err := is.Store.AllocateStatusSlots(ctx, n, rnd)
	if err != nil {
		return nil, fmt.Errorf("batch: allocating status-list entries: %w", err)
	}
	issuedAt := now().UTC().Truncate(time.Second)
	batchID := fmt.Sprintf("B%s-%d", issuedAt.Format("20060102T150405Z"), first)

	createdOut := false
	if _, err := os.Stat(outDir); errors.Is(err, os.ErrNotExist) {
		createdOut = true
	}
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return nil, fmt.Errorf("batch: %w", err)
	}
	res0Stale := removeStaleStaging(outDir, now())
	staging, err := os.MkdirTemp(outDir, ".staging-"+batchID+"-")
	if err != nil {
		return nil, fmt.Errorf("batch: %w", err)
	}
	committed, moved := false, false
	defer func() {
		// After the commit the staging folder holds recorded certificates:
		// it is kept until every file is in place, so that a failed move
		// loses nothing (the error names the folder).
		if !committed || moved {
			os.RemoveAll(staging)
		} else {
			// Recorded certificates: mark the folder so that no later
			// batch takes it for a crash's leftovers.
			os.WriteFile(filepath.Join(staging, recordedMarker), []byte("These certificates are recorded in the store: move the files into place, do not delete them.\n"), 0o644)
		}
		if !committed && createdOut {
			os.Remove(outDir)
		}
	}()

	// 3. Sign (after hashing the ID number, if the issuer adds ID hashes)
	// and render: in parallel, into staging; the manifest and the records
	// follow in order.
	p := &pass2{is: is, src: src, ropts: ropts, n: n, first: first, slots: slots, issuedAt: issuedAt,
		batchID: batchID, rnd: rnd, signer: signer, staging: staging, chunk: chunk}
	res := &Result{BatchID: batchID, Count: n, OutDir: outDir, Manifest: filepath.Join(outDir, ManifestName(batchID)), SourceSHA256: sum,
		RemovedStaging: res0Stale}
	sum2, err := p.run(ctx, res)
	if err != nil {
		return nil, err
	}
	if !bytes.Equal(sum, sum2) {
		return nil, ErrSourceChanged
	}

	// The rendered files reach the disk before the store records them.
	stop = is.timer(func(s *Stats) *atomic.Int64 { return &s.Write })
	err = syncStaging(staging)
	stop()
	if err != nil {
		return nil, fmt.Errorf("batch: saving the rendered files to disk (nothing was issued): %w", err)
	}

	// 4. One transaction, then the moves. No issued file is ever replaced:
	// a name already taken in outDir (another issuer writing there, a
	// restored database) stops the batch before anything is recorded.
	for i := range n {
		f := FileName(Number(issuedAt, first+int64(i)))
		if _, err := os.Lstat(filepath.Join(outDir, f)); err == nil {
			return nil, fmt.Errorf("batch: %s already exists in %s: it would be replaced; nothing was issued (use another --out folder)", f, outDir)
		}
	}
	b := store.Batch{ID: batchID, Source: src.Name, SourceSHA256: sum, Count: n, CreatedAt: issuedAt, Operator: is.Operator}
	stop = is.timer(func(s *Stats) *atomic.Int64 { return &s.Store })
	err = is.record(ctx, b, filepath.Join(staging, spoolName), chunk)
	stop()
	if err != nil {
		return nil, fmt.Errorf("batch: recording the batch (nothing was issued): %w", err)
	}
	committed = true
	for i := range n {
		f := FileName(Number(issuedAt, first+int64(i)))
		if err := moveNew(filepath.Join(staging, f), filepath.Join(outDir, f)); err != nil {
			return res, fmt.Errorf("batch: the batch %s is recorded, but moving %s failed: %w; the files not yet moved and the manifest are in %s (move them by hand, or render any one again with titlecert show --pdf)", batchID, f, err, staging)
		}
	}
	if err := moveNew(filepath.Join(staging, ManifestName(batchID)), res.Manifest); err != nil {
		return res, fmt.Errorf("batch: the batch %s is recorded and its PDFs are in place, but moving the manifest failed: %w; it is in %s", batchID, err, staging)
	}
	moved = true
	syncDir(outDir)
	return res, nil
}

// check reads src once, checking every row and each candidate against the
// store, and returns the number of candidates and the file's SHA-256.
func (is *Issuer) check(ctx context.Context, src Source, o roster.Options) (int, []byte, error) {
	h := sha256.New()
	n := 0
	err := is.read(src, o, h, func(c roster.Candidate) error {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("batch: %w", err)
		}
		stop := is.timer(func(s *Stats) *atomic.Int64 { return &s.Check })
		defer stop()
		prev, err := is.Store.FindTitle(ctx, is.HolderHash(c.IDNumber), c.TitleKey())
		switch {
		case err == nil:
			return &roster.RowError{Line: c.Line, Field: "id_number", Column: "",
				Message: fmt.Sprintf("%s 已持有%s（%s %s），证书编号 %s；请删除该行 / already holds this title as certificate %s (batch %s): remove the row",
					c.Name, prev.Title, prev.Series, prev.Specialty, prev.Number, prev.Number, prev.BatchID)}
		case !errors.Is(err, store.ErrNotFound):
			return fmt.Errorf("batch: checking the store: %w", err)
		}
		n++
		return nil
	})
	if err != nil {
		return 0, nil, err
	}
	return n, h.Sum(nil), nil
}

// read scans src with fn, writing every byte of the file to h.
func (is *Issuer) read(src Source, o roster.Options, h hash.Hash, fn func(roster.Candidate) error) error {
	f, err := src.Open()
	if err != nil {
		return fmt.Errorf("batch: %w", err)
	}
	defer f.Close()
	if err := roster.Scan(io.TeeReader(f, h), src.Name, o, fn); err != nil {
		return err
	}
	if _, err := io.Copy(h, f); err != nil { // whatever the parser left unread
		return fmt.Errorf("batch: reading %s: %w", src.Name, err)
	}
	return nil
}

// job is one certificate on its way through the second pass.
type job struct {
	i      int
	c      roster.Candidate
	claims *cert.Claims
	salt   []byte
	rec    store.Certificate
	err    error
	done   chan struct{} // closed by the worker
}

// pass2 is the second read of the file: issuance proper.
type pass2 struct {
	is       *Issuer
	src      Source
	ropts    roster.Options
	n        int
	first    int64
	slots    []store.StatusSlot
	issuedAt time.Time
	batchID  string
	rnd      io.Reader
	signer   jose.Signer
	staging  string
	chunk    int
}

// spoolName is the file in staging that holds the batch's store records
// between rendering and the transaction (gob-encoded store.Certificate
// values). It holds no ID number, only the keyed HolderKey.
const spoolName = "records.gob"

// run issues every candidate into staging: PDFs, the manifest and the
// spooled records. It returns the SHA-256 of what it read.
func (p *pass2) run(ctx context.Context, res *Result) ([]byte, error) {
	is := p.is
	workers := is.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	mf, err := newOutFile(filepath.Join(p.staging, ManifestName(p.batchID)), 0o644)
	if err != nil {
		return nil, err
	}
	defer mf.f.Close()
	mf.w.WriteString("\ufeff") // Excel opens UTF-8 CSV correctly only with a BOM
	mf.csv.Write([]string{"number", "name", "file", "verification_code", "jws"})
	sf, err := newOutFile(filepath.Join(p.staging, spoolName), 0o600)
	if err != nil {
		return nil, err
	}
	defer sf.f.Close()
	spool := gob.NewEncoder(sf.w)

	work := make(chan *job)
	ordered := make(chan *job, p.chunk)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for j := range work {
				j.err = is.renderOne(&j.c, j.claims, j.salt, p.signer, p.staging, &j.rec)
				close(j.done)
			}
		})
	}
	// The producer reads the file again, in order, drawing each
	// certificate's randomness as it goes, so a given rand stream gives
	// given certificates whatever the scheduling.
	h := sha256.New()
	readErr := make(chan error, 1)
	go func() {
		defer close(ordered)
		defer close(work)
		i := 0
		err := is.read(p.src, p.ropts, h, func(c roster.Candidate) error {
			if err := ctx.Err(); err != nil {
				return fmt.Errorf("batch: %w", err)
			}
			if i >= p.n {
				return ErrSourceChanged
			}
			j, err := p.newJob(i, c)
			if err != nil {
				return err
			}
			i++
			for _, ch := range []chan *job{work, ordered} {
				select {
				case ch <- j:
				case <-ctx.Done():
					return fmt.Errorf("batch: %w", ctx.Err())
				}
			}
			return nil
		})
		var re roster.Errors
		switch {
		case errors.As(err, &re):
			err = ErrSourceChanged // it was fine the first time
		case err == nil && i != p.n:
			err = ErrSourceChanged
		}
		readErr <- err
	}()

	var firstErr error
	fail := func(err error) {
		if firstErr == nil {
			firstErr = err
			cancel()
		}
	}
	seen := make(map[uint64]struct{}) // verification codes of the batch, hashed
	done := 0
	for j := range ordered {
		if firstErr != nil {
			continue // drain: the producer stops at the cancelled context
		}
		select {
		case <-j.done:
		case <-ctx.Done():
			fail(fmt.Errorf("batch: %w", ctx.Err()))
			continue
		}
		if j.err != nil {
			fail(fmt.Errorf("batch: line %d (%s): %w", j.c.Line, j.c.Name, j.err))
			continue
		}
		if err := p.uniqueCode(ctx, j, seen); err != nil {
			fail(err)
			continue
		}
		r := &j.rec
		r.Seq = p.first + int64(j.i)
		r.BatchID = p.batchID
		r.HolderKey = is.HolderHash(j.c.IDNumber)
		r.StatusList = p.slots[j.i].List
		r.StatusIndex = p.slots[j.i].Index
		r.IssuedAt = p.issuedAt
		it := Issued{Number: r.Number, Name: r.HolderName, File: FileName(r.Number), JWS: r.JWS, VerificationCode: r.VerificationCode}
		if j.i == 0 {
			res.First = it
		}
		stop := is.timer(func(s *Stats) *atomic.Int64 { return &s.Write })
		mf.csv.Write([]string{it.Number, it.Name, it.File, it.VerificationCode, it.JWS})
		err := spool.Encode(r)
		stop()
		if err != nil {
			fail(fmt.Errorf("batch: %w", err))
			continue
		}
		done++
		if is.Progress != nil {
			is.Progress(done, p.n)
		}
	}
	wg.Wait()
	if err := <-readErr; firstErr == nil && err != nil {
		firstErr = err
	}
	if firstErr != nil {
		return nil, firstErr
	}
	stop := is.timer(func(s *Stats) *atomic.Int64 { return &s.Write })
	defer stop()
	if err := mf.close(); err != nil {
		return nil, err
	}
	if err := sf.close(); err != nil {
		return nil, err
	}
	return h.Sum(nil), nil
}

// newJob makes the claims of candidate i, drawing its jti and (when the
// issuer adds ID hashes) the hash's salt.
func (p *pass2) newJob(i int, c roster.Candidate) (*job, error) {
	jti := make([]byte, 12)
	if _, err := io.ReadFull(p.rnd, jti); err != nil {
		return nil, fmt.Errorf("batch: %w", err)
	}
	var salt []byte
	if p.is.IDHashCost != 0 {
		salt = make([]byte, 16)
		if _, err := io.ReadFull(p.rnd, salt); err != nil {
			return nil, fmt.Errorf("batch: %w", err)
		}
	}
	is := p.is
	cl := &cert.Claims{
		Version:      cert.FormatVersion,
		Issuer:       is.Issuer.ID,
		Number:       Number(p.issuedAt, p.first+int64(i)),
		IssuedAt:     p.issuedAt.Unix(),
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
		Status:       &cert.Status{StatusList: cert.StatusListRef{Index: p.slots[i].Index, URI: is.Issuer.StatusURI(p.slots[i].List)}},
	}
	if is.newJobHook != nil {
		is.newJobHook()
	}
	return &job{i: i, c: c, claims: cl, salt: salt, done: make(chan struct{})}, nil
}

// uniqueCode makes j's verification code unique, in the store and in the
// batch: on the rare collision (50-bit codes) it signs again with a fresh
// jti. (The store's unique index is the last word, at commit.)
//
// seen holds a 64-bit hash of each code of the batch so far (8 bytes, not a
// string, per certificate); a hash collision only costs a needless
// re-signing.
func (p *pass2) uniqueCode(ctx context.Context, j *job, seen map[uint64]struct{}) error {
	for attempt := 0; ; attempt++ {
		code := j.rec.VerificationCode
		_, err := p.is.Store.ByVerificationCode(ctx, code)
		key := fnv64(code)
		if _, dup := seen[key]; !dup && errors.Is(err, store.ErrNotFound) {
			seen[key] = struct{}{}
			return nil
		}
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("batch: %w", err)
		}
		if attempt > 10 {
			return errors.New("batch: could not find a unique verification code")
		}
		jti := make([]byte, 12)
		if _, err := io.ReadFull(p.rnd, jti); err != nil {
			return fmt.Errorf("batch: %w", err)
		}
		j.claims.ID = base64.RawURLEncoding.EncodeToString(jti)
		// The ID hash is already in the claims: only sign and render again.
		if err := p.is.signAndRender(&j.c, j.claims, p.signer, p.staging, &j.rec); err != nil {
			return err
		}
	}
}

// fnv64 is the 64-bit FNV-1a hash of s: fixed, so that a given rand
// stream gives given certificates.
func fnv64(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}

// record adds the spooled records to the store in one transaction.
func (is *Issuer) record(ctx context.Context, b store.Batch, spoolPath string, chunk int) error {
	f, err := os.Open(spoolPath)
	if err != nil {
		return err
	}
	defer f.Close()
	bw, ok := is.Store.(store.BatchWriter)
	if !ok {
		bw = memWriter{is.Store}
	}
	tx, err := bw.BeginBatch(ctx, b)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	dec := gob.NewDecoder(bufio.NewReaderSize(f, 256<<10))
	recs := make([]store.Certificate, 0, chunk)
	for {
		recs = append(recs, store.Certificate{})
		err := dec.Decode(&recs[len(recs)-1])
		if err == io.EOF {
			recs = recs[:len(recs)-1]
			break
		}
		if err != nil {
			return fmt.Errorf("reading the records back: %w", err)
		}
		if len(recs) == chunk {
			if err := tx.Add(ctx, recs); err != nil {
				return err
			}
			recs = recs[:0]
		}
	}
	if len(recs) > 0 {
		if err := tx.Add(ctx, recs); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// memWriter records a batch with Store.Issue, for stores that are not a
// store.BatchWriter: the whole batch is held in memory until Commit.
type memWriter struct{ s store.Store }

func (w memWriter) BeginBatch(ctx context.Context, b store.Batch) (store.BatchTx, error) {
	return &memTx{ctx: ctx, s: w.s, b: b}, nil
}

type memTx struct {
	ctx   context.Context
	s     store.Store
	b     store.Batch
	certs []store.Certificate
}

func (t *memTx) Add(_ context.Context, certs []store.Certificate) error {
	t.certs = append(t.certs, certs...)
	return nil
}

func (t *memTx) Commit() error   { return t.s.Issue(t.ctx, t.b, t.certs) }
func (t *memTx) Rollback() error { t.certs = nil; return nil }

// Number formats a certificate number: the year of issue (in China, UTC+8) and the sequence
// number, at least six digits ("2026000042"). Sequence numbers are unique
// per issuer, so numbers are too.
func Number(issued time.Time, seq int64) string {
	return fmt.Sprintf("%d%06d", issued.In(cert.ChinaTime).Year(), seq)
}

// FileName is the PDF file name of a certificate.
func FileName(number string) string { return number + ".pdf" }

// renderOne hashes the ID number when the issuer adds ID hashes (then the
// costliest step by far), then signs, renders the PDF into dir and fills
// rec.
func (is *Issuer) renderOne(c *roster.Candidate, cl *cert.Claims, salt []byte, signer jose.Signer, dir string, rec *store.Certificate) error {
	if is.IDHashCost != 0 {
		stop := is.timer(func(s *Stats) *atomic.Int64 { return &s.Hash })
		h, err := cert.NewIDHash(c.IDNumber, is.IDHashCost, bytes.NewReader(salt))
		stop()
		if err != nil {
			return err
		}
		cl.HolderIDHash = &h
	}
	return is.signAndRender(c, cl, signer, dir, rec)
}

// signAndRender signs cl (which holds its ID hash, if any), renders the PDF into
// dir and fills rec.
func (is *Issuer) signAndRender(c *roster.Candidate, cl *cert.Claims, signer jose.Signer, dir string, rec *store.Certificate) error {
	stop := is.timer(func(s *Stats) *atomic.Int64 { return &s.Sign })
	jws, err := cert.Sign(signer, cl)
	stop()
	if err != nil {
		return err
	}
	stop = is.timer(func(s *Stats) *atomic.Int64 { return &s.QR })
	form := cert.QRFormCurrent // recorded: the certificate renders in it for good
	code, err := qr.Encode(is.Issuer.QRText(form, jws))
	stop()
	if err != nil {
		return fmt.Errorf("batch: QR code: %w", err)
	}
	// The PDF goes straight from the renderer to its file and its hash:
	// no copy, no buffer per certificate.
	stop = is.timer(func(s *Stats) *atomic.Int64 { return &s.Write })
	// (O_TRUNC: a re-signed certificate, see uniqueCode, replaces its file.)
	f, err := os.OpenFile(filepath.Join(dir, FileName(cl.Number)), os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	stop()
	if err != nil {
		return fmt.Errorf("batch: %w", err)
	}
	stop = is.timer(func(s *Stats) *atomic.Int64 { return &s.PDF })
	pdfHash := sha256.New()
	err = is.Renderer.RenderIssued(io.MultiWriter(f, pdfHash), pdf.Issued{Issuer: is.Issuer, Form: form, JWS: jws, Claims: cl, QR: code})
	stop()
	if cerr := f.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("batch: writing %s: %w", filepath.Base(f.Name()), cerr)
	}
	if err != nil {
		return err // the staging folder, and the file with it, is removed
	}
	jh := sha256.Sum256([]byte(jws))
	ph := pdfHash.Sum(nil)
	*rec = store.Certificate{
		Number: cl.Number, TitleKey: c.TitleKey(), HolderName: cl.HolderName, HolderIDMask: cl.HolderIDMask,
		Series: cl.Series, Specialty: cl.Specialty, Level: cl.Level, Title: cl.Title, Committee: cl.Committee,
		ReviewDate: cl.ReviewDate, JWS: jws, JWSHash: jh[:], PDFHash: ph, VerificationCode: cert.VerificationCode(jws), Status: store.StatusValid,
		QRForm: uint8(form),
	}
	return nil
}

// outFile is a file written through a buffer (and, for the manifest, a
// CSV writer), synced when closed.
type outFile struct {
	f   *os.File
	w   *bufio.Writer
	csv *csvcell.Writer // neutralizes cells a spreadsheet would run
}

func newOutFile(path string, mode os.FileMode) (*outFile, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return nil, fmt.Errorf("batch: %w", err)
	}
	w := bufio.NewWriterSize(f, 64<<10)
	return &outFile{f: f, w: w, csv: csvcell.NewWriter(w)}, nil
}

// close flushes, syncs and closes the file.
func (o *outFile) close() error {
	o.csv.Flush()
	err := o.csv.Error()
	if err == nil {
		err = o.w.Flush()
	}
	if err == nil {
		err = o.f.Sync()
	}
	if cerr := o.f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("batch: writing %s: %w", filepath.Base(o.f.Name()), err)
	}
	return nil
}

// moveNew moves a file into place without ever replacing one: a hard link,
// which fails if dst exists, then removal of src.
func moveNew(src, dst string) error {
	if err := os.Link(src, dst); err != nil {
		return err
	}
	return os.Remove(src)
}

func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}

// Render renders the PDF of an issued certificate again from its JWS, in
// the QR text form it was issued with (store.Certificate.QRForm); the
// bytes are those issued. verifyURL must be the one the issuer derives
// from baseURL (cert.Issuer.VerifyURL): it is what every certificate
// printed. An unknown form is an error.
//
// Deprecated: use pdf.Renderer.RenderIssued, which this calls, and which
// does not link the candidates-file readers (roster, excelize).
func Render(r *pdf.Renderer, form cert.QRForm, baseURL, verifyURL, issuerName string, jws string, cl *cert.Claims, w io.Writer) error {
	is := cert.Issuer{Name: issuerName, BaseURL: baseURL}
	if verifyURL != is.VerifyURL() {
		return fmt.Errorf("batch: the verification address %q is not the one %q derives (%s)", verifyURL, baseURL, is.VerifyURL())
	}
	return r.RenderIssued(w, pdf.Issued{Issuer: is, Form: form, JWS: jws, Claims: cl})
}
