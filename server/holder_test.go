package server

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/titlecert/titlecert/keys"
	"github.com/titlecert/titlecert/store"
)

func downloadBody(number, id string) string {
	b, _ := json.Marshal(holderCredentials{Number: number, IDNumber: id})
	return string(b)
}

func TestDownload(t *testing.T) {
	f := newFixture(t, 3, "", func(c *Config) { c.HolderPerMinute = 1000 })
	num, id := f.issued[0].Number, f.cands[0].IDNumber
	issued, err := os.ReadFile(filepath.Join(f.out, f.issued[0].File))
	if err != nil {
		t.Fatal(err)
	}
	w := f.postJSON("/api/v1/download", downloadBody(" "+num, strings.ToLower(id)))
	if w.Code != 200 || w.Header().Get("Content-Type") != "application/pdf" || w.Header().Get("Content-Disposition") != `attachment; filename=`+num+`.pdf` {
		t.Fatalf("%d %v %s", w.Code, w.Header(), w.Body)
	}
	if !bytes.Equal(w.Body.Bytes(), issued) {
		t.Fatal("the PDF is not the one issued")
	}
	// The form does the same.
	w = f.postForm("/download", url.Values{"number": {num}, "id_number": {id}, "action": {"download"}}.Encode())
	if w.Code != 200 || !bytes.Equal(w.Body.Bytes(), issued) {
		t.Fatalf("form: %d", w.Code)
	}
	if w := f.do("GET", "/download"); w.Code != 200 || !strings.Contains(w.Body.String(), `type="password"`) {
		t.Fatalf("form page: %d", w.Code)
	}

	t.Run("wrong number and wrong ID number answer alike", func(t *testing.T) {
		wrongID := f.postJSON("/api/v1/download", downloadBody(f.issued[1].Number, f.cands[2].IDNumber))
		unknown := f.postJSON("/api/v1/download", downloadBody("2099000001", f.cands[2].IDNumber))
		if wrongID.Code != 403 || unknown.Code != 403 || wrongID.Body.String() != unknown.Body.String() {
			t.Fatalf("%d %s / %d %s", wrongID.Code, wrongID.Body, unknown.Code, unknown.Body)
		}
		form := f.postForm("/download", url.Values{"number": {f.issued[1].Number}, "id_number": {f.cands[2].IDNumber}}.Encode())
		if form.Code != 403 || !strings.Contains(form.Body.String(), "证书编号或身份证号不正确") {
			t.Fatalf("form: %d", form.Code)
		}
	})
	t.Run("refusals", func(t *testing.T) {
		for name, tc := range map[string]struct {
			ctype, body string
			code        int
		}{
			"malformed ID":  {"application/json", downloadBody(num, "110105194912310021"), 400},
			"empty":         {"application/json", `{}`, 400},
			"not JSON":      {"application/json", `number=1`, 400},
			"unknown field": {"application/json", `{"number":"1","id_number":"x","name":"y"}`, 400},
			"trailing data": {"application/json", downloadBody(num, id) + `{}`, 400},
			"form type":     {"application/x-www-form-urlencoded", downloadBody(num, id), 415},
			"too large":     {"application/json", `{"number":"` + strings.Repeat("1", 70<<10) + `"}`, 413},
		} {
			w := f.do("POST", "/api/v1/download", strings.NewReader(tc.body), header("Content-Type", tc.ctype))
			if w.Code != tc.code || !strings.HasPrefix(w.Header().Get("Content-Type"), "application/json") {
				t.Errorf("%s: %d %s, want %d", name, w.Code, w.Body, tc.code)
			}
		}
		if w := f.do("GET", "/api/v1/download"); w.Code != 405 {
			t.Errorf("GET: %d", w.Code)
		}
	})
	t.Run("lock-out", func(t *testing.T) {
		num := f.issued[2].Number
		for i := range DefaultLockoutFailures {
			if w := f.postJSON("/api/v1/download", downloadBody(num, f.cands[0].IDNumber)); w.Code != 403 {
				t.Fatalf("failure %d: %d", i, w.Code)
			}
		}
		// Locked, even with the right number, from any address.
		w := f.postJSON("/api/v1/download", downloadBody(num, f.cands[2].IDNumber), from("203.0.113.9:5"))
		if w.Code != 429 || w.Header().Get("Retry-After") != "900" || !strings.Contains(w.Body.String(), `"code":"locked"`) {
			t.Fatalf("%d %q %s", w.Code, w.Header().Get("Retry-After"), w.Body)
		}
		if w := f.postJSON("/api/v1/holder/verifications", downloadBody(num, f.cands[2].IDNumber)); w.Code != 429 {
			t.Fatalf("holder log while locked: %d", w.Code)
		}
		f.clock.Add(DefaultLockoutDuration)
		if w := f.postJSON("/api/v1/download", downloadBody(num, f.cands[2].IDNumber)); w.Code != 200 {
			t.Fatalf("after the lock-out: %d", w.Code)
		}
	})
	t.Run("revoked", func(t *testing.T) {
		f.admin("revoke", `{"numbers":["`+f.issued[1].Number+`"],"reason":"fraud"}`)
		w := f.postJSON("/api/v1/download", downloadBody(f.issued[1].Number, f.cands[1].IDNumber))
		if w.Code != 410 || !strings.Contains(w.Body.String(), "revoked") {
			t.Fatalf("%d %s", w.Code, w.Body)
		}
	})
	t.Run("audit", func(t *testing.T) {
		counts := map[string]int{}
		f.st.AuditLog(context.Background(), func(e store.AuditEntry) error {
			if e.Actor == "holder" {
				counts[e.Action]++
			}
			if strings.Contains(e.Detail, id) {
				t.Error("an ID number in the audit log")
			}
			return nil
		})
		if counts["download"] != 3 || counts["download.denied"] != 3+DefaultLockoutFailures || counts["download.refused"] != 1 {
			t.Fatalf("audit %v", counts)
		}
	})
}

