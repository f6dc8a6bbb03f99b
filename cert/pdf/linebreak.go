package pdf

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Line breaking: a line never starts with closing punctuation and never
// ends with opening punctuation; Latin words are kept whole unless a word
// alone is wider than the line.
const (
	noLineStart = "，。、；：？！）》」』〕】〉”’,.;:?!)]}%·…—"
	noLineEnd   = "（《「『〔【〈“‘([{"
)

// breakable reports whether a line may break on either side of r, as
// between two Chinese characters.
func breakable(r rune) bool {
	return r >= 0x2E80 || unicode.Is(unicode.Han, r)
}

// units splits s into the pieces line breaking keeps together: a Chinese
// character (with the closing punctuation after it), a Latin word, a space.
// Opening punctuation sticks to what follows it. The units are consecutive
// substrings of s.
func units(s string) []string { return appendUnits(nil, s) }

// appendUnits appends the units of s to out.
func appendUnits(out []string, s string) []string {
	start, end := 0, 0 // the current unit is s[start:end]
	var last rune      // its last character
	open := false      // it ends with opening punctuation
	flush := func() {
		if end > start {
			out = append(out, s[start:end])
		}
		start = end
	}
	for i, c := range s {
		next := i + utf8.RuneLen(c)
		switch {
		case c == ' ':
			flush()
			out = append(out, " ")
			start = next
			open = false
		case strings.ContainsRune(noLineStart, c):
		case strings.ContainsRune(noLineEnd, c):
			if !open {
				flush()
			}
			open = true
		case breakable(c):
			if !open {
				flush()
			}
			open = false
		default: // part of a Latin word or a number
			if !open && end > start && breakable(last) {
				flush()
			}
			open = false
		}
		end, last = next, c
	}
	flush()
	return out
}

// wrap breaks s into lines no wider than w at the current font size. The
// lines are substrings of s.
func (p *page) wrap(s string, w float64) []string {
	var lines []string
	start, end := -1, 0 // the current line is s[start:end], empty if start < 0
	lw := 0.0
	emit := func() {
		if start >= 0 {
			if t := strings.TrimRight(s[start:end], " "); t != "" {
				lines = append(lines, t)
			}
		}
		start = -1
		lw = 0
	}
	pos := 0
	p.units = appendUnits(p.units[:0], s)
	for _, u := range p.units {
		us := pos // u is s[us:pos]
		pos += len(u)
		uw := p.width(u)
		if u == " " && start < 0 {
			continue
		}
		if lw+uw <= w {
			if start < 0 {
				start = us
			}
			end = pos
			lw += uw
			continue
		}
		if start >= 0 {
			emit()
			if u == " " {
				continue
			}
		}
		if uw <= w {
			start, end = us, pos
			lw = uw
			continue
		}
		// A unit wider than the line: break it between characters.
		for i, c := range u {
			cw := p.runeWidth(c)
			if lw+cw > w && start >= 0 {
				emit()
			}
			if start < 0 {
				start = us + i
			}
			end = us + i + utf8.RuneLen(c)
			lw += cw
		}
	}
	emit()
	return lines
}
