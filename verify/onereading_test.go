package verify_test

import (
	"bufio"
	"bytes"
	"compress/flate"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"os"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/titlecert/titlecert/cert"
	"github.com/titlecert/titlecert/internal/testkey"
	"github.com/titlecert/titlecert/keys"
	"github.com/titlecert/titlecert/verify"
)

// caseTrust reads the field cases' trust files (legacy files: their keys
// name no issuer) into one key set.
func caseTrust(t testing.TB, files ...string) *verify.PinnedKeys {
	t.Helper()
	set := &verify.PinnedKeys{}
	for _, f := range files {
		data, err := os.ReadFile("testdata/cases/" + f)
		if err != nil {
			t.Fatal(err)
		}
		tr, err := keys.ReadTrust(data)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		set.Keys.Keys = append(set.Keys.Keys, tr.Keys.Keys...)
	}
	return set
}

func caseFile(t testing.TB, name string) string {
	t.Helper()
	data, err := os.ReadFile("testdata/cases/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// caseLines reads a field case of "name token" lines.
func caseLines(t testing.TB, name string) map[string]string {
	t.Helper()
	m := map[string]string{}
	sc := bufio.NewScanner(strings.NewReader(caseFile(t, name)))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		n, tok, ok := strings.Cut(strings.TrimSpace(sc.Text()), " ")
		if ok {
			m[n] = tok
		}
	}
	return m
}

var caseTime = func() time.Time { return time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC) }

// The field cases of docs/FORMAT.md's MUST-refuse rules, each with its
// reason and what its detail must say.
func TestFieldCasesOneReading(t *testing.T) {
	o := verify.Options{Trust: caseTrust(t, "issuer-jwks.json", "issuer2-jwks.json"), Now: caseTime}
	crit := caseLines(t, "jws-crit-headers.txt")
	dup := caseLines(t, "jws-duplicate-claims.txt")
	crlf := caseFile(t, "jws-crlf-inside.jws")
	for _, tc := range []struct {
		name, in string
		reason   verify.Reason
		detail   string
	}{
		{"control, re-signed without crit", crit["control-resigned"], "", ""},
		{"crit exp", crit["crit-exp"], verify.ReasonMalformed, `header "crit" is not part of the format`},
		{"crit b64 true", crit["crit-b64-true"], verify.ReasonMalformed, `header "crit" is not part of the format`},
		{"crit empty", crit["crit-empty"], verify.ReasonMalformed, `header "crit" is not part of the format`},
		{"non-canonical signature base64", crit["noncanonical-sig"], verify.ReasonMalformed, "part 3 is not canonical base64url"},
		{"duplicate hn and tn claims", dup["dup-claims-hn-tn"], verify.ReasonMalformed, `member "hn" appears twice`},
		{"duplicate typ header", dup["dup-header-typ"], verify.ReasonMalformed, `member "typ" appears twice`},
		{"duplicate alg header (none, then EdDSA)", dup["dup-header-alg"], verify.ReasonMalformed, `member "alg" appears twice`},
		{"claim name HN", caseFile(t, "jws-claim-name-case.jws"), verify.ReasonMalformed, `unknown member "HN"`},
		{"CRLF inside the token", crlf, verify.ReasonMalformed, "a line break at position 125 inside the token"},
		// The same token without its line breaks is genuine: the
		// refusal above is for the text, not the signature.
		{"CRLF removed", strings.NewReplacer("\r", "", "\n", "").Replace(crlf), "", ""},
		{"CRLF inside, as QR text", cert.QRText("https://v.example", strings.NewReplacer("\r", "", "\n", "").Replace(crlf)), "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.in == "" {
				t.Fatal("case missing from its file")
			}
			r := verify.Check(tc.in, o)
			if tc.reason == "" {
				if r.Status != verify.Valid {
					t.Fatalf("got %s/%s (%s), want valid", r.Status, r.Reason, r.Detail)
				}
				return
			}
			if r.Status != verify.Invalid || r.Reason != tc.reason || !strings.Contains(r.Detail, tc.detail) {
				t.Fatalf("got %s/%s (%s), want invalid/%s with %q", r.Status, r.Reason, r.Detail, tc.reason, tc.detail)
			}
			if r.Certificate != nil || r.Code != "" {
				t.Fatalf("a refused token reports a certificate or code: %+v", r)
			}
		})
	}
}

