package batch

import (
	"bufio"
	"context"
	"encoding/gob"
	"fmt"
	"io"
	"os"

	"github.com/titlecert/titlecert/store"
)

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
