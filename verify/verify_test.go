package verify_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/titlecert/titlecert/cert"
	"github.com/titlecert/titlecert/internal/testkey"
	"github.com/titlecert/titlecert/keys"
	"github.com/titlecert/titlecert/verify"
)

type vector struct {
	JWS      string       `json:"jws"`
	QRText   string       `json:"qr_text"`       // legacy form
	QRLower  string       `json:"qr_text_lower"` // current form
	IDNumber string       `json:"id_number"`
	Claims   *cert.Claims `json:"claims"`
}

func loadVector(t testing.TB) vector { return loadVectorFile(t, "../cert/testdata/vector.json") }

func loadVectorFile(t testing.TB, path string) vector {
	t.Helper()
	data, err := readFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var v vector
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

func trustTestKey(t testing.TB) (jose.JSONWebKey, *verify.PinnedKeys) {
	t.Helper()
	k, err := keys.FromPrivate(testkey.Ed25519())
	if err != nil {
		t.Fatal(err)
	}
	return k, &verify.PinnedKeys{Keys: keys.PublicSet(k)}
}

var checkTime = func() time.Time { return time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC) }

func TestVectorVerifies(t *testing.T) {
	v := loadVector(t)
	_, trust := trustTestKey(t)
	o := verify.Options{Trust: trust, Now: checkTime}
	for _, in := range []string{v.JWS, v.QRText, v.QRLower, strings.ToLower(v.QRText[:30]) + v.QRText[30:], "  " + v.JWS + "\n", v.QRLower + "?from=singlemessage&isappinstalled=0\n"} {
		r := verify.Check(in, o)
		if r.Status != verify.Valid {
			t.Fatalf("vector: %+v", r)
		}
		if r.Certificate.HolderName != "欧阳娜娜" || r.JWS != v.JWS || r.KeyID != testkey.Thumbprint {
			t.Fatalf("result: %+v", r)
		}
	}
	o.IDNumber = v.IDNumber
	if r := verify.Check(v.JWS, o); r.Status != verify.Valid || r.IDNumberMatch == nil || !*r.IDNumberMatch {
		t.Fatalf("id number: %+v", r)
	}
	o.IDNumber = "110105194912310010"
	r := verify.Check(v.JWS, o)
	if r.Status != verify.Invalid || r.Reason != verify.ReasonHolderMismatch || *r.IDNumberMatch {
		t.Fatalf("wrong id number: %+v", r)
	}
}

// The vector without the optional ID hash (titlecert's default) verifies,
// and an ID number is compared by its visible characters only.
func TestVectorWithoutHash(t *testing.T) {
	v := loadVectorFile(t, "../cert/testdata/vector-nohash.json")
	_, trust := trustTestKey(t)
	for _, in := range []string{v.JWS, v.QRText, v.QRLower} {
		r := verify.Check(in, verify.Options{Trust: trust, Now: checkTime, IDNumber: v.IDNumber})
		if r.Status != verify.Valid || r.Certificate.HolderIDHash != nil || r.IDNumberMatch == nil || !*r.IDNumberMatch || r.IDNumberCheck != verify.IDCheckVisibleDigits {
			t.Fatalf("vector without hash: %+v", r)
		}
	}
}