// signRaw makes an EdDSA compact JWS of exactly these header and payload
// bytes with the RFC 8037 test key.
func signRaw(header, payload []byte) string {
	b64 := base64.RawURLEncoding
	in := b64.EncodeToString(header) + "." + b64.EncodeToString(payload)
	return in + "." + b64.EncodeToString(ed25519.Sign(testkey.Ed25519(), []byte(in)))
}

// rawDeflate compresses js as a certificate payload (raw DEFLATE with the
// preset dictionary) without looking at it.
func rawDeflate(t testing.TB, js string) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := flate.NewWriterDict(&buf, flate.BestCompression, []byte(cert.Dictionary))
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte(js))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// Every member name of the header and of the claims (at every level),
// written in another case or given twice, is refused as malformed, though
// the signature is good; the unchanged text is valid.
func TestCaseVariantsAndDuplicatesRefused(t *testing.T) {
	v := loadVector(t)
	_, trust := trustTestKey(t)
	o := verify.Options{Trust: trust, Now: checkTime}
	header := `{"alg":"EdDSA","kid":"` + testkey.Thumbprint + `","typ":"titlecert+jws"}`
	payload := vectorPayloadJSON(t, v)
	if r := verify.Check(signRaw([]byte(header), rawDeflate(t, payload)), o); r.Status != verify.Valid {
		t.Fatalf("control: %s/%s %s", r.Status, r.Reason, r.Detail)
	}
	names := memberNames(t, payload)
	if len(names) < 25 {
		t.Fatalf("only %d member names found", len(names))
	}
	n := 0
	for _, part := range []struct {
		name, json string
		names      []string
	}{{"header", header, []string{"alg", "kid", "typ"}}, {"claims", payload, names}} {
		for _, name := range part.names {
			quoted := `"` + name + `":`
			if !strings.Contains(part.json, quoted) {
				t.Fatalf("%s not in %s", quoted, part.name)
			}
			variants := map[string]string{
				"upper case":     strings.Replace(part.json, quoted, `"`+strings.ToUpper(name)+`":`, 1),
				"title case":     strings.Replace(part.json, quoted, `"`+strings.ToUpper(name[:1])+name[1:]+`":`, 1),
				"duplicated":     duplicateMember(t, part.json, name),
				"case duplicate": strings.Replace(part.json, quoted, `"`+strings.ToUpper(name)+`":"x",`+quoted, 1),
			}
			if strings.ContainsAny(name, "k") { // U+212A KELVIN SIGN folds to k in encoding/json
				variants["kelvin sign"] = strings.Replace(part.json, quoted, `"`+strings.ReplaceAll(name, "k", "\u212a")+`":`, 1)
			}
			if strings.ContainsAny(name, "s") { // U+017F LATIN SMALL LETTER LONG S folds to s
				variants["long s"] = strings.Replace(part.json, quoted, `"`+strings.ReplaceAll(name, "s", "\u017f")+`":`, 1)
			}
			for vname, js := range variants {
				if js == part.json {
					continue
				}
				h, p := header, payload
				if part.name == "header" {
					h = js
				} else {
					p = js
				}
				tok := signRaw([]byte(h), rawDeflate(t, p))
				r := verify.Check(tok, o)
				if r.Status != verify.Invalid || r.Reason != verify.ReasonMalformed {
					t.Errorf("%s %q %s: got %s/%s (%s), want invalid/malformed", part.name, name, vname, r.Status, r.Reason, r.Detail)
				}
				n++
			}
		}
	}
	t.Logf("%d variants refused", n)
}

