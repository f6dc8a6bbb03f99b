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
