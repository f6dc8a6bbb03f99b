package cert

import (
	"fmt"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"
)

// QRPath is the path segment, under the issuer's base URL, that introduces
// the numeric encoding of a certificate in QR text. Readers match it
// case-insensitively ("/C/" or "/c/").
const QRPath = "/C/"

// MaxQRTextLen bounds QR text accepted by ParseQRText, in bytes (a
// version-40 code holds at most 7,089 digits).
const MaxQRTextLen = 8 << 10

// QRForm is how QR text writes the issuer's base URL. It is part of how a
// certificate renders: a PDF shows its QR code, so an issued certificate
// renders again to the bytes issued only in the form it was issued with,
// which the issuer's store records for each certificate. Both forms carry
// the same JWS and verify alike (ParseQRText reads both).
//
// The zero value is QRFormLower.
type QRForm uint8

const (
	// QRFormLower writes the scheme and host of the base URL in lower
	// case and the rest as configured:
	// "https://verify.hrss.fj.gov.cn/C/5676…". The prefix goes in the QR
	// byte mode, the digits in the numeric mode. It is the form titlecert
	// issues (docs/FORMAT.md §5.1).
	QRFormLower QRForm = 0
	// QRFormUpper writes the whole base URL in upper case
	// ("HTTPS://VERIFY.HRSS.FJ.GOV.CN/C/5676…") so that the prefix fits
	// the QR alphanumeric mode: the legacy form, which titlecert issued
	// first. Several phone scanners and browsers do not open an
	// upper-case scheme. Certificates issued in it keep it.
	QRFormUpper QRForm = 1
)

// QRFormCurrent is the form of new certificates.
const QRFormCurrent = QRFormLower

// String returns "lower" or "upper" (or "QRForm(n)" for an unknown value).
func (f QRForm) String() string {
	switch f {
	case QRFormLower:
		return "lower"
	case QRFormUpper:
		return "upper"
	}
	return fmt.Sprintf("QRForm(%d)", uint8(f))
}

// Check returns an error for a value that is not one of the defined forms
// (a store record written by a newer titlecert, or damaged).
func (f QRForm) Check() error {
	if f != QRFormLower && f != QRFormUpper {
		return fmt.Errorf("cert: unknown QR text form %d: the certificate was recorded by a newer version of titlecert, which can render it", uint8(f))
	}
	return nil
}

