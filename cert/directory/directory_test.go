package directory

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestDefaultTitles(t *testing.T) {
	d := Default()
	five := []string{LevelTechnician, LevelAssistant, LevelIntermediate, LevelAssociateSenior, LevelFullSenior}
	tests := []struct {
		series      string
		specialties []string
		titles      []string // per level in five; "" means not offered
	}{
		{"工程技术", []string{"建筑工程", "电子信息", "大数据", "区块链工程", "云计算", "集成电路", "人工智能"},
			[]string{"技术员", "助理工程师", "工程师", "高级工程师", "正高级工程师"}},
		{"会计", []string{"会计"}, []string{"", "助理会计师", "会计师", "高级会计师", "正高级会计师"}},
		{"经济", []string{"人力资源管理", "金融"}, []string{"", "助理经济师", "经济师", "高级经济师", "正高级经济师"}},
		{"中小学教师", []string{"语文", "数学", "英语"}, []string{"三级教师", "二级教师", "一级教师", "高级教师", "正高级教师"}},
		{"卫生", []string{"临床医学"}, []string{"医士", "医师", "主治医师", "副主任医师", "主任医师"}},
		{"卫生", []string{"护理"}, []string{"护士", "护师", "主管护师", "副主任护师", "主任护师"}},
	}
	for _, tt := range tests {
		for _, sp := range tt.specialties {
			for i, lv := range five {
				name := fmt.Sprintf("%s/%s/%s", tt.series, sp, lv)
				got, err := d.Title(tt.series, sp, lv)
				if tt.titles[i] == "" {
					if !errors.Is(err, ErrUnknownLevel) {
						t.Errorf("%s: got %q, %v; want ErrUnknownLevel", name, got, err)
					}
					continue
				}
				if err != nil || got != tt.titles[i] {
					t.Errorf("%s: got %q, %v; want %q", name, got, err, tt.titles[i])
				}
			}
		}
	}
}

func TestTitleErrors(t *testing.T) {
	d := Default()
	tests := []struct {
		series, specialty, level string
		want                     error
		field                    string
		contains                 []string
	}{
		{"工程", "建筑工程", "中级", ErrUnknownSeries, "series", []string{`系列 "工程" 不在`, "工程技术、会计", `series "工程" is not in the directory`}},
		{"", "建筑工程", "中级", ErrUnknownSeries, "series", []string{"未填写系列", "the series is missing"}},
		{"工程技术", "区块链", "中级", ErrUnknownSpecialty, "specialty", []string{`专业 "区块链" 不在系列 "工程技术" 中；可选：建筑工程、电子信息`, "区块链工程"}},
		{"会计", "会计", "员级", ErrUnknownLevel, "level", []string{`不设级别 "员级"；可选：助理级、中级、副高级、正高级`, `has no level "员级"; allowed: 助理级, 中级, 副高级, 正高级`}},
		{"会计", "会计", "高级", ErrUnknownLevel, "level", []string{`级别 "高级" 不是职称级别`}},
		{"卫生", "护理", "", ErrUnknownLevel, "level", []string{"未填写级别"}},
	}
	for _, tt := range tests {
		_, err := d.Title(tt.series, tt.specialty, tt.level)
		if !errors.Is(err, tt.want) {
			t.Errorf("Title(%q, %q, %q) = %v, want %v", tt.series, tt.specialty, tt.level, err, tt.want)
			continue
		}
		var le *LookupError
		if !errors.As(err, &le) || le.Field != tt.field {
			t.Errorf("Title(%q, %q, %q): not a LookupError for %s: %#v", tt.series, tt.specialty, tt.level, tt.field, err)
		}
		for _, c := range tt.contains {
			if !strings.Contains(err.Error(), c) {
				t.Errorf("Title(%q, %q, %q) error %q does not contain %q", tt.series, tt.specialty, tt.level, err, c)
			}
		}
		if !strings.HasPrefix(err.Error(), "directory: ") {
			t.Errorf("error %q lacks the package prefix", err)
		}
	}
}

