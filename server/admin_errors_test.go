package server

import (
	"strings"
	"testing"
)

// What the admin API answers when the store refuses a change is made from
// the store's typed errors: the same words whatever the backend, and none
// of its text (no "sqlite", no package prefixes).
func TestAdminRefusalBodies(t *testing.T) {
	f := newFixture(t, 3, "", nil)
	num := f.issued[0].Number
	for name, tc := range map[string]struct {
		action, body string
		code         int
		want         string
	}{
		"unknown number": {"suspend", `{"numbers":["` + num + `","2099000001"]}`, 404,
			`{"code":"not_found","error":"certificate \"2099000001\" not found; nothing was changed"}` + "\n"},
		"not suspended": {"reinstate", `{"numbers":["` + num + `"]}`, 409,
			`{"code":"transition","error":"certificate ` + num + ` is valid: cannot reinstate; nothing was changed"}` + "\n"},
	} {
		t.Run(name, func(t *testing.T) {
			w := f.admin(tc.action, tc.body)
			if w.Code != tc.code || w.Body.String() != tc.want {
				t.Fatalf("%d %s, want %d %s", w.Code, w.Body, tc.code, tc.want)
			}
			for _, leak := range []string{"sqlite", "store:", "server:"} {
				if strings.Contains(w.Body.String(), leak) {
					t.Fatalf("the answer shows %q: %s", leak, w.Body)
				}
			}
		})
	}
}
