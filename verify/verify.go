// Package verify decides whether a title certificate is genuine. The CLI
// (titlecert verify) and the verification server share it, so a verdict is
// the same wherever it is asked for.
//
// Verify is shaped like crypto/x509's Certificate.Verify: Options carry the
// trusted keys (a Trust) and an injectable clock, and an invalid certificate
// yields an *InvalidError whose Reason says why; any other error means the
// certificate could not be checked. Check wraps Verify into the Result
// object that `titlecert verify --json` prints and the server's API
// returns, which keeps the verdict, why a certificate is not valid and
// "could not check" apart.
//
// Security notes: every input is size-checked before parsing; only EdDSA
// and ES256 signatures are accepted (never "none", never an HMAC); the key
// is chosen by "kid" from the trusted set only, never from the token, and
// vouches only for certificates of the issuer it is bound to
// (Trust.Key); the payload is inflated with a cap. One signed
// certificate has one reading and one text: white space inside a token, a
// header other than exactly alg/kid/typ ("crit" included), duplicate or
// case-variant member names at any level and invalid UTF-8 are malformed;
// an ES256 certificate and its twin (r, n−s) get one code (Result.Code).
// The package imports the standard library and the JWS code only.
package verify

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/titlecert/titlecert/cert"
)

// Reason says why a certificate is not valid (Result.Status Invalid), or
// why no certificate could be read (Unreadable).
type Reason string

// Reasons an *InvalidError carries. They are stable identifiers, printed by
// `titlecert verify --json` and returned by the API as "reason".
const (
	ReasonMalformed            Reason = "malformed"
	ReasonTooLarge             Reason = "too_large"
	ReasonUnsupportedAlgorithm Reason = "unsupported_algorithm"
	ReasonBadType              Reason = "bad_type"
	ReasonUntrustedIssuer      Reason = "untrusted_issuer"
	ReasonBadSignature         Reason = "bad_signature"
	ReasonBadClaims            Reason = "bad_claims"
	ReasonNotYetValid          Reason = "not_yet_valid"
	ReasonHolderMismatch       Reason = "holder_mismatch"
	// ReasonPDFMismatch: the QR code printed on a PDF carries another
	// certificate than the PDF's attachment (see package verify/scan).
	ReasonPDFMismatch Reason = "pdf_mismatch"
)

// Sentinel errors, one per reason, so callers can use errors.Is.
var (
	ErrMalformed            = errors.New("verify: malformed certificate")
	ErrTooLarge             = errors.New("verify: input too large")
	ErrUnsupportedAlgorithm = errors.New("verify: unsupported algorithm")
	ErrBadType              = errors.New("verify: not a title certificate")
	ErrUntrustedIssuer      = errors.New("verify: signed by an untrusted key")
	ErrBadSignature         = errors.New("verify: bad signature")
	ErrBadClaims            = errors.New("verify: invalid claims")
	ErrNotYetValid          = errors.New("verify: issued in the future")
	ErrHolderMismatch       = errors.New("verify: the ID number does not match the holder")
	ErrPDFMismatch          = errors.New("verify: the PDF's printed QR code and its attachment disagree")
)

var sentinels = map[Reason]error{
	ReasonMalformed:            ErrMalformed,
	ReasonTooLarge:             ErrTooLarge,
	ReasonUnsupportedAlgorithm: ErrUnsupportedAlgorithm,
	ReasonBadType:              ErrBadType,
	ReasonUntrustedIssuer:      ErrUntrustedIssuer,
	ReasonBadSignature:         ErrBadSignature,
	ReasonBadClaims:            ErrBadClaims,
	ReasonNotYetValid:          ErrNotYetValid,
	ReasonHolderMismatch:       ErrHolderMismatch,
	ReasonPDFMismatch:          ErrPDFMismatch,
}

// InvalidError reports that a certificate is not valid, as opposed to an
// error that prevented checking it.
type InvalidError struct {
	Reason Reason
	Detail string // a sentence for people; never contains an ID number
}

func (e *InvalidError) Error() string {
	if e.Detail == "" {
		return sentinels[e.Reason].Error()
	}
	return sentinels[e.Reason].Error() + ": " + e.Detail
}

