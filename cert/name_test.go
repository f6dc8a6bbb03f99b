package cert_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/titlecert/titlecert/cert"
)

func TestNormalizeName(t *testing.T) {
	tests := []struct{ in, want, kind string }{
		{"张三", "张三", ""},
		{" 张三\u3000", "张三", ""},
		{"林\u00a0晓峰", "林晓峰", ""},
		{"陈\u200b雅婷", "陈雅婷", ""},
		{"\ufeff黄丽娟\u2060", "黄丽娟", ""},
		{"欧阳\u200c\u200d娜娜", "欧阳娜娜", ""},
		{"\u200f张\u200e三\u061c", "张三", ""}, // direction marks
		{"张\u3164三\uffa0", "张三", ""},       // Hangul fillers
		{"张\u2061\u2062三\u034f", "张三", ""}, // invisible operators, grapheme joiner
		{"Anna  Maria\u00a0Smith", "Anna Maria Smith", ""},
		{"J. Smith", "J. Smith", ""},
		{"阿依古丽·买买提", "阿依古丽·买买提", ""},
		{"阿依古丽・买买提", "阿依古丽·买买提", ""},
		{"阿依古丽･买买提", "阿依古丽·买买提", ""},
		{"阿依古丽．买买提", "阿依古丽·买买提", ""},
		{"阿依古丽.买买提", "阿依古丽·买买提", ""},
		{"阿依古丽•买买提", "阿依古丽·买买提", ""},
		{"阿依古丽\u2027买买提", "阿依古丽·买买提", ""},
		{"阿依古丽\u02d1买买提", "阿依古丽·买买提", ""},
		{"阿依古丽\u0387买买提", "阿依古丽·买买提", ""},
		{"阿依古丽\u16eb买买提", "阿依古丽·买买提", ""},
		{"阿依古丽\u2219买买提", "阿依古丽·买买提", ""},
		{"阿依古丽 \u00b7 买买提", "阿依古丽·买买提", ""},
		{"\uf9e1晓明", "\uf9e1晓明", ""},       // compatibility ideograph kept
		{"刘\u4dae", "刘\u4dae", ""},         // Extension A kept
		{"\U00020000三", "\U00020000三", ""}, // Extension B kept
		{"Jose\u0301", "José", ""},         // NFC elsewhere
		{"\uf9e1\u0301", "", "notid"},      // a combining mark on an ideograph
		{"张\n三", "", "linebreak"},
		{"张\r三", "", "linebreak"},
		{"张\u2028三", "", "linebreak"},
		{"张\u202e三", "", "control"},
		{"刘?", "", "lost"},
		{"刘\ufffd", "", "lost"},
		{"·买买提", "", "separator"},
		{"买买提 ・", "", "separator"},
		{"买买提·•艾力", "", "separator"},
		{"\xff", "", "utf8"},
		// break-it F2: more look-alikes of the separator.
		{"阿依古丽\u02d9买买提", "阿依古丽·买买提", ""},
		{"阿依古丽\uff61买买提", "阿依古丽·买买提", ""},
		{"阿依古丽\u3002买买提", "阿依古丽·买买提", ""},
		{"阿依古丽\u30a0买买提", "阿依古丽·买买提", ""},
		{"阿依古丽\u1427买买提", "阿依古丽·买买提", ""},
		{"阿依古丽\u2e33买买提", "阿依古丽·买买提", ""},
		{"阿依古丽 \u3002 买买提", "阿依古丽·买买提", ""},
		{"阿依古丽·买买提\u3002", "", "separator"},
		{"\uff61买买提", "", "separator"},
		// Not as the ID card writes it: combining marks on ideographs,
		// dashes between them.
		{"阿依古丽\u0323买买提", "", "notid"},
		{"阿依古\u0301丽", "", "notid"},
		{"张三\u20dd", "", "notid"},
		{"张\u0300\u0301三", "", "notid"},
		{"阿依古丽-买买提", "", "notid"},
		{"阿依古丽 - 买买提", "", "notid"},
		{"阿依古丽\u2010买买提", "", "notid"},
		{"阿依古丽\u2011买买提", "", "notid"},
		{"阿依古丽\u2012买买提", "", "notid"},
		{"阿依古丽\u2013买买提", "", "notid"},
		{"阿依古丽\u2014买买提", "", "notid"},
		{"阿依古丽\u2015买买提", "", "notid"},
		{"阿依古丽\u2212买买提", "", "notid"},
		{"阿依古丽\u2e3a买买提", "", "notid"},
		{"阿依古丽\u30fc买买提", "", "notid"},
		{"阿依古丽\uff70买买提", "", "notid"},
		{"阿依古丽\uff0d买买提", "", "notid"},
		{"阿依古丽\ufe19买买提", "", "notid"},
		{"阿依古丽\u00b8买买提", "", "notid"},
		{"阿依古丽--买买提", "", "notid"},
		{"\uf9e1-晓明", "", "notid"},
		// Latin names keep their hyphens and accents; a variation selector
		// may select an ideograph's form.
		{"Jean-Pierre Dupont", "Jean-Pierre Dupont", ""},
		{"Anne-Marie Müller", "Anne-Marie Müller", ""},
		{"葛\U000E0100优", "葛\U000E0100优", ""},
	}
	for _, tt := range tests {
		got, err := cert.NormalizeName(tt.in)
		var te *cert.TextError
		switch {
		case tt.kind == "" && err != nil:
			t.Errorf("NormalizeName(%+q): %v", tt.in, err)
		case tt.kind == "" && got != tt.want:
			t.Errorf("NormalizeName(%+q) = %+q, want %+q", tt.in, got, tt.want)
		case tt.kind != "" && (!errors.As(err, &te) || te.Kind != tt.kind):
			t.Errorf("NormalizeName(%+q) = %+q, %v; want a %s error", tt.in, got, err, tt.kind)
		case tt.kind != "" && (!strings.HasPrefix(err.Error(), "cert: ") || te.Chinese() == ""):
			t.Errorf("error %q", err)
		}
		if tt.kind == "" {
			again, err := cert.NormalizeName(got)
			if err != nil || again != got {
				t.Errorf("NormalizeName is not idempotent on %+q: %+q, %v", got, again, err)
			}
		}
	}
}

