package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/titlecert/titlecert/store"
)

var _ store.Revoker = (*Store)(nil)

// errDryRun rolls a dry run's transaction back.
var errDryRun = errors.New("sqlite: dry run")

// transition returns the status an action leads to from status, or "" when
// the action does not apply.
func transition(action, status string) string {
	switch {
	case action == store.ActionRevoke && (status == store.StatusValid || status == store.StatusSuspended):
		return store.StatusRevoked
	case action == store.ActionSuspend && status == store.StatusValid:
		return store.StatusSuspended
	case action == store.ActionReinstate && status == store.StatusSuspended:
		return store.StatusValid
	}
	return ""
}

// ChangeStatus implements store.Revoker.
func (s *Store) ChangeStatus(ctx context.Context, sel store.Selection, ch store.StatusChange) (*store.ChangeResult, error) {
	if !store.ValidReason(ch.Action, ch.Reason) {
		return nil, fmt.Errorf("sqlite: %w: reason %q for action %q", store.ErrInvalid, ch.Reason, ch.Action)
	}
	if ch.Effective.IsZero() || ch.RecordedAt.IsZero() {
		return nil, fmt.Errorf("sqlite: %w: effective and recorded times are required", store.ErrInvalid)
	}
	if len(sel.Numbers) == 0 && sel.Committee == "" && sel.BatchID == "" && sel.ReviewedFrom == "" && sel.ReviewedUntil == "" {
		return nil, fmt.Errorf("sqlite: %w: empty selection", store.ErrInvalid)
	}
	res := &store.ChangeResult{}
	err := s.writeTx(ctx, func(tx *sql.Tx) error {
		var selected []*store.Certificate
		if len(sel.Numbers) > 0 {
			seen := map[string]bool{}
			for _, n := range sel.Numbers {
				if seen[n] {
					continue
				}
				seen[n] = true
				c, err := scanCert(tx.QueryRowContext(ctx, `SELECT `+certColumns+` FROM certificates WHERE number = ?`, n))
				if errors.Is(err, sql.ErrNoRows) {
					return fmt.Errorf("sqlite: %w", &store.NotFoundError{What: "certificate", Key: n})
				} else if err != nil {
					return fmt.Errorf("sqlite: %w", err)
				}
				if transition(ch.Action, c.Status) == "" {
					return fmt.Errorf("sqlite: %w", &store.TransitionError{Number: n, From: c.Status, Action: ch.Action})
				}
				selected = append(selected, c)
			}
		} else {
			q := `SELECT ` + certColumns + ` FROM certificates WHERE true`
			var args []any
			for _, f := range []struct {
				cond, val string
			}{{` AND committee = ?`, sel.Committee}, {` AND batch_id = ?`, sel.BatchID},
				{` AND review_date >= ?`, sel.ReviewedFrom}, {` AND review_date <= ?`, sel.ReviewedUntil}} {
				if f.val != "" {
					q += f.cond
					args = append(args, f.val)
				}
			}
			rows, err := tx.QueryContext(ctx, q+` ORDER BY number`, args...)
			if err != nil {
				return fmt.Errorf("sqlite: selecting: %w", err)
			}
			for rows.Next() {
				c, err := scanCert(rows)
				if err != nil {
					rows.Close()
					return fmt.Errorf("sqlite: selecting: %w", err)
				}
				if transition(ch.Action, c.Status) == "" {
					res.Skipped = append(res.Skipped, store.Skip{Certificate: c, Why: "already " + c.Status})
					continue
				}
				selected = append(selected, c)
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return fmt.Errorf("sqlite: selecting: %w", err)
			}
		}
		upd, err := tx.PrepareContext(ctx, `UPDATE certificates SET status = ?, status_reason = ?, status_at = ? WHERE number = ? AND status = ?`)
		if err != nil {
			return fmt.Errorf("sqlite: %w", err)
		}
		defer upd.Close()
		ins, err := tx.PrepareContext(ctx, `INSERT INTO status_events
			(number, action, from_status, to_status, reason, note, operator, effective_at, recorded_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`)
		if err != nil {
			return fmt.Errorf("sqlite: %w", err)
		}
		defer ins.Close()
		eff, rec := ch.Effective.UTC().Truncate(time.Second), ch.RecordedAt.UTC().Truncate(time.Second)
		for _, c := range selected {
			to := transition(ch.Action, c.Status)
			r, err := upd.ExecContext(ctx, to, ch.Reason, eff.Unix(), c.Number, c.Status)
			if err != nil {
				return fmt.Errorf("sqlite: changing %s: %w", c.Number, err)
			}
			if n, _ := r.RowsAffected(); n != 1 {
				return fmt.Errorf("sqlite: certificate %s changed meanwhile", c.Number)
			}
			if _, err := ins.ExecContext(ctx, c.Number, ch.Action, c.Status, to, ch.Reason, ch.Note, ch.Operator, eff.Unix(), rec.Unix()); err != nil {
				return fmt.Errorf("sqlite: archiving %s: %w", c.Number, err)
			}
			c.Status, c.StatusReason, c.StatusAt = to, ch.Reason, eff
			res.Changed = append(res.Changed, c)
		}
		if ch.DryRun {
			return errDryRun
		}
		return nil
	})
	if errors.Is(err, errDryRun) {
		return res, nil
	}
	if err != nil {
		return nil, err
	}
	return res, nil
}

