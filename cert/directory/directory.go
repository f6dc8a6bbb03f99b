// Package directory is the specialty directory (职称评审专业目录): the
// published list of title series, the specialties reviewed in each series,
// the levels each series offers and the title name (资格名称) that a series,
// specialty and level give. A certificate whose series, specialty or level is
// not in the directory is refused.
//
// # Format
//
// A directory is a UTF-8 JSON document of at most 1 MiB (MaxSize):
//
//	{
//	  "version": "2026-01",
//	  "series": [
//	    {
//	      "name": "会计",
//	      "code": "KJ",
//	      "specialties": ["会计"],
//	      "levels": [
//	        {"level": "助理级", "title": "助理会计师"},
//	        {"level": "中级", "title": "会计师"},
//	        {"level": "副高级", "title": "高级会计师"},
//	        {"level": "正高级", "title": "正高级会计师"}
//	      ]
//	    },
//	    {
//	      "name": "卫生",
//	      "code": "WS",
//	      "specialties": ["临床医学", "护理"],
//	      "specialty_titles": {
//	        "临床医学": [
//	          {"level": "员级", "title": "医士"},
//	          {"level": "助理级", "title": "医师"},
//	          {"level": "中级", "title": "主治医师"},
//	          {"level": "副高级", "title": "副主任医师"},
//	          {"level": "正高级", "title": "主任医师"}
//	        ],
//	        "护理": [
//	          {"level": "员级", "title": "护士"},
//	          {"level": "助理级", "title": "护师"},
//	          {"level": "中级", "title": "主管护师"},
//	          {"level": "副高级", "title": "副主任护师"},
//	          {"level": "正高级", "title": "主任护师"}
//	        ]
//	      }
//	    }
//	  ]
//	}
//
// The members are:
//
//   - "version" (required): the edition of the directory, free text of at
//     most 64 characters, e.g. the date it was published.
//   - "series" (required, at least one): the title series (职称系列).
//   - "series[].name" (required, unique): the series name as printed on the
//     certificate, e.g. 工程技术.
//   - "series[].code" (optional, unique when present): a short ASCII code of
//     1-16 letters, digits, '-' or '_', e.g. GC.
//   - "series[].specialties" (required, at least one, no duplicates): the
//     specialties (评审专业) reviewed in the series.
//   - "series[].levels" (optional): the levels the series offers and the
//     title name of each, for every specialty that has no entry of its own in
//     "specialty_titles". A level is one of 员级, 助理级, 中级, 副高级, 正高级;
//     each appears at most once; a series may lack some (accounting has no
//     员级). Order is free; listings use the order of the five levels above.
//   - "series[].specialty_titles" (optional): for a specialty whose title
//     names differ from the series' (in health, 临床医学 gives 主治医师 where
//     护理 gives 主管护师), its complete list of levels in the same shape as
//     "levels". It replaces "levels" for that specialty; every key must be one
//     of the series' specialties.
//
// Every specialty must end up with at least one level. Unknown members,
// duplicate JSON keys, duplicate series, specialties or levels, unknown
// level names, empty titles and text with control characters are errors.
// Every name is at most cert.MaxTextLen characters.
//
// The package embeds a default directory (Default) holding the series the
// project is demonstrated with; issuers publish their own with Parse and
// Bytes.
//
// A Directory is immutable once built and safe for concurrent use.
package directory

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/titlecert/titlecert/cert"
)

// MaxSize is the largest directory document Parse accepts, in bytes.
const MaxSize = 1 << 20

// The five title levels, from lowest to highest.
const (
	LevelTechnician      = "员级"
	LevelAssistant       = "助理级"
	LevelIntermediate    = "中级"
	LevelAssociateSenior = "副高级"
	LevelFullSenior      = "正高级"
)

var levelOrder = []string{LevelTechnician, LevelAssistant, LevelIntermediate, LevelAssociateSenior, LevelFullSenior}

// Levels returns the five level names from lowest to highest.
func Levels() []string { return slices.Clone(levelOrder) }

func levelRank(l string) int { return slices.Index(levelOrder, l) }

// LevelTitle is one level of a series (or specialty) and the title name it
// gives.
type LevelTitle struct {
	Level string `json:"level"`
	Title string `json:"title"`
}

