package cert

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// ChinaTime is China Standard Time (UTC+8, no daylight saving since 1991),
// in which certificate numbers take their year, certificates print their
// date of issue, review dates are read and people are shown times. A fixed
// zone needs no tzdata on the host.
var ChinaTime = time.FixedZone("UTC+8", 8*3600)

// Issuer is who issues certificates, as configured (titlecert init:
// config.json). It alone derives the addresses a certificate carries or
// shows from the base URL: the verification address printed on the PDF
// (VerifyURL), the status-list URI signed into every certificate and
// served by the verification server (StatusURI), and the QR text
// (QRText).
type Issuer struct {
	// ID is the certificates' "iss" (CheckIssuerID), e.g. fjhrss.
	ID string
	// Name is printed on certificates as 发证机关, e.g.
	// 福建省人力资源和社会保障厅.
	Name string
	// BaseURL is the issuer's verification server, e.g.
	// https://verify.hrss.fj.example; a trailing slash is ignored. It must
	// pass QRPrefixOK.
	BaseURL string
}

// CheckIssuerID reports whether id is an issuer identifier (docs/FORMAT.md
// §4, "iss"): 1 to MaxIssuerLen of A-Z a-z 0-9 '.' '_' '-', the first a
// letter or digit. This is the one rule: certificates, trust files and
// issuer configurations all use it.
func CheckIssuerID(id string) error {
	if !issuerPattern.MatchString(id) || len(id) > MaxIssuerLen {
		return fmt.Errorf("cert: issuer id %q must be 1-%d letters, digits, '.', '_' or '-', starting with a letter or digit (e.g. fjhrss)", id, MaxIssuerLen)
	}
	return nil
}

// MaxIssuerNameLen bounds the issuer's name (characters) that a certificate
// PDF prints as 发证机关: package cert/pdf refuses to render a longer one.
const MaxIssuerNameLen = 64

// Check validates a new issuer's configuration: its ID (CheckIssuerID),
// its name (1 to MaxIssuerNameLen printable characters, so that its
// certificates render) and its base URL (QRPrefixOK). The error names the
// field that is wrong.
func (is Issuer) Check() error { return is.check(QRPrefixOK, MaxIssuerNameLen) }

// CheckIssued is Check for an issuer already configured, which may have
// issued certificates: its base URL is checked with QRPrefixIssuedOK, so
// that an issuer an older titlecert accepted can still serve, render and
// revoke what it issued.
// Its name may have up to MaxTextLen characters, as older versions of
// titlecert accepted.
func (is Issuer) CheckIssued() error { return is.check(QRPrefixIssuedOK, MaxTextLen) }

func (is Issuer) check(prefixOK func(string) error, maxName int) error {
	if err := CheckIssuerID(is.ID); err != nil {
		return err
	}
	if err := CheckText(is.Name, maxName); err != nil || is.Name == "" {
		return fmt.Errorf("cert: issuer name must be 1-%d printable characters", maxName)
	}
	return prefixOK(is.BaseURL)
}

// base returns BaseURL without trailing slashes.
func (is Issuer) base() string { return strings.TrimRight(is.BaseURL, "/") }

// VerifyURL returns the human-readable verification address printed on
// certificates: the base URL followed by "/v". A PDF shows it in the QR
// form of its certificate (QRForm.URL).
func (is Issuer) VerifyURL() string { return is.base() + "/v" }

// StatusURI returns the URI of status list list, as certificates carry it
// (the "uri" of their "status" claim) and the verification server serves
// it: the base URL followed by "/s/" and the list's id in decimal.
func (is Issuer) StatusURI(list int64) string {
	return is.base() + "/s/" + strconv.FormatInt(list, 10)
}

// QRText returns the QR text of a certificate issued with form:
// form.Text(BaseURL, jws).
func (is Issuer) QRText(form QRForm, jws string) string { return form.Text(is.BaseURL, jws) }
