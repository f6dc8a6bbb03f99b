package pdf_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pdfcpu/pdfcpu/pkg/api"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"

	"github.com/titlecert/titlecert/cert"
	"github.com/titlecert/titlecert/cert/pdf"
	"github.com/titlecert/titlecert/cert/pdf/pdftest"
	"github.com/titlecert/titlecert/cert/qr"
	"github.com/titlecert/titlecert/internal/testtool"
)

var (
	update = flag.Bool("update", false, "rewrite testdata/golden*.sha256 from the rendered sample")
	sample = flag.String("sample", "", "also write the sample certificate PDF to this `file`")
)

// fakeJWS returns a deterministic string shaped like a compact JWS of
// about the size of a real certificate.
func fakeJWS(seed uint64) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	r := rand.New(rand.NewPCG(seed, 7))
	part := func(n int) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = alphabet[r.IntN(len(alphabet))]
		}
		return string(b)
	}
	return "eyJhbGciOiJFZERTQSIsImtpZCI6IjEyMyIsInR5cCI6InRpdGxlY2VydCtqd3MiLCJ6aXAiOiJERUYifQ." + part(450) + "." + part(86)
}

func testClaims() *cert.Claims {
	return &cert.Claims{
		Version:      1,
		Issuer:       "fjhrss",
		Number:       "2026000001",
		IssuedAt:     time.Date(2026, 7, 1, 1, 30, 0, 0, time.UTC).Unix(),
		ID:           "01J0000000000000000000000A",
		HolderName:   "欧阳娜娜",
		HolderIDMask: "1101**********002X",
		HolderIDHash: &cert.IDHash{LogN: 15, Salt: "c2FsdHNhbHRzYWx0c2FsdA", Hash: "aGFzaGhhc2hoYXNoaGFzaA"},
		Series:       "工程技术",
		Specialty:    "建筑工程",
		Level:        "副高级",
		Title:        "高级工程师",
		Committee:    "福建省工程技术人才职称评审委员会建筑工程专业高级评审委员会",
		ReviewDate:   "2026-06-30",
		ApprovalDoc:  "闽人社文〔2026〕12号",
		Route:        cert.RouteTargeted,
		Scope:        "福建省宁德市寿宁县",
		Employer:     "寿宁县住房和城乡建设局",
	}
}

// testDocument is the sample certificate with its QR text in the legacy
// form, whose rendering testdata/golden.sha256 holds since the first
// release (testDocumentForm gives the other form).
func testDocument(c *cert.Claims) pdf.Document { return testDocumentForm(c, cert.QRFormUpper) }

func testDocumentForm(c *cert.Claims, form cert.QRForm) pdf.Document {
	jws := fakeJWS(1)
	return pdf.Document{
		Claims:           c,
		JWS:              jws,
		QRText:           form.Text("https://verify.example.gov.cn", jws),
		VerificationCode: cert.VerificationCode(jws),
		VerifyURL:        "https://verify.example.gov.cn/v",
		IssuerName:       "福建省人力资源和社会保障厅",
	}
}

func newRenderer(t testing.TB) *pdf.Renderer { return pdftest.Renderer(t) }

func render(t testing.TB, r *pdf.Renderer, d pdf.Document) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := r.Render(&b, d); err != nil {
		t.Fatalf("Render: %v", err)
	}
	return b.Bytes()
}

