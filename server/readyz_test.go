package server

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/titlecert/titlecert/store"
)

// The store's file cut short while the server holds it open (truncate -s
// 0, or to less than its header): readiness says so at once, in plain
// text, though reads may go on answering from SQLite's cache (break-it
// F11). The answer names no path.
func TestReadyzStoreTruncated(t *testing.T) {
	for _, size := range []int64{0, 1, 99} {
		f := newFixture(t, 1, "", nil)
		w := f.do("GET", "/readyz")
		if w.Code != 200 || w.Body.String() != "ready\n" || !strings.HasPrefix(w.Header().Get("Content-Type"), "text/plain") {
			t.Fatalf("readyz %d %q", w.Code, w.Body.String())
		}
		path := filepath.Join(filepath.Dir(f.out), "t.db")
		if err := os.Truncate(path, size); err != nil {
			t.Fatal(err)
		}
		w = f.do("GET", "/readyz")
		body := w.Body.String()
		if w.Code != 503 || body != "not ready: the store file is damaged (cut short or overwritten while open)\n" ||
			!strings.HasPrefix(w.Header().Get("Content-Type"), "text/plain") || strings.Contains(body, "t.db") {
			t.Errorf("truncated to %d: readyz %d %q", size, w.Code, body)
		}
		if err := f.srv.Ready(context.Background()); !errors.Is(err, store.ErrCorrupt) || !strings.Contains(err.Error(), "shorter than its 100-byte header") {
			t.Errorf("truncated to %d: Ready: %v", size, err)
		}
	}
	// Removed: the same plain-text form.
	f := newFixture(t, 1, "", nil)
	path := filepath.Join(filepath.Dir(f.out), "t.db")
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	if w := f.do("GET", "/readyz"); w.Code != 503 || w.Body.String() != "not ready: the store file was removed or replaced while open\n" {
		t.Errorf("removed: readyz %d %q", w.Code, w.Body.String())
	}
}
