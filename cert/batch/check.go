package batch

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"hash"
	"io"
	"sync/atomic"

	"github.com/titlecert/titlecert/cert/roster"
	"github.com/titlecert/titlecert/store"
)

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
