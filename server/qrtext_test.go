package server

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/titlecert/titlecert/cert"
	"github.com/titlecert/titlecert/cert/pdf"
	"github.com/titlecert/titlecert/cert/qr"
	"github.com/titlecert/titlecert/store"
	"github.com/titlecert/titlecert/verify"
)

// The page a QR code opens, in both QR text forms, with what chat apps
// and browsers add to the URL; strict on anything else, and never a 500.
func TestQRPageFormsAndSuffixes(t *testing.T) {
	f := newFixture(t, 1, "", nil)
	for _, form := range []cert.QRForm{cert.QRFormLower, cert.QRFormUpper} {
		p := f.qrPathForm(0, form)
		for _, path := range []string{
			p,
			strings.Replace(p, "/C/", "/c/", 1),
			p + "/",
			p + "?from=singlemessage&isappinstalled=0",
			p + "/?from=timeline",
			p + "&isappinstalled=0", // appended to the path, without '?'
			p + "%20",
			p + "%E3%80%80", // an ideographic space
			p + "#verdict",
			p + "%E2%80%8B", // a zero-width space a chat app added (break-it F3)
			p + "%EF%BB%BF", // a byte-order mark
			p + "%E3%80%82", // 。 of the sentence the link was copied from
			p + "%EF%BC%89", // ）
			p + ".",
			p + ")",
		} {
			w := f.do("GET", path)
			if w.Code != 200 || verdictClass(t, w.Body.String()) != "verdict-valid" {
				t.Errorf("%v form, %s…%s: %d", form, path[:8], path[len(p)-4:], w.Code)
			}
		}
		// What continues the path after the digits: unreadable, never
		// invalid (the digits may be a genuine certificate's).
		for _, path := range []string{p + "0:", p + ":", p + "x", p + "%25", p + "-"} {
			w := f.do("GET", path)
			if w.Code != 200 || verdictClass(t, w.Body.String()) != "verdict-unreadable" {
				t.Errorf("%v form, digits followed by %q: %d %s", form, path[len(p):], w.Code, verdictClass(t, w.Body.String()))
			}
		}
	}
	// Text whose case mapping changes its length (the panic of issue 10).
	for _, path := range []string{"/C/" + url.PathEscape("ȿȿȿȿ/C/00"), "/C/00" + url.PathEscape("ȿȿ"), "/c/" + url.PathEscape("ſſ") + "00", "/C/%FF%FF00"} {
		if w := f.do("GET", path); w.Code != 200 || verdictClass(t, w.Body.String()) != "verdict-invalid" {
			t.Errorf("%s: %d", path, w.Code)
		}
	}
	if w := f.do("GET", f.qrPath(0)+"/x"); w.Code != 404 {
		t.Errorf("a path below the certificate: %d", w.Code)
	}
}

// POST /api/v1/verify takes QR text with a chat app's suffix, in both
// forms; the hostile case-growth text is an invalid certificate, not a
// 500.
func TestAPIVerifyQRText(t *testing.T) {
	f := newFixture(t, 1, "", nil)
	post := func(body string) verify.Result {
		t.Helper()
		w := f.do("POST", "/api/v1/verify", strings.NewReader(body), header("Content-Type", "text/plain"))
		var r verify.Result
		if w.Code != 200 || json.Unmarshal(w.Body.Bytes(), &r) != nil {
			t.Fatalf("%d %s", w.Code, w.Body)
		}
		return r
	}
	for _, form := range []cert.QRForm{cert.QRFormLower, cert.QRFormUpper} {
		q := form.Text(f.baseURL, f.issued[0].JWS)
		for _, s := range []string{"", "?from=singlemessage&isappinstalled=0", "&isappinstalled=0", "#x", "/", "\n", " 来自微信"} {
			if r := post(q + s); r.Status != verify.Valid || r.Source != verify.SourceURL || r.JWS != f.issued[0].JWS {
				t.Errorf("%v form + %q: %s %s %s", form, s, r.Status, r.Reason, r.Detail)
			}
		}
		for _, s := range []string{"\u200b", "\ufeff", "。", "）", "」", "，谢谢", ".", ")"} {
			if r := post(q + s); r.Status != verify.Valid || r.JWS != f.issued[0].JWS {
				t.Errorf("%v form + %q: %s %s %s", form, s, r.Status, r.Reason, r.Detail)
			}
		}
		if r := post(q + ":"); r.Status != verify.Unreadable || r.Reason != verify.ReasonMalformed || !strings.Contains(r.Detail, "':' at position") {
			t.Errorf("%v form + ':': %+v", form, r)
		}
	}
	data, err := os.ReadFile("../cert/testdata/cases/qr-text-case-growth.txt")
	if err != nil {
		t.Fatal(err)
	}
	if r := post(string(data)); r.Status != verify.Invalid || r.Reason != verify.ReasonMalformed {
		t.Errorf("case-growth text: %+v", r)
	}
}

