package cert

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Names and other printed texts reach titlecert from spreadsheets, chat
// apps and input methods, carrying characters nobody sees: zero-width
// spaces, no-break spaces, ideographic spaces, and look-alikes of the
// middle dot that separates the parts of a minority name. A certificate
// signs text, so what is signed must be one canonical form of what the
// holder's documents say, and a look-up must find it whichever variant is
// typed. NormalizeName and NormalizeText give the form that is signed;
// FoldName gives the looser form that look-ups compare.

// NameSeparator is the separator of the parts of a transliterated
// (minority or foreign) name, U+00B7 MIDDLE DOT, as the resident ID card
// writes it (e.g. 阿依古丽·买买提).
const NameSeparator = '·'

// IsSpaceOrInvisible reports whether r is a space of any kind (Unicode
// White_Space or category Zs, which includes U+00A0 and U+3000) or an
// invisible character that has no place in a name or an ID number: the
// format characters (category Cf: zero-width U+200B..U+200D, word joiner
// U+2060, byte-order mark U+FEFF, soft hyphen U+00AD, left-to-right and
// right-to-left marks U+200E, U+200F, U+061C, invisible operators ...)
// except the bidirectional embeddings and isolates U+202A..U+202E and
// U+2066..U+2069, which are refused as control characters instead, and
// the blank fillers U+034F, U+115F, U+1160, U+3164, U+FFA0, U+180E.
func IsSpaceOrInvisible(r rune) bool {
	switch {
	case r < 0x80:
		return r == ' ' || r >= '\t' && r <= '\r'
	case r > 0x3000 && r < 0xfeff && r != 0x3164:
		return false // the ideographs and most of the BMP: no space, no format character
	}
	return unicode.IsSpace(r) || unicode.Is(unicode.Zs, r) || isInvisible(r)
}

// isInvisible reports whether r is an invisible character other than a
// space (see IsSpaceOrInvisible).
func isInvisible(r rune) bool {
	switch {
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
		return false
	case r == '\u034f', r == '\u115f', r == '\u1160', r == '\u3164', r == '\uffa0', r == '\u180e':
		return true
	}
	return unicode.Is(unicode.Cf, r)
}

// isSeparatorLookalike reports whether r is a dot that people and fonts
// use instead of U+00B7 between the parts of a name: bullets, katakana
// middle dots, interpuncts, Greek ano teleia, dot operators, Korean
// araea and the like. Full stops ('.', U+FF0E, U+FE52, U+2024) are
// handled apart, since a Latin name may abbreviate with a full stop.
func isSeparatorLookalike(r rune) bool {
	switch r {
	case '\u00b7', // · MIDDLE DOT
		'\u2022', // • BULLET
		'\u2027', // ‧ HYPHENATION POINT
		'\u30fb', // ・ KATAKANA MIDDLE DOT
		'\uff65', // ･ HALFWIDTH KATAKANA MIDDLE DOT
		'\u02d1', // ˑ MODIFIER LETTER HALF TRIANGULAR COLON
		'\u0387', // · GREEK ANO TELEIA
		'\u16eb', // ᛫ RUNIC SINGLE PUNCTUATION
		'\u2219', // ∙ BULLET OPERATOR
		'\u22c5', // ⋅ DOT OPERATOR
		'\u2e31', // ⸱ WORD SEPARATOR MIDDLE DOT
		'\u318d', // ㆍ HANGUL LETTER ARAEA
		'\ua78f', // ꞏ LATIN LETTER SINNOLOGICAL DOT
		'\u25cf', // ● BLACK CIRCLE
		'\u02d9', // ˙ DOT ABOVE (a middle dot in CJK fonts)
		'\u30a0', // ゠ KATAKANA-HIRAGANA DOUBLE HYPHEN
		'\u1427', // ᐧ CANADIAN SYLLABICS FINAL MIDDLE DOT
		'\u2e33': // ⸳ RAISED DOT
		return true
	}
	return false
}

