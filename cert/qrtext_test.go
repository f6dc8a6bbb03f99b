package cert_test

import (
	"errors"
	"os"
	"strings"
	"testing"
	"unicode"

	"github.com/titlecert/titlecert/cert"
)

// qrJWS is shaped like a compact JWS and uses every kind of character one
// holds ('-' is 00, 'z' is 77).
const qrJWS = "eyJhbGciOiJFZERTQSJ9.abc-_XYZ.0123456789z"

func TestQRForms(t *testing.T) {
	digits := cert.QRText("", qrJWS)[len(cert.QRPath):]
	for _, tc := range []struct {
		form      cert.QRForm
		base, url string
		text, out string
	}{
		{cert.QRFormLower, "https://Verify.Example/Base/", "https://Verify.Example/Base/v", "https://verify.example/Base/C/", "https://verify.example/Base/v"},
		{cert.QRFormLower, "HTTPS://VERIFY.HRSS.FJ.GOV.CN", "HTTPS://VERIFY.HRSS.FJ.GOV.CN/v", "https://verify.hrss.fj.gov.cn/C/", "https://verify.hrss.fj.gov.cn/v"},
		{cert.QRFormLower, "http://127.0.0.1:8080", "http://127.0.0.1:8080/v", "http://127.0.0.1:8080/C/", "http://127.0.0.1:8080/v"},
		{cert.QRFormUpper, "https://Verify.Example/Base/", "https://Verify.Example/Base/v", "HTTPS://VERIFY.EXAMPLE/BASE/C/", "https://Verify.Example/Base/v"},
		{cert.QRFormUpper, "https://verify.hrss.fj.gov.cn", "https://verify.hrss.fj.gov.cn/v", "HTTPS://VERIFY.HRSS.FJ.GOV.CN/C/", "https://verify.hrss.fj.gov.cn/v"},
	} {
		q := tc.form.Text(tc.base, qrJWS)
		if q != tc.text+digits {
			t.Errorf("%v.Text(%q) = %.40s…, want %s…", tc.form, tc.base, q, tc.text)
		}
		if got := tc.form.URL(tc.url); got != tc.out {
			t.Errorf("%v.URL(%q) = %q, want %q", tc.form, tc.url, got, tc.out)
		}
		back, base, err := cert.SplitQRText(q)
		if err != nil || back != qrJWS || base+cert.QRPath != tc.text {
			t.Errorf("SplitQRText(%v form) = %q, %q, %v", tc.form, back, base, err)
		}
	}
	if cert.QRText("https://X.cn", qrJWS) != cert.QRFormCurrent.Text("https://X.cn", qrJWS) || cert.QRFormCurrent != cert.QRFormLower {
		t.Error("QRText is not the current form, or the current form is not the lower-case one")
	}
	if cert.QRFormLower.String() != "lower" || cert.QRFormUpper.String() != "upper" || cert.QRForm(7).String() != "QRForm(7)" {
		t.Error("QRForm.String")
	}
	if cert.QRFormLower.Check() != nil || cert.QRFormUpper.Check() != nil {
		t.Error("a defined form does not check")
	}
	if err := cert.QRForm(2).Check(); err == nil || !strings.Contains(err.Error(), "unknown QR text form 2") {
		t.Errorf("QRForm(2).Check() = %v", err)
	}
	if err := cert.QRPrefixOK("https://verify.example.gov.cn"); err != nil {
		t.Error(err)
	}
	for _, bad := range []string{"ftp://x", "https://x/a?b", "https://x/中文", "https://x/a_b"} {
		if cert.QRPrefixOK(bad) == nil {
			t.Errorf("QRPrefixOK(%q) accepted", bad)
		}
	}
	// Characters whose upper case is ASCII are not ASCII (break-it F12).
	for _, odd := range []string{"ſ", "ı", "K", "Å", "ﬀ", "ß", "é", "Ｓ", "ı"} {
		for _, bad := range []string{"https://verify.hr" + odd + "s.fj.gov.cn", "https://x.cn/" + odd, "https://x.cn/" + odd + "/"} {
			err := cert.QRPrefixOK(bad)
			if err == nil || !strings.Contains(err.Error(), "not ASCII") {
				t.Errorf("QRPrefixOK(%q) = %v", bad, err)
			}
		}
	}
	// A base URL configured before: what the old check let through stays
	// usable for its issuer, nothing more.
	for _, u := range []string{"https://verify.hrſs.fj.gov.cn", "https://verify.ıd.cn"} {
		if err := cert.QRPrefixIssuedOK(u); err != nil {
			t.Errorf("QRPrefixIssuedOK(%q) = %v", u, err)
		}
	}
	for _, u := range []string{"https://x/中文", "https://x.cn/é", "https://x/a_b", "ftp://x", "https://verify.\u212aelvin.cn"} { // upper-case Kelvin is itself
		if cert.QRPrefixIssuedOK(u) == nil {
			t.Errorf("QRPrefixIssuedOK(%q) accepted", u)
		}
	}
	for _, good := range []string{"https://VERIFY.hrss.fj.gov.cn/", "http://127.0.0.1:8080", "https://xn--fiqs8s.cn/zc"} {
		if err := cert.QRPrefixOK(good); err != nil {
			t.Errorf("QRPrefixOK(%q) = %v", good, err)
		}
	}
}

