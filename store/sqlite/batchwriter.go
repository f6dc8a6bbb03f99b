package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/titlecert/titlecert/store"
)

var _ store.BatchWriter = (*Store)(nil)

// BeginBatch implements store.BatchWriter. The transaction is a write
// transaction like Issue's (BEGIN IMMEDIATE, this process's write lock
// held): from BeginBatch to Commit or Rollback, other writes of this
// process wait, and other processes' writes wait up to BusyTimeout and then
// fail. Callers should therefore add certificates that are ready, not
// render them while the transaction is open.
func (s *Store) BeginBatch(ctx context.Context, b store.Batch) (store.BatchTx, error) {
	if b.ID == "" {
		return nil, fmt.Errorf("sqlite: issuing: batch id is empty: %w", store.ErrInvalid)
	}
	if b.Count < 0 {
		return nil, fmt.Errorf("sqlite: issuing batch %q: count %d: %w", b.ID, b.Count, store.ErrInvalid)
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	select {
	case s.write <- struct{}{}:
	case <-ctx.Done():
		return nil, fmt.Errorf("sqlite: %w", ctx.Err())
	}
	t := &batchTx{s: s, ctx: ctx, b: b}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		t.release()
		return nil, fail(ctx, fmt.Errorf("sqlite: begin: %w", err))
	}
	t.tx = tx
	_, err = tx.ExecContext(ctx,
		`INSERT INTO batches (id, source, source_sha256, count, created_at, operator) VALUES (?, ?, ?, ?, ?, ?)`,
		b.ID, b.Source, blob(b.SourceSHA256), b.Count, b.CreatedAt.Unix(), b.Operator)
	if isUnique(err) {
		t.abort()
		return nil, &store.ConflictError{What: store.ConflictBatch, Value: b.ID}
	} else if err != nil {
		t.abort()
		return nil, fail(ctx, fmt.Errorf("sqlite: recording batch %q: %w", b.ID, err))
	}
	t.ins, err = tx.PrepareContext(ctx, insertCertSQL)
	if err != nil {
		t.abort()
		return nil, fail(ctx, fmt.Errorf("sqlite: %w", err))
	}
	return t, nil
}

// batchTx is an open batch; tx is nil once it is committed or abandoned.
type batchTx struct {
	s   *Store
	ctx context.Context // BeginBatch's: the transaction lives no longer
	b   store.Batch
	tx  *sql.Tx
	ins *sql.Stmt
	n   int
}

var errBatchDone = errors.New("sqlite: the batch transaction is already committed or rolled back")

// release gives back the write lock.
func (t *batchTx) release() { <-t.s.write }

// abort rolls the transaction back and releases the lock.
func (t *batchTx) abort() {
	if t.tx == nil {
		return
	}
	if t.ins != nil {
		t.ins.Close()
	}
	t.tx.Rollback()
	t.tx = nil
	t.release()
}

func (t *batchTx) Add(ctx context.Context, certs []store.Certificate) error {
	if t.tx == nil {
		return errBatchDone
	}
	for i := range certs {
		c := &certs[i]
		var err error
		switch {
		case c.Number == "":
			err = fmt.Errorf("sqlite: issuing batch %q: certificate %d has no number: %w", t.b.ID, t.n+i+1, store.ErrInvalid)
		case len(c.HolderKey) == 0:
			err = fmt.Errorf("sqlite: issuing certificate %s: no holder key: %w", c.Number, store.ErrInvalid)
		case c.TitleKey == "":
			err = fmt.Errorf("sqlite: issuing certificate %s: no title key: %w", c.Number, store.ErrInvalid)
		case c.BatchID != "" && c.BatchID != t.b.ID:
			err = fmt.Errorf("sqlite: issuing certificate %s: batch id %q, want %q: %w", c.Number, c.BatchID, t.b.ID, store.ErrInvalid)
		}
		if err != nil {
			t.abort()
			return err
		}
	}
	for i := range certs {
		if err := t.insert(ctx, &certs[i]); err != nil {
			t.abort()
			return fail(ctx, fail(t.ctx, err))
		}
	}
	t.n += len(certs)
	return nil
}

func (t *batchTx) insert(ctx context.Context, c *store.Certificate) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("sqlite: %w", err)
	}
	return insertCert(ctx, t.ins, t.b.ID, c)
}

func (t *batchTx) Commit() error {
	if t.tx == nil {
		return errBatchDone
	}
	defer t.abort() // after a successful commit, only releases the lock
	switch {
	case t.n == 0:
		return fmt.Errorf("sqlite: issuing batch %q: no certificates: %w", t.b.ID, store.ErrInvalid)
	case t.b.Count != 0 && t.b.Count != t.n:
		return fmt.Errorf("sqlite: issuing batch %q: count is %d but there are %d certificates: %w", t.b.ID, t.b.Count, t.n, store.ErrInvalid)
	case t.b.Count == 0:
		if _, err := t.tx.ExecContext(t.ctx, `UPDATE batches SET count = ? WHERE id = ?`, t.n, t.b.ID); err != nil {
			return fail(t.ctx, fmt.Errorf("sqlite: recording batch %q: %w", t.b.ID, err))
		}
	}
	t.ins.Close()
	t.ins = nil
	if err := t.s.checkReservations(t.ctx, t.tx, t.b.ID); err != nil {
		return fail(t.ctx, err)
	}
	if err := t.tx.Commit(); err != nil {
		return fail(t.ctx, fmt.Errorf("sqlite: commit: %w", err))
	}
	return nil
}

func (t *batchTx) Rollback() error {
	t.abort()
	return nil
}