// Is makes errors.Is(err, ErrBadSignature) and friends work.
func (e *InvalidError) Is(target error) bool { return sentinels[e.Reason] == target }

func invalid(r Reason, format string, args ...any) *InvalidError {
	return &InvalidError{Reason: r, Detail: fmt.Sprintf(format, args...)}
}

// ChinaTime is China Standard Time (UTC+8, no daylight saving), in which
// review dates are calendar dates.
//
// Deprecated: use cert.ChinaTime, which this is.
var ChinaTime = cert.ChinaTime

// ClockSkew is how far in the future an issue time may be before the
// certificate is "not yet valid".
const ClockSkew = 5 * time.Minute

// Options configure Verify.
type Options struct {
	// Trust finds the issuer keys a certificate may be signed with, and
	// the issuer each vouches for (PinnedKeys for a pinned JWKS, as
	// keys.ReadTrust reads a trust file). A certificate is untrusted_issuer when Trust does
	// not know its key, when the key signs for another issuer than the
	// certificate's "iss" (issuer B's key never vouches for a certificate
	// that claims to be issuer A's), or when the certificate was issued
	// outside the key's validity window. Nil trusts no key.
	Trust Trust
	// Now returns the current time; time.Now when nil.
	Now func() time.Time
	// IDNumber, when set, is the holder's full resident ID number to
	// confirm: through Holder when it is set and knows the certificate,
	// otherwise against the certificate's salted hash (claim "hih") when it
	// has one, otherwise against the visible characters of the masked
	// number only. Result.IDNumberCheck says which.
	IDNumber string
	// Holder, when set, confirms a full ID number against the issuer's own
	// record of the certificate (the verification server sets it: the
	// store keeps a keyed hash of each holder's number). ok is false when
	// it has no record of the certificate.
	Holder func(c *cert.Claims, idNumber string) (match, ok bool)
	// Record, when set, returns the issuer's own record of a certificate
	// that verified: the compact JWS as issued (and printed as a code)
	// for issuer c.Issuer's certificate c.Number; ok is false when it has
	// none. When that JWS has the same signing input (header and payload)
	// as the one checked, Result.JWS and Result.Code are the issued ones:
	// an ES256 twin (r, n−s) made without the key resolves to the
	// certificate as issued. The verification server sets it.
	Record func(c *cert.Claims) (jws string, ok bool)
	// Status, when set, is consulted for the certificate's revocation
	// status (see package verify/statuslist). When nil, revocation is not
	// checked and Result.StatusChecked is false.
	Status StatusSource
}

// StatusSource tells the status of a certificate's entry in its issuer's
// status list.
type StatusSource interface {
	// Status returns the status of entry idx of the list at uri, which
	// issuer iss must have signed. ctx bounds any fetch (a cancelled ctx
	// ends it). An error means the status cannot be established; a
	// *StatusError says why, and its Err, when set, that the list could
	// not be obtained (I/O, network: Result.Err). Any other error is
	// reported as could-not-check too.
	Status(ctx context.Context, iss, uri string, idx int64) (EntryStatus, error)
}

// EntryStatus is one entry of a status list.
type EntryStatus struct {
	Value         Verdict          // Valid, Revoked or Suspended
	Reason        RevocationReason // reason code (FORMAT.md §11.2) of a revoked or suspended entry, when the list carries it
	Since         time.Time        // when the status took effect, when the list carries it
	ListIssuedAt  time.Time
	ListExpiresAt time.Time
}

// StatusError says why a certificate's status cannot be established.
type StatusError struct {
	Reason StatusReason // one of the ReasonStatus... reasons
	Detail string
	// Err, when set, is the error that kept the list from being obtained
	// (I/O, network, a cancelled context): the status could not be
	// checked, as opposed to a list that is there and says it cannot be
	// used (expired, untrusted, invalid).
	Err error
}

func (e *StatusError) Error() string {
	return "verify: status unknown: " + string(e.Reason) + ": " + e.Detail
}

// Unwrap returns Err.
func (e *StatusError) Unwrap() error { return e.Err }

// StatusReason says why a certificate's status is Unknown.
type StatusReason string

