package cert_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/titlecert/titlecert/cert"
	"github.com/titlecert/titlecert/internal/testkey"
	"github.com/titlecert/titlecert/keys"
)

var update = flag.Bool("update", false, "rewrite the test vectors in testdata")

// countingReader yields 0, 1, 2, ... so the vector's salt is fixed.
type countingReader struct{ n byte }

func (r *countingReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = r.n
		r.n++
	}
	return len(p), nil
}

// Vector is a test vector of docs/FORMAT.md.
type Vector struct {
	Key      jose.JSONWebKey `json:"key"`
	IDNumber string          `json:"id_number"`
	BaseURL  string          `json:"base_url"`
	Claims   *cert.Claims    `json:"claims"`
	Payload  string          `json:"payload_json"`
	JWS      string          `json:"jws"`
	QRText   string          `json:"qr_text"`       // the legacy form, cert.QRFormUpper
	QRLower  string          `json:"qr_text_lower"` // the current form, cert.QRFormLower
	Code     string          `json:"verification_code"`
}

func vectorClaims(t testing.TB) *cert.Claims {
	h, err := cert.NewIDHash("11010519491231002X", cert.RecommendedIDHashLogN, &countingReader{})
	if err != nil {
		t.Fatal(err)
	}
	return &cert.Claims{
		Version:      1,
		Issuer:       "fjhrss",
		Number:       "2026000001",
		IssuedAt:     time.Date(2026, 7, 1, 2, 0, 0, 0, time.UTC).Unix(),
		ID:           "AAECAwQFBgcICQoL",
		HolderName:   "欧阳娜娜",
		HolderIDMask: "1101**********002X",
		HolderIDHash: &h,
		Series:       "工程技术",
		Specialty:    "区块链工程",
		Level:        "副高级",
		Title:        "高级工程师",
		Committee:    "福建省工程技术人才职称评审委员会信息技术专业高级评审委员会",
		ReviewDate:   "2026-06-20",
		ApprovalDoc:  "闽人社文〔2026〕12号",
		Route:        cert.RouteTargeted,
		Scope:        "福建省宁德市寿宁县",
		Employer:     "寿宁县住房和城乡建设局",
		Status:       &cert.Status{StatusList: cert.StatusListRef{Index: 73514, URI: "https://verify.hrss.fj.example/s/1"}},
	}
}

func TestVector(t *testing.T) {
	t.Run("with the ID hash", func(t *testing.T) {
		c := vectorClaims(t)
		testVector(t, "testdata/vector.json", c)
		if !c.HolderIDHash.Matches("11010519491231002x") || c.HolderIDHash.Matches("110105194912310029") {
			t.Fatal("ID hash does not discriminate")
		}
	})
	t.Run("without", func(t *testing.T) { // as titlecert issues by default
		c := vectorClaims(t)
		c.HolderIDHash = nil
		testVector(t, "testdata/vector-nohash.json", c)
	})
}

