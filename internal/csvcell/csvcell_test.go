package csvcell_test

import (
	"bytes"
	"encoding/csv"
	"slices"
	"testing"

	"github.com/titlecert/titlecert/internal/csvcell"
)

func TestWriterReadBack(t *testing.T) {
	in := [][]string{
		{`=HYPERLINK("http://evil.example","x")`, "330106197707070056", "=1+2", "@SUM(1)", "+cmd", "-2+3"},
		{"\t=1+2", "\r=1", " =1", "＝1+2", "＋1", "\n@x"},
		{"张三", "闽人社文〔2026〕12号", "2026000001", "eyJhbGciOiJFUzI1NiJ9.x.y", "a=b", ""},
	}
	want := [][]string{
		{`'=HYPERLINK("http://evil.example","x")`, "330106197707070056", "'=1+2", "'@SUM(1)", "'+cmd", "'-2+3"},
		{"'\t=1+2", "'\r=1", "' =1", "'＝1+2", "'＋1", "'\n@x"},
		{"张三", "闽人社文〔2026〕12号", "2026000001", "eyJhbGciOiJFUzI1NiJ9.x.y", "a=b", ""},
	}
	var b bytes.Buffer
	w := csvcell.NewWriter(&b)
	for _, r := range in {
		keep := slices.Clone(r)
		if err := w.Write(r); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(keep, r) {
			t.Error("Write modified its record")
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		t.Fatal(err)
	}
	got, err := csv.NewReader(&b).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	for i := range want {
		if !slices.Equal(got[i], want[i]) {
			t.Errorf("row %d: read back %q, want %q", i, got[i], want[i])
		}
	}
}