// Invalid UTF-8 anywhere, null values and trailing data are refused.
func TestInvalidTextRefused(t *testing.T) {
	v := loadVector(t)
	_, trust := trustTestKey(t)
	o := verify.Options{Trust: trust, Now: checkTime}
	header := `{"alg":"EdDSA","kid":"` + testkey.Thumbprint + `","typ":"titlecert+jws"}`
	payload := vectorPayloadJSON(t, v)
	for name, hp := range map[string][2]string{
		"invalid UTF-8 in a claim":        {header, strings.Replace(payload, "欧阳娜娜", "欧阳\xff娜", 1)},
		"invalid UTF-8 in a member name":  {header, strings.Replace(payload, `"emp":`, "\"emp\xc0\":", 1)},
		"overlong UTF-8 encoding":         {header, strings.Replace(payload, `"hn":"`, "\"hn\":\"\xc1\xa1", 1)},
		"surrogate half encoded in UTF-8": {header, strings.Replace(payload, `"hn":"`, "\"hn\":\"\xed\xa0\x80", 1)},
		"invalid UTF-8 in the header":     {strings.Replace(header, "titlecert+jws", "titlecert+jws\xff", 1), payload},
		"null claim":                      {header, strings.Replace(payload, `"emp":"寿宁县住房和城乡建设局"`, `"emp":null`, 1)},
		"trailing data":                   {header, payload + `{}`},
		"two objects":                     {header, payload + " " + payload},
		"extra header member":             {strings.Replace(header, `"typ"`, `"jku":"https://x.example","typ"`, 1), payload},
		"header zip":                      {strings.Replace(header, `"typ"`, `"zip":"DEF","typ"`, 1), payload},
		"header crit in upper case":       {strings.Replace(header, `"typ"`, `"CRIT":["exp"],"typ"`, 1), payload},
	} {
		t.Run(name, func(t *testing.T) {
			r := verify.Check(signRaw([]byte(hp[0]), rawDeflate(t, hp[1])), o)
			if r.Status != verify.Invalid || r.Reason != verify.ReasonMalformed {
				t.Fatalf("got %s/%s (%s), want invalid/malformed", r.Status, r.Reason, r.Detail)
			}
		})
	}
}

// White space or a line break anywhere inside a token is refused;
// around it, it is ignored.
func TestWhitespaceInsideRefused(t *testing.T) {
	v := loadVector(t)
	_, trust := trustTestKey(t)
	o := verify.Options{Trust: trust, Now: checkTime}
	for _, ws := range []string{" ", "\t", "\r", "\n", "\r\n", "\u00a0", "\u3000", "\u200b", "\f", "\v"} {
		for _, at := range []int{1, 40, strings.IndexByte(v.JWS, '.'), strings.IndexByte(v.JWS, '.') + 1, len(v.JWS) / 2, strings.LastIndexByte(v.JWS, '.') + 1, len(v.JWS) - 1} {
			tok := v.JWS[:at] + ws + v.JWS[at:]
			r := verify.Check(tok, o)
			if r.Status != verify.Invalid || r.Reason != verify.ReasonMalformed {
				t.Errorf("%q at %d: got %s/%s (%s)", ws, at, r.Status, r.Reason, r.Detail)
			}
		}
		if r := verify.Check(ws+v.JWS+ws, o); r.Status != verify.Valid && strings.TrimSpace(ws) == "" {
			t.Errorf("%q around the token: %s/%s (%s)", ws, r.Status, r.Reason, r.Detail)
		}
	}
}

// Ed25519 is not malleable: an S not reduced modulo the group order L
// (S + L, which would verify in a lax implementation) is refused.
func TestEdDSANonCanonicalSRefused(t *testing.T) {
	v := loadVector(t)
	_, trust := trustTestKey(t)
	o := verify.Options{Trust: trust, Now: checkTime}
	i := strings.LastIndexByte(v.JWS, '.')
	sig, err := base64.RawURLEncoding.DecodeString(v.JWS[i+1:])
	if err != nil {
		t.Fatal(err)
	}
	l, _ := new(big.Int).SetString("7237005577332262213973186563042994240857116359379907606001950938285454250989", 10)
	le := func(b []byte) *big.Int { // little-endian
		r := make([]byte, len(b))
		for j := range b {
			r[len(b)-1-j] = b[j]
		}
		return new(big.Int).SetBytes(r)
	}
	s := le(sig[32:])
	s.Add(s, l)
	if s.BitLen() > 256 {
		t.Skip("S + L does not fit in 32 bytes for this vector")
	}
	be := s.FillBytes(make([]byte, 32))
	for j := 0; j < 32; j++ {
		sig[32+j] = be[31-j]
	}
	twin := v.JWS[:i+1] + base64.RawURLEncoding.EncodeToString(sig)
	if r := verify.Check(twin, o); r.Status != verify.Invalid || r.Reason != verify.ReasonBadSignature {
		t.Fatalf("S + L: got %s/%s (%s), want invalid/bad_signature", r.Status, r.Reason, r.Detail)
	}
	if cert.CanonicalJWS(v.JWS, "EdDSA") != v.JWS || cert.CanonicalCode(v.JWS, "EdDSA") != "WME6F-4V48Z" {
		t.Fatal("an EdDSA JWS is not its own canonical form")
	}
}

