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
//
// The files, by concern: batch.go (Issuer and Issue, the order of the
// steps), check.go (the first pass), pass2.go (the second: workers, the
// manifest and the spooled records), code.go (unique verification codes),
// render.go (signing and rendering one certificate), record.go (the
// store's transaction), number.go (certificate numbers and file names),
// staging.go (leftovers of crashed batches), files.go and sync_*.go
// (writing, moving and syncing files).
package batch

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/titlecert/titlecert/cert"
	"github.com/titlecert/titlecert/cert/pdf"
	"github.com/titlecert/titlecert/cert/roster"
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