// What chat apps and browsers append to a URL after the digits is not
// part of the certificate: ParseQRText reads the same JWS, in both forms
// and whatever the case of the path.
func TestParseQRTextSuffixes(t *testing.T) {
	prefixes := []string{
		cert.QRText("https://verify.hrss.fj.gov.cn", qrJWS),
		cert.QRFormUpper.Text("https://verify.hrss.fj.gov.cn", qrJWS),
		strings.Replace(cert.QRText("https://verify.hrss.fj.gov.cn/zc", qrJWS), "/C/", "/c/", 1),
		cert.QRPath + cert.QRText("", qrJWS)[len(cert.QRPath):], // the server's page: the path only
	}
	suffixes := []string{
		"",
		"?from=singlemessage&isappinstalled=0", // WeChat
		"?from=timeline",
		"&isappinstalled=0", // appended without '?'
		"&",
		"?",
		"#",
		"#/verdict",
		"/",
		"/?from=groupmessage",
		"/#top",
		" ",
		"\n",
		"\r\n",
		"\t",
		"\u00a0",         // no-break space
		"\u3000",         // ideographic space
		" 来自微信 ?x=/C/99", // a caption with another "/C/" after the URL
		"?next=/C/99",    // "/C/" in the query is not the certificate's
		"#/C/7777",
	}
	for _, p := range prefixes {
		for _, s := range suffixes {
			for _, lead := range []string{"", " ", "\n\t", "请核验 ", "这是真的吗? 链接：\u3000", "https://x/C/99 "} {
				got, err := cert.ParseQRText(lead + p + s)
				if err != nil || got != qrJWS {
					t.Errorf("ParseQRText(%q + %.30q… + %q) = %q, %v", lead, p, s, got, err)
				}
			}
		}
	}
	// The shared field case: a WeChat link, as pasted.
	data, err := os.ReadFile("testdata/cases/qr-text-chat-suffix.txt")
	if err != nil {
		t.Fatal(err)
	}
	jws, base, err := cert.SplitQRText(string(data))
	if err != nil || strings.Count(jws, ".") != 2 || base != "HTTPS://ZCRZ.RST.FUJIAN.GOV.CN" {
		t.Fatalf("chat-suffix case: %q, %q, %v", jws, base, err)
	}
}

