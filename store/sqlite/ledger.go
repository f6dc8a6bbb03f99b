package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/titlecert/titlecert/store"
)

var _ store.Ledger = (*Store)(nil)

// RecordVerification implements store.Ledger.
func (s *Store) RecordVerification(ctx context.Context, v store.Verification) error {
	if v.Number == "" || v.Channel == "" {
		return fmt.Errorf("sqlite: %w: verification needs a number and a channel", store.ErrInvalid)
	}
	return s.writeTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO verifications (number, at, channel) VALUES (?, ?, ?)`, v.Number, v.At.Unix(), v.Channel)
		if err != nil {
			if isForeignKey(err) {
				return fmt.Errorf("sqlite: %w", &store.NotFoundError{What: "certificate", Key: v.Number})
			}
			return fmt.Errorf("sqlite: recording a verification: %w", err)
		}
		return nil
	})
}

func isForeignKey(err error) bool {
	var e *sqlite.Error
	return errors.As(err, &e) && e.Code() == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY
}

// Verifications implements store.Ledger.
func (s *Store) Verifications(ctx context.Context, number string, limit int, fn func(store.Verification) error) error {
	q := `SELECT number, at, channel FROM verifications WHERE number = ? ORDER BY at DESC, id DESC`
	args := []any{number}
	if limit > 0 {
		q += ` LIMIT ?`
		args = append(args, limit)
	}
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return fail(ctx, fmt.Errorf("sqlite: verifications: %w", err))
	}
	defer rows.Close()
	for rows.Next() {
		var v store.Verification
		var at int64
		if err := rows.Scan(&v.Number, &at, &v.Channel); err != nil {
			return fail(ctx, fmt.Errorf("sqlite: verifications: %w", err))
		}
		v.At = time.Unix(at, 0).UTC()
		if err := fn(v); err != nil {
			return err
		}
	}
	return fail(ctx, rows.Err())
}

// Audit implements store.Ledger.
func (s *Store) Audit(ctx context.Context, e store.AuditEntry) error {
	if e.Action == "" || e.Actor == "" {
		return fmt.Errorf("sqlite: %w: audit entry needs an actor and an action", store.ErrInvalid)
	}
	return s.writeTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO audit_log (at, actor, action, number, detail) VALUES (?, ?, ?, ?, ?)`,
			e.At.Unix(), e.Actor, e.Action, e.Number, e.Detail)
		if err != nil {
			return fmt.Errorf("sqlite: audit: %w", err)
		}
		return nil
	})
}

// AuditLog implements store.Ledger.
func (s *Store) AuditLog(ctx context.Context, fn func(store.AuditEntry) error) error {
	rows, err := s.db.QueryContext(ctx, `SELECT id, at, actor, action, number, detail FROM audit_log ORDER BY id`)
	if err != nil {
		return fail(ctx, fmt.Errorf("sqlite: audit log: %w", err))
	}
	defer rows.Close()
	for rows.Next() {
		var e store.AuditEntry
		var at int64
		if err := rows.Scan(&e.ID, &at, &e.Actor, &e.Action, &e.Number, &e.Detail); err != nil {
			return fail(ctx, fmt.Errorf("sqlite: audit log: %w", err))
		}
		e.At = time.Unix(at, 0).UTC()
		if err := fn(e); err != nil {
			return err
		}
	}
	return fail(ctx, rows.Err())
}

// CreateToken implements store.Ledger.
func (s *Store) CreateToken(ctx context.Context, t store.AdminToken) error {
	if t.Name == "" || len(t.Hash) != 32 {
		return fmt.Errorf("sqlite: %w: a token needs a name and a 32-byte hash", store.ErrInvalid)
	}
	return s.writeTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO admin_tokens (name, hash, created_at) VALUES (?, ?, ?)`, t.Name, t.Hash, t.CreatedAt.Unix())
		if isUnique(err) {
			return fmt.Errorf("sqlite: token %q: %w", t.Name, store.ErrExists)
		} else if err != nil {
			return fmt.Errorf("sqlite: creating token: %w", err)
		}
		return nil
	})
}

// TokenByHash implements store.Ledger.
func (s *Store) TokenByHash(ctx context.Context, h []byte) (*store.AdminToken, error) {
	var t store.AdminToken
	var at int64
	err := s.db.QueryRowContext(ctx, `SELECT name, hash, created_at FROM admin_tokens WHERE hash = ?`, h).Scan(&t.Name, &t.Hash, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("sqlite: %w", &store.NotFoundError{What: "admin token"})
	} else if err != nil {
		return nil, fail(ctx, fmt.Errorf("sqlite: token: %w", err))
	}
	t.CreatedAt = time.Unix(at, 0).UTC()
	return &t, nil
}
