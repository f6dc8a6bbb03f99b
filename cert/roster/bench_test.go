package roster

import (
	"bytes"
	"testing"
)

// BenchmarkRead reads a 10,000-row sample roster: the cost of checking
// and normalizing every cell.
func BenchmarkRead(b *testing.B) {
	var buf bytes.Buffer
	if err := WriteSampleCSV(&buf, 10_000, testNow); err != nil {
		b.Fatal(err)
	}
	data := buf.Bytes()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Read(bytes.NewReader(data), "r.csv", opts()); err != nil {
			b.Fatal(err)
		}
	}
}