// isFullStop reports whether r is a full stop: '.', which stays a full
// stop between ASCII characters ("J. Smith"), and the full-width, small,
// one-dot-leader and ideographic ones (U+FF0E, U+FE52, U+2024, U+3002 。,
// U+FF61 ｡), which in a name can only be the separator.
func isFullStop(r rune) bool {
	return r == '.' || r == '\uff0e' || r == '\ufe52' || r == '\u2024' || r == '\u3002' || r == '\uff61'
}

// isNameDash reports whether r is a dash or a dash-like mark (Unicode Pd,
// the minus sign, the katakana prolonged sound marks ー and ｰ, the hyphen
// bullet), or one of the marks a name of ideographs never holds that
// fonts draw like a separator (the spacing cedilla U+00B8, the vertical
// ellipsis U+FE19). Between two ideographs NormalizeName refuses them;
// FoldName drops them.
func isNameDash(r rune) bool {
	switch r {
	case '\u2212', '\u30fc', '\uff70', '\u2043', '\u00b8', '\ufe19':
		return true
	}
	if r < 0x80 {
		return r == '-'
	}
	return unicode.Is(unicode.Pd, r)
}

// isCombiningMark reports whether r is a combining mark (Unicode M) other
// than a variation selector, which may select the form of an ideograph.
func isCombiningMark(r rune) bool {
	return r >= 0x300 && unicode.Is(unicode.M, r) && !unicode.Is(unicode.Variation_Selector, r)
}

// checkNameForm refuses, in a name otherwise canonical, what the resident
// ID card never writes in a name of ideographs: a combining mark attached
// to an ideograph (U+0323 under 丽: invisible at a glance) and a dash
// between two ideographs (阿依古丽-买买提: its parts are separated by ·).
func checkNameForm(name string, err error) (string, error) {
	if err != nil {
		return "", err
	}
	prev := rune(-1) // the previous rune that is not a space
	for i, r := range name {
		switch {
		case isCombiningMark(r) && isIdeograph(prev):
			return "", &TextError{Kind: "notid", Rune: r}
		case isNameDash(r) && isIdeograph(prev):
			next := rune(-1) // the next rune that is neither a space nor a dash
			for _, n := range name[i+utf8.RuneLen(r):] {
				if n != ' ' && !isNameDash(n) {
					next = n
					break
				}
			}
			if isIdeograph(next) {
				return "", &TextError{Kind: "notid", Rune: r}
			}
		}
		if r != ' ' {
			prev = r
		}
	}
	return name, nil
}

func isLineBreak(r rune) bool {
	return r == '\n' || r == '\r' || r == '\u0085' || r == '\u2028' || r == '\u2029' || r == '\v' || r == '\f'
}

// isCompatIdeograph reports whether r is a CJK compatibility ideograph
// (U+F900..U+FAFF, U+2F800..U+2FA1F). Unicode normalization maps most of
// them to a unified ideograph, but they are how some people's documents
// write their names, so the signed form keeps them.
func isCompatIdeograph(r rune) bool {
	return r >= 0xf900 && r <= 0xfaff || r >= 0x2f800 && r <= 0x2fa1f
}

func isIdeograph(r rune) bool {
	return unicode.Is(unicode.Han, r) || isCompatIdeograph(r)
}

// TextError says why a text cannot be put on a certificate. Chinese and
// English describe it in plain words for the person who typed it.
type TextError struct {
	// Kind is "utf8" (not valid UTF-8), "linebreak" (a line break inside
	// the text), "control" (another control character), "lost" (U+FFFD or
	// a question mark where a character was lost, names only) or
	// "separator" (a name that starts or ends with a separator or has two
	// in a row) or "notid" (a name not as the resident ID card writes it:
	// a combining mark on an ideograph, a dash between ideographs).
	Kind string
	// Rune is the offending character, when there is one.
	Rune rune
}

func (e *TextError) Error() string { return "cert: " + e.English() }