// testVector signs c with the RFC 8037 key and checks the result against
// the vector file and docs/FORMAT.md.
func testVector(t *testing.T, file string, c *cert.Claims) {
	k, err := keys.FromPrivate(testkey.Ed25519())
	if err != nil {
		t.Fatal(err)
	}
	s, err := cert.NewSigner(k)
	if err != nil {
		t.Fatal(err)
	}
	jws, err := cert.Sign(s, c)
	if err != nil {
		t.Fatal(err)
	}
	payload, _ := json.Marshal(c)
	got := Vector{
		Key: k, IDNumber: "11010519491231002X", BaseURL: "https://verify.hrss.fj.example",
		Claims: c, Payload: string(payload), JWS: jws,
		QRText:  cert.QRFormUpper.Text("https://verify.hrss.fj.example", jws),
		QRLower: cert.QRText("https://verify.hrss.fj.example", jws),
		Code:    cert.VerificationCode(jws),
	}
	out, _ := json.MarshalIndent(got, "", "  ")
	out = append(out, '\n')
	if *update {
		if err := os.WriteFile(file, out, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out, want) {
		t.Fatalf("vector changed; if intended, run go test ./cert -run TestVector -update and update docs/FORMAT.md\n%s", out)
	}
	// docs/FORMAT.md quotes the vector: it must not drift from the code.
	doc, err := os.ReadFile("../docs/FORMAT.md")
	if err != nil {
		t.Fatal(err)
	}
	for name, v := range map[string]string{"jws": got.JWS, "qr_text": got.QRText, "qr_text_lower": got.QRLower, "payload_json": got.Payload, "verification_code": got.Code, "kid": k.KeyID} {
		if !strings.Contains(string(doc), v) {
			t.Errorf("docs/FORMAT.md does not contain the vector's %s", name)
		}
	}
	// Both forms decode back to the same JWS.
	for _, q := range []string{got.QRText, got.QRLower} {
		back, err := cert.ParseQRText(q)
		if err != nil || back != jws {
			t.Fatalf("ParseQRText(%.40s…): %v", q, err)
		}
	}
	if !strings.HasPrefix(got.QRLower, "https://verify.hrss.fj.example/C/") || !strings.HasPrefix(got.QRText, "HTTPS://VERIFY.HRSS.FJ.EXAMPLE/C/") {
		t.Errorf("QR text prefixes: %.40s… and %.40s…", got.QRLower, got.QRText)
	}
}

func TestIDNumber(t *testing.T) {
	now := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	if err := cert.CheckIDNumber("11010519491231002X", now); err != nil {
		t.Fatalf("standard's sample rejected: %v", err)
	}
	for name, id := range map[string]string{
		"check":  "110105194912310021",
		"short":  "1101051949123100",
		"letter": "11010519491231A02X",
		"date":   "110105194913310023",
		"future": "110105203001010015",
		"lowerx": "11010519491231002x",
	} {
		err := cert.CheckIDNumber(id, now)
		if !errors.Is(err, cert.ErrIDNumber) {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if strings.Contains(err.Error(), id) {
			t.Errorf("%s: error repeats the ID number", name)
		}
	}
	if got := cert.MaskIDNumber("11010519491231002X"); got != "1101**********002X" {
		t.Errorf("mask = %s", got)
	}
	for id, want := range map[string]bool{
		"11010519491231002X":   true,
		" 11010519491231002x ": true,  // normalized
		"11010519501231002X":   true,  // differs only in the hidden ten
		"11010519491231003X":   false, // a visible digit differs
		"21010519491231002X":   false,
		"1101**********002X":   true, // the mask itself has the visible characters
		"1101002X":             false,
		"":                     false,
	} {
		if got := cert.MatchesMask(id, "1101**********002X"); got != want {
			t.Errorf("MatchesMask(%q) = %v, want %v", id, got, want)
		}
	}
}

func TestDecodePayloadLimits(t *testing.T) {
	c := vectorClaims(t)
	p, err := cert.EncodePayload(c)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cert.DecodePayload(p); err != nil {
		t.Fatal(err)
	}
	// A payload that inflates beyond the cap (a small "zip bomb").
	big := *c
	big.Employer = strings.Repeat("a", cert.MaxPayloadLen)
	bp, _ := cert.EncodePayload(&big)
	if len(bp) > 1000 {
		t.Fatalf("bomb not small: %d", len(bp))
	}
	if _, err := cert.DecodePayload(bp); !errors.Is(err, cert.ErrTooLarge) {
		t.Fatalf("bomb: %v", err)
	}
	// Unknown claims are refused.
	js, _ := json.Marshal(map[string]any{"v": 1, "extra": true})
	var buf bytes.Buffer
	w := newFlate(&buf)
	w.Write(js)
	w.Close()
	if _, err := cert.DecodePayload(buf.Bytes()); !errors.Is(err, cert.ErrMalformed) {
		t.Fatalf("unknown claim: %v", err)
	}
	if _, err := cert.DecodePayload([]byte("not deflate")); !errors.Is(err, cert.ErrMalformed) {
		t.Fatalf("garbage: %v", err)
	}
}

func TestValidate(t *testing.T) {
	mods := map[string]func(c *cert.Claims){
		"version":        func(c *cert.Claims) { c.Version = 2 },
		"no name":        func(c *cert.Claims) { c.HolderName = " " },
		"full id":        func(c *cert.Claims) { c.HolderIDMask = "11010519491231002X" },
		"scope no route": func(c *cert.Claims) { c.Route = cert.RouteRegular },
		"route no scope": func(c *cert.Claims) { c.Scope = "" },
		"bad route":      func(c *cert.Claims) { c.Route = "fast" },
		"bad date":       func(c *cert.Claims) { c.ReviewDate = "2026-02-30" },
		"control char":   func(c *cert.Claims) { c.Committee = "a\u202eb" },
		"long name":      func(c *cert.Claims) { c.HolderName = strings.Repeat("张", cert.MaxNameLen+1) },
		"bad status":     func(c *cert.Claims) { c.Status.StatusList.URI = "file:///x" },
		"bad hash":       func(c *cert.Claims) { c.HolderIDHash.Salt = "x" },
		"no iat":         func(c *cert.Claims) { c.IssuedAt = 0 },
	}
	for name, mod := range mods {
		t.Run(name, func(t *testing.T) {
			c := vectorClaims(t)
			mod(c)
			if err := c.Validate(); !errors.Is(err, cert.ErrInvalidClaims) {
				t.Fatalf("Validate = %v", err)
			}
		})
	}
	noHash := vectorClaims(t)
	noHash.HolderIDHash = nil // the hash is optional
	if err := noHash.Validate(); err != nil {
		t.Fatalf("Validate without hih = %v", err)
	}
	if err := vectorClaims(t).Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestDictionaryHash(t *testing.T) {
	sum := sha256.Sum256([]byte(cert.Dictionary))
	if got := hex.EncodeToString(sum[:]); got != cert.DictionarySHA256 {
		t.Fatalf("Dictionary SHA-256 = %s, constant says %s: the dictionary is frozen for format version 1", got, cert.DictionarySHA256)
	}
	doc, err := os.ReadFile("../docs/FORMAT.md")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(doc), cert.DictionarySHA256) || !strings.Contains(string(doc), cert.Dictionary[len(cert.Dictionary)-200:]) {
		t.Error("docs/FORMAT.md must reproduce the dictionary and its SHA-256")
	}
}

func TestVerificationCode(t *testing.T) {
	a, b := cert.VerificationCode("a.b.c"), cert.VerificationCode("a.b.d")
	if len(a) != 11 || a[5] != '-' || a == b {
		t.Fatalf("codes %q %q", a, b)
	}
	typed := strings.ToLower(strings.ReplaceAll(a, "-", " "))
	if got := cert.NormalizeVerificationCode(typed); got != a {
		t.Fatalf("normalize(%q) = %q, want %q", typed, got, a)
	}
	for _, bad := range []string{"", "ABC", "UUUUU-UUUUU", "12345-123456"} {
		if cert.NormalizeVerificationCode(bad) != "" {
			t.Errorf("normalize(%q) accepted", bad)
		}
	}
}

// BenchmarkSign is the signing stage of issuance: validate the claims,
// deflate them with the dictionary, sign (Ed25519) and serialize.
func BenchmarkSign(b *testing.B) {
	c := vectorClaims(b)
	c.HolderIDHash = nil // as titlecert issues by default
	k, err := keys.FromPrivate(testkey.Ed25519())
	if err != nil {
		b.Fatal(err)
	}
	s, err := cert.NewSigner(k)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := cert.Sign(s, c); err != nil {
			b.Fatal(err)
		}
	}
}

// Full-width digits, letters and hyphen (U+FF01..U+FF5E), as a Chinese
// input method in full-width mode types them, are read as ASCII in codes
// and certificate numbers (break-it F6).
func TestFullWidthCodesAndNumbers(t *testing.T) {
	for typed, want := range map[string]string{
		"ＭＮＲ８Ｎ－ＴＦ２ＹＫ":      "MNR8N-TF2YK",
		"ｍｎｒ８ｎ－ｔｆ２ｙｋ":      "MNR8N-TF2YK",
		"ＭＮＲ８Ｎ\u3000ＴＦ２ＹＫ": "MNR8N-TF2YK",
		"MNR8N\u200bTF2YK": "MNR8N-TF2YK",
		"ＭＮＲ８ＮＴＦ２ＹＫ":       "MNR8N-TF2YK",
		"ＭＮＲ８Ｎ－ＴＦ２Ｙ":       "",
		"ＭＮＲ８Ｎ－ＴＦ２ＹＫ９":     "",
		"ＭＮＲ８Ｎ＿ＴＦ２ＹＫ":      "",
		"ＭＮＲ８Ｎ\u2014ＴＦ２ＹＫ": "",
	} {
		if got := cert.NormalizeVerificationCode(typed); got != want {
			t.Errorf("NormalizeVerificationCode(%q) = %q, want %q", typed, got, want)
		}
	}
	for typed, want := range map[string]string{
		"２０２６０００００１":             "2026000001",
		" ２０２６-０００００１\u3000":     "2026-000001",
		"２０２６－０００００１":            "2026-000001",
		"ＺＣ２０２６ａ":                "ZC2026a",
		"2026\u00a0000\u200b001": "2026000001",
		"2026000001":             "2026000001",
		"２０２６。０１":                "2026。01", // not a full-width form of ASCII: kept, finds nothing
	} {
		if got := cert.NormalizeNumber(typed); got != want {
			t.Errorf("NormalizeNumber(%q) = %q, want %q", typed, got, want)
		}
	}
	if got := cert.FoldWidth("！～\u3000ｚ，。"); got != "!~ z,。" {
		t.Errorf("FoldWidth = %q", got)
	}
}
