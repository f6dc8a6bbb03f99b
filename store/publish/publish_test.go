package publish_test

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/titlecert/titlecert/cert/batch/batchtest"
	"github.com/titlecert/titlecert/cert/pdf"
	"github.com/titlecert/titlecert/cert/roster"
	"github.com/titlecert/titlecert/keys"
	"github.com/titlecert/titlecert/store"
	"github.com/titlecert/titlecert/store/publish"
	"github.com/titlecert/titlecert/store/sqlite"
	"github.com/titlecert/titlecert/verify"
	"github.com/titlecert/titlecert/verify/statuslist"
)

var errPowerLost = errors.New("power lost")

// crashingStore records nothing: its batches stop where a crash before the
// commit would stop them, after the numbers and status-list entries were
// reserved and the certificates signed. It keeps the signed tokens, as the
// staging folder a real crash leaves behind would.
type crashingStore struct {
	*sqlite.Store
	tokens *[]string
}

func (s crashingStore) BeginBatch(ctx context.Context, b store.Batch) (store.BatchTx, error) {
	tx, err := s.Store.BeginBatch(ctx, b)
	if err != nil {
		return nil, err
	}
	return &crashingTx{BatchTx: tx, tokens: s.tokens}, nil
}

type crashingTx struct {
	store.BatchTx
	tokens *[]string
}

func (t *crashingTx) Add(ctx context.Context, certs []store.Certificate) error {
	for _, c := range certs {
		*t.tokens = append(*t.tokens, c.JWS)
	}
	return t.BatchTx.Add(ctx, certs)
}

func (t *crashingTx) Commit() error {
	t.BatchTx.Rollback()
	return errPowerLost
}

// TestUnrecordedAfterCrash simulates a crash between signing and the
// store's commit, then publishes the status lists: within the grace period
// the orphan certificates still verify (their batch might yet commit);
// after it, every one of them is revoked with reason "unrecorded", and the
// certificates of the batch issued again after the crash stay valid.
func TestUnrecordedAfterCrash(t *testing.T) {
	ctx := context.Background()
	r, err := pdf.NewRenderer()
	if err != nil {
		t.Fatal(err)
	}
	base := time.Now().UTC().Truncate(time.Second)
	f, err := batchtest.New(t.TempDir(), "https://verify.example", r, sqlite.WithClock(func() time.Time { return base }))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Store.Close()
	f.Issuer.Now = func() time.Time { return base }
	var csv bytes.Buffer
	if err := roster.WriteSampleCSV(&csv, 3, base); err != nil {
		t.Fatal(err)
	}
	ro := roster.Options{Now: func() time.Time { return base }, CheckName: r.CheckText}
	src := batchtest.Source("sample.csv", csv.Bytes(), ro)

	var orphans []string
	f.Issuer.Store = crashingStore{Store: f.Store, tokens: &orphans}
	if _, err := f.Issuer.Issue(ctx, src, filepath.Join(t.TempDir(), "out")); !errors.Is(err, errPowerLost) {
		t.Fatalf("the crashing batch: %v", err)
	}
	if len(orphans) != 3 {
		t.Fatalf("%d orphan certificates signed, want 3", len(orphans))
	}
	// The operator issues the file again: new numbers, new entries.
	f.Issuer.Store = f.Store
	if _, err := f.Issuer.Issue(ctx, src, filepath.Join(t.TempDir(), "out")); err != nil {
		t.Fatal(err)
	}
	var recorded []string
	f.Store.List(ctx, store.Filter{}, func(c *store.Certificate) error { recorded = append(recorded, c.JWS); return nil })
	if len(recorded) != 3 {
		t.Fatalf("%d recorded", len(recorded))
	}

	pub, err := keys.MarshalPublic(f.Key)
	if err != nil {
		t.Fatal(err)
	}
	trust, err := keys.ReadTrust(pub)
	if err != nil {
		t.Fatal(err)
	}
	check := func(at time.Time, tok string) (verify.Result, publish.Stats) {
		t.Helper()
		lists, stats, err := publish.StatusLists(ctx, f.Store, publish.Options{IssuerID: batchtest.IssuerID, URI: f.Issuer.Issuer.StatusURI,
			Key: f.Key, Now: at, Validity: publish.DefaultValidity, TTL: publish.DefaultTTL})
		if err != nil {
			t.Fatal(err)
		}
		pinned := &verify.PinnedKeys{Keys: trust.Keys, Issuers: trust.Issuers}
		set := statuslist.NewSet(pinned, at)
		for _, l := range lists {
			if err := set.Add(l.Token); err != nil {
				t.Fatal(err)
			}
		}
		return verify.Check(tok, verify.Options{Trust: pinned, Now: func() time.Time { return at }, Status: set}), stats
	}

	// The lists change by themselves once the grace period has passed.
	for _, c := range []struct{ now, want time.Time }{
		{base, base.Add(store.UnrecordedGrace + time.Second)},
		{base.Add(store.UnrecordedGrace), base.Add(store.UnrecordedGrace + time.Second)},
		{base.Add(store.UnrecordedGrace + time.Second), time.Time{}},
	} {
		if due, err := publish.UnrecordedDue(ctx, f.Store, c.now); err != nil || !due.Equal(c.want) {
			t.Fatalf("UnrecordedDue at %s: %s %v, want %s", c.now, due, err, c.want)
		}
	}

	within := base.Add(store.UnrecordedGrace)
	for _, tok := range orphans {
		res, stats := check(within, tok)
		if res.Status != verify.Valid || stats[store.ReasonUnrecorded] != 0 {
			t.Fatalf("within the grace period: %s %s, stats %v", res.Status, res.Reason, stats)
		}
	}
	after := base.Add(store.UnrecordedGrace + time.Second)
	for _, tok := range orphans {
		res, stats := check(after, tok)
		if res.Status != verify.Revoked || res.RevocationReason != store.ReasonUnrecorded || !res.StatusChecked {
			t.Fatalf("an orphan after the grace period: %s %q (%s)", res.Status, res.RevocationReason, res.Detail)
		}
		if res.RevokedAt == nil || !res.RevokedAt.Equal(base) {
			t.Errorf("revoked at %v, want the reservation time %s", res.RevokedAt, base)
		}
		if stats[store.ReasonUnrecorded] != 3 || stats[store.StatusRevoked] != 0 {
			t.Errorf("stats %v, want 3 unrecorded and nothing revoked", stats)
		}
	}
	for _, tok := range recorded {
		if res, _ := check(after.Add(30*24*time.Hour), tok); res.Status != verify.Valid {
			t.Fatalf("a recorded certificate: %s %s", res.Status, res.Reason)
		}
	}
}