func TestNormalizeText(t *testing.T) {
	for in, want := range map[string]string{
		"福建省\u00a0大数据\u200b有限公司\u3000": "福建省 大数据有限公司",
		"  a \t b  ":    "a b",
		"\uf92c建华":      "\uf92c建华",
		"闽人社文〔2026〕12号": "闽人社文〔2026〕12号",
		"谁?公司":          "谁?公司", // '?' is a name's problem only
	} {
		got, err := cert.NormalizeText(in)
		if err != nil || got != want {
			t.Errorf("NormalizeText(%+q) = %+q, %v; want %+q", in, got, err, want)
		}
	}
	for in, kind := range map[string]string{"a\nb": "linebreak", "a\x07": "control", "a\ufffd": "lost"} {
		var te *cert.TextError
		if _, err := cert.NormalizeText(in); !errors.As(err, &te) || te.Kind != kind {
			t.Errorf("NormalizeText(%+q): %v, want %s", in, err, kind)
		}
	}
}

func TestFoldName(t *testing.T) {
	same := [][]string{
		{"阿依古丽·买买提", "阿依古丽・买买提", "阿依古丽．买买提", "阿依古丽.买买提", "阿依古丽 • 买买提", "阿依古丽\u0387买买提", "阿依古丽\uff65买买提", "阿依古丽\u2027买买提"},
		{"\uf9e1晓明", "李晓明"}, // compatibility ideograph and its unified form
		{"\uf92c建华", "郎建华"}, // the same
		{"欧阳娜娜", "欧阳 娜娜", "欧阳\u00a0娜娜", "\u3000欧阳娜娜", "欧阳\u200b娜娜", " 欧阳娜娜 "},
		{"José", "Jose\u0301"},       // canonical equivalents
		{"Anna Smith", "Ａｎｎａ Ｓｍｉｔｈ"}, // full-width ASCII
		// break-it F2/F4: the separator, a space, nothing, and every
		// look-alike or dash in its place; a mark on an ideograph.
		{"阿依古丽·买买提", "阿依古丽买买提", "阿依古丽 买买提", "阿依古丽\u3000买买提", "阿依古丽\u2062买买提",
			"阿依古丽\u02d9买买提", "阿依古丽\uff61买买提", "阿依古丽\u3002买买提", "阿依古丽\u30a0买买提", "阿依古丽\u00b8买买提",
			"阿依古丽\u0323买买提", "阿依古丽-买买提", "阿依古丽\u2014买买提", "阿依古丽\u2010买买提", "阿依古丽\u2212买买提",
			"阿依古丽\u2e3a买买提", "阿依古丽\u30fc买买提", "阿依古丽\uff70买买提", "阿依古丽\ufe19买买提", "阿依古丽\uff0d买买提",
			"阿依古丽 · 买买提", "阿依古丽\u1427买买提", "阿依古丽\u2e33买买提"},
		{"Jean-Pierre", "Jean Pierre", "JeanPierre", "Ｊｅａｎ－Ｐｉｅｒｒｅ"},
	}
	for _, group := range same {
		want := cert.FoldName(group[0])
		for _, s := range group[1:] {
			if got := cert.FoldName(s); got != want {
				t.Errorf("FoldName(%+q) = %+q, FoldName(%+q) = %+q", s, got, group[0], want)
			}
		}
	}
	for _, pair := range [][2]string{{"张三", "张四"}, {"李晓明", "李小明"}, {"刘䶮", "刘"}, {"阿依古丽·买买提", "阿依古丽·买买"}, {"José", "Jose"}} {
		if cert.FoldName(pair[0]) == cert.FoldName(pair[1]) {
			t.Errorf("%q and %q fold alike", pair[0], pair[1])
		}
	}
	// Text whose case mapping or normalization changes its length folds
	// without panicking.
	for _, s := range []string{"ȿȿȿ", "ﬃ", "\xff\xfe", "ǅ", strings.Repeat("\u0301", 100)} {
		_ = cert.FoldName(s)
		if n, err := cert.NormalizeName(s); err == nil && !utf8.ValidString(n) {
			t.Errorf("NormalizeName(%+q) = invalid UTF-8", s)
		}
	}
}

