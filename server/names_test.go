package server

import (
	"bytes"
	"context"
	"encoding/csv"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/titlecert/titlecert/cert/batch"
	"github.com/titlecert/titlecert/cert/batch/batchtest"
	"github.com/titlecert/titlecert/cert/roster"
)

// issueNames issues one more batch into f's store, one certificate per
// name, and returns their numbers in the order of names.
func (f *fixture) issueNames(t *testing.T, names ...string) []string {
	t.Helper()
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.Write([]string{"name", "id_number", "series", "specialty", "level", "committee", "review_date", "approval_doc"})
	ids := make([]string, len(names))
	for i, n := range names {
		id, err := roster.MakeIDNumber("650102", time.Date(1988, 1, 1, 0, 0, 0, 0, time.UTC), 500+i)
		if err != nil {
			t.Fatal(err)
		}
		ids[i] = id
		w.Write([]string{n, id, "卫生", "临床医学", "中级", "福建省卫生高级职称评审委员会", "2026-06-20", "闽人社文〔2026〕88号"})
	}
	w.Flush()
	is := &batch.Issuer{Store: f.st, Key: f.key, Renderer: renderer(), HolderHash: f.cfg.HolderHash,
		Issuer: f.cfg.Issuer, Now: func() time.Time { return issuedAt }}
	ro := roster.Options{Now: func() time.Time { return issuedAt }, CheckName: renderer().CheckText}
	if _, err := is.Issue(context.Background(), batchtest.Source("names.csv", b.Bytes(), ro), filepath.Join(t.TempDir(), "out")); err != nil {
		t.Fatal(err)
	}
	nums := make([]string, len(names))
	for i, id := range ids {
		rec, err := f.st.FindTitle(context.Background(), f.cfg.HolderHash(id), "卫生|临床医学|中级")
		if err != nil {
			t.Fatal(err)
		}
		nums[i] = rec.Number
		f.cands = append(f.cands, roster.Candidate{Name: rec.HolderName, IDNumber: id})
	}
	return nums
}

// TestNameLookupFolds looks certificates up by number and name with the
// variants people type: separator look-alikes, spaces of every kind,
// zero-width characters, compatibility ideographs and their unified
// forms, full-width letters. Each finds the certificate; another name
// does not.
func TestNameLookupFolds(t *testing.T) {
	f := newFixture(t, 1, "", func(c *Config) { c.LookupPerMinute = 1000 })
	nums := f.issueNames(t, "阿依古丽・买买提", "\uf92c建华", "欧阳\u00a0娜娜", "Anna Smith")
	tests := []struct {
		num   string
		names []string
	}{
		{nums[0], []string{"阿依古丽·买买提", "阿依古丽・买买提", "阿依古丽．买买提", "阿依古丽.买买提", "阿依古丽•买买提", "阿依古丽 · 买买提", "阿依古丽\u0387买买提"}},
		{nums[1], []string{"\uf92c建华", "郎建华", " 郎\u200b建华\u3000"}},
		{nums[2], []string{"欧阳娜娜", "欧阳 娜娜", "欧阳\u00a0娜娜", "欧阳\u3000娜娜"}},
		{nums[3], []string{"Anna Smith", "AnnaSmith", "Ａｎｎａ Ｓｍｉｔｈ"}},
	}
	for _, tt := range tests {
		for _, name := range tt.names {
			w := f.do("GET", "/api/v1/certificates/"+tt.num+"?name="+url.QueryEscape(name))
			if w.Code != 200 || !strings.Contains(w.Body.String(), `"status":"valid"`) {
				t.Errorf("API %s %+q: %d %s", tt.num, name, w.Code, w.Body)
			}
			w = f.postForm("/v/lookup", url.Values{"number": {tt.num}, "name": {name}}.Encode())
			if w.Code != 200 || verdictClass(t, w.Body.String()) != "verdict-valid" {
				t.Errorf("page %s %+q: %d", tt.num, name, w.Code)
			}
		}
	}
	// The signed name is the canonical one.
	rec, err := f.st.Certificate(context.Background(), nums[0])
	if err != nil || rec.HolderName != "阿依古丽·买买提" {
		t.Errorf("stored name %+q, %v", rec.HolderName, err)
	}
	// The compatibility ideograph is kept as written.
	if rec, err := f.st.Certificate(context.Background(), nums[1]); err != nil || rec.HolderName != "\uf92c建华" {
		t.Errorf("stored name %+q, %v", rec.HolderName, err)
	}
	for _, tt := range []struct{ num, name string }{
		{nums[0], "阿依古丽买买·"}, {nums[1], "朗建华"}, {nums[2], "欧阳娜"}, {nums[3], "Anna Smit"}, {nums[0], "欧阳娜娜"},
	} {
		if w := f.do("GET", "/api/v1/certificates/"+tt.num+"?name="+url.QueryEscape(tt.name)); w.Code != 404 {
			t.Errorf("API %s %q: %d", tt.num, tt.name, w.Code)
		}
	}
}