// English describes the problem in English.
func (e *TextError) English() string {
	switch e.Kind {
	case "utf8":
		return "is not valid UTF-8 text"
	case "linebreak":
		return "contains a line break inside the cell: remove it (in Excel, a line break typed with Alt+Enter)"
	case "control":
		return fmt.Sprintf("contains the control character %U", e.Rune)
	case "lost":
		return fmt.Sprintf("contains %q where a character was lost (a wrong encoding or a character the keyboard could not type): type the name again", string(e.Rune))
	case "notid":
		if isCombiningMark(e.Rune) {
			return fmt.Sprintf("has the combining mark %U on a Chinese character, which the resident ID card does not write: type the name as the ID card writes it", e.Rune)
		}
		return fmt.Sprintf("has %q (%U) between Chinese characters, which the resident ID card does not write: the parts of a name are separated by · (U+00B7) only; type the name as the ID card writes it", string(e.Rune), e.Rune)
	}
	return "the name separator · must stand between two parts of the name, once"
}

// Chinese describes the problem in Chinese.
func (e *TextError) Chinese() string {
	switch e.Kind {
	case "utf8":
		return "不是有效的 UTF-8 文字"
	case "linebreak":
		return "单元格内有换行：请删除换行（Excel 中用 Alt+Enter 输入的换行）"
	case "control":
		return fmt.Sprintf("含有控制字符 %U", e.Rune)
	case "lost":
		return fmt.Sprintf("含有“%s”，这里原本的字已丢失（编码错误或无法输入的字）：请重新输入姓名", string(e.Rune))
	case "notid":
		if isCombiningMark(e.Rune) {
			return fmt.Sprintf("汉字上附有组合符号 %U，居民身份证上的姓名不会这样写：请按身份证上的写法填写姓名", e.Rune)
		}
		return fmt.Sprintf("汉字之间有“%s”（%U），居民身份证上的姓名不会这样写：姓名各部分之间只用“·”分隔，请按身份证上的写法填写", string(e.Rune), e.Rune)
	}
	return "姓名分隔符 · 只能出现在姓名两部分之间，且只能有一个"
}

// NormalizeName returns the canonical form of a holder's name, the form a
// certificate signs:
//   - invisible characters (see IsSpaceOrInvisible) are removed;
//   - spaces of every kind (no-break U+00A0, ideographic U+3000, tabs ...)
//     are removed at both ends, next to a separator and between two
//     ideographs, and become one ASCII space elsewhere (between the words
//     of a Latin-script name);
//   - look-alikes of the separator (U+2022, U+2027, U+30FB, U+FF65, U+02D1,
//     U+0387, U+16EB, U+2219, U+22C5, U+02D9, U+30A0, U+1427, U+2E33 ...)
//     become U+00B7, and so do the full-width, small and ideographic full
//     stops (U+FF0E, U+FE52, U+2024, U+3002 。, U+FF61 ｡) and an
//     ASCII '.' next to a character outside ASCII ("J. Smith" keeps its
//     full stop);
//   - the rest is put in Unicode NFC, except CJK compatibility ideographs,
//     which are kept as written (NFC would replace them with the unified
//     ideograph, which is not what the holder's documents show); CJK
//     Extension A and B characters are kept too.
//
// It returns a *TextError for a line break, another control character,
// U+FFFD or '?' (a character lost on the way), a separator at either end
// or doubled, and (Kind "notid") what the resident ID card never writes
// in a name: a combining mark on an ideograph, a dash (-, U+2010..U+2015,
// U+2212, ー, ｰ ...), U+00B8 or U+FE19 between two ideographs. A space
// between two ideographs is removed, not taken as the separator (欧阳 娜娜
// is 欧阳娜娜): FoldName makes look-ups find a name whichever way its
// separator was typed. It does not check the length or whether a font can draw
// the name. Normalizing a normalized name changes nothing.
func NormalizeName(s string) (string, error) {
	if !utf8.ValidString(s) {
		return "", &TextError{Kind: "utf8"}
	}
	for _, r := range s {
		switch {
		case r == utf8.RuneError || r == '?' || r == '\uff1f':
			return "", &TextError{Kind: "lost", Rune: r}
		case isLineBreak(r):
			return "", &TextError{Kind: "linebreak", Rune: r}
		}
	}
	if plainName(s) {
		return checkNameForm(checkSeparators(nfcKeepingCompat(s)))
	}
	return checkNameForm(normalizeName(s))
}

