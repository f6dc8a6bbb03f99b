package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/titlecert/titlecert/store"
)

// Issuer returns the issuer id the store is bound to, or "" for a store
// made before stores recorded their issuer and not bound since.
func (s *Store) Issuer(ctx context.Context) (string, error) {
	var id string
	err := s.db.QueryRowContext(ctx, `SELECT value FROM store_meta WHERE key = 'issuer_id'`).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	} else if err != nil {
		return "", fail(ctx, s.damaged("reading the issuer", err))
	}
	return id, nil
}

// BindIssuer binds the store to issuer id, as WithIssuer does at Open: it
// records id in a store that records no issuer yet (one made before stores
// recorded theirs), and returns an error matching store.ErrOtherIssuer if
// the store records another.
func (s *Store) BindIssuer(ctx context.Context, id string) error {
	if id == "" {
		return fmt.Errorf("sqlite: empty issuer id: %w", store.ErrInvalid)
	}
	s.issuer = id
	return s.bindIssuer(ctx)
}

// bindIssuer records the issuer WithIssuer names, or checks it against
// the one recorded.
func (s *Store) bindIssuer(ctx context.Context) error {
	if s.issuer == "" {
		return nil
	}
	// Usually recorded already: a read, no write lock.
	var have string
	err := s.db.QueryRowContext(ctx, `SELECT value FROM store_meta WHERE key = 'issuer_id'`).Scan(&have)
	switch {
	case err == nil && have == s.issuer:
		return nil
	case err == nil:
		return fmt.Errorf("sqlite: %s is the store of issuer %q, not %q: %w", s.path, have, s.issuer, store.ErrOtherIssuer)
	case !errors.Is(err, sql.ErrNoRows):
		return s.damaged("reading the issuer", err)
	}
	return s.writeTx(ctx, func(tx *sql.Tx) error {
		var have string
		err := tx.QueryRowContext(ctx, `SELECT value FROM store_meta WHERE key = 'issuer_id'`).Scan(&have)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			if _, err := tx.ExecContext(ctx, `INSERT INTO store_meta (key, value) VALUES ('issuer_id', ?)`, s.issuer); err != nil {
				return s.damaged("recording the issuer", err)
			}
			return nil
		case err != nil:
			return s.damaged("reading the issuer", err)
		case have != s.issuer:
			return fmt.Errorf("sqlite: %s is the store of issuer %q, not %q: %w", s.path, have, s.issuer, store.ErrOtherIssuer)
		}
		return nil
	})
}