// An ID number is confirmed by the issuer's record when there is one, else
// by the certificate's optional hash, else by its visible characters only,
// and the result says which.
func TestIDNumberChecks(t *testing.T) {
	v := loadVector(t)
	k, trust := trustTestKey(t)
	signer, err := cert.NewSigner(k)
	if err != nil {
		t.Fatal(err)
	}
	noHash := *v.Claims
	noHash.HolderIDHash = nil
	plain, err := cert.Sign(signer, &noHash)
	if err != nil {
		t.Fatal(err)
	}
	const (
		right  = "11010519491231002X" // the vector's holder
		hidden = "11010519501231002X" // same visible characters, hidden ones differ
		other  = "110105194912310010" // a visible character differs
	)
	record := func(match, ok bool) func(*cert.Claims, string) (bool, bool) {
		return func(c *cert.Claims, id string) (bool, bool) {
			if c.Number != v.Claims.Number || id != right && id != hidden && id != other {
				t.Errorf("Holder called with %s and an unexpected number", c.Number)
			}
			return match, ok
		}
	}
	for _, tc := range []struct {
		name   string
		jws    string
		id     string
		holder func(*cert.Claims, string) (bool, bool)
		match  bool
		check  string
	}{
		{"hash, right", v.JWS, right, nil, true, verify.IDCheckHash},
		{"hash, hidden digits differ", v.JWS, hidden, nil, false, verify.IDCheckHash},
		{"no hash, right", plain, right, nil, true, verify.IDCheckVisibleDigits},
		{"no hash, hidden digits differ", plain, hidden, nil, true, verify.IDCheckVisibleDigits},
		{"no hash, visible digit differs", plain, other, nil, false, verify.IDCheckVisibleDigits},
		{"record says yes", plain, hidden, record(true, true), true, verify.IDCheckRecord},
		{"record says no", plain, right, record(false, true), false, verify.IDCheckRecord},
		{"record overrides the hash", v.JWS, right, record(false, true), false, verify.IDCheckRecord},
		{"no record, hash", v.JWS, hidden, record(true, false), false, verify.IDCheckHash},
		{"no record, visible", plain, other, record(true, false), false, verify.IDCheckVisibleDigits},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := verify.Check(tc.jws, verify.Options{Trust: trust, Now: checkTime, IDNumber: tc.id, Holder: tc.holder})
			if r.IDNumberMatch == nil || *r.IDNumberMatch != tc.match || r.IDNumberCheck != tc.check {
				t.Fatalf("match %v by %q, want %v by %q", r.IDNumberMatch, r.IDNumberCheck, tc.match, tc.check)
			}
			if tc.match != (r.Status == verify.Valid) || !tc.match && r.Reason != verify.ReasonHolderMismatch {
				t.Fatalf("status %s (%s)", r.Status, r.Reason)
			}
		})
	}
	// Without an ID number nothing is compared.
	if r := verify.Check(plain, verify.Options{Trust: trust, Now: checkTime, Holder: record(false, true)}); r.IDNumberMatch != nil || r.IDNumberCheck != "" || r.Status != verify.Valid {
		t.Fatalf("no ID number: %+v", r)
	}
}

// Every single flipped byte and every truncation of a valid JWS is
// rejected.
func TestEveryFlippedByteRejected(t *testing.T) {
	v := loadVector(t)
	_, trust := trustTestKey(t)
	o := verify.Options{Trust: trust, Now: checkTime}
	// A change after the header is the signature's business or the text's
	// (a character base64url does not have, or a dot moved): never another
	// reason, and always an *InvalidError.
	afterHeader := strings.IndexByte(v.JWS, '.')
	refused := func(what string, in string, i int) {
		t.Helper()
		_, _, err := verify.Verify(in, o)
		var ie *verify.InvalidError
		if !errors.As(err, &ie) {
			t.Fatalf("%s: %v, want an *InvalidError", what, err)
		}
		if i > afterHeader && ie.Reason != verify.ReasonBadSignature && ie.Reason != verify.ReasonMalformed {
			t.Fatalf("%s: reason %s (%v), want bad_signature or malformed", what, ie.Reason, err)
		}
	}
	for i := 0; i < len(v.JWS); i++ {
		for _, delta := range []byte{1, 0x20, 0x80} {
			b := []byte(v.JWS)
			b[i] ^= delta
			refused(fmt.Sprintf("flipping byte %d by %#x", i, delta), string(b), i)
		}
	}
	for n := 0; n < len(v.JWS); n++ {
		refused(fmt.Sprintf("truncation to %d bytes", n), v.JWS[:n], n)
	}
}

