package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/titlecert/titlecert/store"
	"github.com/titlecert/titlecert/store/internal/sample"
)

// maxSampleAttempts bounds the rejection sampling of one status-list entry.
// A list is at most half full, so an honest source fails this many times
// in a row with probability 2^-64.
const maxSampleAttempts = 64

// AllocateSeq implements store.Store.
func (s *Store) AllocateSeq(ctx context.Context, n int) (int64, error) {
	if n <= 0 {
		return 0, fmt.Errorf("sqlite: allocating %d sequence numbers: %w", n, store.ErrInvalid)
	}
	var first int64
	err := s.writeTx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx,
			`UPDATE counters SET next = next + ?1 WHERE name = 'certificate_seq' RETURNING next - ?1`,
			int64(n)).Scan(&first)
		if err != nil {
			return fmt.Errorf("sqlite: allocating sequence numbers: %w", err)
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return first, nil
}

// AllocateStatusSlots implements store.Store.
func (s *Store) AllocateStatusSlots(ctx context.Context, n int, rand io.Reader) ([]store.StatusSlot, error) {
	if n <= 0 {
		return nil, fmt.Errorf("sqlite: allocating %d status slots: %w", n, store.ErrInvalid)
	}
	var out []store.StatusSlot
	err := s.writeTx(ctx, func(tx *sql.Tx) error {
		out = make([]store.StatusSlot, 0, n)
		var list, size, used int64
		err := tx.QueryRowContext(ctx, `SELECT id, size, used FROM status_lists ORDER BY id DESC LIMIT 1`).Scan(&list, &size, &used)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("sqlite: reading status lists: %w", err)
		}
		reservedAt := s.now().Unix()
		ins, err := tx.PrepareContext(ctx, `INSERT INTO status_slots (list, idx, reserved_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`)
		if err != nil {
			return fmt.Errorf("sqlite: %w", err)
		}
		defer ins.Close()
		saveUsed := func() error {
			if list == 0 {
				return nil
			}
			if _, err := tx.ExecContext(ctx, `UPDATE status_lists SET used = ? WHERE id = ?`, used, list); err != nil {
				return fmt.Errorf("sqlite: updating status list %d: %w", list, err)
			}
			return nil
		}
		for len(out) < n {
			if list == 0 || 2*used >= size {
				if err := saveUsed(); err != nil {
					return err
				}
				list, size, used = list+1, s.listSize, 0
				if _, err := tx.ExecContext(ctx, `INSERT INTO status_lists (id, size, used) VALUES (?, ?, 0)`, list, size); err != nil {
					return fmt.Errorf("sqlite: opening status list %d: %w", list, err)
				}
			}
			for attempt := 0; ; attempt++ {
				if attempt == maxSampleAttempts {
					return fmt.Errorf("sqlite: no free status-list index after %d random draws: is the random source broken?", attempt)
				}
				idx, err := sample.Index(rand, size)
				if err != nil {
					return fmt.Errorf("sqlite: choosing status-list index: %w", err)
				}
				res, err := ins.ExecContext(ctx, list, idx, reservedAt)
				if err != nil {
					return fmt.Errorf("sqlite: reserving status-list entry: %w", err)
				}
				if k, err := res.RowsAffected(); err != nil {
					return fmt.Errorf("sqlite: reserving status-list entry: %w", err)
				} else if k == 1 {
					out = append(out, store.StatusSlot{List: list, Index: idx})
					used++
					break
				}
			}
		}
		return saveUsed()
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Issue implements store.Store.
func (s *Store) Issue(ctx context.Context, b store.Batch, certs []store.Certificate) error {
	if b.ID == "" {
		return fmt.Errorf("sqlite: issuing: batch id is empty: %w", store.ErrInvalid)
	}
	if len(certs) == 0 {
		return fmt.Errorf("sqlite: issuing batch %q: no certificates: %w", b.ID, store.ErrInvalid)
	}
	if b.Count == 0 {
		b.Count = len(certs)
	} else if b.Count != len(certs) {
		return fmt.Errorf("sqlite: issuing batch %q: count is %d but there are %d certificates: %w", b.ID, b.Count, len(certs), store.ErrInvalid)
	}
	for i := range certs {
		c := &certs[i]
		switch {
		case c.Number == "":
			return fmt.Errorf("sqlite: issuing batch %q: certificate %d has no number: %w", b.ID, i+1, store.ErrInvalid)
		case len(c.HolderKey) == 0:
			return fmt.Errorf("sqlite: issuing certificate %s: no holder key: %w", c.Number, store.ErrInvalid)
		case c.TitleKey == "":
			return fmt.Errorf("sqlite: issuing certificate %s: no title key: %w", c.Number, store.ErrInvalid)
		case c.BatchID != "" && c.BatchID != b.ID:
			return fmt.Errorf("sqlite: issuing certificate %s: batch id %q, want %q: %w", c.Number, c.BatchID, b.ID, store.ErrInvalid)
		}
	}
	return s.writeTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx,
			`INSERT INTO batches (id, source, source_sha256, count, created_at, operator) VALUES (?, ?, ?, ?, ?, ?)`,
			b.ID, b.Source, blob(b.SourceSHA256), b.Count, b.CreatedAt.Unix(), b.Operator)
		if isUnique(err) {
			return &store.ConflictError{What: store.ConflictBatch, Value: b.ID}
		} else if err != nil {
			return fmt.Errorf("sqlite: recording batch %q: %w", b.ID, err)
		}
		ins, err := tx.PrepareContext(ctx, insertCertSQL)
		if err != nil {
			return fmt.Errorf("sqlite: %w", err)
		}
		defer ins.Close()
		for i := range certs {
			if err := insertCert(ctx, ins, b.ID, &certs[i]); err != nil {
				return err
			}
		}
		return s.checkReservations(ctx, tx, b.ID)
	})
}

