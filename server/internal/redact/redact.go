// Package redact removes personal data from what the verification server
// writes down: anything shaped like a resident ID number from every log
// line and audit entry, and client addresses from the HTTP server's own
// error log.
//
// A resident ID number is sensitive personal information (PIPL art. 28):
// a holder who types theirs into the wrong field (the certificate number
// of a download form, a look-up's verification code) must not find it in
// an append-only audit log or an error log. IDNumbers therefore errs on
// the side of removing: any run of 15 or more digits, and any 15 to 18
// digits (the last may be X) split by spaces, dashes, invisible
// characters or . _ / , : + 、 ‧ · (cert.IsIDSeparator), in ASCII or full
// width, is replaced. Certificate numbers
// (10 digits) and the server's own numbers are left alone.
//
// The functions never fail and are safe for concurrent use.
package redact

import (
	"context"
	"fmt"
	"log/slog"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/titlecert/titlecert/cert"
)

// IDMark replaces an ID-number-shaped run of characters.
const IDMark = "[ID number removed]"

// AddressMark replaces an IP address (with its port, if any).
const AddressMark = "[address removed]"

// Lengths of the two kinds of resident ID number (GB 11643-1999 and the
// 15-digit numbers issued before 1999).
const (
	minIDDigits = 15
	maxIDDigits = 18
)

// maxSeparators is how many separator characters may stand between two
// groups of digits of one number ("110105 - 19491231").
const maxSeparators = 3

// IDNumbers returns s with every ID-number-shaped run replaced by IDMark:
// a run of at least 15 digits (any script's decimal digits, full-width
// included), the last possibly followed by X; or consecutive groups of
// digits that together hold 15 to 18 digits (X included), separated by at
// most three separators (cert.IsIDSeparator: spaces, dashes, format
// characters such as the zero-width space, and . _ / , : + 、 ‧ ·).
// Anything else is returned unchanged; s need not be valid UTF-8.
func IDNumbers(s string) string {
	if !hasDigitRun(s) {
		return s
	}
	groups := digitGroups(s)
	var spans [][2]int // byte ranges to replace, in order, possibly overlapping
	for i := 0; i < len(groups); i++ {
		if groups[i].digits >= minIDDigits {
			spans = append(spans, [2]int{groups[i].start, groups[i].end})
			continue
		}
		sum := 0
		for j := i; j < len(groups) && (j == i || groups[j].joined); j++ {
			sum += groups[j].digits
			if sum > maxIDDigits {
				break
			}
			if sum >= minIDDigits {
				spans = append(spans, [2]int{groups[i].start, groups[j].end})
			}
		}
	}
	if len(spans) == 0 {
		return s
	}
	var b strings.Builder
	last := 0 // bytes of s written
	for _, sp := range spans {
		if sp[1] <= last {
			continue
		}
		if sp[0] >= last {
			b.WriteString(s[last:sp[0]])
			b.WriteString(IDMark)
		}
		last = sp[1]
	}
	b.WriteString(s[last:])
	return b.String()
}

// hasDigitRun is a fast check: IDNumbers has nothing to do in a string
// with fewer than 15 digits.
func hasDigitRun(s string) bool {
	n := 0
	for _, r := range s {
		if unicode.IsDigit(r) {
			if n++; n >= minIDDigits {
				return true
			}
		}
	}
	return false
}

// group is a run of digits, with the X that may end an ID number.
type group struct {
	start, end int  // byte offsets in s
	digits     int  // digits, and the final X
	joined     bool // joined to the previous group by separators only
}

func digitGroups(s string) []group {
	var out []group
	sep := -1 // separators since the last group; -1: something else
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case unicode.IsDigit(r):
			g := group{start: i, joined: sep >= 0 && sep <= maxSeparators && len(out) > 0}
			for i < len(s) {
				r, n := utf8.DecodeRuneInString(s[i:])
				if !unicode.IsDigit(r) {
					break
				}
				g.digits++
				i += n
			}
			if r, n := utf8.DecodeRuneInString(s[i:]); isX(r) {
				g.digits++
				i += n
			}
			g.end = i
			out = append(out, g)
			sep = 0
			continue
		case isX(r) && sep > 0 && sep <= maxSeparators && len(out) > 0:
			// "... 002 X": the check character typed apart.
			out = append(out, group{start: i, end: i + n, digits: 1, joined: true})
			sep = 0
		case isSeparator(r):
			if sep >= 0 {
				sep++
			}
		case r == '\\' && escapedSeparator(s[i:]) > 0:
			// A separator quoted by strconv.Quote or %q, as a store's
			// error message quotes what was looked up: "110105\t1949...".
			if sep >= 0 {
				sep++
			}
			i += escapedSeparator(s[i:])
			continue
		default:
			sep = -1
		}
		i += n
	}
	return out
}

