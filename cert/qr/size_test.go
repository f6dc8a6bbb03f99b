package qr_test

import (
	"bytes"
	"compress/flate"
	"encoding/json"
	"testing"
	"time"

	"github.com/titlecert/titlecert/cert"
	"github.com/titlecert/titlecert/cert/qr"
	"github.com/titlecert/titlecert/keys"
)

// sizeCase is a certificate whose QR size docs/FORMAT.md reports.
type sizeCase struct {
	name    string
	alg     string
	baseURL string
	claims  cert.Claims
	// The QR versions docs/FORMAT.md §5.2 records: the current form
	// (byte-mode prefix) and the legacy one (alphanumeric prefix).
	version, legacyVersion int
}

func sizeCases() []sizeCase {
	// Salt and hash are random bytes in a real certificate: they do not
	// compress.
	hash := cert.IDHash{LogN: 15, Salt: "q3Zt0Jd9xVb2LmNc7RkP1w", Hash: "Yh4sF8eW2pXo6TzQa9DgKu"}
	typical := cert.Claims{
		Version: 1, Issuer: "fjhrss", Number: "2026012345", IssuedAt: time.Date(2026, 7, 1, 2, 0, 0, 0, time.UTC).Unix(),
		ID: "q1w2e3r4t5y6u7i8", HolderName: "王建国", HolderIDMask: "3501**********0314",
		Series: "工程技术", Specialty: "建筑工程", Level: "中级", Title: "工程师",
		Committee: "福建省工程技术人才职称评审委员会", ReviewDate: "2026-06-20", ApprovalDoc: "闽人社文〔2026〕12号",
		Route: cert.RouteRegular, Employer: "福州市建筑设计院",
		Status: &cert.Status{StatusList: cert.StatusListRef{Index: 73514, URI: "https://verify.hrss.fj.gov.cn/s/1"}},
	}
	largest := typical
	largest.HolderIDHash = &hash // the optional claim
	largest.Issuer = "xjrst"
	largest.Number = "2026123456789"
	largest.HolderName = "阿卜杜热合曼·买买提"
	largest.Series = "高等学校教师"
	largest.Specialty = "马克思主义理论"
	largest.Level = "正高级"
	largest.Title = "教授"
	largest.Committee = "新疆维吾尔自治区高等学校教师系列正高级专业技术职务任职资格评审委员会第二分委会"
	largest.ApprovalDoc = "新人社函〔2026〕1234号"
	largest.Route = cert.RouteTargeted
	largest.Scope = "新疆维吾尔自治区喀什地区塔什库尔干塔吉克自治县"
	largest.Employer = "新疆维吾尔自治区喀什地区塔什库尔干塔吉克自治县人民医院医学影像中心"
	largest.CommitteeID = "XJ-GX-ZG-2026-02"
	largest.Status = &cert.Status{StatusList: cert.StatusListRef{Index: 9999999, URI: "https://zhicheng-verify.rst.xinjiang.gov.cn/s/1234"}}
	largestNoHash := largest
	largestNoHash.HolderIDHash = nil
	typicalHash := typical
	typicalHash.HolderIDHash = &hash
	return []sizeCase{
		{"typical (EdDSA)", "EdDSA", "https://verify.hrss.fj.gov.cn", typical, 15, 15},
		{"typical with the ID hash (EdDSA)", "EdDSA", "https://verify.hrss.fj.gov.cn", typicalHash, 17, 16},
		{"largest realistic (ES256)", "ES256", "https://zhicheng-verify.rst.xinjiang.gov.cn", largestNoHash, 19, 19},
		{"largest realistic with the ID hash (ES256)", "ES256", "https://zhicheng-verify.rst.xinjiang.gov.cn", largest, 20, 20},
	}
}

// TestCertificateSizes measures the QR version of a typical and of the
// largest realistic certificate; the largest must fit version 20 at level
// M (the bound). The figures are quoted in docs/FORMAT.md.
func TestCertificateSizes(t *testing.T) {
	for _, tc := range sizeCases() {
		k, err := keys.Generate(tc.alg, nil)
		if err != nil {
			t.Fatal(err)
		}
		s, err := cert.NewSigner(k)
		if err != nil {
			t.Fatal(err)
		}
		c := tc.claims
		if err := c.Validate(); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		jws, err := cert.Sign(s, &c)
		if err != nil {
			t.Fatal(err)
		}
		// The current form (lower-case scheme and host, in the byte mode)
		// and the legacy one (upper-case, alphanumeric mode) side by side.
		text := cert.QRText(tc.baseURL, jws)
		code, err := qr.Encode(text)
		if err != nil {
			t.Fatal(err)
		}
		legacy, err := qr.Encode(cert.QRFormUpper.Text(tc.baseURL, jws))
		if err != nil {
			t.Fatal(err)
		}
		payload, _ := cert.EncodePayload(&c)
		t.Logf("| %s | %d | %d | %d | %d (%d×%d modules) | %d |", tc.name, len(payload), len(jws), len(text), code.Version(), code.Size(), code.Size(), legacy.Version())
		// What the preset dictionary saves (docs/FORMAT.md §5.2).
		js, _ := json.Marshal(&c)
		var plain bytes.Buffer
		fw, _ := flate.NewWriter(&plain, flate.BestCompression)
		fw.Write(js)
		fw.Close()
		t.Logf("  without the dictionary: %d payload bytes", plain.Len())
		if code.Version() > 20 {
			t.Errorf("%s: QR version %d, want at most 20 at level M", tc.name, code.Version())
		}
		if code.Version() != tc.version || legacy.Version() != tc.legacyVersion {
			t.Errorf("%s: QR versions %d (legacy form %d), docs/FORMAT.md §5.2 says %d (%d): update it", tc.name, code.Version(), legacy.Version(), tc.version, tc.legacyVersion)
		}
	}
}
