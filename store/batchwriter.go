package store

import "context"

// BatchWriter is implemented by stores that can record a batch too large to
// be held in memory: the certificates are added a few at a time to one
// transaction, which is committed or rolled back as a whole. It is optional;
// a caller that finds a Store without it uses Store.Issue.
//
// Every promise of Issue holds for the batch as a whole: it is recorded
// completely, by Commit, or not at all.
type BatchWriter interface {
	// BeginBatch starts recording b and returns the open transaction. The
	// caller must end it with Commit or Rollback: until then it may hold
	// the store's write lock, and other writers wait. b.Count must be 0
	// (it is then recorded as the number of certificates added) or the
	// number of certificates that will be added.
	//
	// It returns ErrInvalid if b.ID is empty or b.Count < 0, and a
	// *ConflictError (matching ErrExists) if b.ID is already recorded.
	// The transaction is rolled back when ctx is done before Commit.
	BeginBatch(ctx context.Context, b Batch) (BatchTx, error)
}

// BatchTx is a batch being recorded; see BatchWriter. It is not safe for
// concurrent use.
type BatchTx interface {
	// Add records certs in the batch's transaction. The rules of Issue
	// apply to each certificate (a number, a holder key and a title key;
	// BatchID the batch's or empty), and conflicts, with the store or with
	// certificates added before, are reported as by Issue. On any error
	// the whole transaction is rolled back: nothing of the batch is
	// recorded, and later calls of Add and Commit fail.
	Add(ctx context.Context, certs []Certificate) error
	// Commit records the batch and everything added. It returns
	// ErrInvalid, and records nothing, if no certificate was added or
	// their number is not the batch's non-zero Count, and an error
	// matching ErrReservationExpired if an entry was reserved more than
	// UnrecordedGrace before the commit (see Store.Issue). On any error
	// nothing is recorded.
	Commit() error
	// Rollback abandons the batch: nothing of it is recorded. After
	// Commit or a failure it does nothing and returns nil, so it may be
	// deferred.
	Rollback() error
}