// Reasons for the Unknown verdict, printed as "reason" like a Reason.
const (
	ReasonStatusListMissing   StatusReason = "status_list_missing"
	ReasonStatusListExpired   StatusReason = "status_list_expired"
	ReasonStatusListUntrusted StatusReason = "status_list_untrusted"
	ReasonStatusListInvalid   StatusReason = "status_list_invalid"
	ReasonNoStatusReference   StatusReason = "no_status_reference"
	// ReasonCouldNotCheck: the verifier met an error that is not about
	// the certificate (its Trust could not be consulted, I/O); Result.Err
	// holds it.
	ReasonCouldNotCheck StatusReason = "could_not_check"
)

// trustedKey asks o.Trust for key kid of issuer iss; a nil Trust knows no
// key.
func (o *Options) trustedKey(iss, kid string) (*TrustedKey, error) {
	if o.Trust == nil {
		return nil, fmt.Errorf("%w: key %q", ErrUnknownKey, kid)
	}
	k, err := o.Trust.Key(iss, kid)
	if err == nil && k == nil {
		return nil, fmt.Errorf("%w: key %q", ErrUnknownKey, kid)
	}
	return k, err
}

func (o *Options) now() time.Time {
	if o.Now != nil {
		return o.Now()
	}
	return time.Now()
}

// Verify checks a compact JWS and returns its claims. The checks run in the
// order of docs/FORMAT.md: size, the token's text and header (one line,
// canonical base64url, exactly alg, kid and typ: "crit" and duplicate or
// case-variant members are malformed), algorithm allow-list, "typ", "kid"
// in the trusted set, signature, inflated size, claims (decoded strictly:
// malformed) and dates, the key's issuer binding and validity window
// (Options.Trust: untrusted_issuer), then the optional holder ID number.
// A certificate that is not valid gives an *InvalidError. Any other error
// (from Options.Trust) means the certificate could not be checked.
func Verify(token string, o Options) (*cert.Claims, *jose.JSONWebKey, error) {
	c, key, _, err := verifyToken(token, o)
	return c, key, err
}

// certDetail is what package cert says is wrong with its input, without
// its prefix or kind ("not canonical base64url"), for Result.Detail.
func certDetail(err error) string {
	var ce *cert.Error
	var cl *cert.ClaimError
	switch {
	case errors.As(err, &ce):
		return ce.Detail
	case errors.As(err, &cl):
		return cl.Detail()
	}
	return err.Error()
}

// certMessage is certDetail with the kind ("input too large: ...").
func certMessage(err error) string {
	var ce *cert.Error
	if errors.As(err, &ce) {
		return ce.Message()
	}
	return err.Error()
}

