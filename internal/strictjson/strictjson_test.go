package strictjson

import (
	"encoding/json"
	"strings"
	"testing"
)

type inner struct {
	A int    `json:"a"`
	B string `json:"b,omitempty"`
}

type outer struct {
	V     int      `json:"v"`
	Name  string   `json:"name"`
	In    *inner   `json:"in,omitempty"`
	List  []inner  `json:"list,omitempty"`
	Extra struct{} `json:"-"`
}

func TestUnmarshal(t *testing.T) {
	var o outer
	if err := Unmarshal([]byte(`{"v":1,"name":"张三","in":{"a":2},"list":[{"a":3,"b":"x"}]}`), &o); err != nil {
		t.Fatal(err)
	}
	if o.V != 1 || o.Name != "张三" || o.In.A != 2 || o.List[0].B != "x" {
		t.Fatalf("%+v", o)
	}
	for name, tc := range map[string]struct{ in, want string }{
		"duplicate":              {`{"v":1,"v":2}`, `member "v" appears twice`},
		"case variant":           {`{"V":1}`, `unknown member "V"`},
		"case pair":              {`{"name":"a","NAME":"b"}`, `members "name" and "NAME" differ only in case`},
		"nested duplicate":       {`{"in":{"a":1,"a":2}}`, `in: member "a" appears twice`},
		"nested case variant":    {`{"in":{"A":1}}`, `in: unknown member "A"`},
		"in an array":            {`{"list":[{"a":1},{"a":1,"A":2}]}`, `list[1]: members "a" and "A" differ only in case`},
		"kelvin sign":            {`{"name":"a","in":{"\u212a":1}}`, `unknown member`},
		"unknown":                {`{"w":1}`, `unknown member "w"`},
		"null":                   {`{"in":null}`, `in: null is not allowed`},
		"invalid UTF-8":          {"{\"name\":\"\xff\"}", "not valid UTF-8"},
		"trailing":               {`{"v":1} {}`, "data after the JSON value"},
		"trailing garbage":       {`{"v":1}x`, "data after"},
		"not an object":          {`[1]`, "strictjson"},
		"truncated":              {`{"v":1`, "strictjson"},
		"escaped duplicate name": {`{"v":1,"\u0076":2}`, `member "v" appears twice`},
		"ID number as a name":    {`{"11010519491231002X":1}`, `unknown member (a name of 18 bytes)`},
	} {
		t.Run(name, func(t *testing.T) {
			var o outer
			err := Unmarshal([]byte(tc.in), &o)
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "strictjson: ") {
				t.Fatalf("got %v, want an error with %q", err, tc.want)
			}
		})
	}
}

func TestCheck(t *testing.T) {
	if err := Check([]byte(`{"keys":[{"x":1,"y":2},{"x":1}],"other":{"a":[1,2,{"b":null}]}}`)); err != nil {
		t.Fatal(err)
	}
	for _, in := range []string{`{"a":1,"a":1}`, `{"a":{"b":1,"B":1}}`, `[{"k":1,"K":2}]`, "\"\xc0\"", `1 2`,
		`{"names":"b","NAMEſ":"c"}`,  // U+017F folds with s and S
		`{"kid":"b","\u212aID":"c"}`, // U+212A (Kelvin) folds with k and K
		strings.Repeat(`{"a":`, MaxDepth+2) + "1" + strings.Repeat("}", MaxDepth+2),
	} {
		if err := Check([]byte(in)); err == nil {
			t.Errorf("%q accepted", in)
		}
	}
}

// Whatever Unmarshal accepts, encoding/json reads the same way, and the
// names it accepted are exactly the struct's.
func FuzzUnmarshal(f *testing.F) {
	f.Add([]byte(`{"v":1,"name":"x","in":{"a":2},"list":[{"a":3}]}`))
	f.Add([]byte(`{"v":1,"V":2}`))
	f.Add([]byte(`{"name":"a","nameſ":"b"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var o outer
		if Unmarshal(data, &o) != nil {
			return
		}
		var m map[string]json.RawMessage
		if err := json.Unmarshal(data, &m); err != nil {
			t.Fatalf("accepted but not an object: %v", err)
		}
		for k := range m {
			switch k {
			case "v", "name", "in", "list":
			default:
				t.Fatalf("accepted member %q", k)
			}
		}
	})
}

// A \u escape of a lone surrogate has two readings (Go: U+FFFD; Python,
// JavaScript: the surrogate kept): refused, in values and member names, at
// any depth, by Check and Unmarshal (break-it F5). A valid pair, escaped
// backslashes and other escapes are not.
func TestLoneSurrogateEscape(t *testing.T) {
	for _, bad := range []string{
		`{"v":1,"name":"\ud800欧阳娜娜"}`,
		`{"v":1,"name":"\uD800"}`,
		`{"v":1,"name":"\udbff"}`,
		`{"v":1,"name":"\udc00"}`,
		`{"v":1,"name":"\uDFFF x"}`,
		`{"v":1,"name":"a\ud800\u0041"}`,
		`{"v":1,"name":"\ud800\ud800"}`,
		`{"v":1,"name":"\udc00\ud800"}`,
		`{"v":1,"name":"\ud83d\\ude00"}`,
		`{"v":1,"name":"\ud83d"}`,
		`{"v":1,"name":"\ud83d\n"}`,
		`{"v":1,"name":"x","in":{"a":1,"b":"\ud800"}}`,
		`{"v":1,"name":"x","list":[{"a":1,"b":"ok"},{"a":2,"b":"\udfff"}]}`,
		`{"v":1,"name":"ok","\ud800":1}`,
	} {
		var o outer
		err := Unmarshal([]byte(bad), &o)
		if err == nil || !strings.Contains(err.Error(), "surrogate") {
			t.Errorf("Unmarshal(%s) = %v", bad, err)
		}
		if err := Check([]byte(bad)); err == nil || !strings.Contains(err.Error(), "surrogate") {
			t.Errorf("Check(%s) = %v", bad, err)
		}
	}
	for _, good := range []string{
		`{"v":1,"name":"\ud83d\ude00"}`,
		`{"v":1,"name":"\uD83D\uDE00欧阳"}`,
		`{"v":1,"name":"\\ud800"}`,
		`{"v":1,"name":"\\\\ud800"}`,
		`{"v":1,"name":"\"\\ud800"}`,
		`{"v":1,"name":"\u00b7\ud7ff\ue000\uffff"}`,
		`{"v":1,"name":"😀"}`,
	} {
		var o outer
		if err := Unmarshal([]byte(good), &o); err != nil {
			t.Errorf("Unmarshal(%s) = %v", good, err)
		}
	}
	var o outer
	Unmarshal([]byte(`{"v":1,"name":"\ud83d\ude00"}`), &o)
	if o.Name != "😀" {
		t.Errorf("pair decoded as %q", o.Name)
	}
}