// normalizeName is NormalizeName of a valid UTF-8 name without lost
// characters or line breaks, the long way.
func normalizeName(s string) (string, error) {
	// First pass: drop invisibles, mark spaces, map separators.
	const space = -1
	var rs []rune
	for _, r := range s {
		switch {
		case r == '\t' || IsSpaceOrInvisible(r) && !isInvisible(r):
			if len(rs) > 0 && rs[len(rs)-1] != space {
				rs = append(rs, space)
			}
		case isInvisible(r):
		case isSeparatorLookalike(r):
			rs = append(rs, NameSeparator)
		default:
			if err := checkControl(r); err != nil {
				return "", err
			}
			rs = append(rs, r)
		}
	}
	// Full stops next to a non-ASCII character are separators.
	for i, r := range rs {
		if !isFullStop(r) {
			continue
		}
		prev, next := neighbour(rs, i, -1), neighbour(rs, i, +1)
		if prev > unicode.MaxASCII || next > unicode.MaxASCII || r != '.' {
			rs[i] = NameSeparator
		}
	}
	// Second pass: resolve spaces.
	var b strings.Builder
	for i, r := range rs {
		if r != space {
			b.WriteRune(r)
			continue
		}
		prev, next := neighbour(rs, i, -1), neighbour(rs, i, +1)
		if prev < 0 || next < 0 || prev == NameSeparator || next == NameSeparator || isIdeograph(prev) && isIdeograph(next) {
			continue
		}
		b.WriteByte(' ')
	}
	return checkSeparators(nfcKeepingCompat(b.String()))
}

// checkSeparators returns name, or an error if a separator starts or ends
// it or follows another.
func checkSeparators(name string) (string, error) {
	if strings.HasPrefix(name, string(NameSeparator)) || strings.HasSuffix(name, string(NameSeparator)) ||
		strings.Contains(name, string([]rune{NameSeparator, NameSeparator})) {
		return "", &TextError{Kind: "separator", Rune: NameSeparator}
	}
	return name, nil
}

// plainName reports whether the name s, already checked for lost
// characters and line breaks, has nothing NormalizeName would change but
// perhaps its normalization form: no space, no invisible or control
// character, no separator look-alike or full stop. Most names are plain.
func plainName(s string) bool {
	for _, r := range s {
		if r < 0x80 {
			if r <= ' ' || r == 0x7f || r == '.' {
				return false
			}
			continue
		}
		if r == NameSeparator {
			continue
		}
		if IsSpaceOrInvisible(r) || isSeparatorLookalike(r) || isFullStop(r) || checkControl(r) != nil {
			return false
		}
	}
	return true
}

// plainText reports whether NormalizeText would change nothing in s but
// perhaps its normalization form: only single ASCII spaces between other
// characters, no invisible or control character, no line break, no
// U+FFFD.
func plainText(s string) bool {
	prevSpace := true // no space at the start
	for _, r := range s {
		switch {
		case r == ' ':
			if prevSpace {
				return false
			}
			prevSpace = true
			continue
		case r < 0x80:
			if r < ' ' || r == 0x7f {
				return false
			}
		case r == utf8.RuneError || IsSpaceOrInvisible(r) || isLineBreak(r) || checkControl(r) != nil:
			return false
		}
		prevSpace = false
	}
	return !prevSpace || s == ""
}

// NormalizeText returns the canonical form of a printed text other than a
// name (committee, approval document number, employer, region ...):
// invisible characters removed, every run of spaces of any kind made one
// ASCII space, none at either end, and NFC except CJK compatibility
// ideographs (as in NormalizeName). It returns a *TextError for a line
// break or another control character; U+FFFD is returned as "lost".
func NormalizeText(s string) (string, error) {
	if !utf8.ValidString(s) {
		return "", &TextError{Kind: "utf8"}
	}
	if plainText(s) {
		return nfcKeepingCompat(s), nil
	}
	return normalizeText(s)
}

