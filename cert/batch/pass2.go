package batch

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/gob"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/titlecert/titlecert/cert"
	"github.com/titlecert/titlecert/cert/roster"
	"github.com/titlecert/titlecert/store"
)

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
