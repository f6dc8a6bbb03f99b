package verify

import (
	"crypto/ecdsa"
	"errors"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/titlecert/titlecert/cert"
)

// Verdict is the overall status of a checked certificate.
type Verdict string

// Verdicts. Only Valid is good; Unknown means the certificate is genuine
// but its revocation status could not be established, which is never to be
// taken as valid. Unreadable says nothing about any certificate: no
// certificate could be read from the input (a photo without a readable
// QR code, a PDF with neither attachment nor readable code, a file that
// cannot be parsed), so there was nothing to verify; the person should
// try again with a better picture or the original file.
const (
	Valid      Verdict = "valid"
	Invalid    Verdict = "invalid"    // forged, tampered, untrusted or malformed
	Revoked    Verdict = "revoked"    // permanently withdrawn by its issuer
	Suspended  Verdict = "suspended"  // on hold during an investigation
	Unknown    Verdict = "unknown"    // revocation status cannot be established
	Unreadable Verdict = "unreadable" // no certificate could be read from the input
)

// ReasonNoCertificateFound is the reason of an Unreadable result for an
// input that was read but holds no certificate: no readable QR code in a
// photo, neither a certificate attachment nor a readable code in a PDF.
// Unreadable results for files that cannot be parsed, or that exceed a
// limit, carry ReasonMalformed or ReasonTooLarge.
const ReasonNoCertificateFound Reason = "no_certificate_found"

// StatusListInfo says which status list entry was consulted and how fresh
// the list was.
type StatusListInfo struct {
	URI       string    `json:"uri"`
	Index     int64     `json:"idx"`
	IssuedAt  time.Time `json:"list_issued_at,omitzero"`
	ExpiresAt time.Time `json:"list_expires_at,omitzero"`
}

// Result is the outcome of checking one input, as printed by
// `titlecert verify --json` (one object per line) and returned by the API.
type Result struct {
	Input         string  `json:"input,omitempty"`
	Status        Verdict `json:"status"`
	Reason        Reason  `json:"reason,omitempty"`
	Detail        string  `json:"detail,omitempty"`
	Source        string  `json:"source,omitempty"`
	KeyID         string  `json:"kid,omitempty"`
	IDNumberMatch *bool   `json:"id_number_match,omitempty"`
	// IDNumberCheck says what IDNumberMatch compared: IDCheckRecord,
	// IDCheckHash (the whole number) or IDCheckVisibleDigits (the eight
	// characters the masked number shows).
	IDNumberCheck string    `json:"id_number_check,omitempty"`
	CheckedAt     time.Time `json:"checked_at"`
	// StatusChecked reports whether revocation was checked at all (a
	// status source was given).
	StatusChecked bool            `json:"status_checked"`
	StatusList    *StatusListInfo `json:"status_list,omitempty"`
	RevokedAt     *time.Time      `json:"revoked_at,omitempty"`
	SuspendedAt   *time.Time      `json:"suspended_at,omitempty"`
	Certificate   *cert.Claims    `json:"certificate,omitempty"`
	// JWS is the certificate's compact JWS: as issued when Options.Record
	// knows it, otherwise as given.
	JWS string `json:"jws,omitempty"`
	// Code is the certificate's verification code (docs/FORMAT.md §7): the
	// printed one, of the JWS as issued, when Options.Record knows it;
	// otherwise cert.CanonicalCode, the same for an ES256 certificate and
	// its twin. Set whenever Certificate is.
	Code string `json:"code,omitempty"`
	// Original, for a PDF, reports whether the file is byte-identical to
	// the one its certificate renders to (package verify/scan); nil for
	// other inputs.
	Original *bool `json:"original,omitempty"`
	// Warnings are sentences for people about what was checked, e.g. that
	// a PDF's visible content may have been altered. They never change
	// Status.
	Warnings []string `json:"warnings,omitempty"`
}

// Sources of the JWS that was checked.
const (
	SourceJWS           = "jws"            // a compact JWS given as text
	SourceURL           = "url"            // QR text given as text
	SourceQRImage       = "qr_image"       // a QR code read from a photo or scan
	SourcePDFAttachment = "pdf_attachment" // a PDF's certificate.jws attachment
	SourcePDFQR         = "pdf_qr"         // the QR code printed on a PDF's page
)