func TestNormalizeIDNumber(t *testing.T) {
	id := "11010519491231002X"
	for _, in := range []string{
		id, " 11010519491231002x ", "１１０１０５１９４９１２３１００２Ｘ", "１１０１０５１９４９１２３１００２ｘ",
		"110105 19491231 002X", "110105\u300019491231\u3000002X", "11010519491231002X\u200b", "\ufeff11010519491231002X",
		"1101051949\u00a01231002X",
	} {
		if got := cert.NormalizeIDNumber(in); got != id {
			t.Errorf("NormalizeIDNumber(%+q) = %+q", in, got)
		}
	}
}

func TestIDNumberMessages(t *testing.T) {
	now := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct{ id, en, zh string }{
		{"1101051949123100", "it has 16 characters, a resident ID number has 18", "有 16 个字符"},
		{"110105491231002", "it has 15 characters", "15 位的是一代身份证号，或被 Excel 截短了"},
		{"11010519491231002X1", "it has 19 characters", "有 19 个字符"},
		{"1101051949123100２X", `character 17 is "２" (U+FF12), not a digit`, "第 17 位是“２”（U+FF12），不是数字"},
		{"11010519491231A02X", `character 15 is "A" (U+0041), not a digit`, "第 15 位是“A”"},
		{"1101051949123100\u200b2", "character 17 is an invisible character (U+200B)", "第 17 位是不可见字符（U+200B）"},
		{"11010519491231002Ｘ", `the last character is "Ｘ" (U+FF38); it must be a digit or X`, "最后一位是“Ｘ”"},
		{"110105194913310023", "characters 7-14 are not a real birth date", "不是存在的出生日期"},
		{"110105203001010015", "impossible", "不可能"},
		{"110105194912310021", "the check character does not match", "校验位不符"},
	}
	for _, tt := range tests {
		err := cert.CheckIDNumber(tt.id, now)
		var ie *cert.IDNumberError
		if !errors.As(err, &ie) || !errors.Is(err, cert.ErrIDNumber) {
			t.Errorf("%+q: %v", tt.id, err)
			continue
		}
		if !strings.Contains(err.Error(), tt.en) || !strings.Contains(ie.Chinese(), tt.zh) {
			t.Errorf("%+q: %q / %q; want %q / %q", tt.id, err, ie.Chinese(), tt.en, tt.zh)
		}
		if strings.Contains(err.Error()+ie.Chinese(), tt.id[:14]) {
			t.Errorf("%+q: the message repeats the number", tt.id)
		}
		// Never "should be 18, is 18".
		if n := utf8.RuneCountInString(tt.id); n == 18 && strings.Contains(err.Error(), "has 18") && strings.Contains(err.Error(), fmt.Sprintf("has %d characters", n)) {
			t.Errorf("%+q: untrue message %q", tt.id, err)
		}
	}
}

