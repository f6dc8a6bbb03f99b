package storetest

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/titlecert/titlecert/store"
)

var (
	decided  = time.Date(2026, 9, 1, 8, 0, 0, 0, time.UTC)
	recorded = time.Date(2026, 9, 2, 9, 30, 0, 0, time.UTC)
)

func change(action, reason string) store.StatusChange {
	return store.StatusChange{Action: action, Reason: reason, Note: "案件 2026-17", Effective: decided, RecordedAt: recorded, Operator: "auditor"}
}

func issueN(t *testing.T, s store.Store, id string, base, n int) []store.Certificate {
	t.Helper()
	b, certs := newBatch(id, base, n)
	if err := s.Issue(t.Context(), b, certs); err != nil {
		t.Fatal(err)
	}
	return certs
}

func status(t *testing.T, s store.Store, number string) *store.Certificate {
	t.Helper()
	c, err := s.Certificate(t.Context(), number)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func events(t *testing.T, s store.Store, number string) []*store.Event {
	t.Helper()
	var out []*store.Event
	if err := s.Events(t.Context(), store.EventFilter{Number: number}, func(e *store.Event) error { out = append(out, e); return nil }); err != nil {
		t.Fatal(err)
	}
	return out
}

func testRevokeSuspendReinstate(t *testing.T, h *harness) {
	ctx := t.Context()
	s, reopen := h.new(t, testListSize)
	certs := issueN(t, s, "B1", 1, 3)
	n0, n1 := certs[0].Number, certs[1].Number

	res, err := s.ChangeStatus(ctx, store.Selection{Numbers: []string{n0}}, change(store.ActionSuspend, store.ReasonInvestigation))
	if err != nil || len(res.Changed) != 1 || res.Changed[0].Status != store.StatusSuspended {
		t.Fatalf("suspend: %+v %v", res, err)
	}
	if c := status(t, s, n0); c.Status != store.StatusSuspended || c.StatusReason != store.ReasonInvestigation || !c.StatusAt.Equal(decided) {
		t.Fatalf("after suspend: %s %s %v", c.Status, c.StatusReason, c.StatusAt)
	}
	if _, err := s.ChangeStatus(ctx, store.Selection{Numbers: []string{n0}}, change(store.ActionReinstate, store.ReasonCleared)); err != nil {
		t.Fatal(err)
	}
	if c := status(t, s, n0); c.Status != store.StatusValid {
		t.Fatalf("after reinstate: %s", c.Status)
	}
	for i, reason := range store.RevocationReasons {
		t.Run(reason, func(t *testing.T) {
			b := fmt.Sprintf("R-%s", reason)
			c := issueN(t, s, b, 100+i*10, 1)[0]
			if _, err := s.ChangeStatus(ctx, store.Selection{Numbers: []string{c.Number}}, change(store.ActionRevoke, reason)); err != nil {
				t.Fatal(err)
			}
			if got := status(t, s, c.Number); got.Status != store.StatusRevoked || got.StatusReason != reason {
				t.Fatalf("got %s/%s", got.Status, got.StatusReason)
			}
		})
	}
	// Suspended, then revoked: allowed. Revoked is final.
	if _, err := s.ChangeStatus(ctx, store.Selection{Numbers: []string{n1}}, change(store.ActionSuspend, store.ReasonInvestigation)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ChangeStatus(ctx, store.Selection{Numbers: []string{n1}}, change(store.ActionRevoke, store.ReasonFraud)); err != nil {
		t.Fatal(err)
	}
	for _, a := range []struct{ action, reason string }{{store.ActionReinstate, store.ReasonCleared}, {store.ActionSuspend, store.ReasonInvestigation}, {store.ActionRevoke, store.ReasonError}} {
		if _, err := s.ChangeStatus(ctx, store.Selection{Numbers: []string{n1}}, change(a.action, a.reason)); !errors.Is(err, store.ErrTransition) {
			t.Fatalf("%s a revoked certificate: %v", a.action, err)
		}
	}
	// The archive holds every change, in order, and survives a reopen.
	s2 := reopen(t)
	ev := events(t, s2, n1)
	if len(ev) != 2 || ev[0].Action != store.ActionSuspend || ev[1].Action != store.ActionRevoke ||
		ev[1].FromStatus != store.StatusSuspended || ev[1].ToStatus != store.StatusRevoked || ev[1].Reason != store.ReasonFraud ||
		ev[1].Note != "案件 2026-17" || ev[1].Operator != "auditor" || !ev[1].EffectiveAt.Equal(decided) || !ev[1].RecordedAt.Equal(recorded) {
		t.Fatalf("archive for %s: %+v", n1, ev)
	}
	if ev := events(t, s2, n0); len(ev) != 2 || ev[1].Action != store.ActionReinstate {
		t.Fatalf("archive for %s: %+v", n0, ev)
	}
	var all int
	s2.Events(ctx, store.EventFilter{}, func(*store.Event) error { all++; return nil })
	if want := 4 + len(store.RevocationReasons); all != want {
		t.Fatalf("archive has %d entries, want %d", all, want)
	}
}

func testBulkRevoke(t *testing.T, h *harness) {
	ctx := t.Context()
	s, _ := h.new(t, testListSize)
	certs := issueN(t, s, "B1", 1, 6) // committee of newCert for all
	other := newCert(50, "B2")
	other.Committee = "另一个委员会"
	other.ReviewDate = "2025-01-01"
	if err := s.Issue(ctx, store.Batch{ID: "B2", Source: "x", CreatedAt: recorded}, []store.Certificate{other}); err != nil {
		t.Fatal(err)
	}
	// One of the committee's certificates is already revoked for fraud.
	if _, err := s.ChangeStatus(ctx, store.Selection{Numbers: []string{certs[2].Number}}, change(store.ActionRevoke, store.ReasonFraud)); err != nil {
		t.Fatal(err)
	}
	sel := store.Selection{Committee: certs[0].Committee, ReviewedFrom: "2026-01-01", ReviewedUntil: "2026-12-31"}
	ch := change(store.ActionRevoke, store.ReasonRightsWithdrawn)
	ch.DryRun = true
	dry, err := s.ChangeStatus(ctx, sel, ch)
	if err != nil || len(dry.Changed) != 5 || len(dry.Skipped) != 1 {
		t.Fatalf("dry run: %+v %v", dry, err)
	}
	if c := status(t, s, certs[0].Number); c.Status != store.StatusValid {
		t.Fatal("a dry run changed the store")
	}
	if ev := events(t, s, certs[0].Number); len(ev) != 0 {
		t.Fatal("a dry run wrote to the archive")
	}
	ch.DryRun = false
	res, err := s.ChangeStatus(ctx, sel, ch)
	if err != nil || len(res.Changed) != 5 || len(res.Skipped) != 1 || res.Skipped[0].Certificate.Number != certs[2].Number {
		t.Fatalf("bulk: %+v %v", res, err)
	}
	for i, c := range certs {
		got := status(t, s, c.Number)
		want := store.ReasonRightsWithdrawn
		if i == 2 {
			want = store.ReasonFraud // kept its own reason
		}
		if got.Status != store.StatusRevoked || got.StatusReason != want {
			t.Errorf("%s: %s/%s", c.Number, got.Status, got.StatusReason)
		}
	}
	if got := status(t, s, other.Number); got.Status != store.StatusValid {
		t.Fatal("another committee's certificate was revoked")
	}
	// The review-date bounds select too.
	res, err = s.ChangeStatus(ctx, store.Selection{ReviewedUntil: "2025-06-30"}, change(store.ActionSuspend, store.ReasonInvestigation))
	if err != nil || len(res.Changed) != 1 || res.Changed[0].Number != other.Number {
		t.Fatalf("by review date: %+v %v", res, err)
	}
	// List filters by status.
	n := 0
	s.List(ctx, store.Filter{Status: store.StatusRevoked}, func(*store.Certificate) error { n++; return nil })
	if n != 6 {
		t.Fatalf("List(revoked) = %d", n)
	}
}

func testChangeStatusRefusals(t *testing.T, h *harness) {
	ctx := t.Context()
	s, _ := h.new(t, testListSize)
	certs := issueN(t, s, "B1", 1, 2)
	for name, tc := range map[string]struct {
		sel  store.Selection
		ch   store.StatusChange
		want error
	}{
		"unknown reason":   {store.Selection{Numbers: []string{certs[0].Number}}, change(store.ActionRevoke, "because"), store.ErrInvalid},
		"cleared revoke":   {store.Selection{Numbers: []string{certs[0].Number}}, change(store.ActionRevoke, store.ReasonCleared), store.ErrInvalid},
		"unknown action":   {store.Selection{Numbers: []string{certs[0].Number}}, change("delete", store.ReasonOther), store.ErrInvalid},
		"empty selection":  {store.Selection{}, change(store.ActionRevoke, store.ReasonOther), store.ErrInvalid},
		"unknown number":   {store.Selection{Numbers: []string{certs[0].Number, "nope"}}, change(store.ActionRevoke, store.ReasonOther), store.ErrNotFound},
		"reinstate valid":  {store.Selection{Numbers: []string{certs[1].Number, certs[0].Number}}, change(store.ActionReinstate, store.ReasonCleared), store.ErrTransition},
		"no effective day": {store.Selection{Numbers: []string{certs[0].Number}}, store.StatusChange{Action: store.ActionRevoke, Reason: store.ReasonOther, RecordedAt: recorded}, store.ErrInvalid},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := s.ChangeStatus(ctx, tc.sel, tc.ch)
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			// Callers show the parts, never the backend's text.
			var nf *store.NotFoundError
			if tc.want == store.ErrNotFound && (!errors.As(err, &nf) || nf.What != "certificate" || nf.Key != "nope") {
				t.Fatalf("err = %#v, want a *store.NotFoundError for certificate \"nope\"", err)
			}
			var te *store.TransitionError
			if tc.want == store.ErrTransition && (!errors.As(err, &te) || *te != (store.TransitionError{Number: certs[1].Number, From: store.StatusValid, Action: store.ActionReinstate})) {
				t.Fatalf("err = %#v, want a *store.TransitionError for %s valid→reinstate", err, certs[1].Number)
			}
			// All or nothing: the first certificate was not touched.
			if c := status(t, s, certs[0].Number); c.Status != store.StatusValid {
				t.Fatalf("refused change altered %s", c.Number)
			}
		})
	}
	if ev := events(t, s, ""); len(ev) != 0 {
		t.Fatalf("refused changes were archived: %d", len(ev))
	}
}