func fullWidth(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r - '0' + '０')
		case r == 'X':
			b.WriteRune('Ｘ')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// TestFullWidthIDNumberForms types the holder's ID number in full-width
// digits (and Ｘ), as Chinese input methods do, into every form that asks
// for it: the download (JSON and page), the holder's log and the page's
// confirmation form.
func TestFullWidthIDNumberForms(t *testing.T) {
	f := newFixture(t, 2, "", func(c *Config) { c.HolderPerMinute = 1000 })
	num, id := f.issued[0].Number, f.cands[0].IDNumber
	issued, err := os.ReadFile(filepath.Join(f.out, f.issued[0].File))
	if err != nil {
		t.Fatal(err)
	}
	for _, typed := range []string{fullWidth(id), id[:6] + "\u3000" + fullWidth(id[6:]), strings.ToLower(id) + "\u200b"} {
		w := f.postJSON("/api/v1/download", downloadBody(num, typed))
		if w.Code != 200 || !bytes.Equal(w.Body.Bytes(), issued) {
			t.Errorf("API download %+q: %d %s", typed, w.Code, w.Body)
		}
		w = f.postForm("/download", url.Values{"number": {num}, "id_number": {typed}, "action": {"download"}}.Encode())
		if w.Code != 200 || !bytes.Equal(w.Body.Bytes(), issued) {
			t.Errorf("form download %+q: %d", typed, w.Code)
		}
		w = f.postJSON("/api/v1/holder/verifications", downloadBody(num, typed))
		if w.Code != 200 || !strings.Contains(w.Body.String(), `"number":"`+num+`"`) {
			t.Errorf("holder log %+q: %d %s", typed, w.Code, w.Body)
		}
		w = f.postForm("/download", url.Values{"number": {num}, "id_number": {typed}, "action": {"log"}}.Encode())
		if w.Code != 200 {
			t.Errorf("form log %+q: %d", typed, w.Code)
		}
		w = f.postForm("/v/confirm", url.Values{"jws": {f.issued[0].JWS}, "source": {"url"}, "channel": {"page"}, "id_number": {typed}}.Encode())
		if body := w.Body.String(); w.Code != 200 || !strings.Contains(body, "id-match-yes") {
			t.Errorf("confirm %+q: %d", typed, w.Code)
		}
	}
	// A malformed number is described truly, in characters.
	w := f.postForm("/v/confirm", url.Values{"jws": {f.issued[0].JWS}, "source": {"url"}, "id_number": {fullWidth(id[:17]) + "Ｏ"}}.Encode())
	if body := w.Body.String(); !strings.Contains(body, "最后一位是“Ｏ”（U&#43;FF2F），应为数字或 X") || strings.Contains(body, "id-match") {
		t.Errorf("confirm with a letter O: %d", w.Code)
	}
	w = f.postForm("/v/confirm", url.Values{"jws": {f.issued[0].JWS}, "source": {"url"}, "id_number": {fullWidth(id[:17])}}.Encode())
	if body := w.Body.String(); !strings.Contains(body, "有 17 个字符，身份证号应为 18 位") {
		t.Errorf("confirm with 17 full-width digits: %d", w.Code)
	}
	// Another person's number in full width is still another person's.
	w = f.postJSON("/api/v1/download", downloadBody(num, fullWidth(f.cands[1].IDNumber)))
	if w.Code != 403 {
		t.Errorf("another person's number: %d", w.Code)
	}
}
