package server

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/titlecert/titlecert/store"
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

// A handler's error that is not an answer (a store's, a driver's) reaches
// the client as the same internal error whatever it says; its text is
// logged, and only there.
func TestHandleHidesBackendText(t *testing.T) {
	f := newFixture(t, 1, "", nil)
	backend := fmt.Errorf("sqlite: certificates: disk I/O error (secret detail): %w", store.ErrCorrupt)
	h := f.srv.handle(func(w http.ResponseWriter, r *http.Request) error { return backend })
	for path, want := range map[string]string{
		"/api/v1/anything": `{"code":"internal","error":"internal error"}` + "\n",
		"/page":            "",
	} {
		w := httptest.NewRecorder()
		h(w, httptest.NewRequest("GET", path, nil))
		if w.Code != 500 || (want != "" && w.Body.String() != want) || strings.Contains(w.Body.String(), "secret detail") {
			t.Fatalf("%s: %d %s", path, w.Code, w.Body)
		}
	}
	if !strings.Contains(f.logs.String(), "secret detail") {
		t.Fatal("the cause was not logged")
	}
	// A handler that answers itself and returns nil is left alone.
	w := httptest.NewRecorder()
	f.srv.handle(func(w http.ResponseWriter, r *http.Request) error { w.WriteHeader(204); return nil })(w, httptest.NewRequest("GET", "/api/v1/x", nil))
	if w.Code != 204 || w.Body.Len() != 0 {
		t.Fatalf("nil error: %d %s", w.Code, w.Body)
	}
}