// Series is one title series as published in the directory.
type Series struct {
	Name            string                  `json:"name"`
	Code            string                  `json:"code,omitempty"`
	Specialties     []string                `json:"specialties"`
	Levels          []LevelTitle            `json:"levels,omitempty"`
	SpecialtyTitles map[string][]LevelTitle `json:"specialty_titles,omitempty"`
}

// LevelsFor returns the levels offered for specialty, sorted from lowest to
// highest, or nil when the specialty is not in the series.
func (s *Series) LevelsFor(specialty string) []LevelTitle {
	if !slices.Contains(s.Specialties, specialty) {
		return nil
	}
	l, ok := s.SpecialtyTitles[specialty]
	if !ok {
		l = s.Levels
	}
	l = slices.Clone(l)
	slices.SortFunc(l, func(a, b LevelTitle) int { return levelRank(a.Level) - levelRank(b.Level) })
	return l
}

func (s *Series) clone() Series {
	c := *s
	c.Specialties = slices.Clone(s.Specialties)
	c.Levels = slices.Clone(s.Levels)
	if s.SpecialtyTitles != nil {
		c.SpecialtyTitles = make(map[string][]LevelTitle, len(s.SpecialtyTitles))
		for k, v := range s.SpecialtyTitles {
			c.SpecialtyTitles[k] = slices.Clone(v)
		}
	}
	return c
}

type document struct {
	Version string   `json:"version"`
	Series  []Series `json:"series"`
}

// Directory is a validated specialty directory.
type Directory struct {
	doc   document
	index map[string]int // series name -> index in doc.Series
}

//go:embed default.json
var defaultJSON []byte

var defaultDir = sync.OnceValue(func() *Directory {
	d, err := Parse(defaultJSON)
	if err != nil {
		panic("directory: embedded default.json is invalid: " + err.Error())
	}
	return d
})

// Default returns the built-in directory embedded in the program. It
// covers 工程技术, 会计, 经济, 中小学教师, 卫生 and 农业.
func Default() *Directory { return defaultDir() }

// ErrInvalid is wrapped by every error Parse returns for a document that is
// not a valid directory.
var ErrInvalid = errors.New("directory: invalid directory")