func TestHolderRateLimit(t *testing.T) {
	f := newFixture(t, 1, "", nil)
	for i := range DefaultHolderPerMinute {
		if w := f.postJSON("/api/v1/download", downloadBody(fmt.Sprint(2099000001+i), f.cands[0].IDNumber), from(fmt.Sprintf("[2001:db8::%d]:1", i))); w.Code != 403 {
			t.Fatalf("request %d: %d", i, w.Code)
		}
	}
	// The same /64 is the same client.
	w := f.postJSON("/api/v1/download", downloadBody(f.issued[0].Number, f.cands[0].IDNumber), from("[2001:db8::ffff]:1"))
	if w.Code != 429 || w.Header().Get("Retry-After") != "6" || !strings.Contains(w.Body.String(), `"code":"rate_limited"`) {
		t.Fatalf("%d %q", w.Code, w.Header().Get("Retry-After"))
	}
	if w := f.postJSON("/api/v1/download", downloadBody(f.issued[0].Number, f.cands[0].IDNumber), from("[2001:db8:1::1]:1")); w.Code != 200 {
		t.Fatalf("another client: %d", w.Code)
	}
}

func TestVerificationLog(t *testing.T) {
	f := newFixture(t, 2, "", nil)
	num, name, id := f.issued[0].Number, f.cands[0].Name, f.cands[0].IDNumber
	pdfData, _ := os.ReadFile(filepath.Join(f.out, f.issued[0].File))
	f.do("GET", f.qrPath(0))
	f.clock.Add(time.Minute)
	f.do("POST", "/api/v1/verify", strings.NewReader(f.issued[0].JWS), header("Content-Type", "text/plain"))
	f.clock.Add(time.Minute)
	f.do("GET", "/api/v1/certificates/"+num+"?name="+url.QueryEscape(name))
	f.clock.Add(time.Minute)
	f.postForm("/v/lookup", url.Values{"number": {num}, "name": {name}}.Encode())
	f.clock.Add(time.Minute)
	body, ctype := multipartBody(t, "file", "c.pdf", pdfData)
	f.do("POST", "/v/upload", body, header("Content-Type", ctype))
	// Not recorded: failures, other certificates, other issuers.
	f.do("GET", f.qrPath(1))
	f.postForm("/v/lookup", url.Values{"number": {num}, "name": {"张三"}}.Encode())
	other, _ := keys.Generate(keys.EdDSA, nil)
	f.do("GET", "/C/"+qrDigits(resign(t, f, 0, other, nil)))

	w := f.postJSON("/api/v1/holder/verifications", downloadBody(num, id))
	if w.Code != 200 {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
	want := `{"number":"` + num + `","verifications":[` +
		`{"at":"2026-07-01T03:04:00Z","channel":"upload"},{"at":"2026-07-01T03:03:00Z","channel":"lookup"},` +
		`{"at":"2026-07-01T03:02:00Z","channel":"api"},{"at":"2026-07-01T03:01:00Z","channel":"api"},` +
		`{"at":"2026-07-01T03:00:00Z","channel":"page"}]}` + "\n"
	if w.Body.String() != want {
		t.Fatalf("got  %s\nwant %s", w.Body, want)
	}
	// The download page shows it; a wrong ID number is refused alike.
	w = f.postForm("/download", url.Values{"number": {num}, "id_number": {id}, "action": {"log"}}.Encode())
	if w.Code != 200 || !strings.Contains(w.Body.String(), `id="verification-log"`) || strings.Count(w.Body.String(), "<tr>") != 6 {
		t.Fatalf("%d", w.Code)
	}
	savePage(t, "holder-log", w.Body.String())
	if w := f.postJSON("/api/v1/holder/verifications", downloadBody(num, f.cands[1].IDNumber)); w.Code != 403 {
		t.Fatalf("wrong ID number: %d", w.Code)
	}
	// Nothing about the verifier is kept: only number, time and channel exist.
}

func TestVerificationLogCoalesced(t *testing.T) {
	f := newFixture(t, 1, "", nil)
	for range 5 {
		f.do("GET", f.qrPath(0))
		f.clock.Add(10 * time.Second)
	}
	// 03:00:00 recorded, 03:00:10..03:00:40 folded into it; 03:01:00 is new.
	f.clock.Add(10 * time.Second)
	f.do("GET", f.qrPath(0))
	w := f.postJSON("/api/v1/holder/verifications", downloadBody(f.issued[0].Number, f.cands[0].IDNumber))
	if !strings.Contains(w.Body.String(), `"verifications":[{"at":"2026-07-01T03:01:00Z","channel":"page"},{"at":"2026-07-01T03:00:00Z","channel":"page"}]`) {
		t.Fatalf("%s", w.Body)
	}
	if got := f.srv.m.logCoalesced.Value(); got != 4 {
		t.Fatalf("coalesced %v", got)
	}
}
