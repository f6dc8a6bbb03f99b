package cert

import (
	"fmt"
	"strings"
)

// Error is what this package returns for input it refuses: a certificate,
// a JWS or a QR text that is too large, malformed or signed with an
// algorithm outside Algorithms. Kind is the sentinel it matches under
// errors.Is (ErrTooLarge, ErrMalformed, ErrQRTextSuffix, which wraps
// ErrMalformed, or ErrUnsupportedAlgorithm);
// Detail says what is wrong, without the package prefix, and is safe to
// show (it never holds an ID number).
type Error struct {
	Kind   error
	Detail string
}

func (e *Error) Error() string { return e.Kind.Error() + ": " + e.Detail }

// Unwrap returns Kind.
func (e *Error) Unwrap() error { return e.Kind }

// Message is Error without the package prefix, e.g. "unsupported
// algorithm: "HS256" (allowed: EdDSA, ES256)".
func (e *Error) Message() string {
	return strings.TrimPrefix(e.Kind.Error(), "cert: ") + ": " + e.Detail
}

func errorf(kind error, format string, args ...any) error {
	return &Error{Kind: kind, Detail: fmt.Sprintf(format, args...)}
}

// ClaimError is the error Claims.Validate returns: Claim is the member
// name of the first offending claim (docs/FORMAT.md §4, e.g. "hn"), Problem
// what is wrong with it. It matches ErrInvalidClaims under errors.Is.
type ClaimError struct {
	Claim   string
	Problem string
}

func (e *ClaimError) Error() string { return ErrInvalidClaims.Error() + ": " + e.Detail() }

// Unwrap returns ErrInvalidClaims.
func (e *ClaimError) Unwrap() error { return ErrInvalidClaims }

// Detail is the message without the package prefix, e.g. `"exp" is
// before "iat"`, safe to show.
func (e *ClaimError) Detail() string { return fmt.Sprintf("%q %s", e.Claim, e.Problem) }