func testStatusEntries(t *testing.T, h *harness) {
	ctx := t.Context()
	s, _ := h.new(t, testListSize)
	certs := issueN(t, s, "B1", 1, 4) // newCert puts them in list 1 at their index
	s.ChangeStatus(ctx, store.Selection{Numbers: []string{certs[1].Number}}, change(store.ActionRevoke, store.ReasonMisconduct))
	s.ChangeStatus(ctx, store.Selection{Numbers: []string{certs[3].Number}}, change(store.ActionSuspend, store.ReasonInvestigation))
	var got []store.StatusEntry
	if err := s.StatusEntries(ctx, 1, func(e store.StatusEntry) error { got = append(got, e); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Index != certs[1].StatusIndex || got[0].Status != store.StatusRevoked || got[0].Reason != store.ReasonMisconduct ||
		!got[0].At.Equal(decided) || got[1].Index != certs[3].StatusIndex || got[1].Status != store.StatusSuspended {
		t.Fatalf("entries: %+v", got)
	}
	got = nil
	s.StatusEntries(ctx, 2, func(e store.StatusEntry) error { got = append(got, e); return nil })
	if len(got) != 0 {
		t.Fatalf("list 2: %+v", got)
	}
	if _, err := s.AllocateStatusSlots(ctx, 3, newRand(1)); err != nil {
		t.Fatal(err)
	}
	lists, err := s.StatusLists(ctx)
	if err != nil || len(lists) == 0 || lists[0].ID != 1 || lists[0].Size != testListSize {
		t.Fatalf("lists: %+v %v", lists, err)
	}
}
