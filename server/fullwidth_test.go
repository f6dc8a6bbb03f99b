package server

import (
	"bytes"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// wide writes the ASCII letters, digits and hyphen of s in full width
// (U+FF01..U+FF5E), as a Chinese input method in full-width mode types them.
func wide(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r > ' ' && r < 0x7f {
			r += 0xfee0
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Certificate numbers and verification codes typed in full width find
// the certificate in every look-up: the code and number forms of the
// page, the API path and the holder's forms (break-it F6).
func TestFullWidthNumbersAndCodes(t *testing.T) {
	f := newFixture(t, 2, "", func(c *Config) { c.LookupPerMinute = 1000; c.HolderPerMinute = 1000 })
	c0 := f.issued[0]
	name := f.cands[0].Name
	for _, code := range []string{wide(c0.VerificationCode), strings.ToLower(wide(c0.VerificationCode)), wide(c0.VerificationCode[:5]) + "\u3000" + wide(c0.VerificationCode[6:]), wide(c0.VerificationCode[:5]) + "－" + c0.VerificationCode[6:]} {
		w := f.postForm("/v/lookup", url.Values{"code": {code}}.Encode())
		if w.Code != 200 || verdictClass(t, w.Body.String()) != "verdict-valid" || !strings.Contains(w.Body.String(), c0.Number) {
			t.Errorf("code %q: %d", code, w.Code)
		}
	}
	for _, num := range []string{wide(c0.Number), wide(c0.Number[:4]) + c0.Number[4:], " " + wide(c0.Number) + "\u3000", c0.Number[:4] + "\u200b" + c0.Number[4:]} {
		w := f.postForm("/v/lookup", url.Values{"number": {num}, "name": {name}}.Encode())
		if w.Code != 200 || verdictClass(t, w.Body.String()) != "verdict-valid" {
			t.Errorf("page number %q: %d", num, w.Code)
		}
		w = f.do("GET", "/api/v1/certificates/"+url.PathEscape(num)+"?name="+url.QueryEscape(name))
		if w.Code != 200 || !strings.Contains(w.Body.String(), `"status":"valid"`) || !strings.Contains(w.Body.String(), `"number":"`+c0.Number+`"`) {
			t.Errorf("API number %q: %d %s", num, w.Code, w.Body)
		}
	}
	issued, err := os.ReadFile(filepath.Join(f.out, c0.File))
	if err != nil {
		t.Fatal(err)
	}
	w := f.postJSON("/api/v1/download", downloadBody(wide(c0.Number), f.cands[0].IDNumber))
	if w.Code != 200 || !bytes.Equal(w.Body.Bytes(), issued) {
		t.Errorf("API download, full-width number: %d %s", w.Code, w.Body)
	}
	w = f.postForm("/download", url.Values{"number": {wide(c0.Number)}, "id_number": {f.cands[0].IDNumber}, "action": {"download"}}.Encode())
	if w.Code != 200 || !bytes.Equal(w.Body.Bytes(), issued) {
		t.Errorf("form download, full-width number: %d", w.Code)
	}
	// Another certificate's number in full width is another certificate.
	if w := f.do("GET", "/api/v1/certificates/"+url.PathEscape(wide(f.issued[1].Number))+"?name="+url.QueryEscape(name)); w.Code != 404 {
		t.Errorf("other number: %d", w.Code)
	}
}

// The forms of one number share its lock-out: typing it in full width or
// with spaces does not buy more guesses.
func TestFullWidthNumberSharesLockout(t *testing.T) {
	f := newFixture(t, 2, "", func(c *Config) { c.HolderPerMinute = 1000 })
	num, wrongID := f.issued[0].Number, f.cands[1].IDNumber
	forms := []string{num, wide(num), " " + num, wide(num[:3]) + "\u3000" + num[3:], num[:2] + "\u200b" + num[2:], num, wide(num)}
	var codes []int
	for _, n := range forms {
		codes = append(codes, f.postJSON("/api/v1/download", downloadBody(n, wrongID)).Code)
	}
	want := []int{403, 403, 403, 403, 403, 429, 429}
	if fmt.Sprint(codes) != fmt.Sprint(want) {
		t.Fatalf("codes %v, want %v", codes, want)
	}
}