// Parse decodes and validates a directory document (see the package
// documentation for the format). Documents larger than MaxSize are refused
// before they are parsed. Every error wraps ErrInvalid and names the
// offending series, specialty or member.
func Parse(data []byte) (*Directory, error) {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ErrInvalid, fmt.Sprintf(format, args...))
	}
	if len(data) > MaxSize {
		return nil, bad("the document is %d bytes, at most %d allowed", len(data), MaxSize)
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if !utf8.Valid(data) {
		return nil, bad("the document is not valid UTF-8")
	}
	if err := checkDuplicateKeys(data); err != nil {
		return nil, bad("%v", err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var doc document
	if err := dec.Decode(&doc); err != nil {
		return nil, bad("%v", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, bad("unexpected data after the JSON object")
	}
	d := &Directory{doc: doc, index: make(map[string]int)}
	if err := d.validate(); err != nil {
		return nil, bad("%v", err)
	}
	return d, nil
}

var codePattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,16}$`)

func checkName(what, s string) error {
	if strings.TrimSpace(s) == "" {
		return fmt.Errorf("%s is empty", what)
	}
	if s != strings.TrimSpace(s) {
		return fmt.Errorf("%s %q has leading or trailing spaces", what, s)
	}
	if err := cert.CheckText(s, cert.MaxTextLen); err != nil {
		return fmt.Errorf("%s %q %v", what, s, err)
	}
	return nil
}

func (d *Directory) validate() error {
	if err := checkName(`"version"`, d.doc.Version); err != nil {
		return err
	}
	if n := utf8.RuneCountInString(d.doc.Version); n > 64 {
		return fmt.Errorf(`"version" is %d characters long, at most 64 allowed`, n)
	}
	if len(d.doc.Series) == 0 {
		return errors.New(`"series" is missing or empty`)
	}
	codes := make(map[string]string)
	for i := range d.doc.Series {
		s := &d.doc.Series[i]
		if err := checkName(fmt.Sprintf("series #%d name", i+1), s.Name); err != nil {
			return err
		}
		if _, dup := d.index[s.Name]; dup {
			return fmt.Errorf("series %q appears twice", s.Name)
		}
		d.index[s.Name] = i
		if s.Code != "" {
			if !codePattern.MatchString(s.Code) {
				return fmt.Errorf("series %q: code must be 1-16 ASCII letters, digits, '-' or '_'", s.Name)
			}
			if other, dup := codes[s.Code]; dup {
				return fmt.Errorf("series %q: code %q is already used by series %q", s.Name, s.Code, other)
			}
			codes[s.Code] = s.Name
		}
		if len(s.Specialties) == 0 {
			return fmt.Errorf("series %q has no specialties", s.Name)
		}
		seen := make(map[string]bool)
		for _, sp := range s.Specialties {
			if err := checkName(fmt.Sprintf("series %q: specialty", s.Name), sp); err != nil {
				return err
			}
			if seen[sp] {
				return fmt.Errorf("series %q: specialty %q appears twice", s.Name, sp)
			}
			seen[sp] = true
		}
		if err := checkLevels(fmt.Sprintf("series %q", s.Name), s.Levels); err != nil {
			return err
		}
		for sp, lv := range s.SpecialtyTitles {
			if !seen[sp] {
				return fmt.Errorf("series %q: specialty_titles names %q, which is not one of its specialties", s.Name, sp)
			}
			where := fmt.Sprintf("series %q specialty %q", s.Name, sp)
			if len(lv) == 0 {
				return fmt.Errorf("%s: specialty_titles entry is empty", where)
			}
			if err := checkLevels(where, lv); err != nil {
				return err
			}
		}
		for _, sp := range s.Specialties {
			if len(s.LevelsFor(sp)) == 0 {
				return fmt.Errorf("series %q specialty %q has no levels: give \"levels\" or a \"specialty_titles\" entry", s.Name, sp)
			}
		}
	}
	return nil
}

func checkLevels(where string, levels []LevelTitle) error {
	seen := make(map[string]bool)
	for _, l := range levels {
		if levelRank(l.Level) < 0 {
			return fmt.Errorf("%s: unknown level %q (the levels are %s)", where, l.Level, strings.Join(levelOrder, ", "))
		}
		if seen[l.Level] {
			return fmt.Errorf("%s: level %q appears twice", where, l.Level)
		}
		seen[l.Level] = true
		if err := checkName(fmt.Sprintf("%s level %q: title", where, l.Level), l.Title); err != nil {
			return err
		}
	}
	return nil
}

// checkDuplicateKeys walks the JSON document and refuses an object with the
// same key twice, which encoding/json would silently accept (last wins).
func checkDuplicateKeys(data []byte) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	var walk func() error
	walk = func() error {
		t, err := dec.Token()
		if err != nil {
			return err
		}
		switch t {
		case json.Delim('{'):
			keys := make(map[string]bool)
			for dec.More() {
				k, err := dec.Token()
				if err != nil {
					return err
				}
				key, _ := k.(string)
				if keys[key] {
					return fmt.Errorf("the key %q appears twice in one object", key)
				}
				keys[key] = true
				if err := walk(); err != nil {
					return err
				}
			}
			_, err = dec.Token()
			return err
		case json.Delim('['):
			for dec.More() {
				if err := walk(); err != nil {
					return err
				}
			}
			_, err = dec.Token()
			return err
		}
		return nil
	}
	if err := walk(); err != nil {
		if errors.Is(err, io.EOF) {
			return errors.New("the document is empty or truncated")
		}
		return err
	}
	return nil
}

// Version returns the directory's edition.
func (d *Directory) Version() string { return d.doc.Version }

// Series returns a copy of every series, in the order of the document.
func (d *Directory) Series() []Series {
	out := make([]Series, len(d.doc.Series))
	for i := range d.doc.Series {
		out[i] = d.doc.Series[i].clone()
	}
	return out
}

// SeriesNames returns the names of every series, in the order of the
// document.
func (d *Directory) SeriesNames() []string {
	out := make([]string, len(d.doc.Series))
	for i := range d.doc.Series {
		out[i] = d.doc.Series[i].Name
	}
	return out
}

// Bytes returns the directory as an indented JSON document that Parse
// accepts, for publishing.
func (d *Directory) Bytes() []byte {
	b, err := json.MarshalIndent(d.doc, "", "  ")
	if err != nil {
		panic("directory: encoding a validated directory: " + err.Error()) // cannot happen: strings, slices and maps only
	}
	return append(b, '\n')
}

// MarshalJSON encodes the directory in the format Parse accepts.
func (d *Directory) MarshalJSON() ([]byte, error) { return json.Marshal(d.doc) }

// Sentinels for errors.Is on the errors Title returns; each says which
// field is wrong.
var (
	ErrUnknownSeries    = errors.New("directory: series not in the directory")
	ErrUnknownSpecialty = errors.New("directory: specialty not in the series")
	ErrUnknownLevel     = errors.New("directory: level not offered")
)

// LookupError is the error Title returns. It says which field is wrong,
// which value was given and what is allowed instead.
type LookupError struct {
	Field     string   // "series", "specialty" or "level"
	Value     string   // the value given for Field
	Series    string   // the series, when Field is "specialty" or "level"
	Specialty string   // the specialty, when Field is "level"
	Allowed   []string // the values that would have been accepted for Field
}

// Unwrap returns ErrUnknownSeries, ErrUnknownSpecialty or ErrUnknownLevel.
func (e *LookupError) Unwrap() error {
	switch e.Field {
	case "series":
		return ErrUnknownSeries
	case "specialty":
		return ErrUnknownSpecialty
	}
	return ErrUnknownLevel
}

// Chinese returns the message in Chinese, e.g.
// 专业 "区块链" 不在系列 "工程技术" 中；可选：建筑工程、电子信息…
func (e *LookupError) Chinese() string {
	allowed := "；可选：" + strings.Join(e.Allowed, "、")
	switch e.Field {
	case "series":
		if e.Value == "" {
			return "未填写系列" + allowed
		}
		return fmt.Sprintf("系列 %q 不在职称评审专业目录中%s", e.Value, allowed)
	case "specialty":
		if e.Value == "" {
			return "未填写专业" + allowed
		}
		return fmt.Sprintf("专业 %q 不在系列 %q 中%s", e.Value, e.Series, allowed)
	}
	switch {
	case e.Value == "":
		return "未填写级别" + allowed
	case levelRank(e.Value) < 0:
		return fmt.Sprintf("级别 %q 不是职称级别%s", e.Value, allowed)
	}
	return fmt.Sprintf("系列 %q 专业 %q 不设级别 %q%s", e.Series, e.Specialty, e.Value, allowed)
}

// English returns the message in English.
func (e *LookupError) English() string {
	allowed := "; allowed: " + strings.Join(e.Allowed, ", ")
	switch e.Field {
	case "series":
		if e.Value == "" {
			return "the series is missing" + allowed
		}
		return fmt.Sprintf("series %q is not in the directory%s", e.Value, allowed)
	case "specialty":
		if e.Value == "" {
			return "the specialty is missing" + allowed
		}
		return fmt.Sprintf("specialty %q is not in series %q%s", e.Value, e.Series, allowed)
	}
	switch {
	case e.Value == "":
		return "the level is missing" + allowed
	case levelRank(e.Value) < 0:
		return fmt.Sprintf("%q is not a title level%s", e.Value, allowed)
	}
	return fmt.Sprintf("series %q specialty %q has no level %q%s", e.Series, e.Specialty, e.Value, allowed)
}

// Error returns "directory: " followed by the Chinese and the English
// message.
func (e *LookupError) Error() string {
	return "directory: " + e.Chinese() + " / " + e.English()
}

// Title returns the title name (资格名称) that series, specialty and level
// give, e.g. 工程技术, 区块链工程, 中级 → 工程师. The values must match the
// directory exactly. Otherwise the error is a *LookupError that wraps
// ErrUnknownSeries, ErrUnknownSpecialty or ErrUnknownLevel and lists what is
// allowed; fields are checked in that order.
func (d *Directory) Title(series, specialty, level string) (string, error) {
	i, ok := d.index[series]
	if !ok {
		return "", &LookupError{Field: "series", Value: series, Allowed: d.SeriesNames()}
	}
	s := &d.doc.Series[i]
	levels := s.LevelsFor(specialty)
	if levels == nil {
		return "", &LookupError{Field: "specialty", Value: specialty, Series: series, Allowed: slices.Clone(s.Specialties)}
	}
	allowed := make([]string, len(levels))
	for j, l := range levels {
		if l.Level == level {
			return l.Title, nil
		}
		allowed[j] = l.Level
	}
	return "", &LookupError{Field: "level", Value: level, Series: series, Specialty: specialty, Allowed: allowed}
}