// Check verifies text that is either a compact JWS or the QR text of a
// certificate and returns a Result; it never fails. Source is set from the
// form of the text. White space around the text and a leading byte order
// mark (U+FEFF) are ignored; UTF-16 text is Unreadable (ReasonMalformed),
// with a detail saying to save it as UTF-8.
func Check(text string, o Options) Result {
	// A byte order mark (Notepad's "UTF-8") is ignored like white space.
	text = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(text), "\uFEFF"))
	r := Result{CheckedAt: o.now().UTC().Truncate(time.Second), Source: SourceJWS}
	if strings.HasPrefix(text, "\xFF\xFE") || strings.HasPrefix(text, "\xFE\xFF") || len(text) >= 2 && (text[0] == 0 || text[1] == 0) {
		// UTF-16 text (with its byte order mark, or ASCII without): no
		// certificate can be read from it as it is.
		r.Status, r.Reason = Unreadable, ReasonMalformed
		r.Detail = "the text is UTF-16: save the file as UTF-8 (or plain ASCII) text and verify it again"
		return r
	}
	token := text
	if cert.LooksLikeQRText(text) {
		r.Source = SourceURL
		t, err := cert.ParseQRText(text)
		if err != nil {
			status, reason := Invalid, ReasonMalformed
			switch {
			case errors.Is(err, cert.ErrTooLarge):
				reason = ReasonTooLarge
			case errors.Is(err, cert.ErrQRTextSuffix):
				// The digits may be a genuine certificate's, followed by
				// text that is not: say nothing about the certificate.
				status = Unreadable
			}
			r.Status, r.Reason, r.Detail = status, reason, certMessage(err)
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
	c, key, idCheck, err := verifyToken(token, o)
	if key != nil {
		r.KeyID = key.KeyID
	}
	if c != nil && key != nil {
		r.Certificate = c
		r.JWS = strings.TrimSpace(token)
		r.Code = cert.CanonicalCode(r.JWS, keyAlgorithm(key))
		if o.Record != nil {
			if issued, ok := o.Record(c); ok && cert.SigningInput(issued) == cert.SigningInput(r.JWS) {
				r.JWS, r.Code = issued, cert.VerificationCode(issued)
			}
		}
	}
	if o.IDNumber != "" && (err == nil || errors.Is(err, ErrHolderMismatch)) {
		m := err == nil
		r.IDNumberMatch, r.IDNumberCheck = &m, idCheck
	}
	var inv *InvalidError
	switch {
	case err == nil:
		r.Status = Valid
	case errors.As(err, &inv):
		r.Status, r.Reason, r.Detail = Invalid, inv.Reason, inv.Detail
		return r
	default:
		r.Status, r.Reason, r.Detail = Invalid, ReasonMalformed, err.Error()
		return r
	}
	if o.Status != nil {
		checkStatus(&r, c, o.Status)
	}
	return r
}

// checkStatus consults the status source for a certificate that is
// otherwise valid.
func checkStatus(r *Result, c *cert.Claims, src StatusSource) {
	r.StatusChecked = true
	if c.Status == nil {
		r.Status, r.Reason, r.Detail = Unknown, ReasonNoStatusReference, "the certificate names no status list"
		return
	}
	ref := c.Status.StatusList
	r.StatusList = &StatusListInfo{URI: ref.URI, Index: ref.Index}
	st, err := src.Status(c.Issuer, ref.URI, ref.Index)
	if err != nil {
		var se *StatusError
		if errors.As(err, &se) {
			r.Status, r.Reason, r.Detail = Unknown, se.Reason, se.Detail
		} else {
			r.Status, r.Reason, r.Detail = Unknown, ReasonStatusListInvalid, err.Error()
		}
		return
	}
	r.StatusList.IssuedAt, r.StatusList.ExpiresAt = st.ListIssuedAt.UTC(), st.ListExpiresAt.UTC()
	var since *time.Time
	if !st.Since.IsZero() {
		t := st.Since.UTC()
		since = &t
	}
	switch st.Value {
	case Valid:
		return
	case Revoked:
		r.Status, r.Reason, r.RevokedAt = Revoked, Reason(st.Reason), since
	case Suspended:
		r.Status, r.Reason, r.SuspendedAt = Suspended, Reason(st.Reason), since
	default:
		r.Status, r.Reason, r.Detail = Unknown, ReasonStatusListInvalid, "the status list holds an undefined value for this certificate"
		return
	}
	if r.Reason == "" {
		r.Reason = "unspecified"
	}
}

// keyAlgorithm returns the JWS algorithm of a trusted key: its "alg", or
// the one its type implies.
func keyAlgorithm(k *jose.JSONWebKey) string {
	if k.Algorithm != "" {
		return k.Algorithm
	}
	if _, ok := k.Key.(*ecdsa.PublicKey); ok {
		return string(jose.ES256)
	}
	return string(jose.EdDSA)
}
