package verify

import (
	"errors"
	"strings"
	"time"

	"github.com/titlecert/titlecert/cert"
)

// Verdict is the overall status of a checked certificate.
type Verdict string

// Verdicts. Revocation adds "revoked", "suspended" and "unknown".
const (
	Valid   Verdict = "valid"
	Invalid Verdict = "invalid"
)

// Result is the outcome of checking one input, as printed by
// `titlecert verify --json` (one object per line) and returned by the API.
type Result struct {
	Input         string       `json:"input,omitempty"`
	Status        Verdict      `json:"status"`
	Reason        Reason       `json:"reason,omitempty"`
	Detail        string       `json:"detail,omitempty"`
	Source        string       `json:"source,omitempty"`
	KeyID         string       `json:"kid,omitempty"`
	IDNumberMatch *bool        `json:"id_number_match,omitempty"`
	CheckedAt     time.Time    `json:"checked_at"`
	Certificate   *cert.Claims `json:"certificate,omitempty"`
	JWS           string       `json:"jws,omitempty"`
}

// Sources of the JWS that was checked.
const (
	SourceJWS = "jws"
	SourceURL = "url"
)

// Check verifies text that is either a compact JWS or the QR text of a
// certificate and returns a Result; it never fails. Source is set from the
// form of the text.
func Check(text string, o Options) Result {
	text = strings.TrimSpace(text)
	r := Result{CheckedAt: o.now().UTC().Truncate(time.Second), Source: SourceJWS}
	token := text
	if cert.LooksLikeQRText(text) {
		r.Source = SourceURL
		t, err := cert.ParseQRText(text)
		if err != nil {
			reason := ReasonMalformed
			if errors.Is(err, cert.ErrTooLarge) {
				reason = ReasonTooLarge
			}
			r.Status, r.Reason, r.Detail = Invalid, reason, strings.TrimPrefix(err.Error(), "cert: ")
			return r
		}
		token = t
	}
	return CheckJWS(token, r.Source, o)
}

// CheckJWS verifies a compact JWS that came from source and returns a
// Result.
func CheckJWS(token, source string, o Options) Result {
	r := Result{CheckedAt: o.now().UTC().Truncate(time.Second), Source: source}
	c, key, err := Verify(token, o)
	if key != nil {
		r.KeyID = key.KeyID
	}
	if c != nil && key != nil {
		r.Certificate = c
		r.JWS = strings.TrimSpace(token)
	}
	if o.IDNumber != "" && (err == nil || errors.Is(err, ErrHolderMismatch)) {
		m := err == nil
		r.IDNumberMatch = &m
	}
	var inv *InvalidError
	switch {
	case err == nil:
		r.Status = Valid
	case errors.As(err, &inv):
		r.Status, r.Reason, r.Detail = Invalid, inv.Reason, inv.Detail
	default:
		r.Status, r.Reason, r.Detail = Invalid, ReasonMalformed, err.Error()
	}
	return r
}