// TestGolden holds the bytes of the sample certificate in each QR text
// form: certificates already issued must render again to the bytes issued.
func TestGolden(t *testing.T) {
	for _, tc := range []struct {
		form   cert.QRForm
		golden string
	}{
		{cert.QRFormUpper, "golden.sha256"},
		{cert.QRFormLower, "golden-lower.sha256"},
	} {
		out := render(t, newRenderer(t), testDocumentForm(testClaims(), tc.form))
		if *sample != "" && tc.form == cert.QRFormCurrent {
			if err := os.WriteFile(*sample, out, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		sum := sha256.Sum256(out)
		got := hex.EncodeToString(sum[:]) + "\n"
		golden := filepath.Join("testdata", tc.golden)
		if *update {
			if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		want, err := os.ReadFile(golden)
		if err != nil {
			t.Fatal(err)
		}
		if got != string(want) {
			t.Errorf("%v form: SHA-256 of the sample PDF is %s, golden is %s; if the change is intended, check the PDF (-sample file) and run go test -update", tc.form, strings.TrimSpace(got), strings.TrimSpace(string(want)))
		}
	}
}

func TestDeterministic(t *testing.T) {
	d := testDocument(testClaims())
	a := render(t, newRenderer(t), d)
	b := render(t, newRenderer(t), d)
	if !bytes.Equal(a, b) {
		t.Fatal("two renderings with the same Renderer differ")
	}
	other, err := pdf.NewRenderer()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, render(t, other, d)) {
		t.Fatal("renderings with two Renderers differ")
	}
	if !bytes.HasPrefix(a, []byte("%PDF-")) {
		t.Errorf("output starts with %q", a[:8])
	}
}

// TestConcurrent renders in parallel with one Renderer; run with -race.
func TestConcurrent(t *testing.T) {
	r := newRenderer(t)
	d := testDocument(testClaims())
	want := render(t, r, d)
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var b bytes.Buffer
			if err := r.Render(&b, d); err != nil {
				errs <- err
				return
			}
			if !bytes.Equal(b.Bytes(), want) {
				errs <- errors.New("concurrent rendering differs")
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func pdftotext(t *testing.T, doc []byte) string {
	t.Helper()
	bin := testtool.Need(t, "pdftotext")
	file := filepath.Join(t.TempDir(), "c.pdf")
	if err := os.WriteFile(file, doc, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "-enc", "UTF-8", file, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return string(out)
}

func TestTextExtractable(t *testing.T) {
	for _, name := range []string{"张三丰", "欧阳娜娜"} {
		t.Run(name, func(t *testing.T) {
			c := testClaims()
			c.HolderName = name
			d := testDocument(c)
			text := pdftotext(t, render(t, newRenderer(t), d))
			for _, want := range []string{
				name, c.Number, "1101**********002X", "专业技术职务任职资格证书", "Professional Title Certificate",
				"高级工程师", "限定在福建省宁德市寿宁县基层岗位使用", "闽人社文〔2026〕12号",
				d.VerificationCode, d.VerifyURL, "2026年7月1日", "扫码验证", "Scan to verify",
				"福建省人力资源和社会保障厅", "寿宁县住房和城乡建设局", "定向评价、定向使用",
			} {
				if !strings.Contains(text, want) {
					t.Errorf("pdftotext output lacks %q", want)
				}
			}
			// The committee name is long and may wrap, but must be whole.
			if !strings.Contains(strings.ReplaceAll(text, "\n", ""), c.Committee) {
				t.Errorf("pdftotext output lacks the committee %q", c.Committee)
			}
			if testing.Verbose() {
				t.Log(text)
			}
		})
	}
}

// latinClaims returns claims whose texts are all in the fixed font, so
// that the PDF needs no font of its own.
func latinClaims() *cert.Claims {
	c := testClaims()
	c.HolderName, c.Series, c.Specialty, c.Level = "Zhang San", "Engineering", "Civil engineering", "Senior"
	c.Title, c.Committee, c.ApprovalDoc = "Senior Engineer", "Fujian Senior Review Committee (Civil)", "FJ-HRSS [2026] 12"
	c.Route, c.Scope, c.Employer = cert.RouteRegular, "", "Shouning County Housing Bureau"
	return c
}

// TestTextRuns draws strings whose characters are split between the fixed
// font and the document's own, and characters that share a glyph in the
// font: the text must read back exactly.
func TestTextRuns(t *testing.T) {
	c := testClaims()
	c.HolderName = "阿卜杜热合曼·买买提"
	c.Employer = "Zoë Ñúñez-Øster〈寿宁〉〈县〉～〜 (¨´) 证书"
	d := testDocument(c)
	text := pdftotext(t, render(t, newRenderer(t), d))
	for _, want := range []string{c.HolderName, c.Employer} {
		if !strings.Contains(text, want) {
			t.Errorf("pdftotext output lacks %q", want)
		}
	}

	// Hundreds of distinct characters: a large font of the document's own.
	next := rune(0x4E00)
	distinct := func(n int) string {
		var b strings.Builder
		for ; n > 0; next++ {
			if newRenderer(t).CheckText(string(next)) == nil {
				b.WriteRune(next)
				n--
			}
		}
		return b.String()
	}
	c = testClaims()
	c.HolderName, c.Title, c.Committee, c.Employer = distinct(cert.MaxNameLen), distinct(40), distinct(cert.MaxTextLen), distinct(cert.MaxTextLen)
	d = testDocument(c)
	text = strings.ReplaceAll(pdftotext(t, render(t, newRenderer(t), d)), "\n", "")
	for _, want := range []string{c.HolderName, c.Title, c.Committee, c.Employer} {
		if !strings.Contains(text, want) {
			t.Errorf("pdftotext output lacks %q", want)
		}
	}

	d = testDocument(latinClaims())
	d.IssuerName = "Fujian HRSS"
	out := render(t, newRenderer(t), d)
	if bytes.Contains(out, []byte("/F2")) {
		t.Error("a document drawn with the fixed font alone has a font of its own")
	}
	text = pdftotext(t, out)
	for _, want := range []string{"Zhang San", "Senior Engineer", "Fujian HRSS", "专业技术职务任职资格证书", "常规评审"} {
		if !strings.Contains(text, want) {
			t.Errorf("pdftotext output lacks %q", want)
		}
	}
}

// TestValid checks the structure of rendered PDFs with pdfcpu's strict
// validation and, when it is installed, qpdf --check.
func TestValid(t *testing.T) {
	long := testClaims()
	long.Committee = strings.Repeat("福建省工程技术人才职称评审委员会", cert.MaxTextLen/16)
	long.Employer = strings.Repeat("寿宁县住房和城乡建设局（Shouning）", cert.MaxTextLen/22)
	odd := testClaims()
	odd.HolderName, odd.Employer = "阿卜杜热合曼·买买提", "Zoë〈寿宁〉〈县〉～〜 ¨´"
	qpdf, _ := testtool.Find(t, "qpdf") // without it, checked with pdfcpu only
	for name, c := range map[string]*cert.Claims{"sample": testClaims(), "long": long, "latin": latinClaims(), "odd": odd} {
		t.Run(name, func(t *testing.T) {
			out := render(t, newRenderer(t), testDocument(c))
			conf := pdf.ReadConfig(model.VALIDATE, 1<<20)
			conf.ValidationMode = model.ValidationStrict
			if err := api.Validate(bytes.NewReader(out), conf); err != nil {
				t.Errorf("pdfcpu: %v", err)
			}
			if qpdf == "" {
				return
			}
			file := filepath.Join(t.TempDir(), "c.pdf")
			if err := os.WriteFile(file, out, 0o644); err != nil {
				t.Fatal(err)
			}
			// qpdf exits with 3 on warnings, which count as failures here.
			if msg, err := exec.Command(qpdf, "--check", file).CombinedOutput(); err != nil {
				t.Errorf("qpdf --check: %v\n%s", err, msg)
			}
		})
	}
	if qpdf == "" {
		t.Log("qpdf not installed (apt-get install qpdf); checked with pdfcpu only")
	}
}

func TestIssueDateInChina(t *testing.T) {
	c := testClaims()
	// 2026-06-30 20:00 UTC is 2026-07-01 04:00 in Beijing.
	c.IssuedAt = time.Date(2026, 6, 30, 20, 0, 0, 0, time.UTC).Unix()
	text := pdftotext(t, render(t, newRenderer(t), testDocument(c)))
	if !strings.Contains(text, "2026年7月1日") {
		t.Error("issue date is not the Beijing date 2026年7月1日")
	}
}

func TestRoutes(t *testing.T) {
	for _, tt := range []struct {
		route cert.Route
		scope string
		want  string
	}{
		{cert.RouteRegular, "", "常规评审"},
		{cert.RouteGreenChannel, "", "绿色通道"},
	} {
		c := testClaims()
		c.Route, c.Scope, c.Employer = tt.route, tt.scope, ""
		text := pdftotext(t, render(t, newRenderer(t), testDocument(c)))
		if !strings.Contains(text, tt.want) {
			t.Errorf("%s: text lacks %q", tt.route, tt.want)
		}
		if strings.Contains(text, "限定在") || strings.Contains(text, "工作单位") {
			t.Errorf("%s: text has a scope or an employer row", tt.route)
		}
	}
}

// TestLongTexts renders every claim at its maximum length: the page must
// still be one page with every character present.
func TestLongTexts(t *testing.T) {
	c := testClaims()
	long := func(s string, n int) string {
		r := []rune(strings.Repeat(s, n))
		return string(r[:n])
	}
	c.HolderName = long("欧阳", 20)
	c.Committee = long("福建省工程技术人才职称评审委员会", cert.MaxTextLen)
	c.Employer = long("寿宁县住房和城乡建设局（Shouning County Housing Bureau）", cert.MaxTextLen)
	c.Scope = long("福建省宁德市寿宁县", 60)
	c.Title = long("高级工程师", 40)
	c.ApprovalDoc = long("闽人社文〔2026〕12号", 60)
	d := testDocument(c)
	d.IssuerName = long("福建省人力资源和社会保障厅", 64)
	out := render(t, newRenderer(t), d)
	text := strings.ReplaceAll(pdftotext(t, out), "\n", "")
	if strings.Count(text, "\f") != 1 {
		t.Errorf("%d pages, want 1", strings.Count(text, "\f"))
	}
	for _, want := range []string{c.HolderName, c.Committee, c.Title} {
		if !strings.Contains(text, want) {
			t.Errorf("text lacks %q", want)
		}
	}
	if *sample != "" {
		_ = os.WriteFile(strings.TrimSuffix(*sample, ".pdf")+"-long.pdf", out, 0o644)
	}
}

func TestCheckText(t *testing.T) {
	r := newRenderer(t)
	for _, s := range []string{"", "张三", "欧阳娜娜", "闽人社文〔2026〕12号", "ABC abc 0123 -_.:/", "Valid only（限定）"} {
		if err := r.CheckText(s); err != nil {
			t.Errorf("CheckText(%q) = %v", s, err)
		}
	}
	for _, tt := range []struct {
		s    string
		bad  rune
		text string
	}{
		{"张𠮷", '𠮷', `字符 "𠮷" (U+20BB7) 不在证书字体中 / the certificate font cannot draw "𠮷" (U+20BB7)`},
		{"a\tb", '\t', "U+0009"},
		{"\uE000", '\uE000', "U+E000"},
	} {
		err := r.CheckText(tt.s)
		var ce *pdf.CharError
		if !errors.As(err, &ce) || ce.Rune != tt.bad {
			t.Errorf("CheckText(%q) = %v, want a CharError for %U", tt.s, err, tt.bad)
			continue
		}
		if !strings.HasPrefix(err.Error(), "pdf: ") || !strings.Contains(err.Error(), tt.text) {
			t.Errorf("CheckText(%q) = %q, want it to contain %q", tt.s, err, tt.text)
		}
	}
	if err := r.CheckText("\xff"); err == nil {
		t.Error("CheckText accepted invalid UTF-8")
	}
}

// TestFontCoverage checks the promise of font/README.md.
func TestFontCoverage(t *testing.T) {
	r := newRenderer(t)
	var b strings.Builder
	for c := rune(0x4E00); c <= 0x9FFF; c++ {
		b.WriteRune(c)
	}
	for c := rune(0x20); c < 0x7F; c++ {
		b.WriteRune(c)
	}
	b.WriteString("〔〕（）《》“”‘’，。、；：？！·—…")
	if err := r.CheckText(b.String()); err != nil {
		t.Error(err)
	}
}

func TestRenderRejects(t *testing.T) {
	r := newRenderer(t)
	tests := []struct {
		name   string
		change func(*pdf.Document)
		want   string
	}{
		{"name beyond the BMP", func(d *pdf.Document) { d.Claims.HolderName = "张𠮷" }, `holder name: 字符 "𠮷"`},
		{"employer beyond the BMP", func(d *pdf.Document) { d.Claims.Employer = "𠮷𠮷公司" }, "employer: 字符"},
		{"issuer beyond the BMP", func(d *pdf.Document) { d.IssuerName = "𠮷省人社厅" }, "issuer name: 字符"},
		{"no claims", func(d *pdf.Document) { d.Claims = nil }, "no claims"},
		{"invalid claims", func(d *pdf.Document) { d.Claims.ReviewDate = "2026-02-30" }, "invalid claims"},
		{"wrong verification code", func(d *pdf.Document) { d.VerificationCode = "0000-0000" }, "verification code"},
		{"QR text of another JWS", func(d *pdf.Document) { d.QRText = cert.QRText("https://x.cn", fakeJWS(2)) }, "QR text"},
		{"no issuer name", func(d *pdf.Document) { d.IssuerName = " " }, "issuer name is missing"},
		{"control character in URL", func(d *pdf.Document) { d.VerifyURL = "https://x.cn/\n" }, "verify URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := testDocument(testClaims())
			tt.change(&d)
			var b bytes.Buffer
			err := r.Render(&b, d)
			if err == nil {
				t.Fatal("Render succeeded")
			}
			if !strings.HasPrefix(err.Error(), "pdf: ") || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q, want it to contain %q", err, tt.want)
			}
			if b.Len() != 0 {
				t.Errorf("Render wrote %d bytes before failing", b.Len())
			}
		})
	}
	d := testDocument(testClaims())
	d.Claims.HolderName = "张𠮷"
	var ce *pdf.CharError
	if err := r.Render(&bytes.Buffer{}, d); !errors.As(err, &ce) || ce.Rune != '𠮷' {
		t.Errorf("Render error %v does not wrap a CharError for 𠮷", err)
	}
}

// FuzzRender renders documents with arbitrary texts: Render must either
// refuse them or draw them, never panic (which Render reports as
// "rendering failed"), and draw them the same way twice.
func FuzzRender(f *testing.F) {
	f.Add("欧阳娜娜", "寿宁县住房和城乡建设局", "福建省人力资源和社会保障厅")
	f.Add("Zoë·Ñúñez", "〈寿宁〉〈县〉～〜 ¨´", "Fujian HRSS")
	f.Add("A", "", "厅")
	f.Add(strings.Repeat("龘", 20), strings.Repeat("（Shouning）", 30), strings.Repeat("W", 64))
	r := newRenderer(f)
	f.Fuzz(func(t *testing.T, name, employer, issuer string) {
		c := testClaims()
		c.HolderName, c.Employer = name, employer
		d := testDocument(c)
		d.IssuerName = issuer
		var a, b bytes.Buffer
		err := r.Render(&a, d)
		if err != nil {
			if strings.Contains(err.Error(), "rendering failed") || strings.Contains(err.Error(), "internal error") {
				t.Fatal(err)
			}
			return
		}
		if err := r.Render(&b, d); err != nil || !bytes.Equal(a.Bytes(), b.Bytes()) {
			t.Fatalf("second rendering: %v, or different bytes", err)
		}
	})
}

func BenchmarkRender(b *testing.B) {
	r := newRenderer(b)
	d := testDocument(testClaims())
	var buf bytes.Buffer
	for b.Loop() {
		buf.Reset()
		if err := r.Render(&buf, d); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(buf.Len()), "bytes/pdf")
}

// BenchmarkRenderEncodedQR renders a Document whose QR code is already
// encoded, as cert/batch passes it: the cost of the PDF alone.
func BenchmarkRenderEncodedQR(b *testing.B) {
	r := newRenderer(b)
	d := testDocument(testClaims())
	code, err := qr.Encode(d.QRText)
	if err != nil {
		b.Fatal(err)
	}
	d.QR = code
	var buf bytes.Buffer
	for b.Loop() {
		buf.Reset()
		if err := r.Render(&buf, d); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(buf.Len()), "bytes/pdf")
}

// TestQRFromPage rasterises the page and reads its QR code back.
func TestQRFromPage(t *testing.T) {
	pdftoppm, zbarimg := testtool.Need(t, "pdftoppm"), testtool.Need(t, "zbarimg")
	for _, form := range []cert.QRForm{cert.QRFormLower, cert.QRFormUpper} {
		d := testDocumentForm(testClaims(), form)
		dir := t.TempDir()
		file := filepath.Join(dir, "c.pdf")
		if err := os.WriteFile(file, render(t, newRenderer(t), d), 0o644); err != nil {
			t.Fatal(err)
		}
		if out, err := exec.Command(pdftoppm, "-png", "-r", "150", "-singlefile", file, filepath.Join(dir, "page")).CombinedOutput(); err != nil {
			t.Fatalf("pdftoppm: %v\n%s", err, out)
		}
		out, err := exec.Command(zbarimg, "--raw", "-q", filepath.Join(dir, "page.png")).Output()
		if err != nil {
			t.Fatalf("%v form: zbarimg found no code on the page: %v", form, err)
		}
		if got := strings.TrimSuffix(string(out), "\n"); got != d.QRText {
			t.Errorf("%v form: QR code on the page reads %q\nwant %q", form, got, d.QRText)
		}
	}
}