// Strict on everything else: what is not a digit where digits are, or
// after them something that is not a URL's end, is refused with the
// position of the first wrong byte.
func TestParseQRTextRefusals(t *testing.T) {
	for _, tc := range []struct{ in, msg string }{
		{"https://x/C/0:", `':' at position 14`},
		{"https://x/C/00:", `':' at position 15`},
		{"https://x/C/0011:22", `':' at position 17`},
		{"https://x/C/12a4", `'a' at position 15`},
		{"https://x/C/1234x", `'x' at position 17`},
		{"https://x/C/12/34", `'/' at position 15`},
		{"https://x/C/1234/&x", `'/' at position 17`},
		{"https://x/C/1234//", `'/' at position 17`},
		{"https://x/C/１２３４", `'１' at position 13`}, // full-width digits
		{"https://x/C/\u200b1234", `'\u200b' at position 13`},
		{"https://x/C/.1234", `'.' at position 13`},
		{"https://x/C/12-34", `'-' at position 15`},
		{"https://x/C/1234=", `'=' at position 17`},
		{"https://x/C/1234_", `'_' at position 17`},
		{"https://x/C/1234~", `'~' at position 17`},
		{"https://x/C/1234(", `'(' at position 17`},
		{"https://x/C/1234%20", `'%' at position 17`},
		{" https://x/C/0:", `':' at position 15`},
		{"https://x/C/", "even number of digits after \"/C/\", it has 0"},
		{"https://x/C/?from=1", "it has 0"},
		{"https://x/C/123", "it has 3"},
		{"https://x/C/123?from=x", "it has 3"},
		{"https://x/C/99", "pair 99 at position 13 out of range"},
		{"https://x/C/0078", "pair 78 at position 15 out of range"},
		{"no segment", `no "/C/" segment`},
		{"https://x/C?0011", `no "/C/" segment`},
		{"https://x?/C/0011", `no "/C/" segment`}, // the path ends at '?'
		{"https://x#/C/0011 ?/C/0011", `no "/C/" segment`},
		{"", `no "/C/" segment`},
		{"https://x/C/0011 https://y/C/00:", `':' at position 32`}, // the last URL with the segment counts
		{"请核验 https://x/C/0:", `':' at position 24`},
	} {
		_, err := cert.ParseQRText(tc.in)
		if !errors.Is(err, cert.ErrMalformed) || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("ParseQRText(%q) = %v, want ErrMalformed with %q", tc.in, err, tc.msg)
		}
	}
	long := "https://x/C/" + strings.Repeat("11", cert.MaxQRTextLen)
	if _, err := cert.ParseQRText(long); !errors.Is(err, cert.ErrTooLarge) {
		t.Errorf("oversized QR text: %v", err)
	}
	if _, err := cert.ParseQRText(strings.Repeat(" ", cert.MaxQRTextLen+1)); !errors.Is(err, cert.ErrTooLarge) {
		t.Errorf("oversized white space: %v", err)
	}
}

// Text whose case mapping changes its length (upper-case ȿ is a byte
// longer, upper-case ſ a byte shorter, an invalid byte becomes a 3-byte
// U+FFFD) is read by its own bytes: no panic, and the digits are the ones
// after the segment.
func TestParseQRTextCaseMapping(t *testing.T) {
	data, err := os.ReadFile("testdata/cases/qr-text-case-growth.txt")
	if err != nil {
		t.Fatal(err)
	}
	if got, err := cert.ParseQRText(string(data)); err != nil || got != "-" {
		t.Errorf("case-growth case: %q, %v (want the one character 00 encodes; verification refuses it)", got, err)
	}
	digits := cert.QRText("", qrJWS)[len(cert.QRPath):]
	for _, odd := range []string{"ȿ", "ɀ", "ɐ", "ɑ", "ſ", "ı", "ⱥ", "K", "ẞ", "\xff", "\xe2\x82", "ﬀ", "ǅ"} {
		for _, n := range []int{1, 3, 40} {
			pre := strings.Repeat(odd, n)
			for _, in := range []string{
				pre + "/C/" + digits,
				"https://" + pre + "/C/" + digits,
				pre + "/C/" + digits + "?" + pre,
				pre + "/c/" + digits + "&" + pre,
				"https://x/C/" + digits + pre + pre, // ends the link
				pre + "/C/" + pre,
				pre,
			} {
				got, err := cert.ParseQRText(in)
				// Anything non-ASCII after the digits ends the link.
				wantOK := strings.HasSuffix(in, digits) || strings.Contains(in, digits+"?") || strings.Contains(in, digits+"&") || (pre[0] >= 0x80 && strings.Contains(in, digits+pre))
				if wantOK != (err == nil) || (err == nil && got != qrJWS) {
					t.Errorf("ParseQRText(%q): %q, %v", in, got, err)
				}
				if err != nil && !errors.Is(err, cert.ErrMalformed) {
					t.Errorf("ParseQRText(%q): %v does not wrap ErrMalformed", in, err)
				}
				if !cert.LooksLikeQRText(in) && strings.Contains(in, "/C/") {
					t.Errorf("LooksLikeQRText(%q) = false", in)
				}
			}
		}
	}
	if cert.LooksLikeQRText("eyJhbGciOiJFZERTQSJ9.e30.sig") || !cert.LooksLikeQRText("x/c/1") || cert.LooksLikeQRText("/C") {
		t.Error("LooksLikeQRText")
	}
}

