// Package cert defines the electronic professional-title certificate: its
// claims, their compact signed encoding (a compact JWS with a raw-DEFLATE
// payload), the QR text that carries a whole certificate, and the helpers
// around the holder's resident ID number.
//
// The package is deliberately small in dependencies (the standard library,
// go-jose, x/crypto/scrypt and x/text/unicode/norm for names) so that verifiers can embed it without pulling
// in PDF rendering, QR image generation or database drivers.
//
// Security notes: a Claims value never holds a full resident ID number. The
// number is shown masked (MaskIDNumber). An issuer may also bind it to the
// certificate with an optional salted scrypt hash (NewIDHash) that lets a
// person who already knows the full number confirm it offline; the hash is
// a speed bump against guessing, not a secret, and by default certificates
// carry none (the issuer's server confirms full numbers online). Every decoder in this package enforces size limits before it
// parses anything.
package cert

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"
)

// FormatVersion is the value of the "v" claim this package produces and
// accepts.
const FormatVersion = 1

// Route is the way a title was evaluated.
type Route string

// The routes of the title-evaluation reform.
const (
	RouteRegular      Route = "regular"       // 常规评审
	RouteGreenChannel Route = "green_channel" // 绿色通道
	RouteTargeted     Route = "targeted"      // 定向评价、定向使用
)

// Valid reports whether r is one of the defined routes.
func (r Route) Valid() bool {
	switch r {
	case RouteRegular, RouteGreenChannel, RouteTargeted:
		return true
	}
	return false
}

// Chinese returns the route's Chinese name.
func (r Route) Chinese() string {
	switch r {
	case RouteRegular:
		return "常规评审"
	case RouteGreenChannel:
		return "绿色通道"
	case RouteTargeted:
		return "定向评价、定向使用"
	}
	return string(r)
}

// Status is the IETF Token Status List reference a certificate carries
// (draft-ietf-oauth-status-list, "status": {"status_list": {...}}).
type Status struct {
	StatusList StatusListRef `json:"status_list"`
}

// StatusListRef points at one entry of a signed status list.
type StatusListRef struct {
	Index int64  `json:"idx"`
	URI   string `json:"uri"`
}

// Claims are the signed contents of a title certificate. JSON names are
// short because the whole certificate travels in a QR code; docs/FORMAT.md
// is the normative description of each one.
type Claims struct {
	Version      int     `json:"v"`
	Issuer       string  `json:"iss"`
	Number       string  `json:"num"`
	IssuedAt     int64   `json:"iat"`
	ID           string  `json:"jti"`
	HolderName   string  `json:"hn"`
	HolderIDMask string  `json:"hid"`
	HolderIDHash *IDHash `json:"hih,omitempty"` // optional
	Series       string  `json:"ser"`
	Specialty    string  `json:"spe"`
	Level        string  `json:"lvl"`
	Title        string  `json:"tn"`
	Committee    string  `json:"cm"`
	CommitteeID  string  `json:"cmi,omitempty"`
	ReviewDate   string  `json:"rd"`
	ApprovalDoc  string  `json:"doc"`
	Route        Route   `json:"rt"`
	Scope        string  `json:"sc,omitempty"`
	Employer     string  `json:"emp,omitempty"`
	Status       *Status `json:"status,omitempty"`
}

// IssuedTime returns the issue time as a time.Time in UTC.
func (c *Claims) IssuedTime() time.Time { return time.Unix(c.IssuedAt, 0).UTC() }

// ErrInvalidClaims is matched by the *ClaimError Validate returns.
var ErrInvalidClaims = errors.New("cert: invalid claims")

// Field limits, in characters. They bound what a QR code has to carry and
// what a verifier has to display.
const (
	MaxNameLen      = 64
	MaxTextLen      = 128
	MaxIssuerLen    = 64
	MaxNumberLen    = 32
	MaxStatusURILen = 256
)