// Events implements store.Revoker.
func (s *Store) Events(ctx context.Context, f store.EventFilter, fn func(*store.Event) error) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("sqlite: %w", err)
	}
	q := `SELECT id, number, action, from_status, to_status, reason, note, operator, effective_at, recorded_at FROM status_events WHERE true`
	var args []any
	if f.Number != "" {
		q += ` AND number = ?`
		args = append(args, f.Number)
	}
	if !f.Since.IsZero() {
		q += ` AND recorded_at >= ?`
		args = append(args, f.Since.Unix())
	}
	rows, err := s.db.QueryContext(ctx, q+` ORDER BY id`, args...)
	if err != nil {
		return fail(ctx, fmt.Errorf("sqlite: archive: %w", err))
	}
	defer rows.Close()
	for rows.Next() {
		var e store.Event
		var eff, rec int64
		if err := rows.Scan(&e.ID, &e.Number, &e.Action, &e.FromStatus, &e.ToStatus, &e.Reason, &e.Note, &e.Operator, &eff, &rec); err != nil {
			return fail(ctx, fmt.Errorf("sqlite: archive: %w", err))
		}
		e.EffectiveAt, e.RecordedAt = time.Unix(eff, 0).UTC(), time.Unix(rec, 0).UTC()
		if err := fn(&e); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fail(ctx, fmt.Errorf("sqlite: archive: %w", err))
	}
	return nil
}

// StatusLists implements store.Revoker.
func (s *Store) StatusLists(ctx context.Context) ([]store.StatusListInfo, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, size, used FROM status_lists ORDER BY id`)
	if err != nil {
		return nil, fail(ctx, fmt.Errorf("sqlite: status lists: %w", err))
	}
	defer rows.Close()
	var out []store.StatusListInfo
	for rows.Next() {
		var l store.StatusListInfo
		if err := rows.Scan(&l.ID, &l.Size, &l.Used); err != nil {
			return nil, fail(ctx, fmt.Errorf("sqlite: status lists: %w", err))
		}
		out = append(out, l)
	}
	return out, fail(ctx, rows.Err())
}

// StatusEntries implements store.Revoker.
func (s *Store) StatusEntries(ctx context.Context, list int64, fn func(store.StatusEntry) error) error {
	rows, err := s.db.QueryContext(ctx, `SELECT status_index, status, status_reason, coalesce(status_at, 0)
		FROM certificates WHERE status_list = ? AND status <> 'valid' ORDER BY status_index`, list)
	if err != nil {
		return fail(ctx, fmt.Errorf("sqlite: status entries: %w", err))
	}
	defer rows.Close()
	for rows.Next() {
		var e store.StatusEntry
		var at int64
		if err := rows.Scan(&e.Index, &e.Status, &e.Reason, &at); err != nil {
			return fail(ctx, fmt.Errorf("sqlite: status entries: %w", err))
		}
		e.At = time.Unix(at, 0).UTC()
		if err := fn(e); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fail(ctx, fmt.Errorf("sqlite: status entries: %w", err))
	}
	return nil
}

// UnrecordedSlots implements store.Revoker.
func (s *Store) UnrecordedSlots(ctx context.Context, list int64, reservedBefore time.Time, fn func(store.UnrecordedSlot) error) error {
	rows, err := s.db.QueryContext(ctx, `SELECT s.idx, s.reserved_at FROM status_slots s
		WHERE s.list = ? AND s.reserved_at < ?
		AND NOT EXISTS (SELECT 1 FROM certificates c WHERE c.status_list = s.list AND c.status_index = s.idx)
		ORDER BY s.idx`, list, reservedBefore.Unix())
	if err != nil {
		return fail(ctx, fmt.Errorf("sqlite: unrecorded entries: %w", err))
	}
	defer rows.Close()
	for rows.Next() {
		var e store.UnrecordedSlot
		var at int64
		if err := rows.Scan(&e.Index, &at); err != nil {
			return fail(ctx, fmt.Errorf("sqlite: unrecorded entries: %w", err))
		}
		e.ReservedAt = time.Unix(at, 0).UTC()
		if err := fn(e); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fail(ctx, fmt.Errorf("sqlite: unrecorded entries: %w", err))
	}
	return nil
}
