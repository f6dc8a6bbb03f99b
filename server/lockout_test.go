package server

import (
	"fmt"
	"net/url"
	"reflect"
	"testing"
)

// A made-up certificate number gets exactly the answers a real one gets
// when guessed: 403 until the lock-out, then 429 with the same
// Retry-After, then 403 again once it expires. Otherwise the 429 would
// tell which numbers exist.
func TestLockoutUnknownNumbersAnswerAlike(t *testing.T) {
	f := newFixture(t, 2, "", func(c *Config) { c.HolderPerMinute = 10_000 })
	wrongID := f.cands[1].IDNumber
	type answer struct {
		Code        int
		RetryAfter  string
		Body        string // JSON answers only: the form echoes the number typed
		ContentType string
	}
	sequence := func(number string) []answer {
		var out []answer
		for i := range DefaultLockoutFailures + 2 {
			if i%2 == 0 {
				r := f.postJSON("/api/v1/download", downloadBody(number, wrongID))
				out = append(out, answer{r.Code, r.Header().Get("Retry-After"), r.Body.String(), r.Header().Get("Content-Type")})
			} else {
				r := f.postForm("/download", url.Values{"number": {number}, "id_number": {wrongID}}.Encode())
				out = append(out, answer{r.Code, r.Header().Get("Retry-After"), "", r.Header().Get("Content-Type")})
			}
		}
		r := f.postJSON("/api/v1/holder/verifications", downloadBody(number, wrongID))
		out = append(out, answer{r.Code, r.Header().Get("Retry-After"), r.Body.String(), r.Header().Get("Content-Type")})
		f.clock.Add(DefaultLockoutDuration)
		r = f.postJSON("/api/v1/download", downloadBody(number, wrongID))
		out = append(out, answer{r.Code, r.Header().Get("Retry-After"), r.Body.String(), r.Header().Get("Content-Type")})
		return out
	}
	real := sequence(f.issued[0].Number)
	for _, madeUp := range []string{"2099000123", "2026999999", "X"} {
		if got := sequence(madeUp); !reflect.DeepEqual(got, real) {
			t.Errorf("made-up number %s:\n got %+v\nwant %+v", madeUp, got, real)
		}
	}
	var codes []int
	for _, a := range real {
		codes = append(codes, a.Code)
	}
	if want := []int{403, 403, 403, 403, 403, 429, 429, 429, 403}; fmt.Sprint(codes) != fmt.Sprint(want) {
		t.Fatalf("codes %v, want %v", codes, want)
	}
	if real[5].RetryAfter != "900" {
		t.Fatalf("Retry-After %q", real[5].RetryAfter)
	}
	// The real holder gets their certificate once the lock-out is over.
	if w := f.postJSON("/api/v1/download", downloadBody(f.issued[0].Number, f.cands[0].IDNumber)); w.Code != 200 {
		t.Fatalf("the holder after the lock-out: %d", w.Code)
	}
}
