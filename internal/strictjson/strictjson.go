// Package strictjson decodes JSON so that one text has exactly one
// reading. Go's encoding/json matches member names case-insensitively (with
// Unicode folding: "ſer" and "SER" both fill "ser") and lets the last of two
// duplicate members win, while other JSON parsers take the first or refuse:
// a signed object that two programs read differently is two objects. The
// functions here refuse, before decoding, what would allow that.
//
// Refused: invalid UTF-8 anywhere in the input (encoding/json would replace
// it with U+FFFD), a \u escape of a surrogate (\uD800–\uDFFF) that is not
// half of a valid pair (Go reads U+FFFD, Python and JavaScript keep the lone
// surrogate), two member names in one object that are equal or differ
// only in case (at every nesting level), more than one JSON value, and
// nesting deeper than MaxDepth. Unmarshal also refuses a member name that
// is not exactly one of the target struct's names, and null values.
//
// Errors name the member path (e.g. "status.status_list") and never quote
// member values, which may be personal data.
package strictjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// MaxDepth bounds the nesting of objects and arrays.
const MaxDepth = 32

// Check reports whether data is a single JSON value in valid UTF-8 whose
// objects, at every level, have unique member names even under Unicode case
// folding. It does not decode into any type.
func Check(data []byte) error {
	if !utf8.Valid(data) {
		return &Error{Msg: "not valid UTF-8"}
	}
	if err := checkSurrogates(data); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := walk(dec, "", 0, nil); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return &Error{Msg: "data after the JSON value"}
	}
	return nil
}

// Unmarshal decodes data into v (a pointer to a struct) after Check, and
// insists that every member name be exactly one of the json names of the
// struct it fills (at every level), that no value be null, and that there be
// no unknown members.
func Unmarshal(data []byte, v any) error {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return &Error{Msg: "Unmarshal needs a non-nil pointer"}
	}
	if !utf8.Valid(data) {
		return &Error{Msg: "not valid UTF-8"}
	}
	if err := checkSurrogates(data); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := walk(dec, "", 0, rv.Type().Elem()); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return &Error{Msg: "data after the JSON value"}
	}
	d := json.NewDecoder(bytes.NewReader(data))
	d.DisallowUnknownFields()
	if err := d.Decode(v); err != nil {
		return errorf("%v", err)
	}
	return nil
}

// walk reads one JSON value from dec. When typ is not nil, objects filling a
// struct must use its exact member names and values must not be null.
func walk(dec *json.Decoder, path string, depth int, typ reflect.Type) error {
	if depth > MaxDepth {
		return errorf("nested deeper than %d levels", MaxDepth)
	}
	tok, err := dec.Token()
	if err != nil {
		return errorf("%s: %v", at(path), err)
	}
	for typ != nil && typ.Kind() == reflect.Pointer {
		typ = typ.Elem()
	}
	if typ != nil && typ.Implements(rawType) || typ != nil && reflect.PointerTo(typ).Implements(rawType) {
		typ = nil // json.RawMessage and other custom decoders: only the generic checks
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			var names map[string]string // folded → as written
			var fields map[string]reflect.Type
			if typ != nil && typ.Kind() == reflect.Struct {
				fields = cachedFields(typ)
			}
			for dec.More() {
				nt, err := dec.Token()
				if err != nil {
					return errorf("%s: %v", at(path), err)
				}
				name := nt.(string)
				f := fold(name)
				if prev, dup := names[f]; dup {
					if prev == name {
						return errorf("%s: member %s appears twice", at(path), show(name))
					}
					return errorf("%s: members %s and %s differ only in case", at(path), show(prev), show(name))
				}
				if names == nil {
					names = map[string]string{}
				}
				names[f] = name
				var elem reflect.Type
				switch {
				case fields != nil:
					ft, ok := fields[name]
					if !ok {
						return errorf("%s: unknown member %s", at(path), show(name))
					}
					elem = ft
				case typ != nil && typ.Kind() == reflect.Map:
					elem = typ.Elem()
				}
				if err := walk(dec, join(path, strings.Trim(show(name), `"`)), depth+1, elem); err != nil {
					return err
				}
			}
		case '[':
			var elem reflect.Type
			if typ != nil && (typ.Kind() == reflect.Slice || typ.Kind() == reflect.Array) {
				elem = typ.Elem()
			}
			for i := 0; dec.More(); i++ {
				if err := walk(dec, fmt.Sprintf("%s[%d]", path, i), depth+1, elem); err != nil {
					return err
				}
			}
		}
		if _, err := dec.Token(); err != nil { // the closing delimiter
			return errorf("%s: %v", at(path), err)
		}
	case nil:
		if typ != nil {
			return errorf("%s: null is not allowed", at(path))
		}
	}
	return nil
}

