package cert

import (
	"fmt"
	"net/url"
	"strings"
)

// QRPath is the path segment, under the issuer's base URL, that introduces
// the numeric encoding of a certificate in QR text.
const QRPath = "/C/"

// MaxQRTextLen bounds QR text accepted by ParseQRText (a version-40 code
// holds at most 7,089 digits).
const MaxQRTextLen = 8 << 10

// QRText returns the text of a certificate's QR code: the issuer's base URL
// upper-cased (so that a QR encoder can use the alphanumeric mode), QRPath
// and the JWS in numeric form, two digits per character (c - 45), as in
// SMART Health Cards. Upper-casing is harmless for the scheme and host;
// the verification server matches the path case-insensitively.
func QRText(baseURL, jws string) string {
	var b strings.Builder
	base := strings.ToUpper(strings.TrimRight(baseURL, "/"))
	b.Grow(len(base) + len(QRPath) + 2*len(jws))
	b.WriteString(base)
	b.WriteString(QRPath)
	for i := 0; i < len(jws); i++ {
		d := jws[i] - 45
		b.WriteByte('0' + d/10)
		b.WriteByte('0' + d%10)
	}
	return b.String()
}

// QRPrefixOK reports whether baseURL upper-cased uses only characters of
// the QR alphanumeric set and parses as an http(s) URL.
func QRPrefixOK(baseURL string) error {
	u, err := url.Parse(baseURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("cert: base URL %q must be an http(s) URL without query or fragment", baseURL)
	}
	for _, r := range strings.ToUpper(strings.TrimRight(baseURL, "/")) {
		if !strings.ContainsRune("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:", r) {
			return fmt.Errorf("cert: base URL %q contains %q, which a QR code cannot carry compactly; use letters, digits, '.', '-', '/' and ':'", baseURL, r)
		}
	}
	return nil
}

// ParseQRText extracts the compact JWS from QR text made by QRText. Any
// base URL is accepted: trust comes from the signature, never from the
// address. The digits after the last QRPath (case-insensitive) must be an
// even number of pairs, each from 00 to 77.
func ParseQRText(text string) (string, error) {
	if len(text) > MaxQRTextLen {
		return "", fmt.Errorf("%w: QR text has %d characters, at most %d", ErrTooLarge, len(text), MaxQRTextLen)
	}
	i := strings.LastIndex(strings.ToUpper(text), QRPath)
	if i < 0 {
		return "", fmt.Errorf("%w: QR text has no %q segment", ErrMalformed, QRPath)
	}
	digits := text[i+len(QRPath):]
	if len(digits) == 0 || len(digits)%2 != 0 {
		return "", fmt.Errorf("%w: QR text must end in an even number of digits", ErrMalformed)
	}
	out := make([]byte, len(digits)/2)
	for j := 0; j < len(digits); j += 2 {
		a, b := digits[j], digits[j+1]
		if a < '0' || a > '9' || b < '0' || b > '9' {
			return "", fmt.Errorf("%w: QR text has a non-digit at position %d", ErrMalformed, i+len(QRPath)+j+1)
		}
		v := (a-'0')*10 + (b - '0')
		if v > 77 {
			return "", fmt.Errorf("%w: QR digit pair %02d out of range", ErrMalformed, v)
		}
		out[j/2] = v + 45
	}
	return string(out), nil
}

// LooksLikeQRText reports whether s is QR text rather than a bare JWS.
func LooksLikeQRText(s string) bool {
	return strings.Contains(strings.ToUpper(s), QRPath)
}