func TestRoundTrip(t *testing.T) {
	d := Default()
	d2, err := Parse(d.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(d.Bytes(), d2.Bytes()) || d2.Version() != d.Version() || d.Version() == "" {
		t.Error("Bytes does not round-trip")
	}
	if got, _ := d2.Title("卫生", "护理", "中级"); got != "主管护师" {
		t.Errorf("round-tripped directory gives %q", got)
	}
	// Series returns a copy.
	s := d.Series()
	s[0].Specialties[0] = "changed"
	s[0].Levels[0].Title = "changed"
	if d.Series()[0].Specialties[0] == "changed" || d.Series()[0].Levels[0].Title == "changed" {
		t.Error("Series exposes the directory's internals")
	}
	// With a BOM, as Windows editors save it.
	if _, err := Parse(append([]byte("\xef\xbb\xbf"), d.Bytes()...)); err != nil {
		t.Errorf("BOM: %v", err)
	}
}

func TestLevelsForSorted(t *testing.T) {
	d, err := Parse([]byte(`{"version":"1","series":[{"name":"会计","specialties":["会计"],"levels":[{"level":"正高级","title":"正高级会计师"},{"level":"助理级","title":"助理会计师"}]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	s := d.Series()[0]
	l := s.LevelsFor("会计")
	if len(l) != 2 || l[0].Level != LevelAssistant || l[1].Level != LevelFullSenior {
		t.Errorf("LevelsFor = %v", l)
	}
	if s.LevelsFor("审计") != nil {
		t.Error("LevelsFor an unknown specialty is not nil")
	}
}

func TestParseRefuses(t *testing.T) {
	const lv = `"levels":[{"level":"中级","title":"工程师"}]`
	tests := []struct {
		name, doc, want string
	}{
		{"empty", ``, "empty or truncated"},
		{"not json", `version: 1`, "invalid character"},
		{"truncated", `{"version":"1","series":[`, "truncated"},
		{"trailing", `{"version":"1","series":[{"name":"a","specialties":["b"],` + lv + `}]} {}`, "after the JSON object"},
		{"unknown field", `{"version":"1","sereis":[]}`, `unknown field "sereis"`},
		{"unknown nested field", `{"version":"1","series":[{"name":"a","specialties":["b"],"level":[]}]}`, `unknown field "level"`},
		{"duplicate key", `{"version":"1","version":"2","series":[]}`, `the key "version" appears twice`},
		{"duplicate specialty_titles key", `{"version":"1","series":[{"name":"a","specialties":["b"],"specialty_titles":{"b":[{"level":"中级","title":"x"}],"b":[{"level":"中级","title":"y"}]}}]}`, `the key "b" appears twice`},
		{"no version", `{"series":[{"name":"a","specialties":["b"],` + lv + `}]}`, `"version" is empty`},
		{"no series", `{"version":"1","series":[]}`, `"series" is missing or empty`},
		{"empty series name", `{"version":"1","series":[{"name":" ","specialties":["b"],` + lv + `}]}`, "series #1 name is empty"},
		{"duplicate series", `{"version":"1","series":[{"name":"a","specialties":["b"],` + lv + `},{"name":"a","specialties":["c"],` + lv + `}]}`, `series "a" appears twice`},
		{"duplicate code", `{"version":"1","series":[{"name":"a","code":"X","specialties":["b"],` + lv + `},{"name":"c","code":"X","specialties":["c"],` + lv + `}]}`, `code "X" is already used by series "a"`},
		{"bad code", `{"version":"1","series":[{"name":"a","code":"工程","specialties":["b"],` + lv + `}]}`, "code must be"},
		{"no specialties", `{"version":"1","series":[{"name":"a",` + lv + `}]}`, `series "a" has no specialties`},
		{"duplicate specialty", `{"version":"1","series":[{"name":"a","specialties":["b","b"],` + lv + `}]}`, `specialty "b" appears twice`},
		{"empty specialty", `{"version":"1","series":[{"name":"a","specialties":[""],` + lv + `}]}`, `specialty is empty`},
		{"control character", `{"version":"1","series":[{"name":"a","specialties":["b\u0007"],` + lv + `}]}`, `control character`},
		{"unknown level", `{"version":"1","series":[{"name":"a","specialties":["b"],"levels":[{"level":"高级","title":"x"}]}]}`, `unknown level "高级"`},
		{"duplicate level", `{"version":"1","series":[{"name":"a","specialties":["b"],"levels":[{"level":"中级","title":"x"},{"level":"中级","title":"y"}]}]}`, `level "中级" appears twice`},
		{"empty title", `{"version":"1","series":[{"name":"a","specialties":["b"],"levels":[{"level":"中级","title":""}]}]}`, `level "中级": title is empty`},
		{"no levels", `{"version":"1","series":[{"name":"a","specialties":["b"]}]}`, `specialty "b" has no levels`},
		{"specialty_titles for unknown specialty", `{"version":"1","series":[{"name":"a","specialties":["b"],` + lv + `,"specialty_titles":{"c":[{"level":"中级","title":"x"}]}}]}`, `"c", which is not one of its specialties`},
		{"empty specialty_titles entry", `{"version":"1","series":[{"name":"a","specialties":["b"],` + lv + `,"specialty_titles":{"b":[]}}]}`, `specialty_titles entry is empty`},
		{"too long", `{"version":"1","series":[{"name":"` + strings.Repeat("长", 129) + `","specialties":["b"],` + lv + `}]}`, "129 characters long"},
		{"invalid utf-8", "{\"version\":\"\xff\"}", "not valid UTF-8"},
		{"oversized", `{"version":"1","series":[]}` + strings.Repeat(" ", MaxSize), "at most 1048576 allowed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := Parse([]byte(tt.doc))
			if err == nil {
				t.Fatalf("accepted: %v", d.Series())
			}
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("error %v does not wrap ErrInvalid", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not contain %q", err, tt.want)
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	f.Add(Default().Bytes())
	f.Add([]byte(`{"version":"1","series":[{"name":"a","specialties":["b"],"levels":[{"level":"中级","title":"x"}]}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := Parse(data)
		if err != nil {
			return
		}
		d2, err := Parse(d.Bytes())
		if err != nil {
			t.Fatalf("re-parsing Bytes: %v", err)
		}
		for _, s := range d2.Series() {
			for _, sp := range s.Specialties {
				for _, l := range s.LevelsFor(sp) {
					if got, err := d.Title(s.Name, sp, l.Level); err != nil || got != l.Title {
						t.Fatalf("Title(%q, %q, %q) = %q, %v; want %q", s.Name, sp, l.Level, got, err, l.Title)
					}
				}
			}
		}
	})
}

func ExampleDirectory_Title() {
	d := Default()
	title, _ := d.Title("卫生", "护理", "中级")
	fmt.Println(title)
	_, err := d.Title("会计", "会计", "员级")
	fmt.Println(errors.Is(err, ErrUnknownLevel))
	// Output:
	// 主管护师
	// true
}