var rawType = reflect.TypeFor[json.Unmarshaler]()

var fieldCache sync.Map // reflect.Type → map[string]reflect.Type

func cachedFields(t reflect.Type) map[string]reflect.Type {
	if m, ok := fieldCache.Load(t); ok {
		return m.(map[string]reflect.Type)
	}
	m := jsonFields(t)
	fieldCache.Store(t, m)
	return m
}

// jsonFields returns the exact json member names of struct type t and the
// type of each (embedded structs' fields included, as encoding/json does).
func jsonFields(t reflect.Type) map[string]reflect.Type {
	m := map[string]reflect.Type{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" {
			et := f.Type
			if et.Kind() == reflect.Pointer {
				et = et.Elem()
			}
			if et.Kind() == reflect.Struct {
				for k, v := range jsonFields(et) {
					if _, ok := m[k]; !ok {
						m[k] = v
					}
				}
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		m[name] = f.Type
	}
	return m
}

// fold maps a member name to a key shared by every name encoding/json
// would take for it: each rune is replaced by the smallest rune of its
// Unicode simple-folding orbit after upper(lower(r)), which is how
// encoding/json folds.
func fold(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii { // upper case is the orbit's smallest for ASCII letters (k, K and U+212A give K)
		return strings.ToUpper(s)
	}
	var b strings.Builder
	for _, r := range s {
		r = unicode.ToUpper(unicode.ToLower(r))
		m := r
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			if f < m {
				m = f
			}
		}
		b.WriteRune(m)
	}
	return b.String()
}

// show quotes a member name for an error message, unless it is long or
// holds a long run of digits (it could be personal data, such as an ID
// number an attacker or a careless tool put there).
func show(name string) string {
	run, maxRun := 0, 0
	for _, r := range name {
		if r >= '0' && r <= '9' || r >= '０' && r <= '９' {
			run++
			maxRun = max(maxRun, run)
		} else {
			run = 0
		}
	}
	if len(name) > 32 || maxRun >= 6 {
		return fmt.Sprintf("(a name of %d bytes)", len(name))
	}
	return fmt.Sprintf("%q", name)
}

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

func at(path string) string {
	if path == "" {
		return "top level"
	}
	return path
}

// checkSurrogates refuses a \u escape of a surrogate code point that is
// not a high surrogate (\uD800–\uDBFF) immediately followed by an escaped
// low one (\uDC00–\uDFFF): such a string has one reading in Go (U+FFFD)
// and another in Python or JavaScript (the lone surrogate kept). Only
// escapes inside strings count ("\\ud800" is a backslash and "ud800").
// Malformed escapes are left to the decoder.
func checkSurrogates(data []byte) error {
	in := false
	for i := 0; i < len(data); i++ {
		c := data[i]
		if !in {
			if c == '"' {
				in = true
			}
			continue
		}
		switch c {
		case '"':
			in = false
		case '\\':
			if i+1 >= len(data) || data[i+1] != 'u' {
				i++ // the escaped character
				continue
			}
			r, ok := hex4(data, i+2)
			if !ok {
				i++
				continue
			}
			switch {
			case 0xDC00 <= r && r <= 0xDFFF:
				return errorf("the escape \\u%04X at byte %d is a low surrogate without a high one before it", r, i+1)
			case 0xD800 <= r && r <= 0xDBFF:
				lo, ok := rune(0), false
				if i+7 < len(data) && data[i+6] == '\\' && data[i+7] == 'u' {
					lo, ok = hex4(data, i+8)
				}
				if !ok || lo < 0xDC00 || lo > 0xDFFF {
					return errorf("the escape \\u%04X at byte %d is a high surrogate without a low one (\\uDC00-\\uDFFF) after it", r, i+1)
				}
				i += 11 // both escapes
			default:
				i += 5
			}
		}
	}
	return nil
}

// hex4 decodes the four hex digits at data[i:i+4].
func hex4(data []byte, i int) (rune, bool) {
	if i+4 > len(data) {
		return 0, false
	}
	var r rune
	for _, c := range data[i : i+4] {
		switch {
		case '0' <= c && c <= '9':
			r = r<<4 | rune(c-'0')
		case 'a' <= c && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case 'A' <= c && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	return r, true
}

// Error is every error this package returns; Msg is the message without
// the package prefix (where in the document, and what is wrong).
type Error struct{ Msg string }

func (e *Error) Error() string { return "strictjson: " + e.Msg }

func errorf(format string, args ...any) error { return &Error{Msg: fmt.Sprintf(format, args...)} }

// Message returns err's message without this package's prefix when err is
// (or wraps) an *Error, and err.Error() otherwise: callers embed it in
// their own errors.
func Message(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Msg
	}
	return err.Error()
}