func TestRefusals(t *testing.T) {
	v := loadVector(t)
	priv, trust := trustTestKey(t)
	o := verify.Options{Trust: trust, Now: checkTime}
	parts := strings.Split(v.JWS, ".")
	b64 := base64.RawURLEncoding

	header := func(h string) string { return b64.EncodeToString([]byte(h)) }
	// alg none: no signature at all.
	none := header(`{"alg":"none","kid":"`+testkey.Thumbprint+`","typ":"titlecert+jws"}`) + "." + parts[1] + "."
	// HS256 keyed with the public key bytes (the classic confusion attack).
	hsHeader := header(`{"alg":"HS256","kid":"` + testkey.Thumbprint + `","typ":"titlecert+jws"}`)
	mac := hmac.New(sha256.New, []byte(testkey.X))
	mac.Write([]byte(hsHeader + "." + parts[1]))
	hs := hsHeader + "." + parts[1] + "." + b64.EncodeToString(mac.Sum(nil))

	// Signed by a key the verifier does not trust, otherwise perfect.
	other, _ := keys.Generate(keys.EdDSA, nil)
	s, _ := cert.NewSigner(other)
	untrusted, err := cert.Sign(s, v.Claims)
	if err != nil {
		t.Fatal(err)
	}
	// Right key, wrong typ.
	ws, _ := cert.NewJWTSigner(priv, "JWT")
	payload, _ := cert.EncodePayload(v.Claims)
	obj, _ := ws.Sign(payload)
	wrongTyp, _ := obj.CompactSerialize()
	// Right key, claims issued in the future.
	future := *v.Claims
	future.IssuedAt = checkTime().Add(time.Hour).Unix()
	gs, _ := cert.NewSigner(priv)
	futureJWS, _ := cert.Sign(gs, &future)
	// Right key, claims missing a field (signed raw, bypassing Validate).
	bad := *v.Claims
	bad.HolderName = ""
	bp, _ := cert.EncodePayload(&bad)
	bobj, _ := gs.Sign(bp)
	badClaims, _ := bobj.CompactSerialize()

	for _, tc := range []struct {
		name   string
		in     string
		reason verify.Reason
		err    error
	}{
		{"alg none", none, verify.ReasonUnsupportedAlgorithm, verify.ErrUnsupportedAlgorithm},
		{"HS256 with public key", hs, verify.ReasonUnsupportedAlgorithm, verify.ErrUnsupportedAlgorithm},
		{"untrusted key", untrusted, verify.ReasonUntrustedIssuer, verify.ErrUntrustedIssuer},
		{"wrong typ", wrongTyp, verify.ReasonBadType, verify.ErrBadType},
		{"issued in the future", futureJWS, verify.ReasonNotYetValid, verify.ErrNotYetValid},
		{"missing claim", badClaims, verify.ReasonBadClaims, verify.ErrBadClaims},
		{"oversized", strings.Repeat("A", cert.MaxJWSLen+1), verify.ReasonTooLarge, verify.ErrTooLarge},
		{"oversized QR", "HTTPS://X/C/" + strings.Repeat("11", cert.MaxQRTextLen), verify.ReasonTooLarge, nil},
		{"garbage", "hello", verify.ReasonMalformed, verify.ErrMalformed},
		{"swapped signature", parts[0] + "." + parts[1] + "." + strings.Split(untrusted, ".")[2], verify.ReasonBadSignature, verify.ErrBadSignature},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := verify.Check(tc.in, o)
			if r.Status != verify.Invalid || r.Reason != tc.reason {
				t.Fatalf("got %s/%s (%s), want invalid/%s", r.Status, r.Reason, r.Detail, tc.reason)
			}
			if tc.err != nil {
				_, _, err := verify.Verify(tc.in, o)
				if !errors.Is(err, tc.err) {
					t.Fatalf("errors.Is(%v, %v) = false", err, tc.err)
				}
				var inv *verify.InvalidError
				if !errors.As(err, &inv) {
					t.Fatalf("not an *InvalidError: %T", err)
				}
			}
		})
	}
}

// A review date is a calendar date in China: a certificate issued at 01:00
// in Beijing (17:00 UTC the day before) may carry that day's review date.
func TestReviewDateInChinaTime(t *testing.T) {
	v := loadVector(t)
	priv, trust := trustTestKey(t)
	s, _ := cert.NewSigner(priv)
	o := verify.Options{Trust: trust, Now: checkTime}
	for _, tc := range []struct {
		review string
		want   verify.Verdict
	}{{"2026-03-10", verify.Valid}, {"2026-03-11", verify.Invalid}} {
		c := *v.Claims
		c.IssuedAt = time.Date(2026, 3, 9, 17, 0, 0, 0, time.UTC).Unix()
		c.ReviewDate = tc.review
		jws, err := cert.Sign(s, &c)
		if err != nil {
			t.Fatal(err)
		}
		if r := verify.Check(jws, o); r.Status != tc.want {
			t.Errorf("review %s: %s/%s", tc.review, r.Status, r.Reason)
		}
	}
}

