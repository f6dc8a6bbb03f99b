package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/titlecert/titlecert/store"
)

const certColumns = `number, seq, batch_id, holder_key, title_key,
	holder_name, holder_id_mask, series, specialty, level, title, committee, review_date,
	status_list, status_index, jws, jws_hash, pdf_hash, verification_code, issued_at, status,
	status_reason, status_at, qr_form`

type scanner interface{ Scan(...any) error }

func scanCert(row scanner) (*store.Certificate, error) {
	var (
		c           store.Certificate
		list, index sql.NullInt64
		code        sql.NullString
		issued      int64
		statusAt    sql.NullInt64
	)
	err := row.Scan(&c.Number, &c.Seq, &c.BatchID, &c.HolderKey, &c.TitleKey,
		&c.HolderName, &c.HolderIDMask, &c.Series, &c.Specialty, &c.Level, &c.Title, &c.Committee, &c.ReviewDate,
		&list, &index, &c.JWS, &c.JWSHash, &c.PDFHash, &code, &issued, &c.Status,
		&c.StatusReason, &statusAt, &c.QRForm)
	if err != nil {
		return nil, err
	}
	c.StatusList, c.StatusIndex = list.Int64, index.Int64
	c.VerificationCode = code.String
	c.IssuedAt = time.Unix(issued, 0).UTC()
	if statusAt.Valid {
		c.StatusAt = time.Unix(statusAt.Int64, 0).UTC()
	}
	c.JWSHash, c.PDFHash = nilIfEmpty(c.JWSHash), nilIfEmpty(c.PDFHash)
	return &c, nil
}

func nilIfEmpty(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	return b
}

// one returns the single certificate the query selects.
func (s *Store) one(ctx context.Context, what, key string, query string, args ...any) (*store.Certificate, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	c, err := scanCert(s.db.QueryRowContext(ctx, `SELECT `+certColumns+` FROM certificates WHERE `+query, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("sqlite: %w", &store.NotFoundError{What: what, Key: key})
	} else if err != nil {
		return nil, fail(ctx, fmt.Errorf("sqlite: %s %q: %w", what, key, err))
	}
	return c, nil
}

// FindTitle implements store.Store.
func (s *Store) FindTitle(ctx context.Context, holderKey []byte, titleKey string) (*store.Certificate, error) {
	return s.one(ctx, "title", titleKey, `holder_key = ? AND title_key = ?`, holderKey, titleKey)
}

// Certificate implements store.Store.
func (s *Store) Certificate(ctx context.Context, number string) (*store.Certificate, error) {
	return s.one(ctx, "certificate", number, `number = ?`, number)
}

// ByVerificationCode implements store.Store.
func (s *Store) ByVerificationCode(ctx context.Context, code string) (*store.Certificate, error) {
	return s.one(ctx, "verification code", code, `verification_code = ?`, code)
}

// List implements store.Store.
func (s *Store) List(ctx context.Context, f store.Filter, fn func(*store.Certificate) error) error {
	if f.Limit < 0 {
		return fmt.Errorf("sqlite: listing: limit %d: %w", f.Limit, store.ErrInvalid)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("sqlite: %w", err)
	}
	q := `SELECT ` + certColumns + ` FROM certificates WHERE true`
	var args []any
	if f.BatchID != "" {
		q += ` AND batch_id = ?`
		args = append(args, f.BatchID)
	}
	if f.Committee != "" {
		q += ` AND committee = ?`
		args = append(args, f.Committee)
	}
	if f.After != "" {
		q += ` AND number > ?`
		args = append(args, f.After)
	}
	if f.Status != "" {
		q += ` AND status = ?`
		args = append(args, f.Status)
	}
	if f.ReviewedFrom != "" {
		q += ` AND review_date >= ?`
		args = append(args, f.ReviewedFrom)
	}
	if f.ReviewedUntil != "" {
		q += ` AND review_date <= ?`
		args = append(args, f.ReviewedUntil)
	}
	q += ` ORDER BY number`
	if f.Limit > 0 {
		q += ` LIMIT ?`
		args = append(args, f.Limit)
	}
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return fail(ctx, fmt.Errorf("sqlite: listing: %w", err))
	}
	defer rows.Close()
	for rows.Next() {
		c, err := scanCert(rows)
		if err != nil {
			return fail(ctx, fmt.Errorf("sqlite: listing: %w", err))
		}
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("sqlite: listing: %w", err)
		}
		if err := fn(c); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fail(ctx, fmt.Errorf("sqlite: listing: %w", err))
	}
	return nil
}

// Batches implements store.Store.
func (s *Store) Batches(ctx context.Context) ([]store.Batch, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	rows, err := s.db.QueryContext(ctx,
		`SELECT id, source, source_sha256, count, created_at, operator FROM batches ORDER BY created_at, id`)
	if err != nil {
		return nil, fail(ctx, fmt.Errorf("sqlite: listing batches: %w", err))
	}
	defer rows.Close()
	var out []store.Batch
	for rows.Next() {
		var b store.Batch
		var created int64
		if err := rows.Scan(&b.ID, &b.Source, &b.SourceSHA256, &b.Count, &created, &b.Operator); err != nil {
			return nil, fail(ctx, fmt.Errorf("sqlite: listing batches: %w", err))
		}
		b.CreatedAt = time.Unix(created, 0).UTC()
		b.SourceSHA256 = nilIfEmpty(b.SourceSHA256)
		out = append(out, b)
	}
	if err := rows.Err(); err != nil {
		return nil, fail(ctx, fmt.Errorf("sqlite: listing batches: %w", err))
	}
	return out, nil
}
