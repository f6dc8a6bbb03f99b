// Package e2e_test opens certificate pages in a real browser: Debian's
// chromium, headless, at a phone's viewport, driven with chromedp. It skips
// with a message where chromium is not installed (.ci/run installs it).
// Screenshots are written to $TITLECERT_ARTIFACTS (default: a folder in the
// system temp dir, logged).
package e2e_test

import (
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/titlecert/titlecert/cert"
	"github.com/titlecert/titlecert/cert/batch/batchtest"
	"github.com/titlecert/titlecert/cert/pdf"
	"github.com/titlecert/titlecert/cert/roster"
	"github.com/titlecert/titlecert/internal/testtool"
	"github.com/titlecert/titlecert/keys"
	"github.com/titlecert/titlecert/server"
	"github.com/titlecert/titlecert/store"
)

const baseURL = "https://verify.hrss.fj.example"

func chromiumPath(t *testing.T) string {
	return testtool.Need(t, "chromium", "chromium-browser", "google-chrome")
}

func artifacts(t *testing.T) string {
	dir := os.Getenv("TITLECERT_ARTIFACTS")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "titlecert-e2e-artifacts")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshots in %s", dir)
	return dir
}

type fixture struct {
	url      string // the test server
	valid    *store.Certificate
	revoked  *store.Certificate
	targeted *store.Certificate
}

func setup(t *testing.T) *fixture {
	t.Helper()
	dir := t.TempDir()
	renderer, err := pdf.NewRenderer()
	if err != nil {
		t.Fatal(err)
	}
	bf, err := batchtest.New(dir, baseURL, renderer)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { bf.Store.Close() })
	st, k, is := bf.Store, bf.Key, bf.Issuer
	now := time.Now()
	csv := "姓名,身份证号,系列,专业,级别,评审委员会,评审日期,文号,评价方式,适用地区,工作单位\n" +
		"欧阳娜娜,11010519491231002X,工程技术,区块链工程,副高级,福建省工程技术人才职称评审委员会信息技术专业高级评审委员会,2025-06-20,闽人社文〔2025〕12号,常规,,福州市大数据有限公司\n" +
		"张伟,350102198001011233,会计,会计,中级,福建省会计专业评审委员会,2025-06-20,闽人社文〔2025〕13号,常规,,\n" +
		"李娜,350102198505122340,卫生,护理,中级,福建省卫生系列中级职称评审委员会,2025-06-20,闽人社文〔2025〕14号,定向评价,福建省宁德市寿宁县,寿宁县医院\n"
	res, err := is.Issue(context.Background(), batchtest.Source("c.csv", []byte(csv), roster.Options{CheckName: renderer.CheckText}), filepath.Join(dir, "out"))
	if err != nil {
		t.Fatal(err)
	}
	var issued []*store.Certificate // in file order
	if err := st.List(context.Background(), store.Filter{BatchID: res.BatchID}, func(c *store.Certificate) error { issued = append(issued, c); return nil }); err != nil {
		t.Fatal(err)
	}
	if _, err := st.ChangeStatus(context.Background(), store.Selection{Numbers: []string{issued[1].Number}}, store.StatusChange{
		Action: store.ActionRevoke, Reason: store.ReasonFraud, Effective: now, RecordedAt: now, Operator: "e2e"}); err != nil {
		t.Fatal(err)
	}
	srv, err := server.New(server.Config{
		Issuer: cert.Issuer{ID: batchtest.IssuerID, Name: batchtest.IssuerName, BaseURL: baseURL},
		Trust:  keys.PublicSet(k), SigningKey: k, HolderHash: is.HolderHash,
	}, st, renderer)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	return &fixture{url: ts.URL, valid: issued[0], revoked: issued[1], targeted: issued[2]}
}

// pagePath is the path the phone requests for a certificate's QR text.
func pagePath(jws string) string {
	q := cert.QRText(baseURL, jws)
	return q[strings.Index(q, cert.QRPath):]
}

func TestQRPagesInBrowser(t *testing.T) {
	chromium := chromiumPath(t)
	f := setup(t)
	out := artifacts(t)

	// A tampered certificate: one digit pair of the payload changed.
	p := pagePath(f.valid.JWS)
	i := len(cert.QRPath) + 2*(strings.Index(f.valid.JWS, ".")+20)
	tampered := p[:i] + map[bool]string{true: "12", false: "13"}[p[i:i+2] != "12"] + p[i+2:]

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium),
		chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
	)
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancel()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	ctx, cancel = context.WithTimeout(ctx, 90*time.Second)
	defer cancel()

	for _, tc := range []struct {
		name, path, class string
		texts             []string
	}{
		{"valid", pagePath(f.valid.JWS), "verdict-valid", []string{"有效", "欧阳娜娜", "1101**********002X", "高级工程师"}},
		{"revoked", pagePath(f.revoked.JWS), "verdict-revoked", []string{"已撤销", "张伟"}},
		{"targeted", pagePath(f.targeted.JWS), "verdict-valid", []string{"福建省宁德市寿宁县", "基层"}},
		{"tampered", tampered, "verdict-invalid", []string{"无效"}},
		{"lower-case path", strings.Replace(pagePath(f.valid.JWS), "/C/", "/c/", 1), "verdict-valid", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := chromedp.Do(ctx,
				chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile),
				chromedp.Navigate(f.url+tc.path),
				chromedp.WaitVisible(chromedp.CSS("#verdict")),
			)
			if err != nil {
				t.Fatal(err)
			}
			attr, err := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.CSS("#verdict"), "class"))
			if err != nil {
				t.Fatal(err)
			}
			class := attr.Value
			text, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("body")))
			if err != nil {
				t.Fatal(err)
			}
			shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)) // 100: lossless PNG
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(out, "qr-page-"+strings.ReplaceAll(tc.name, " ", "-")+".png"), shot, 0o644); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(class, tc.class) {
				t.Fatalf("verdict class %q, want %s", class, tc.class)
			}
			for _, want := range tc.texts {
				if !strings.Contains(text, want) {
					t.Errorf("page lacks %q", want)
				}
			}
			if strings.Contains(text, "11010519491231002X") {
				t.Error("full ID number on the page")
			}
		})
	}
}
