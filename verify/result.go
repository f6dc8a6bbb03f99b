package verify

import (
	"context"
	"crypto/ecdsa"
	"encoding/json"
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
// `titlecert verify --json` (one object per line) and returned by the API
// (docs/FORMAT.md §10).
//
// It keeps three things apart. Status is the verdict. Why a result is not
// valid is in one field per kind of verdict: Reason for Invalid and
// Unreadable (what is wrong with the input), StatusReason for Unknown (why
// the revocation status could not be established) and RevocationReason for
// Revoked and Suspended (the issuer's reason code). Err, when set, says
// that the verifier could not check (I/O, network, storage, a cancelled
// context): Status is then Unknown, never Invalid, and the certificate
// may well be valid. The JSON form has one "reason" member: whichever of
// the three applies (ReasonCode).
type Result struct {
	Input  string
	Status Verdict
	// Reason says why the result is Invalid or Unreadable; "" otherwise.
	Reason Reason
	// StatusReason says why the status is Unknown; "" otherwise.
	StatusReason StatusReason
	// RevocationReason is the reason code of a Revoked or Suspended
	// certificate (FORMAT.md §11.2), "unspecified" when its status list
	// names none; "" otherwise.
	RevocationReason RevocationReason
	// Err, when set, is the error that kept the verifier from checking:
	// not a fault of the certificate. Status is Unknown. It is not part
	// of the JSON form (Detail says it for people).
	Err    error
	Detail string // a sentence for people; never contains an ID number
	Source string
	KeyID  string
	// IDNumberMatch says whether Options.IDNumber is the holder's.
	IDNumberMatch *bool
	// IDNumberCheck says what IDNumberMatch compared: IDCheckRecord,
	// IDCheckHash (the whole number) or IDCheckVisibleDigits (the eight
	// characters the masked number shows).
	IDNumberCheck string
	CheckedAt     time.Time
	// StatusChecked reports whether revocation was checked at all (a
	// status source was given).
	StatusChecked bool
	StatusList    *StatusListInfo
	RevokedAt     *time.Time
	SuspendedAt   *time.Time
	Certificate   *cert.Claims
	// JWS is the certificate's compact JWS: as issued when Options.Record
	// knows it, otherwise as given.
	JWS string
	// Code is the certificate's verification code (docs/FORMAT.md §7): the
	// printed one, of the JWS as issued, when Options.Record knows it;
	// otherwise cert.CanonicalCode, the same for an ES256 certificate and
	// its twin. Set whenever Certificate is.
	Code string
	// Original, for a PDF, reports whether the file is byte-identical to
	// the one its certificate renders to (package verify/scan); nil for
	// other inputs.
	Original *bool
	// Warnings are sentences for people about what was checked, e.g. that
	// a PDF's visible content may have been altered. They never change
	// Status.
	Warnings []string
}

// RevocationReason is an issuer's reason code for revoking or suspending
// a certificate (docs/FORMAT.md §11.2), as its status list carries it.
type RevocationReason string

// ReasonUnspecified is the RevocationReason of a revoked or suspended
// certificate whose status list names no reason.
const ReasonUnspecified RevocationReason = "unspecified"

// ReasonCode returns the "reason" of the JSON form: Reason, StatusReason or
// RevocationReason, whichever the verdict has.
func (r *Result) ReasonCode() string {
	switch {
	case r.Reason != "":
		return string(r.Reason)
	case r.StatusReason != "":
		return string(r.StatusReason)
	}
	return string(r.RevocationReason)
}

// CouldNotCheck reports whether the verifier could not check (Err is set).
func (r *Result) CouldNotCheck() bool { return r.Err != nil }

// resultJSON is the JSON form of a Result (docs/FORMAT.md §10): the member
// names and their order are a contract.
type resultJSON struct {
	Input         string          `json:"input,omitempty"`
	Status        Verdict         `json:"status"`
	Reason        string          `json:"reason,omitempty"`
	Detail        string          `json:"detail,omitempty"`
	Source        string          `json:"source,omitempty"`
	KeyID         string          `json:"kid,omitempty"`
	IDNumberMatch *bool           `json:"id_number_match,omitempty"`
	IDNumberCheck string          `json:"id_number_check,omitempty"`
	CheckedAt     time.Time       `json:"checked_at"`
	StatusChecked bool            `json:"status_checked"`
	StatusList    *StatusListInfo `json:"status_list,omitempty"`
	RevokedAt     *time.Time      `json:"revoked_at,omitempty"`
	SuspendedAt   *time.Time      `json:"suspended_at,omitempty"`
	Certificate   *cert.Claims    `json:"certificate,omitempty"`
	JWS           string          `json:"jws,omitempty"`
	Code          string          `json:"code,omitempty"`
	Original      *bool           `json:"original,omitempty"`
	Warnings      []string        `json:"warnings,omitempty"`
}

// MarshalJSON writes the JSON form of docs/FORMAT.md §10, with "reason"
// from ReasonCode.
func (r Result) MarshalJSON() ([]byte, error) {
	return json.Marshal(resultJSON{
		Input: r.Input, Status: r.Status, Reason: r.ReasonCode(), Detail: r.Detail, Source: r.Source, KeyID: r.KeyID,
		IDNumberMatch: r.IDNumberMatch, IDNumberCheck: r.IDNumberCheck, CheckedAt: r.CheckedAt, StatusChecked: r.StatusChecked,
		StatusList: r.StatusList, RevokedAt: r.RevokedAt, SuspendedAt: r.SuspendedAt, Certificate: r.Certificate,
		JWS: r.JWS, Code: r.Code, Original: r.Original, Warnings: r.Warnings,
	})
}

// UnmarshalJSON reads the JSON form, putting "reason" in the field its
// status gives it (Err stays nil: the JSON form does not carry it).
func (r *Result) UnmarshalJSON(b []byte) error {
	var j resultJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	*r = Result{
		Input: j.Input, Status: j.Status, Detail: j.Detail, Source: j.Source, KeyID: j.KeyID,
		IDNumberMatch: j.IDNumberMatch, IDNumberCheck: j.IDNumberCheck, CheckedAt: j.CheckedAt, StatusChecked: j.StatusChecked,
		StatusList: j.StatusList, RevokedAt: j.RevokedAt, SuspendedAt: j.SuspendedAt, Certificate: j.Certificate,
		JWS: j.JWS, Code: j.Code, Original: j.Original, Warnings: j.Warnings,
	}
	switch j.Status {
	case Unknown:
		r.StatusReason = StatusReason(j.Reason)
	case Revoked, Suspended:
		r.RevocationReason = RevocationReason(j.Reason)
	default:
		r.Reason = Reason(j.Reason)
	}
	return nil
}

// Sources of the JWS that was checked.
const (
	SourceJWS           = "jws"            // a compact JWS given as text
	SourceURL           = "url"            // QR text given as text
	SourceQRImage       = "qr_image"       // a QR code read from a photo or scan
	SourcePDFAttachment = "pdf_attachment" // a PDF's certificate.jws attachment
	SourcePDFQR         = "pdf_qr"         // the QR code printed on a PDF's page
)

// Check is CheckContext with context.Background().
func Check(text string, o Options) Result {
	return CheckContext(context.Background(), text, o)
}

// CheckContext verifies text that is either a compact JWS or the QR text
// of a certificate and returns a Result; it never fails. Source is set from
// the form of the text. White space around the text and a leading byte
// order mark (U+FEFF) are ignored; UTF-16 text is Unreadable
// (ReasonMalformed), with a detail saying to save it as UTF-8. ctx bounds
// the status look-up (Options.Status).
func CheckContext(ctx context.Context, text string, o Options) Result {
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
	return CheckJWSContext(ctx, token, r.Source, o)
}

// CheckJWS is CheckJWSContext with context.Background().
func CheckJWS(token, source string, o Options) Result {
	return CheckJWSContext(context.Background(), token, source, o)
}

// CheckJWSContext verifies a compact JWS that came from source and returns
// a Result. ctx bounds the status look-up (Options.Status).
func CheckJWSContext(ctx context.Context, token, source string, o Options) Result {
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
		// Not a fault of the certificate: its trust could not be
		// consulted.
		r.Status, r.StatusReason, r.Err, r.Detail = Unknown, ReasonCouldNotCheck, err, "could not check the certificate: "+err.Error()
		return r
	}
	if o.Status != nil {
		checkStatus(ctx, &r, c, o.Status)
	}
	return r
}