func FuzzParseQRText(f *testing.F) {
	for _, s := range []string{
		cert.QRText("https://verify.hrss.fj.gov.cn", qrJWS),
		cert.QRFormUpper.Text("https://verify.hrss.fj.gov.cn", qrJWS) + "?from=singlemessage&isappinstalled=0",
		"ȿȿȿȿ/C/00",
		"https://x/C/0:",
		"/c/0011/",
		"https://x/C/12\u00a0&/C/",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		jws, base, err := cert.SplitQRText(text)
		if err != nil {
			if !errors.Is(err, cert.ErrMalformed) && !errors.Is(err, cert.ErrTooLarge) {
				t.Fatalf("error %v wraps neither ErrMalformed nor ErrTooLarge", err)
			}
			return
		}
		if jws == "" || len(text) < 2*len(jws)+len(cert.QRPath) {
			t.Fatalf("%q gave a JWS of %d characters", text, len(jws))
		}
		for i := 0; i < len(jws); i++ {
			if jws[i] < '-' || jws[i] > 'z' {
				t.Fatalf("%q gave the byte %#x", text, jws[i])
			}
		}
		// The text is the base, the path, the digits of jws, and a suffix
		// that is not read.
		enc := cert.QRText("", jws)[len(cert.QRPath):]
		if !strings.Contains(text, base+"/C/"+enc) && !strings.Contains(text, base+"/c/"+enc) {
			t.Fatalf("%q does not hold %q + %q + the digits of %q", text, base, cert.QRPath, jws)
		}
		for _, r := range base {
			if unicode.IsSpace(r) || r == '?' || r == '#' {
				t.Fatalf("%q: the base %q holds %q", text, base, r)
			}
		}
		// What a chat app appends changes nothing.
		if len(text) < cert.MaxQRTextLen-40 {
			for _, s := range []string{"?from=singlemessage&isappinstalled=0", "#x", " 1"} {
				again, err := cert.ParseQRText(text + s)
				if err != nil || again != jws {
					t.Fatalf("%q + %q: %q, %v; without: %q", text, s, again, err, jws)
				}
			}
		}
		// Written again in either form, the JWS reads back.
		for _, form := range []cert.QRForm{cert.QRFormLower, cert.QRFormUpper} {
			again, err := cert.ParseQRText(form.Text("https://a.example", jws))
			if err != nil || again != jws {
				t.Fatalf("%v form of %q: %q, %v", form, jws, again, err)
			}
		}
	})
}

// F3 (break-it): a link copied out of a sentence or a chat keeps what
// follows it in the same word: a zero-width space, a byte-order mark, CJK
// or ASCII sentence punctuation. None of it can continue a URL path, so it
// ends the link as white space does.
func TestParseQRTextSentenceEnd(t *testing.T) {
	prefixes := []string{
		cert.QRText("https://verify.hrss.fj.gov.cn", qrJWS),
		cert.QRFormUpper.Text("https://verify.hrss.fj.gov.cn", qrJWS),
	}
	ends := []string{
		"\u200b", "\ufeff", "\u200c", "\u200d", "\u2060", "\u00ad", "。", "，", "）", "」", "』", "】", "》", "、", "；", "！", "？", "：",
		"\u3000", "…", "—", "\xff", "é",
		".", ",", ";", "!", ")", "]", "}", ">", `"`, "'",
		".。", "。谢谢", ".Thanks", "), 请核验", "'>", "\u200b?from=x",
	}
	for _, p := range prefixes {
		for _, e := range ends {
			for _, lead := range []string{"", "链接：", "（", "“", "<"} {
				in := lead + p + e
				got, err := cert.ParseQRText(in)
				if err != nil || got != qrJWS {
					t.Errorf("ParseQRText(%q…%q) = %q, %v", lead, e, got, err)
				}
			}
		}
	}
	// What continues the path is still refused, as unreadable link text
	// (ErrQRTextSuffix) rather than a forged certificate.
	for _, e := range []string{":", ":443", "a", "/1", "//", "%3F", "-", "=x", "_", "~", "(", "*", "+", "@", "$", `\`, "`", "^", "|"} {
		_, err := cert.ParseQRText(prefixes[0] + e)
		if !errors.Is(err, cert.ErrQRTextSuffix) || !errors.Is(err, cert.ErrMalformed) {
			t.Errorf("ParseQRText(…%q) = %v, want ErrQRTextSuffix", e, err)
		}
	}
	// Faults of the digits themselves are not a suffix.
	for _, in := range []string{"https://x/C/99", "https://x/C/123", "https://x/C/。1234", "https://x/C/"} {
		if _, err := cert.ParseQRText(in); !errors.Is(err, cert.ErrMalformed) || errors.Is(err, cert.ErrQRTextSuffix) {
			t.Errorf("ParseQRText(%q) = %v, want ErrMalformed only", in, err)
		}
	}
}