// verifyToken is Verify that also says how the ID number was checked.
func verifyToken(token string, o Options) (_ *cert.Claims, _ *jose.JSONWebKey, idCheck string, _ error) {
	token = strings.TrimSpace(token)
	if len(token) > cert.MaxJWSLen {
		return nil, nil, "", invalid(ReasonTooLarge, "a certificate JWS has at most %d characters, this one %d", cert.MaxJWSLen, len(token))
	}
	obj, err := cert.ParseCompact(token)
	if err != nil {
		switch {
		case errors.Is(err, cert.ErrUnsupportedAlgorithm):
			return nil, nil, "", invalid(ReasonUnsupportedAlgorithm, "%s", certMessage(err))
		case errors.Is(err, cert.ErrTooLarge):
			return nil, nil, "", invalid(ReasonTooLarge, "%s", certDetail(err))
		default:
			return nil, nil, "", invalid(ReasonMalformed, "not a compact JWS: %s", certDetail(err))
		}
	}
	h := obj.Signatures[0].Protected
	if typ, _ := h.ExtraHeaders[jose.HeaderType].(string); typ != cert.MediaType {
		return nil, nil, "", invalid(ReasonBadType, "header typ is %q, want %q", typ, cert.MediaType)
	}
	if _, ok := h.ExtraHeaders["zip"]; ok {
		return nil, nil, "", invalid(ReasonMalformed, "header zip is not part of the format")
	}
	if h.KeyID == "" {
		return nil, nil, "", invalid(ReasonUntrustedIssuer, "the certificate names no key (kid)")
	}
	// The key whatever its issuer: the signature is checked before the
	// signed "iss" is read, and the binding after.
	tk, err := o.trustedKey("", h.KeyID)
	if err != nil {
		if errors.Is(err, ErrUnknownKey) || errors.Is(err, ErrWrongIssuer) {
			return nil, nil, "", invalid(ReasonUntrustedIssuer, "key %q is not in the trusted key set", h.KeyID)
		}
		return nil, nil, "", err
	}
	key := tk.Key
	if key.KeyID == "" {
		key.KeyID = h.KeyID
	}
	if key.Algorithm != "" && key.Algorithm != h.Algorithm {
		return nil, nil, "", invalid(ReasonUnsupportedAlgorithm, "the certificate says %s but key %q is for %s", h.Algorithm, h.KeyID, key.Algorithm)
	}
	payload, err := obj.Verify(key.Key)
	if err != nil {
		return nil, nil, "", invalid(ReasonBadSignature, "the signature does not match the certificate's contents")
	}
	c, err := cert.DecodePayload(payload)
	if err != nil {
		if errors.Is(err, cert.ErrTooLarge) {
			return nil, nil, "", invalid(ReasonTooLarge, "%s", certMessage(err))
		}
		return nil, nil, "", invalid(ReasonMalformed, "%s", certDetail(err))
	}
	if err := c.Validate(); err != nil {
		return nil, nil, "", invalid(ReasonBadClaims, "%s", certDetail(err))
	}
	bound, err := o.trustedKey(c.Issuer, h.KeyID)
	switch {
	case err == nil:
	case errors.Is(err, ErrWrongIssuer) || errors.Is(err, ErrUnknownKey):
		if tk.Issuer != "" && tk.Issuer != c.Issuer {
			return nil, nil, "", invalid(ReasonUntrustedIssuer, "key %q signs for issuer %q, but the certificate claims issuer %q", key.KeyID, tk.Issuer, c.Issuer)
		}
		return nil, nil, "", invalid(ReasonUntrustedIssuer, "key %q does not sign for issuer %q", key.KeyID, c.Issuer)
	default:
		return nil, nil, "", err
	}
	if !bound.Covers(c.IssuedTime()) {
		return nil, nil, "", invalid(ReasonUntrustedIssuer, "key %q is not trusted for certificates issued at %s", key.KeyID, c.IssuedTime().UTC().Format(time.RFC3339))
	}
	now := o.now()
	if c.IssuedTime().After(now.Add(ClockSkew)) {
		return c, &key, "", invalid(ReasonNotYetValid, "issued at %s, after the time of checking", c.IssuedTime().Format(time.RFC3339))
	}
	// A review date is a calendar date in China (UTC+8): it starts at
	// midnight there, and must not start after the certificate was issued.
	rd, _ := time.ParseInLocation(time.DateOnly, c.ReviewDate, cert.ChinaTime)
	if rd.After(c.IssuedTime()) {
		return c, &key, "", invalid(ReasonBadClaims, "review date %s is after the issue date", c.ReviewDate)
	}
	if o.IDNumber != "" {
		match, how := o.MatchHolder(c)
		if !match {
			return c, &key, how, invalid(ReasonHolderMismatch, "the ID number given is not the holder's")
		}
		idCheck = how
	}
	return c, &key, idCheck, nil
}

// How a full ID number was confirmed (Result.IDNumberCheck).
const (
	IDCheckRecord        = "record"         // the issuer's record: the whole number
	IDCheckHash          = "hash"           // the certificate's salted hash: the whole number
	IDCheckVisibleDigits = "visible_digits" // only the 8 characters the masked number shows
)

// MatchHolder confirms o.IDNumber for the verified claims c and says how
// (IDCheckRecord, IDCheckHash or IDCheckVisibleDigits), as Verify does.
func (o *Options) MatchHolder(c *cert.Claims) (bool, string) {
	if o.Holder != nil {
		if match, ok := o.Holder(c, o.IDNumber); ok {
			return match, IDCheckRecord
		}
	}
	if c.HolderIDHash != nil {
		return c.HolderIDHash.Matches(o.IDNumber), IDCheckHash
	}
	return cert.MatchesMask(o.IDNumber, c.HolderIDMask), IDCheckVisibleDigits
}