// The field cases of QR text: a link forwarded by a chat app is the
// genuine certificate; text whose upper case is longer than itself is
// not a certificate (and no panic).
func TestQRTextCases(t *testing.T) {
	o := pinnedOptions(t, "../cert/testdata/cases/issuer-jwks.json")
	chat, err := readFile("../cert/testdata/cases/qr-text-chat-suffix.txt")
	if err != nil {
		t.Fatal(err)
	}
	q, _, _ := strings.Cut(string(chat), "?")
	for _, in := range []string{string(chat), q, q + "&isappinstalled=0", q + "#", q + "/", q + "\r\n", strings.ToLower(q[:30]) + q[30:],
		q + "\u200b", q + "\ufeff", q + "。", q + "）", q + "」", q + "，请核验", q + "\u3000", q + ".", q + ")", q + "\"", "（" + q + "）"} {
		if r := verify.Check(in, o); r.Status != verify.Valid || r.Source != verify.SourceURL || r.Certificate.Number != "2026000001" {
			t.Errorf("chat-suffix case %.10q…%.20q: %s %s %s", in, in[len(q)-4:], r.Status, r.Reason, r.Detail)
		}
	}
	// What continues the link after the digits: nothing is said about
	// the certificate (unreadable), never invalid.
	for _, in := range []string{q + "0:", q + ":", q + "x", q + "%3F", q + "/1"} {
		if r := verify.Check(in, o); r.Status != verify.Unreadable || r.Reason != verify.ReasonMalformed || !strings.Contains(r.Detail, "give the link alone") {
			t.Errorf("…%.20q: %s %s %s", in[len(q)-4:], r.Status, r.Reason, r.Detail)
		}
	}
	for _, in := range []string{q[:len(q)-1], q[:len(q)-2] + "99"} {
		if r := verify.Check(in, o); r.Status != verify.Invalid || r.Reason != verify.ReasonMalformed {
			t.Errorf("…%.20q: %s %s", in[len(q)-4:], r.Status, r.Reason)
		}
	}
	growth, err := readFile("../cert/testdata/cases/qr-text-case-growth.txt")
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range []string{string(growth), "HTTPS://ȿȿ/C/00", "\xff\xff/c/0011"} {
		r := verify.Check(in, o)
		if r.Status != verify.Invalid || r.Reason != verify.ReasonMalformed || r.Certificate != nil {
			t.Errorf("%.20q: %+v", in, r)
		}
	}
	// Whatever comes before the path is not trusted, and read as is: the
	// genuine digits after it are the genuine certificate.
	if r := verify.Check("ȿȿȿȿ"+q[strings.LastIndex(q, "/C/"):], o); r.Status != verify.Valid {
		t.Errorf("genuine digits after case-growth text: %s %s", r.Status, r.Reason)
	}
}

// A byte order mark before the text (Notepad's "UTF-8", breakit F8) is
// ignored like white space; UTF-16 text is unreadable with a message,
// never invalid.
func TestCheckByteOrderMarkAndUTF16(t *testing.T) {
	v := loadVector(t)
	_, trust := trustTestKey(t)
	o := verify.Options{Trust: trust, Now: checkTime}
	for _, in := range []string{"\uFEFF" + v.JWS, "\uFEFF" + v.JWS + "\r\n", " \uFEFF" + v.QRText, "\uFEFF\uFEFF" + v.JWS} {
		r := verify.Check(in, o)
		want := verify.Valid
		if strings.HasPrefix(in, "\uFEFF\uFEFF") {
			want = verify.Invalid // one mark is an encoding's; two are content
		}
		if r.Status != want {
			t.Errorf("%q...: %s (%s): %s", in[:8], r.Status, r.Reason, r.Detail)
		}
	}
	utf16 := func(s string, big bool) string {
		b := []byte{0xFF, 0xFE}
		if big {
			b = []byte{0xFE, 0xFF}
		}
		for _, c := range []byte(s) {
			if big {
				b = append(b, 0, c)
			} else {
				b = append(b, c, 0)
			}
		}
		return string(b)
	}
	for _, in := range []string{utf16(v.JWS, false), utf16(v.JWS, true), utf16(v.QRText, false)[2:]} {
		r := verify.Check(in, o)
		if r.Status != verify.Unreadable || r.Reason != verify.ReasonMalformed || !strings.Contains(r.Detail, "UTF-8") {
			t.Errorf("UTF-16: %s (%s): %s", r.Status, r.Reason, r.Detail)
		}
	}
}
