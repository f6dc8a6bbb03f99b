package server

import (
	"context"
	"crypto/rand"
	"strings"
	"testing"

	"github.com/titlecert/titlecert/store"
)

func TestAdmin(t *testing.T) {
	f := newFixture(t, 10, "", nil)
	num := f.issued[3].Number
	body := `{"numbers":["` + num + `"],"reason":"misconduct","note":"案件 2026-17"}`
	t.Run("refusals", func(t *testing.T) {
		for name, auth := range map[string]string{
			"none": "", "wrong": "Bearer tc_wrongwrongwrong", "not bearer": "Basic " + f.token,
			"no prefix": "Bearer " + f.token[3:], "bearer only": "Bearer",
		} {
			var opts []reqOpt
			if auth != "" {
				opts = append(opts, header("Authorization", auth))
			}
			w := f.postJSON("/api/v1/admin/revoke", body, opts...)
			if w.Code != 401 || !strings.HasPrefix(w.Header().Get("WWW-Authenticate"), "Bearer") || !strings.Contains(w.Body.String(), `"code":"unauthorized"`) {
				t.Fatalf("%s: %d %s", name, w.Code, w.Body)
			}
		}
		for name, tc := range map[string]struct {
			action, body string
			code         int
		}{
			"no reason":       {"revoke", `{"numbers":["` + num + `"]}`, 400},
			"bad reason":      {"revoke", `{"numbers":["` + num + `"],"reason":"investigation"}`, 400},
			"no numbers":      {"suspend", `{"numbers":[]}`, 400},
			"unknown field":   {"suspend", `{"numbers":["` + num + `"],"why":"x"}`, 400},
			"unknown number":  {"suspend", `{"numbers":["` + num + `","2099000001"]}`, 404},
			"not suspended":   {"reinstate", `{"numbers":["` + num + `"]}`, 409},
			"control in note": {"suspend", `{"numbers":["` + num + `"],"note":"a\u0007"}`, 400},
			"too large":       {"suspend", `{"numbers":["` + strings.Repeat("1", 70<<10) + `"]}`, 413},
		} {
			w := f.admin(tc.action, tc.body)
			if w.Code != tc.code {
				t.Errorf("%s: %d %s, want %d", name, w.Code, w.Body, tc.code)
			}
		}
		if w := f.do("GET", "/api/v1/admin/revoke"); w.Code != 405 {
			t.Fatalf("GET: %d", w.Code)
		}
	})
	etag := f.do("GET", "/s/1").Header().Get("ETag")
	if verdictClass(t, f.do("GET", f.qrPath(3)).Body.String()) != "verdict-valid" {
		t.Fatal("not valid before")
	}
	w := f.admin("revoke", body)
	if w.Code != 200 || w.Body.String() != `{"changed":["`+num+`"],"reason":"misconduct","status":"revoked"}`+"\n" {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
	page := f.do("GET", f.qrPath(3)).Body.String()
	if verdictClass(t, page) != "verdict-revoked" || !strings.Contains(page, "已撤销") || !strings.Contains(page, "学术不端") || !strings.Contains(page, "2026-07-01") {
		t.Fatal("the page does not say revoked, why and since when")
	}
	savePage(t, "revoked", page)
	if e := f.do("GET", "/s/1").Header().Get("ETag"); e == etag {
		t.Fatal("the status list's ETag did not change")
	}
	// The audit log names the token, never the token itself.
	var audit []store.AuditEntry
	f.st.AuditLog(context.Background(), func(e store.AuditEntry) error { audit = append(audit, e); return nil })
	if len(audit) != 1 || audit[0].Actor != "ops-alice" || audit[0].Action != "revoke" || audit[0].Number != num {
		t.Fatalf("audit %+v", audit)
	}
	var events []*store.Event
	f.st.Events(context.Background(), store.EventFilter{Number: num}, func(e *store.Event) error { events = append(events, e); return nil })
	if len(events) != 1 || events[0].Operator != "ops-alice" || events[0].Note != "案件 2026-17" {
		t.Fatalf("archive %+v", events)
	}
	// Suspend with the default reason, then reinstate.
	num2 := f.issued[4].Number
	if w := f.admin("suspend", `{"numbers":["`+num2+`"]}`); w.Code != 200 || !strings.Contains(w.Body.String(), `"reason":"investigation","status":"suspended"`) {
		t.Fatalf("suspend: %d %s", w.Code, w.Body)
	}
	page = f.do("GET", f.qrPath(4)).Body.String()
	if verdictClass(t, page) != "verdict-suspended" || !strings.Contains(page, "正在调查") {
		t.Fatal("not suspended")
	}
	savePage(t, "suspended", page)
	if w := f.admin("reinstate", `{"numbers":["`+num2+`"]}`); w.Code != 200 || !strings.Contains(w.Body.String(), `"status":"valid"`) {
		t.Fatalf("reinstate: %d %s", w.Code, w.Body)
	}
	if verdictClass(t, f.do("GET", f.qrPath(4)).Body.String()) != "verdict-valid" {
		t.Fatal("not valid after reinstatement")
	}
}

// A revocation made by another process (titlecert revoke) reaches the
// pages after the poll interval.
func TestStatusChangedElsewhere(t *testing.T) {
	f := newFixture(t, 2, "", nil)
	if verdictClass(t, f.do("GET", f.qrPath(0)).Body.String()) != "verdict-valid" {
		t.Fatal("not valid")
	}
	_, err := f.st.ChangeStatus(context.Background(), store.Selection{Numbers: []string{f.issued[0].Number}}, store.StatusChange{
		Action: store.ActionRevoke, Reason: store.ReasonError, Effective: f.clock.Now(), RecordedAt: f.clock.Now(), Operator: "cli"})
	if err != nil {
		t.Fatal(err)
	}
	if verdictClass(t, f.do("GET", f.qrPath(0)).Body.String()) != "verdict-valid" {
		t.Fatal("polled before the interval") // cached lists are still in use
	}
	f.clock.Add(DefaultStatusPoll)
	if got := verdictClass(t, f.do("GET", f.qrPath(0)).Body.String()); got != "verdict-revoked" {
		t.Fatalf("after the poll interval: %s", got)
	}
	// Lists are signed again at half their TTL.
	signed := f.srv.m.statusSigned.Value()
	f.clock.Add(f.srv.cfg.StatusTTL / 2)
	f.do("GET", "/s/1")
	if f.srv.m.statusSigned.Value() != signed+1 {
		t.Fatal("not signed again at TTL/2")
	}
}

// A status list opened by issuance in another process (no archive event)
// is signed and served after the poll interval.
func TestNewStatusListElsewhere(t *testing.T) {
	f := newFixture(t, 1, "", nil)
	if w := f.do("GET", "/s/1"); w.Code != 200 {
		t.Fatalf("/s/1: %d", w.Code)
	}
	if w := f.do("GET", "/s/2"); w.Code != 404 {
		t.Fatalf("/s/2 before it exists: %d", w.Code)
	}
	// Fill list 1 past half: the store opens list 2.
	if _, err := f.st.AllocateStatusSlots(context.Background(), int(store.StatusListSize/2), rand.Reader); err != nil {
		t.Fatal(err)
	}
	f.clock.Add(DefaultStatusPoll)
	if w := f.do("GET", "/s/2"); w.Code != 200 {
		t.Fatalf("/s/2 after the poll interval: %d", w.Code)
	}
}
