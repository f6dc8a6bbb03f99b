package cert

import (
	"testing"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// FuzzFastPaths checks that the shortcuts for plain names and texts give
// what the long way gives.
func FuzzFastPaths(f *testing.F) {
	for _, s := range []string{"张三", "阿依古丽·买买提", "J. Smith", "a b", " a", "a ", "a  b", "\uf9e1晓明", "Jose\u0301", "·ab", "ab·", "a··b", "\u3099", "Ω"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) {
			return
		}
		if quickNFC(s) && !norm.NFC.IsNormalString(s) {
			t.Fatalf("quickNFC(%+q) but not NFC", s)
		}
		if plainText(s) {
			fast := nfcKeepingCompat(s)
			slow, err := normalizeText(s)
			if err != nil || fast != slow {
				t.Fatalf("text %+q: fast %+q, slow %+q, %v", s, fast, slow, err)
			}
		}
		if plainName(s) {
			fast, ferr := checkSeparators(nfcKeepingCompat(s))
			slow, serr := normalizeName(s)
			if fast != slow || (ferr == nil) != (serr == nil) {
				t.Fatalf("name %+q: fast %+q %v, slow %+q %v", s, fast, ferr, slow, serr)
			}
		}
	})
}

// TestQuickNFC checks the characters quickNFC takes as NFC against the
// normalization tables: each is NFC_QC=Yes, alone and after a letter.
func TestQuickNFC(t *testing.T) {
	for r := rune(0); r < 0x10000; r++ {
		if r >= 0xd800 && r < 0xe000 || !quickNFC(string(r)) {
			continue
		}
		for _, s := range []string{string(r), "a" + string(r), "か" + string(r)} {
			if !norm.NFC.IsNormalString(s) {
				t.Errorf("quickNFC takes %U as NFC; %+q is not", r, s)
			}
		}
	}
}