// checkReservations refuses a batch, before its commit, if one of its
// certificates holds a status-list entry reserved more than
// store.UnrecordedGrace ago: status lists may already publish that entry
// as unrecorded. Checked in the batch's write transaction, with the store's
// clock, it agrees with UnrecordedSlots: a reader sees the batch either
// not yet recorded, with the entry still within the grace period, or
// recorded.
func (s *Store) checkReservations(ctx context.Context, tx *sql.Tx, batchID string) error {
	cutoff := s.now().Add(-store.UnrecordedGrace)
	var number string
	var list, idx, at int64
	err := tx.QueryRowContext(ctx, `SELECT c.number, s.list, s.idx, s.reserved_at
		FROM certificates c JOIN status_slots s ON s.list = c.status_list AND s.idx = c.status_index
		WHERE c.batch_id = ? AND s.reserved_at < ? ORDER BY c.number LIMIT 1`, batchID, cutoff.Unix()).Scan(&number, &list, &idx, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	} else if err != nil {
		return fmt.Errorf("sqlite: checking the batch's status-list entries: %w", err)
	}
	return fmt.Errorf("sqlite: recording certificate %s: its status-list entry %d/%d was reserved at %s, more than %s ago, and may be published as unrecorded; issue the batch again: %w",
		number, list, idx, time.Unix(at, 0).UTC().Format(time.RFC3339), store.UnrecordedGrace, store.ErrReservationExpired)
}

// insertCertSQL inserts one certificate; the columns are certColumns, a
// new certificate has no status reason or time yet.
const insertCertSQL = `INSERT INTO certificates (` + certColumns + `)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '', NULL, ?)`

// insertCert records c as part of batch batchID with ins (insertCertSQL),
// turning a unique-constraint failure into a *store.ConflictError.
func insertCert(ctx context.Context, ins *sql.Stmt, batchID string, c *store.Certificate) error {
	var list, index, code any
	if c.StatusList != 0 {
		list, index = c.StatusList, c.StatusIndex
	}
	if c.VerificationCode != "" {
		code = c.VerificationCode
	}
	status := c.Status
	if status == "" {
		status = store.StatusValid
	}
	_, err := ins.ExecContext(ctx,
		c.Number, c.Seq, batchID, c.HolderKey, c.TitleKey,
		c.HolderName, c.HolderIDMask, c.Series, c.Specialty, c.Level, c.Title, c.Committee, c.ReviewDate,
		list, index, c.JWS, blob(c.JWSHash), blob(c.PDFHash), code, c.IssuedAt.Unix(), status, int64(c.QRForm))
	if isUnique(err) {
		return conflict(err, c)
	} else if err != nil {
		return fmt.Errorf("sqlite: recording certificate %s: %w", c.Number, err)
	}
	return nil
}

// blob stores an empty byte slice as NULL.
func blob(b []byte) any {
	if len(b) == 0 {
		return nil
	}
	return b
}

func isUnique(err error) bool {
	var e *sqlite.Error
	return errors.As(err, &e) && (e.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || e.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY)
}

// conflict names the unique constraint that inserting c violated. SQLite
// names the columns in the message: "UNIQUE constraint failed: t.a, t.b".
func conflict(err error, c *store.Certificate) error {
	msg := err.Error()
	e := &store.ConflictError{Number: c.Number}
	switch {
	case strings.Contains(msg, "certificates.number"):
		e.What, e.Value = store.ConflictNumber, c.Number
	case strings.Contains(msg, "certificates.holder_key"):
		e.What, e.Value = store.ConflictTitle, c.TitleKey
	case strings.Contains(msg, "certificates.status_list"):
		e.What, e.Value = store.ConflictStatusSlot, fmt.Sprintf("%d/%d", c.StatusList, c.StatusIndex)
	case strings.Contains(msg, "certificates.verification_code"):
		e.What, e.Value = store.ConflictVerificationCode, c.VerificationCode
	default:
		return fmt.Errorf("sqlite: recording certificate %s: %w: %v", c.Number, store.ErrExists, err)
	}
	return e
}