// Text returns the text of a certificate's QR code in form f: the
// issuer's base URL (without trailing '/') as f writes it, QRPath and the
// JWS in numeric form, two digits per character (c - 45), as in SMART
// Health Cards. An unknown form gives QRFormLower's text; callers that
// render issued certificates check the form first (Check).
func (f QRForm) Text(baseURL, jws string) string {
	var b strings.Builder
	base := f.base(baseURL)
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

// base is the base URL as the QR text of form f writes it.
func (f QRForm) base(baseURL string) string {
	base := strings.TrimRight(baseURL, "/")
	if f == QRFormUpper {
		// Exactly as the legacy renderer wrote it: the PDFs issued depend on it.
		return strings.ToUpper(base)
	}
	return lowerSchemeHost(base)
}

// URL returns an address of the issuer (such as the verification address
// printed under the QR code) as a certificate of form f shows it: as
// configured in QRFormUpper (as the legacy renderer printed it), with the scheme
// and host in lower case in QRFormLower, like its QR text.
func (f QRForm) URL(u string) string {
	if f == QRFormUpper {
		return u
	}
	return lowerSchemeHost(u)
}

// lowerSchemeHost lower-cases the ASCII letters of u up to the end of its
// host (the first '/' after "://"); u without "://" is returned as is.
// Only ASCII letters change, so the result has the length of u.
func lowerSchemeHost(u string) string {
	i := strings.Index(u, "://")
	if i < 0 {
		return u
	}
	end := len(u)
	if j := strings.IndexByte(u[i+3:], '/'); j >= 0 {
		end = i + 3 + j
	}
	b := []byte(u)
	for k := 0; k < end; k++ {
		if c := b[k]; 'A' <= c && c <= 'Z' {
			b[k] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// QRText returns the QR text of a new certificate: QRFormCurrent.Text.
// Render an issued certificate with the form it was issued with.
//
// Deprecated: use Issuer.QRText, which derives the text from the issuer's
// configuration in the certificate's own form, as every caller in titlecert
// does.
func QRText(baseURL, jws string) string {
	return QRFormCurrent.Text(baseURL, jws)
}

// QRPrefixOK reports whether baseURL parses as an http(s) URL without
// query or fragment and uses only ASCII characters of the QR alphanumeric
// set once its ASCII letters are upper-cased (so that a certificate's QR text can be written in
// either form and the server can match its path case-insensitively).
func QRPrefixOK(baseURL string) error {
	return qrPrefixOK(baseURL, false)
}

// QRPrefixIssuedOK is the check for a base URL already configured, with
// which certificates may have been issued: QRPrefixOK, except that a
// non-ASCII character whose upper case is in the QR alphanumeric set
// ('ſ', 'ı'), which titlecert accepted before it required
// ASCII, is let through, so that such an issuer can still serve, render
// and revoke what it issued. New configurations use QRPrefixOK.
func QRPrefixIssuedOK(baseURL string) error {
	return qrPrefixOK(baseURL, true)
}

func qrPrefixOK(baseURL string, issued bool) error {
	u, err := url.Parse(baseURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("cert: base URL %q must be an http(s) URL without query or fragment", baseURL)
	}
	// The characters of baseURL itself, never its upper-case mapping:
	// 'ſ', 'ı' and the Kelvin sign upper-case to ASCII letters, but a QR
	// code carries them as UTF-8 that scanners read as other characters.
	for _, r := range strings.TrimRight(baseURL, "/") {
		if r >= utf8.RuneSelf && issued && qrAlphanumeric(strings.ToUpper(string(r))) {
			continue
		}
		if r >= utf8.RuneSelf {
			return fmt.Errorf("cert: base URL %q contains %q, which is not ASCII: a QR code cannot carry it so that phones open the address; write a non-ASCII host in its ASCII (xn--…) form", baseURL, r)
		}
		if 'a' <= r && r <= 'z' {
			r -= 'a' - 'A'
		}
		if !strings.ContainsRune("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:", r) {
			return fmt.Errorf("cert: base URL %q contains %q, which a QR code cannot carry compactly; use letters, digits, '.', '-', '/' and ':'", baseURL, r)
		}
	}
	return nil
}

// ParseQRText extracts the compact JWS from QR text in either form
// (QRForm.Text). Any base URL is accepted: trust comes from the signature,
// never from the address.
//
// A URL holds no white space, so the text is read as words separated by
// white space: a caption a chat app or a person adds before or after the
// URL is another word. The certificate's URL is the last word whose path
// (what comes before its first '?' or '#': a query such as
// "?from=singlemessage" or a fragment is not read) holds QRPath, matched
// case-insensitively. The digits follow the last QRPath of that path; they
// must be an even number of pairs, each from 00 to 77. What follows them
// ends the link, as white space does, when it cannot continue a URL path:
// the end of the path, a final '/', an '&' (a parameter appended without
// '?'), any non-ASCII character (a zero-width space or byte-order mark a
// chat app adds, '。', '，', '）', '」' of the sentence the link was copied
// from) or the ASCII punctuation . , ; ! ) ] } > " ' — with anything
// after it. Something that continues the path there (a letter, a digit
// after '/', ':', '%') is an error that wraps both ErrQRTextSuffix and
// ErrMalformed; other faults wrap ErrMalformed; all give the position
// (in bytes from 1). Text longer than MaxQRTextLen bytes wraps
// ErrTooLarge.
//
// Matching is done on the bytes of text itself, never on a case-mapped or
// normalised copy, whose length may differ (upper-case 'ȿ' is a byte
// longer).
func ParseQRText(text string) (string, error) {
	jws, _, err := SplitQRText(text)
	return jws, err
}

// SplitQRText is ParseQRText that also returns the base URL as the QR
// text wrote it: what precedes QRPath in the certificate's word ("" when
// nothing does).
func SplitQRText(text string) (jws, base string, err error) {
	if len(text) > MaxQRTextLen {
		return "", "", errorf(ErrTooLarge, "QR text has %d bytes, at most %d", len(text), MaxQRTextLen)
	}
	at, path, seg := -1, "", -1 // the certificate's word: offset, path, QRPath in it
	for i := 0; i < len(text); {
		if r, size := utf8.DecodeRuneInString(text[i:]); unicode.IsSpace(r) {
			i += size
			continue
		}
		j := i
		for j < len(text) {
			r, size := utf8.DecodeRuneInString(text[j:])
			if unicode.IsSpace(r) {
				break
			}
			j += size
		}
		p := text[i:j]
		if k := strings.IndexAny(p, "?#"); k >= 0 {
			p = p[:k]
		}
		if k := lastQRPath(p); k >= 0 {
			at, path, seg = i, p, k
		}
		i = j
	}
	if at < 0 {
		return "", "", errorf(ErrMalformed, "QR text has no %q segment", QRPath)
	}
	start := seg + len(QRPath)
	rest := path[start:]
	n := 0
	for n < len(rest) && '0' <= rest[n] && rest[n] <= '9' {
		n++
	}
	digits, tail := rest[:n], rest[n:]
	if n > 0 && !endsQRURL(tail) {
		r, _ := utf8.DecodeRuneInString(tail)
		return "", "", errorf(ErrQRTextSuffix, "QR text has %q at position %d, where only digits may be (or, after them, the end of the link: '?', '&', '#', a final '/', punctuation, white space); give the link alone", r, at+start+n+1)
	}
	if tail != "" && n == 0 {
		r, _ := utf8.DecodeRuneInString(tail)
		return "", "", errorf(ErrMalformed, "QR text has %q at position %d, where only digits may be", r, at+start+1)
	}
	if n == 0 || n%2 != 0 {
		return "", "", errorf(ErrMalformed, "QR text must have an even number of digits after %q, it has %d", QRPath, n)
	}
	out := make([]byte, n/2)
	for j := 0; j < n; j += 2 {
		v := (digits[j]-'0')*10 + (digits[j+1] - '0')
		if v > 77 {
			return "", "", errorf(ErrMalformed, "QR digit pair %02d at position %d out of range (00 to 77)", v, at+start+j+1)
		}
		out[j/2] = v + 45
	}
	return string(out), path[:seg], nil
}

// ErrQRTextSuffix, which wraps ErrMalformed, is wrapped by the error of
// ParseQRText for text whose digits are followed by something that
// continues the URL's path (a letter, ':', another digit group after '/'):
// the digits before it may be a genuine certificate's, so the text is not
// a certificate's link as printed rather than a forged certificate.
var ErrQRTextSuffix = fmt.Errorf("%w: the link goes on after the digits", ErrMalformed)

// endsQRURL reports whether tail, what follows the digits of QR text in
// the certificate's word, ends the link: nothing, a final '/', an '&'
// with anything after it, a non-ASCII character (U+200B, U+FEFF, '。',
// '）', U+3000, an invalid byte…: a URL path written as QR text holds
// none) or ASCII sentence punctuation . , ; ! ) ] } > " ' with anything
// after it (the link was copied out of a sentence).
func endsQRURL(tail string) bool {
	if tail == "" || tail == "/" {
		return true
	}
	c := tail[0]
	return c >= utf8.RuneSelf || strings.IndexByte("&.,;!)]}>\"'", c) >= 0
}

// qrAlphanumeric reports whether every character of s is in the QR
// alphanumeric set.
func qrAlphanumeric(s string) bool {
	for _, r := range s {
		if !strings.ContainsRune("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:", r) {
			return false
		}
	}
	return s != ""
}

// lastQRPath returns the byte index of the last QRPath in s, matched
// case-insensitively ("/C/" or "/c/"), or -1.
func lastQRPath(s string) int {
	for i := len(s) - len(QRPath); i >= 0; i-- {
		if s[i] == '/' && (s[i+1] == 'C' || s[i+1] == 'c') && s[i+2] == '/' {
			return i
		}
	}
	return -1
}

// LooksLikeQRText reports whether s is QR text rather than a bare JWS: it
// holds QRPath, matched case-insensitively.
func LooksLikeQRText(s string) bool {
	return lastQRPath(s) >= 0
}
