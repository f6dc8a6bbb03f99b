package verify_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/titlecert/titlecert/keys"
	"github.com/titlecert/titlecert/verify"
)

// trustFile is the issuer's public key as titlecert keys export writes it:
// the Ed25519 test key of RFC 8037 (A.2), which signs the vector of
// docs/FORMAT.md, naming the issuer it signs for.
const trustFile = `{"keys": [{"kty": "OKP", "crv": "Ed25519", "alg": "EdDSA", "use": "sig",
  "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo",
  "kid": "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k", "iss": "fjhrss"}]}`

// exampleOptions reads the trust file as a verifier pins it, and checks at
// a fixed time so that the examples' output does not change.
func exampleOptions() verify.Options {
	tr, err := keys.ReadTrust([]byte(trustFile))
	if err != nil {
		panic(err)
	}
	return verify.Options{
		Trust: &verify.PinnedKeys{Keys: tr.Keys, Issuers: tr.Issuers},
		Now:   func() time.Time { return time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC) },
	}
}

// exampleVector returns the JWS and the QR text of FORMAT.md's vector.
func exampleVector() (jws, qrText string) {
	data, err := os.ReadFile("../cert/testdata/vector.json")
	if err != nil {
		panic(err)
	}
	var v struct {
		JWS    string `json:"jws"`
		QRText string `json:"qr_text_lower"`
	}
	if err := json.Unmarshal(data, &v); err != nil {
		panic(err)
	}
	return v.JWS, v.QRText
}

// Check takes what a person pastes: the text of the QR code (here with
// the suffix a chat app appends) or a compact JWS. Without a status source
// revocation is not checked, and the Result says so.
func ExampleCheck() {
	_, qrText := exampleVector()
	r := verify.Check(qrText+"?from=singlemessage", exampleOptions())
	fmt.Println(r.Status, r.Source, r.Code)
	fmt.Println(r.Certificate.Number, r.Certificate.HolderName, r.Certificate.Title)
	fmt.Println("revocation checked:", r.StatusChecked)
	// Output:
	// valid url WME6F-4V48Z
	// 2026000001 欧阳娜娜 高级工程师
	// revocation checked: false
}

// A refusal is a verdict with a stable reason code, never a Go error: a
// QR text whose digit pair 99 encodes no character.
func ExampleCheck_refused() {
	r := verify.Check("https://verify.hrss.fj.example/C/9999", exampleOptions())
	fmt.Println(r.Status, r.Reason, r.Certificate == nil)
	// Output:
	// invalid malformed true
}

// CheckJWS checks a JWS that came from a known source, such as a PDF's
// attachment, and reports that source.
func ExampleCheckJWS() {
	jws, _ := exampleVector()
	r := verify.CheckJWS(jws, verify.SourcePDFAttachment, exampleOptions())
	fmt.Println(r.Status, r.Source, r.KeyID)
	// Output:
	// valid pdf_attachment kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k
}

// Verify returns the claims, or an error; an *InvalidError says the
// certificate is not valid and why, and errors.Is matches its reason's
// sentinel.
func ExampleVerify() {
	jws, _ := exampleVector()
	o := exampleOptions()
	c, key, err := verify.Verify(jws, o)
	if err != nil {
		panic(err)
	}
	fmt.Println(c.Number, key.Algorithm)

	// The same certificate with the last character of its signature changed.
	last := "A"
	if strings.HasSuffix(jws, "A") {
		last = "B"
	}
	_, _, err = verify.Verify(jws[:len(jws)-1]+last, o)
	var ie *verify.InvalidError
	if errors.As(err, &ie) {
		fmt.Println("invalid:", ie.Reason)
	}
	fmt.Println(errors.Is(err, verify.ErrBadSignature))
	// Output:
	// 2026000001 EdDSA
	// invalid: bad_signature
	// true
}