// escapedSeparator returns the length of the Go escape sequence at the
// start of s (\t, \n, \r, \uXXXX, \UXXXXXXXX, \xXX) if it stands for a
// separator, and 0 otherwise.
func escapedSeparator(s string) int {
	if len(s) < 2 || s[0] != '\\' {
		return 0
	}
	n := 0
	switch s[1] {
	case 't', 'n', 'r', 'v', 'f':
		return 2
	case 'x':
		n = 2
	case 'u':
		n = 4
	case 'U':
		n = 8
	default:
		return 0
	}
	if len(s) < 2+n {
		return 0
	}
	v, err := strconv.ParseUint(s[2:2+n], 16, 32)
	if err != nil || !isSeparator(rune(v)) {
		return 0
	}
	return 2 + n
}

func isX(r rune) bool {
	switch r {
	case 'X', 'x', 'Ｘ', 'ｘ', '×', 'Ⅹ', 'ⅹ':
		return true
	}
	return false
}

// isSeparator reports whether r may stand between groups of an ID
// number's digits: what cert.IsIDSeparator reads as one (spaces, dashes,
// invisible characters, . _ / , : + 、 ‧ · and their full-width forms), and
// any other white space or format character.
func isSeparator(r rune) bool {
	return cert.IsIDSeparator(r) || unicode.IsSpace(r) || unicode.Is(unicode.Cf, r)
}

// addressCandidate finds what may be an IP address, with a port: a
// bracketed IPv6 address, a dotted IPv4 address, or a bare IPv6 address.
// Each candidate is checked with net/netip before it is replaced.
var addressCandidate = regexp.MustCompile(`\[[0-9A-Za-z:.%_-]+\](?::[0-9]{1,5})?|[0-9]{1,3}(?:\.[0-9]{1,3}){3}(?::[0-9]{1,5})?|(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f.]*(?:%[0-9A-Za-z_.-]+)?`)

// Addresses returns s with every IPv4 and IPv6 address (with its port, if
// any) replaced by AddressMark.
func Addresses(s string) string {
	return addressCandidate.ReplaceAllStringFunc(s, func(c string) string {
		if _, err := netip.ParseAddrPort(c); err == nil {
			return AddressMark
		}
		if _, err := netip.ParseAddr(strings.TrimSuffix(strings.TrimPrefix(c, "["), "]")); err == nil {
			return AddressMark
		}
		// A bare IPv6 address followed by ":port", or by the ':' of the
		// message (kept).
		if i := strings.LastIndexByte(c, ':'); i > 0 && strings.Contains(c[:i], ":") {
			if _, err := netip.ParseAddr(c[:i]); err == nil {
				if c[i+1:] == "" {
					return AddressMark + ":"
				}
				return AddressMark
			}
		}
		return c
	})
}

// Handler returns a slog.Handler that passes every record to h with f
// applied to its message and to every string in its attributes (errors,
// Stringers and other values are formatted first when f changes them),
// groups included.
func Handler(h slog.Handler, f func(string) string) slog.Handler {
	return &handler{h: h, f: f}
}

type handler struct {
	h slog.Handler
	f func(string) string
}

func (h *handler) Enabled(ctx context.Context, l slog.Level) bool { return h.h.Enabled(ctx, l) }

func (h *handler) Handle(ctx context.Context, r slog.Record) error {
	out := slog.NewRecord(r.Time, r.Level, h.f(r.Message), r.PC)
	r.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(h.attr(a))
		return true
	})
	return h.h.Handle(ctx, out)
}

func (h *handler) WithAttrs(as []slog.Attr) slog.Handler {
	clean := make([]slog.Attr, len(as))
	for i, a := range as {
		clean[i] = h.attr(a)
	}
	return &handler{h: h.h.WithAttrs(clean), f: h.f}
}

func (h *handler) WithGroup(name string) slog.Handler {
	return &handler{h: h.h.WithGroup(h.f(name)), f: h.f}
}

func (h *handler) attr(a slog.Attr) slog.Attr {
	a.Key = h.f(a.Key)
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindString:
		a.Value = slog.StringValue(h.f(v.String()))
	case slog.KindGroup:
		as := v.Group()
		clean := make([]slog.Attr, len(as))
		for i, g := range as {
			clean[i] = h.attr(g)
		}
		a.Value = slog.GroupValue(clean...)
	case slog.KindAny:
		text := fmt.Sprint(v.Any())
		if t := h.f(text); t != text {
			a.Value = slog.StringValue(t)
		} else {
			a.Value = v
		}
	default:
		a.Value = v
	}
	return a
}
