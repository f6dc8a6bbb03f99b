package pdf

import (
	"bytes"
	"encoding/binary"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/titlecert/titlecert/cert"
)

func subsetTestDocument(name string, route cert.Route) Document {
	jws := "eyJhbGciOiJFZERTQSJ9." + strings.Repeat("Ab0_-", 90) + "." + strings.Repeat("Zz9", 28)
	c := &cert.Claims{
		Version: 1, Issuer: "fjhrss", Number: "2026000001",
		IssuedAt: time.Date(2026, 7, 1, 1, 30, 0, 0, time.UTC).Unix(), ID: "01J0000000000000000000000A",
		HolderName: name, HolderIDMask: "1101**********002X",
		HolderIDHash: &cert.IDHash{LogN: 15, Salt: "c2FsdHNhbHRzYWx0c2FsdA", Hash: "aGFzaGhhc2hoYXNoaGFzaA"},
		Series:       "工程技术", Specialty: "建筑工程", Level: "副高级", Title: "高级工程师",
		Committee:  "福建省工程技术人才职称评审委员会建筑工程专业高级评审委员会",
		ReviewDate: "2026-06-30", ApprovalDoc: "闽人社文〔2026〕12号", Route: route,
		Employer: "寿宁县住房和城乡建设局（Shouning County Housing Bureau）",
	}
	if route == cert.RouteTargeted {
		c.Scope = "福建省宁德市寿宁县"
	}
	return Document{Claims: c, JWS: jws, QRText: cert.QRText("https://verify.example.gov.cn", jws),
		VerificationCode: cert.VerificationCode(jws), VerifyURL: "https://verify.example.gov.cn/v",
		IssuerName: "福建省人力资源和社会保障厅"}
}

var (
	testRendererOnce sync.Once
	testRenderer     *Renderer
	testRendererErr  error
)

func newTestRenderer(t testing.TB) *Renderer {
	t.Helper()
	testRendererOnce.Do(func() { testRenderer, testRendererErr = NewRenderer() })
	if testRendererErr != nil {
		t.Fatal(testRendererErr)
	}
	return testRenderer
}

// TestSubset parses subsets back and compares each glyph with the full
// font's: outline (with composite glyphs' components renumbered), advance
// width and side bearing; and checks the tables' checksums.
func TestSubset(t *testing.T) {
	r := newTestRenderer(t)
	var many []rune // enough glyph data for long loca offsets
	for c := rune(0x4E00); len(many) < 1500; c++ {
		if r.cov.has(c) {
			many = append(many, c)
		}
	}
	for _, tt := range []struct {
		name  string
		runes []rune
		long  bool
	}{
		{"fixed", r.fixed, false},
		{"composites", []rune("¨´AÄ"), false},        // U+00A8 and U+00B4 are composite glyphs
		{"shared glyphs", []rune("~∼〈〈〜～·∙"), false}, // pairs that share a glyph in the full font
		{"one", []rune("欧"), false},
		{"none", nil, false},
		{"many", many, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := r.font
			glyphs := f.subsetGlyphs(nil, tt.runes)
			ttf := f.appendSubset(nil, glyphs)
			sub, err := parseFontFile(ttf)
			if err != nil {
				t.Fatal(err)
			}
			if sub.numGlyphs != len(glyphs) || sub.numHMetrics != len(glyphs) {
				t.Fatalf("%d glyphs, %d metrics, want %d", sub.numGlyphs, sub.numHMetrics, len(glyphs))
			}
			if glyphs[0] != 0 {
				t.Errorf("glyph 0 is glyph %d of the font, want .notdef", glyphs[0])
			}
			for i, c := range tt.runes {
				if glyphs[i+1] != int(f.gid[c]) {
					t.Errorf("glyph %d is %d, want the glyph of %U, %d", i+1, glyphs[i+1], c, f.gid[c])
				}
			}
			if format := binary.BigEndian.Uint16(sub.tables["head"][50:]); (format == 1) != tt.long {
				t.Errorf("indexToLocFormat %d", format)
			}
			composites := 0
			for i, g := range glyphs {
				want := slices.Clone(f.glyph(g))
				components(want, func(off, c int) {
					composites++
					binary.BigEndian.PutUint16(want[off:], uint16(index(glyphs, c)))
					if index(glyphs, c) < 0 {
						t.Errorf("glyph %d: component %d is not in the subset", g, c)
					}
				})
				got := sub.glyph(i)
				if len(got) < len(want) || !bytes.Equal(got[:len(want)], want) || len(got) > len(want)+1 {
					t.Errorf("glyph %d (%d of the font) differs", i, g)
				}
				if sub.advance(i) != f.advance(g) || !bytes.Equal(sub.lsb(i), f.lsb(g)) {
					t.Errorf("glyph %d (%d of the font): metrics differ", i, g)
				}
			}
			if tt.name == "composites" && composites == 0 {
				t.Error("no composite glyph in the subset")
			}
			// The checksums: each table's, and the whole font's.
			n := int(binary.BigEndian.Uint16(ttf[4:]))
			for i := range n {
				rec := ttf[12+16*i:]
				tag := string(rec[:4])
				off, size := binary.BigEndian.Uint32(rec[8:]), binary.BigEndian.Uint32(rec[12:])
				data := slices.Clone(ttf[off : off+size])
				if tag == "head" {
					binary.BigEndian.PutUint32(data[8:], 0)
				}
				if checksum(data) != binary.BigEndian.Uint32(rec[4:]) {
					t.Errorf("table %q: wrong checksum", tag)
				}
				if off%4 != 0 {
					t.Errorf("table %q at offset %d", tag, off)
				}
			}
			if sum := checksum(ttf); sum != 0xB1B0AFBA {
				t.Errorf("font checksum %#x, want 0xB1B0AFBA", sum)
			}
		})
	}
}

