package batchtest

import (
	"context"
	"errors"

	"github.com/titlecert/titlecert/store"
	"github.com/titlecert/titlecert/store/sqlite"
)

// ErrCrash is what a CrashStore's batches end with instead of a commit.
var ErrCrash = errors.New("batchtest: power lost before the commit")

// CrashStore stops every batch where a crash between rendering and the
// store's commit stops it: the batch is rolled back, its status entries
// stay reserved, and Tokens collects the certificates signed for it (the
// staging folder's PDFs), which the issuer never recorded.
type CrashStore struct {
	*sqlite.Store
	Tokens *[]string
}

// BeginBatch begins a batch that records nothing.
func (s CrashStore) BeginBatch(ctx context.Context, b store.Batch) (store.BatchTx, error) {
	tx, err := s.Store.BeginBatch(ctx, b)
	if err != nil {
		return nil, err
	}
	return &crashTx{BatchTx: tx, tokens: s.Tokens}, nil
}

type crashTx struct {
	store.BatchTx
	tokens *[]string
}

func (t *crashTx) Add(ctx context.Context, certs []store.Certificate) error {
	for _, c := range certs {
		*t.tokens = append(*t.tokens, c.JWS)
	}
	return t.BatchTx.Add(ctx, certs)
}

func (t *crashTx) Commit() error { t.BatchTx.Rollback(); return ErrCrash }