var (
	maskedIDPattern = regexp.MustCompile(`^[0-9]{4}\*{10}[0-9]{3}[0-9X]$`)
	issuerPattern   = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)
	numberPattern   = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9-]*$`)
	datePattern     = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)
)

// Validate checks that every required claim is present and well formed. It
// does not check dates against a clock; verification does that. The error
// is a *ClaimError (matching ErrInvalidClaims) naming the first offending claim.
func (c *Claims) Validate() error {
	bad := func(claim, format string, args ...any) error {
		return &ClaimError{Claim: claim, Problem: fmt.Sprintf(format, args...)}
	}
	if c.Version != FormatVersion {
		return bad("v", "is %d, want %d", c.Version, FormatVersion)
	}
	if !issuerPattern.MatchString(c.Issuer) || len(c.Issuer) > MaxIssuerLen {
		return bad("iss", "must be 1-%d letters, digits, '.', '_' or '-'", MaxIssuerLen)
	}
	if !numberPattern.MatchString(c.Number) || len(c.Number) > MaxNumberLen {
		return bad("num", "must be 1-%d letters, digits or '-'", MaxNumberLen)
	}
	if c.IssuedAt <= 0 {
		return bad("iat", "is missing")
	}
	if c.ID == "" || len(c.ID) > 64 {
		return bad("jti", "is missing or too long")
	}
	if !maskedIDPattern.MatchString(c.HolderIDMask) {
		return bad("hid", "is not a masked resident ID number like 3501**********0314")
	}
	if c.HolderIDHash != nil {
		if err := c.HolderIDHash.validate(); err != nil {
			return bad("hih", "%v", err)
		}
	}
	texts := []struct {
		claim, value string
		required     bool
		max          int
	}{
		{"hn", c.HolderName, true, MaxNameLen},
		{"ser", c.Series, true, MaxTextLen},
		{"spe", c.Specialty, true, MaxTextLen},
		{"lvl", c.Level, true, MaxTextLen},
		{"tn", c.Title, true, MaxTextLen},
		{"cm", c.Committee, true, MaxTextLen},
		{"cmi", c.CommitteeID, false, MaxTextLen},
		{"doc", c.ApprovalDoc, true, MaxTextLen},
		{"sc", c.Scope, false, MaxTextLen},
		{"emp", c.Employer, false, MaxTextLen},
	}
	for _, t := range texts {
		if t.required && strings.TrimSpace(t.value) == "" {
			return bad(t.claim, "is missing")
		}
		if err := CheckText(t.value, t.max); err != nil {
			return bad(t.claim, "%v", err)
		}
	}
	if !datePattern.MatchString(c.ReviewDate) {
		return bad("rd", "must be a date YYYY-MM-DD")
	}
	if _, err := time.Parse(time.DateOnly, c.ReviewDate); err != nil {
		return bad("rd", "is not a real date")
	}
	if !c.Route.Valid() {
		return bad("rt", "must be regular, green_channel or targeted")
	}
	if (c.Route == RouteTargeted) != (c.Scope != "") {
		return bad("sc", "must be present exactly when the route is targeted")
	}
	if c.Status != nil {
		if c.Status.StatusList.Index < 0 {
			return bad("status", "index is negative")
		}
		u := c.Status.StatusList.URI
		if u == "" || len(u) > MaxStatusURILen || !strings.HasPrefix(u, "https://") && !strings.HasPrefix(u, "http://") {
			return bad("status", "uri must be an http(s) URL")
		}
	}
	return nil
}

// CheckText reports whether s is valid UTF-8 of at most max characters with
// no control characters. Certificates are printed and displayed, so a
// control character is never legitimate.
func CheckText(s string, max int) error {
	if !utf8.ValidString(s) {
		return errors.New("is not valid UTF-8")
	}
	if n := utf8.RuneCountInString(s); n > max {
		return fmt.Errorf("is %d characters long, at most %d allowed", n, max)
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == '\u2028' || r == '\u2029' || (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069) {
			return fmt.Errorf("contains the control character %U", r)
		}
	}
	return nil
}