// A photo of a QR code made from a forwarded link (chat suffix included)
// verifies on the upload page.
func TestUploadQRWithChatSuffix(t *testing.T) {
	f := newFixture(t, 1, "", nil)
	code, err := qr.Encode(cert.QRText(f.baseURL, f.issued[0].JWS) + "?from=singlemessage&isappinstalled=0")
	if err != nil {
		t.Fatal(err)
	}
	png, err := code.PNG(4)
	if err != nil {
		t.Fatal(err)
	}
	body, ctype := multipartBody(t, "file", "photo.png", png)
	w := f.do("POST", "/v/upload", body, header("Content-Type", ctype))
	if w.Code != 200 || verdictClass(t, w.Body.String()) != "verdict-valid" {
		t.Fatalf("%d %s", w.Code, verdictClass(t, w.Body.String()))
	}
}

// A certificate recorded with the legacy QR text form is downloaded in
// that form: the bytes issued (cert/batch's TestLegacyPDFRendersAgain
// holds that the legacy form renders as the old code did).
func TestDownloadLegacyForm(t *testing.T) {
	f := newFixture(t, 1, "https://Verify.Example/Zc", nil)
	ctx := t.Context()
	id := f.cands[0].IDNumber
	jws := resign(t, f, 0, f.key, func(c *cert.Claims) { c.Number = "2026900001" })
	c, _, err := verify.Verify(jws, verify.Options{Trust: &verify.PinnedKeys{Keys: f.cfg.Trust}, Now: f.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	var issued, current bytes.Buffer
	if err := renderer().RenderIssued(&issued, pdf.Issued{Issuer: f.cfg.Issuer, Form: cert.QRFormUpper, JWS: jws, Claims: c}); err != nil {
		t.Fatal(err)
	}
	if err := renderer().RenderIssued(&current, pdf.Issued{Issuer: f.cfg.Issuer, Form: cert.QRFormLower, JWS: jws, Claims: c}); err != nil {
		t.Fatal(err)
	}
	jh, ph := sha256.Sum256([]byte(jws)), sha256.Sum256(issued.Bytes())
	rec := store.Certificate{
		Number: c.Number, Seq: 900001, HolderKey: f.cfg.HolderHash(id), TitleKey: "legacy|form|test",
		HolderName: c.HolderName, HolderIDMask: c.HolderIDMask, Series: c.Series, Specialty: c.Specialty, Level: c.Level,
		Title: c.Title, Committee: c.Committee, ReviewDate: c.ReviewDate, JWS: jws, JWSHash: jh[:], PDFHash: ph[:],
		VerificationCode: cert.VerificationCode(jws), IssuedAt: issuedAt, QRForm: uint8(cert.QRFormUpper),
	}
	if err := f.st.Issue(ctx, store.Batch{ID: "legacy", Source: "legacy.csv", CreatedAt: issuedAt, Operator: "test"}, []store.Certificate{rec}); err != nil {
		t.Fatal(err)
	}
	w := f.postJSON("/Zc/api/v1/download", downloadBody(c.Number, id))
	if w.Code != 200 || !bytes.Equal(w.Body.Bytes(), issued.Bytes()) || bytes.Equal(w.Body.Bytes(), current.Bytes()) {
		t.Fatalf("download of a legacy certificate: %d, %d bytes, not the bytes issued", w.Code, w.Body.Len())
	}
	// A certificate of the current form is downloaded in its own.
	w = f.postJSON("/Zc/api/v1/download", downloadBody(f.issued[0].Number, id))
	file, err := os.ReadFile(f.out + "/" + f.issued[0].File)
	if err != nil {
		t.Fatal(err)
	}
	if w.Code != 200 || !bytes.Equal(w.Body.Bytes(), file) {
		t.Fatalf("download of a current certificate: %d", w.Code)
	}
	if strings.Contains(f.logs.String(), "differs from the file issued") {
		t.Error("a download differs from the file issued")
	}
}