// The ES256 twin (r, n−s) of a certificate verifies (about half of the
// ES256 certificates issued before low-S signing carry a high S) but gives
// the same code and, with the issuer's record, the same text.
func TestES256TwinOneCode(t *testing.T) {
	trust := caseTrust(t, "issuer-es256-jwks.json")
	genuine, twin := caseFile(t, "es256-genuine.jws"), caseFile(t, "es256-high-s-twin.jws")
	// The FORMAT.md §7 vector: the twin pair and its codes.
	const genuineCode, twinCode = "HKVZW-12M49", "DBEEP-TNX93"
	if got := cert.VerificationCode(genuine); got != genuineCode {
		t.Fatalf("code of the low-S text %s, want %s", got, genuineCode)
	}
	if got := cert.VerificationCode(twin); got != twinCode {
		t.Fatalf("code of the high-S text %s, want %s", got, twinCode)
	}
	if cert.CanonicalJWS(twin, "ES256") != genuine || cert.CanonicalJWS(genuine, "ES256") != genuine {
		t.Fatal("the canonical form of the pair is not the low-S text")
	}
	// docs/FORMAT.md §12.2 quotes the pair: it must not drift.
	doc, err := os.ReadFile("../docs/FORMAT.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, quoted := range []string{genuine, twin, genuineCode, twinCode, trust.Keys.Keys[0].KeyID} {
		if !strings.Contains(string(doc), quoted) {
			t.Errorf("docs/FORMAT.md does not quote %.30s…", quoted)
		}
	}
	o := verify.Options{Trust: trust, Now: caseTime}
	for name, in := range map[string]string{"genuine": genuine, "twin": twin} {
		r := verify.Check(in, o)
		if r.Status != verify.Valid || r.Code != genuineCode || r.JWS != in {
			t.Errorf("offline %s: %s/%s code %s", name, r.Status, r.Reason, r.Code)
		}
	}
	// Online, the issuer's record holds the text as issued: a twin shows
	// it and its printed code. Both ways round: a new certificate (issued
	// low-S) and a legacy one issued with a high S.
	for issuedName, issued := range map[string]string{"low-S issued": genuine, "high-S issued (legacy)": twin} {
		o.Record = func(c *cert.Claims) (string, bool) {
			if c.Issuer != "fjes" || c.Number != "2026000001" {
				t.Errorf("record asked for %s/%s", c.Issuer, c.Number)
			}
			return issued, true
		}
		for name, in := range map[string]string{"genuine": genuine, "twin": twin} {
			r := verify.Check(in, o)
			if r.Status != verify.Valid || r.JWS != issued || r.Code != cert.VerificationCode(issued) {
				t.Errorf("%s, %s presented: %s code %s jws %.20s…", issuedName, name, r.Status, r.Code, r.JWS)
			}
		}
	}
	// A record of another signed object with the same number is not this
	// one: the canonical code stays.
	o.Record = func(*cert.Claims) (string, bool) { return loadVector(t).JWS, true }
	if r := verify.Check(twin, o); r.JWS != twin || r.Code != genuineCode {
		t.Errorf("unrelated record: code %s", r.Code)
	}
	// Every flipped byte and truncation of either text is refused.
	o.Record = nil
	for _, in := range []string{genuine, twin} {
		for i := 0; i < len(in); i++ {
			b := []byte(in)
			b[i] ^= 1
			if _, _, err := verify.Verify(string(b), o); err == nil {
				t.Fatalf("flipping byte %d accepted", i)
			}
		}
		for n := 0; n < len(in); n++ {
			if _, _, err := verify.Verify(in[:n], o); err == nil {
				t.Fatalf("truncation to %d accepted", n)
			}
		}
	}
}

