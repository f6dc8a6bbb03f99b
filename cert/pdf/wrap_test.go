package pdf

import (
	"slices"
	"strings"
	"testing"
)

func newTestPage(r *Renderer) *page { return newPage(r, nil) }

func stripSpaces(s string) string { return strings.ReplaceAll(s, " ", "") }

func TestUnits(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"闽人社文〔2026〕12号", []string{"闽", "人", "社", "文", "〔2026〕", "12", "号"}},
		{"评审，委员会。", []string{"评", "审，", "委", "员", "会。"}},
		{"寿宁县（Shouning County）", []string{"寿", "宁", "县", "（Shouning", " ", "County）"}},
		{"Valid only", []string{"Valid", " ", "only"}},
		{"“标题”", []string{"“标", "题”"}},
	}
	for _, tt := range tests {
		if got := units(tt.in); !slices.Equal(got, tt.want) {
			t.Errorf("units(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestWrapKeepsEveryCharacter(t *testing.T) {
	r, err := NewRenderer()
	if err != nil {
		t.Fatal(err)
	}
	p := newTestPage(r)
	s := "福建省工程技术人才职称评审委员会建筑工程专业高级评审委员会（Senior Review Committee for Construction Engineering）"
	for _, w := range []float64{20, 50, 116} {
		p.size(12)
		lines := p.wrap(s, w)
		joined := ""
		for _, l := range lines {
			if lw := p.width(l); lw > w+0.01 {
				t.Errorf("width %v: line %q is %.1f mm wide", w, l, lw)
			}
			joined += l + " "
		}
		if got, want := stripSpaces(joined), stripSpaces(s); got != want {
			t.Errorf("width %v: lines lose characters:\n%s\n%s", w, got, want)
		}
	}
}
