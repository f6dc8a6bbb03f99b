package batch_test

import (
	"context"
	"testing"
)

// BenchmarkIssue issues batches of 1,000 sample candidates end to end
// (checks, signatures, QR codes, PDFs, files made durable, store records)
// on GOMAXPROCS workers and reports the wall time per certificate and the
// rate. `titlecert bench issue` measures the same with a per-stage split.
func BenchmarkIssue(b *testing.B) {
	const n = 1000
	data := sampleCSV(b, n)
	certs := 0
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		f := newFixture(b) // a fresh store: a holder gets a title once
		b.StartTimer()
		res, err := f.issuer.Issue(context.Background(), source(data), f.out)
		if err != nil {
			b.Fatal(err)
		}
		certs += res.Count
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(certs), "ns/cert")
	b.ReportMetric(float64(certs)/b.Elapsed().Seconds(), "certs/s")
}