// normalizeText is NormalizeText of valid UTF-8, the long way.
func normalizeText(s string) (string, error) {
	var b strings.Builder
	b.Grow(len(s))
	pending := false
	for _, r := range s {
		switch {
		case r == utf8.RuneError:
			return "", &TextError{Kind: "lost", Rune: r}
		case isLineBreak(r):
			return "", &TextError{Kind: "linebreak", Rune: r}
		case isInvisible(r):
		case r == '\t' || IsSpaceOrInvisible(r):
			pending = b.Len() > 0
		default:
			if err := checkControl(r); err != nil {
				return "", err
			}
			if pending {
				b.WriteByte(' ')
				pending = false
			}
			b.WriteRune(r)
		}
	}
	return nfcKeepingCompat(b.String()), nil
}

// FoldName returns the form of a name that look-ups compare, so that a
// name typed on a phone or copied from a chat finds the certificate
// whatever variant it uses. It turns full-width ASCII (U+FF01..U+FF5E)
// into ASCII, removes every space and invisible character, the separator
// U+00B7 and every look-alike of it, full stop and dash (isNameDash), and
// combining marks on an ideograph, and applies Unicode NFC to the whole (so
// canonical equivalents compare equal and CJK compatibility ideographs
// fold into their unified ideograph). So 阿依古丽·买买提, 阿依古丽 买买提,
// 阿依古丽买买提, 阿依古丽｡买买提 and 阿依古丽-买买提 fold alike: the
// certificate number is the key of a look-up, the name only confirms it.
// Two names with the same fold are the same name for a look-up; FoldName is
// never what a certificate signs.
func FoldName(s string) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\ufffd")
	}
	var b strings.Builder
	b.Grow(len(s))
	prev := rune(-1) // the last rune kept
	for _, r := range s {
		if r >= 0xff01 && r <= 0xff5e {
			r = r - 0xff01 + 0x21
		}
		if IsSpaceOrInvisible(r) || r == NameSeparator || isSeparatorLookalike(r) || isFullStop(r) || isNameDash(r) ||
			isCombiningMark(r) && isIdeograph(prev) {
			continue
		}
		b.WriteRune(r)
		prev = r
	}
	return norm.NFC.String(b.String())
}

func checkControl(r rune) error {
	if r < 0x20 || r == 0x7f || r >= 0x80 && r < 0xa0 || r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069 {
		return &TextError{Kind: "control", Rune: r}
	}
	return nil
}

// neighbour returns the nearest rune of rs before (dir -1) or after (dir
// +1) index i that is not a space mark, or -1.
func neighbour(rs []rune, i, dir int) rune {
	for j := i + dir; j >= 0 && j < len(rs); j += dir {
		if rs[j] >= 0 {
			return rs[j]
		}
	}
	return -1
}

// nfcKeepingCompat applies NFC to s piecewise, leaving CJK compatibility
// ideographs as they are. They decompose to one character and combine
// with nothing, so normalizing the pieces between them is normalizing the
// whole except for them.
func nfcKeepingCompat(s string) string {
	if quickNFC(s) || norm.NFC.IsNormalString(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	start := 0
	for i, r := range s {
		if isCompatIdeograph(r) {
			b.WriteString(norm.NFC.String(s[start:i]))
			b.WriteRune(r)
			start = i + utf8.RuneLen(r)
		}
	}
	b.WriteString(norm.NFC.String(s[start:]))
	return b.String()
}

// quickNFC reports, without the normalization tables, whether s is
// certainly in NFC: all its characters are below U+0300 (ASCII and
// Latin-1), CJK symbols, kana (but the combining voice marks) and unified
// ideographs U+3000..U+9FFF, or half- and full-width forms. Most names
// and texts of a roster are.
func quickNFC(s string) bool {
	for _, r := range s {
		switch {
		case r < 0x300, r >= 0x3000 && r < 0xa000 && r != 0x3099 && r != 0x309a, r >= 0xff00 && r <= 0xffef:
		default:
			return false
		}
	}
	return true
}