func TestContainsIDNumber(t *testing.T) {
	for s, want := range map[string]bool{
		"11010519491231002X":               true,
		"张三11010519491231002x":             true,
		"张三 110105 19491231 002X":          true,
		"１１０１０５１９４９１２３１００２Ｘ":               true,
		"110105194912310021":               true, // wrong check character, still a number
		"闽人社文〔2026〕12号":                    false,
		"6222021234567890123456":           false, // a longer run: a bank account
		"91350100M000100Y43":               false,
		"1101051949123100":                 false,
		"110105194913310023":               false, // no such date
		"电话 13800000000 编号 20260630000001": false,
		// Grouped as people write it (break-it F10).
		"ID 350102198001010060":    true,
		"350102/19800101/0060":     true,
		"350102,19800101,0060":     true,
		"350102:19800101:0060":     true,
		"350102+19800101+0060":     true,
		"350102、19800101、0060":     true,
		"350102‧19800101‧0060":     true,
		"350102·19800101·0060":     true,
		"350102-19800101-0060":     true,
		"350102 - 19800101 - 0060": true,
		"3501 0219 8001 0100 6 0":  true,
		"３５０１０２／１９８００１０１／００６０":               true,
		"持证人身份证 350102198001010037 申请":       true,
		"ops-350102198001010029":             true,
		"350102 /  19800101 / 0060":          false, // four separators apart: two texts
		"2026000001, 2026000002, 2026000003": false,
		"2026/06/30 2026/07/01":              false,
	} {
		if got := cert.ContainsIDNumber(s); got != want {
			t.Errorf("ContainsIDNumber(%q) = %v", s, got)
		}
	}
}

// FuzzName checks, for any text, that the name forms never panic (case
// mapping and normalization change lengths: no index arithmetic across
// them), give valid UTF-8, are idempotent, and that a name and its
// canonical form fold alike, so a certificate is found by what was typed.
func FuzzName(f *testing.F) {
	for _, s := range []string{"阿依古丽・买买提", "欧阳\u00a0娜娜", "\uf9e1晓明", "ȿȿ", "a \u0301", "J. Smith", "·", "\xff", "张\u200b三", "Ａｎｎａ．Ｓ"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		fold := cert.FoldName(s)
		if !utf8.ValidString(fold) {
			t.Fatalf("FoldName(%+q) = %+q, invalid UTF-8", s, fold)
		}
		if cert.FoldName(fold) != fold {
			t.Fatalf("FoldName not idempotent on %+q", s)
		}
		n, err := cert.NormalizeName(s)
		if err != nil {
			return
		}
		if !utf8.ValidString(n) {
			t.Fatalf("NormalizeName(%+q) = %+q, invalid UTF-8", s, n)
		}
		if again, err := cert.NormalizeName(n); err != nil || again != n {
			t.Fatalf("NormalizeName not idempotent on %+q: %+q, %+q, %v", s, n, again, err)
		}
		if cert.FoldName(n) != fold {
			t.Fatalf("%+q and its canonical form %+q fold apart: %+q, %+q", s, n, fold, cert.FoldName(n))
		}
		if tx, err := cert.NormalizeText(s); err == nil {
			if again, err := cert.NormalizeText(tx); err != nil || again != tx {
				t.Fatalf("NormalizeText not idempotent on %+q", s)
			}
		}
	})
}

// TestIsSpaceOrInvisibleFastPath checks the shortcut of
// IsSpaceOrInvisible against the Unicode tables for every code point.
func TestIsSpaceOrInvisibleFastPath(t *testing.T) {
	for r := rune(0); r <= unicode.MaxRune; r++ {
		bidi := r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069
		fillers := r == 0x034f || r == 0x115f || r == 0x1160 || r == 0x3164 || r == 0xffa0 || r == 0x180e
		want := unicode.IsSpace(r) || unicode.Is(unicode.Zs, r) || fillers || unicode.Is(unicode.Cf, r) && !bidi
		if got := cert.IsSpaceOrInvisible(r); got != want {
			t.Errorf("IsSpaceOrInvisible(%U) = %v", r, got)
		}
	}
}