func TestToUnicodeMap(t *testing.T) {
	runes := []rune("!\"#AB张三〈〈")
	for c := rune(0x4DF0); c < 0x4F10; c++ { // a range across a block of 256 codes
		runes = append(runes, c)
	}
	runes = append(runes, 0x5000)
	slices.Sort(runes)
	runes = slices.Compact(runes)
	cmap := string(appendToUnicode(nil, runes))
	// Read it back.
	got := make([]rune, len(runes))
	hex := func(s string) int {
		var v int
		for _, c := range strings.Trim(s, "<>") {
			v = v*16 + strings.IndexRune("0123456789ABCDEF", c)
		}
		return v
	}
	var mode string
	for _, line := range strings.Split(cmap, "\n") {
		f := strings.Fields(line)
		switch {
		case len(f) == 2 && (f[1] == "beginbfrange" || f[1] == "beginbfchar"):
			mode = f[1]
		case len(f) == 1 && strings.HasPrefix(f[0], "end"):
			mode = ""
		case mode == "beginbfrange" && len(f) == 3:
			lo, hi, dst := hex(f[0]), hex(f[1]), hex(f[2])
			if lo>>8 != hi>>8 || dst>>8 != (dst+hi-lo)>>8 {
				t.Errorf("range %s crosses a block of 256", line)
			}
			for c := lo; c <= hi; c++ {
				got[c-1] = rune(dst + c - lo)
			}
		case mode == "beginbfchar" && len(f) == 2:
			got[hex(f[0])-1] = rune(hex(f[1]))
		}
	}
	if !slices.Equal(got, runes) {
		t.Errorf("the map gives\n%q\nwant\n%q\n%s", got, runes, cmap)
	}
}

func TestAppendNum(t *testing.T) {
	for _, tt := range []struct {
		v    float64
		prec int
		want string
	}{
		{0, 2, "0"}, {-0.001, 2, "0"}, {1, 2, "1"}, {1.5, 2, "1.5"}, {1.05, 2, "1.05"}, {-12.34, 2, "-12.34"},
		{841.89, 2, "841.89"}, {0.4117, 3, "0.412"}, {0.1, 3, "0.1"}, {0.004, 2, "0"}, {0.005, 2, "0.01"}, {123456, 0, "123456"},
	} {
		if got := string(appendNum(nil, tt.v, tt.prec)); got != tt.want {
			t.Errorf("appendNum(%v, %d) = %q, want %q", tt.v, tt.prec, got, tt.want)
		}
	}
	date := string(appendDate(nil, time.Date(2026, 7, 1, 9, 30, 5, 0, cert.ChinaTime)))
	if date != "(D:20260701093005+08'00')" {
		t.Errorf("appendDate = %s", date)
	}
	if s := string(appendTextString(nil, "A张𠮷")); s != "<FEFF00415F20D842DFB7>" {
		t.Errorf("appendTextString = %s", s)
	}
}
