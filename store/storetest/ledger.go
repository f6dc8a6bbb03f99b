package storetest

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"testing"
	"time"

	"github.com/titlecert/titlecert/store"
)

func testLedger(t *testing.T, h *harness) {
	ctx := t.Context()
	s, reopen := h.new(t, testListSize)
	certs := issueN(t, s, "B1", 1, 2)
	base := time.Date(2026, 10, 1, 8, 0, 0, 0, time.UTC)
	for i, ch := range []string{store.ChannelPage, store.ChannelAPI, store.ChannelLookup} {
		if err := s.RecordVerification(ctx, store.Verification{Number: certs[0].Number, At: base.Add(time.Duration(i) * time.Hour), Channel: ch}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.RecordVerification(ctx, store.Verification{Number: "nope", At: base, Channel: store.ChannelPage}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("unknown number: %v", err)
	}
	if err := s.RecordVerification(ctx, store.Verification{Number: certs[0].Number, At: base}); !errors.Is(err, store.ErrInvalid) {
		t.Fatalf("no channel: %v", err)
	}
	s = reopen(t)
	var got []store.Verification
	if err := s.Verifications(ctx, certs[0].Number, 0, func(v store.Verification) error { got = append(got, v); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || got[0].Channel != store.ChannelLookup || !got[0].At.Equal(base.Add(2*time.Hour)) || got[2].Channel != store.ChannelPage {
		t.Fatalf("verifications newest first: %+v", got)
	}
	got = nil
	s.Verifications(ctx, certs[0].Number, 1, func(v store.Verification) error { got = append(got, v); return nil })
	if len(got) != 1 {
		t.Fatalf("limit 1: %d", len(got))
	}
	got = nil
	s.Verifications(ctx, certs[1].Number, 0, func(v store.Verification) error { got = append(got, v); return nil })
	if len(got) != 0 {
		t.Fatal("another certificate's log is not empty")
	}

	for _, e := range []store.AuditEntry{{At: base, Actor: "holder", Action: "download", Number: certs[0].Number}, {At: base, Actor: "ops", Action: "revoke", Number: certs[1].Number, Detail: "fraud"}} {
		if err := s.Audit(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Audit(ctx, store.AuditEntry{At: base}); !errors.Is(err, store.ErrInvalid) {
		t.Fatalf("empty audit entry: %v", err)
	}
	var audit []store.AuditEntry
	s.AuditLog(ctx, func(e store.AuditEntry) error { audit = append(audit, e); return nil })
	if len(audit) != 2 || audit[1].Actor != "ops" || audit[1].Detail != "fraud" || audit[0].ID >= audit[1].ID {
		t.Fatalf("audit log: %+v", audit)
	}

	hash := sha256.Sum256([]byte("tc_secret"))
	if err := s.CreateToken(ctx, store.AdminToken{Name: "ops", Hash: hash[:], CreatedAt: base}); err != nil {
		t.Fatal(err)
	}
	other := sha256.Sum256([]byte("other"))
	if err := s.CreateToken(ctx, store.AdminToken{Name: "ops", Hash: other[:], CreatedAt: base}); !errors.Is(err, store.ErrExists) {
		t.Fatalf("duplicate name: %v", err)
	}
	tok, err := s.TokenByHash(ctx, hash[:])
	if err != nil || tok.Name != "ops" || !bytes.Equal(tok.Hash, hash[:]) || !tok.CreatedAt.Equal(base) {
		t.Fatalf("TokenByHash: %+v %v", tok, err)
	}
	if _, err := s.TokenByHash(ctx, other[:]); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("unknown token: %v", err)
	}
}