// checkStatus consults the status source for a certificate that is
// otherwise valid.
func checkStatus(ctx context.Context, r *Result, c *cert.Claims, src StatusSource) {
	r.StatusChecked = true
	if c.Status == nil {
		r.Status, r.StatusReason, r.Detail = Unknown, ReasonNoStatusReference, "the certificate names no status list"
		return
	}
	ref := c.Status.StatusList
	r.StatusList = &StatusListInfo{URI: ref.URI, Index: ref.Index}
	st, err := src.Status(ctx, c.Issuer, ref.URI, ref.Index)
	if err != nil {
		var se *StatusError
		if errors.As(err, &se) {
			r.Status, r.StatusReason, r.Detail, r.Err = Unknown, se.Reason, se.Detail, se.Err
		} else {
			// An error the source did not explain: the status could not
			// be checked (the reason is the one verifiers have always
			// printed for it).
			r.Status, r.StatusReason, r.Detail, r.Err = Unknown, ReasonStatusListInvalid, err.Error(), err
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
		r.Status, r.RevocationReason, r.RevokedAt = Revoked, st.Reason, since
	case Suspended:
		r.Status, r.RevocationReason, r.SuspendedAt = Suspended, st.Reason, since
	default:
		r.Status, r.StatusReason, r.Detail = Unknown, ReasonStatusListInvalid, "the status list holds an undefined value for this certificate"
		return
	}
	if r.RevocationReason == "" {
		r.RevocationReason = ReasonUnspecified
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
