package server

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/titlecert/titlecert/store"
)

// An admin note holding a resident ID number, in any grouping people
// type, is refused with 400 naming the note, and nothing reaches the
// append-only archive; a token whose name holds one cannot act (break-it
// F10).
func TestAdminNoteWithIDNumberRefused(t *testing.T) {
	f := newFixture(t, 3, "", nil)
	num := f.issued[1].Number
	for _, note := range []string{
		"ID 350102198001010060",
		"持证人身份证 350102198001010037 申请",
		"350102/19800101/0060",
		"350102,19800101,0060",
		"350102:19800101:0060",
		"350102+19800101+0060",
		"350102、19800101、0060",
		"350102‧19800101‧0060",
		"3501 0219 8001 0100 6 0",
		"３５０１０２１９８００１０１００６０",
		"11010519491231002x",
	} {
		for _, action := range []string{"suspend", "revoke"} {
			body, _ := json.Marshal(map[string]any{"numbers": []string{num}, "reason": map[string]string{"suspend": "investigation", "revoke": "fraud"}[action], "note": note})
			w := f.admin(action, string(body))
			if w.Code != 400 || !strings.Contains(w.Body.String(), "note") || !strings.Contains(w.Body.String(), "resident ID number") {
				t.Errorf("%s with note %q: %d %s", action, note, w.Code, w.Body)
			}
		}
	}
	// A note with other numbers is kept.
	if w := f.admin("suspend", `{"numbers":["`+num+`"],"note":"案件 2026-17, 证书 2026000001 2026000002"}`); w.Code != 200 {
		t.Fatalf("ordinary note: %d %s", w.Code, w.Body)
	}
	// A token named before names were checked.
	const idTok = "tc_" + "ZZECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8"
	if err := f.st.CreateToken(context.Background(), store.AdminToken{Name: "ops-350102198001010029", Hash: store.HashAdminToken(idTok), CreatedAt: f.clock.Now()}); err != nil {
		t.Fatal(err)
	}
	w := f.postJSON("/api/v1/admin/reinstate", `{"numbers":["`+num+`"]}`, header("Authorization", "Bearer "+idTok))
	if w.Code != 400 || !strings.Contains(w.Body.String(), "token name") {
		t.Errorf("token named with an ID number: %d %s", w.Code, w.Body)
	}
	var events []*store.Event
	if err := f.st.Events(context.Background(), store.EventFilter{}, func(e *store.Event) error { events = append(events, e); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(events) != 1 || events[0].Action != store.ActionSuspend || events[0].Operator != "ops-alice" {
		t.Fatalf("archive: %d events %+v", len(events), events)
	}
}