// A key verifies only certificates of the issuer it is bound to.
func TestKeyBoundToIssuer(t *testing.T) {
	v := loadVector(t) // claims issuer "fjhrss"
	_, trustA := trustTestKey(t)
	keyB, err := keys.Generate(keys.ES256, nil)
	if err != nil {
		t.Fatal(err)
	}
	trust := jose.JSONWebKeySet{Keys: append(trustA.Keys.Keys, keys.Public(keyB))}
	sB, _ := cert.NewSigner(keyB)
	forged, err := cert.Sign(sB, v.Claims) // issuer B's key, claiming issuer A
	if err != nil {
		t.Fatal(err)
	}
	bound := map[string]string{testkey.Thumbprint: "fjhrss", keyB.KeyID: "zjhrss"}
	for _, tc := range []struct {
		name    string
		in      string
		issuers map[string]string
		reason  verify.Reason
	}{
		{"A's certificate, bound", v.JWS, bound, ""},
		{"B's key claiming A, bound", forged, bound, verify.ReasonUntrustedIssuer},
		{"B's key claiming A, only A bound", forged, map[string]string{testkey.Thumbprint: "fjhrss"}, ""}, // B unbound: a legacy single-issuer trust
		{"A's key bound to B", v.JWS, map[string]string{testkey.Thumbprint: "zjhrss"}, verify.ReasonUntrustedIssuer},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := verify.Check(tc.in, verify.Options{Trust: &verify.PinnedKeys{Keys: trust, Issuers: tc.issuers}, Now: checkTime})
			if tc.reason == "" {
				if r.Status != verify.Valid {
					t.Fatalf("got %s/%s (%s)", r.Status, r.Reason, r.Detail)
				}
				return
			}
			if r.Status != verify.Invalid || r.Reason != tc.reason || r.Certificate != nil {
				t.Fatalf("got %s/%s (%s), want invalid/%s", r.Status, r.Reason, r.Detail, tc.reason)
			}
			if !strings.Contains(r.Detail, "signs for issuer") {
				t.Fatalf("detail %q", r.Detail)
			}
		})
	}
}

// vectorPayloadJSON returns the vector's payload JSON as signed.
func vectorPayloadJSON(t testing.TB, v vector) string {
	t.Helper()
	js, err := json.Marshal(v.Claims)
	if err != nil {
		t.Fatal(err)
	}
	return string(js)
}

// memberNames lists every member name of a JSON object, at every level.
func memberNames(t testing.TB, js string) []string {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(js))
	var names []string
	expectKey := []bool{}
	for {
		tok, err := dec.Token()
		if err != nil {
			break
		}
		switch tk := tok.(type) {
		case json.Delim:
			switch tk {
			case '{':
				expectKey = append(expectKey, true)
			case '}':
				expectKey = expectKey[:len(expectKey)-1]
				if len(expectKey) > 0 {
					expectKey[len(expectKey)-1] = true
				}
			}
			continue
		case string:
			if len(expectKey) > 0 && expectKey[len(expectKey)-1] {
				names = append(names, tk)
				expectKey[len(expectKey)-1] = false
				continue
			}
		}
		if len(expectKey) > 0 {
			expectKey[len(expectKey)-1] = true
		}
	}
	return names
}

// duplicateMember repeats member name (its first occurrence, with its
// value) right after itself.
func duplicateMember(t testing.TB, js, name string) string {
	t.Helper()
	quoted := `"` + name + `":`
	i := strings.Index(js, quoted)
	dec := json.NewDecoder(strings.NewReader(js[i+len(quoted):]))
	var raw json.RawMessage
	if err := dec.Decode(&raw); err != nil {
		t.Fatal(err)
	}
	member := quoted + string(raw)
	return js[:i] + member + "," + js[i:]
}
