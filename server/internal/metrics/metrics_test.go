package metrics

import (
	"strings"
	"testing"
)

func TestExposition(t *testing.T) {
	var r Registry
	c := r.NewCounterVec("t_requests_total", "Requests.", "route", "code")
	h := r.NewHistogramVec("t_seconds", "Latency.", []float64{0.01, 0.1}, "route")
	r.NewGaugeFunc("t_up", "Up.", func() float64 { return 1 })
	c.Inc("GET /x", "200")
	c.Inc("GET /x", "200")
	c.Inc(`a"b`, "404")
	h.Observe(0.005, "GET /x")
	h.Observe(0.05, "GET /x")
	h.Observe(3, "GET /x")
	var b strings.Builder
	r.Write(&b)
	want := `# HELP t_requests_total Requests.
# TYPE t_requests_total counter
t_requests_total{route="GET /x",code="200"} 2
t_requests_total{route="a\"b",code="404"} 1
# HELP t_seconds Latency.
# TYPE t_seconds histogram
t_seconds_bucket{route="GET /x",le="0.01"} 1
t_seconds_bucket{route="GET /x",le="0.1"} 2
t_seconds_bucket{route="GET /x",le="+Inf"} 3
t_seconds_sum{route="GET /x"} 3.055
t_seconds_count{route="GET /x"} 3
# HELP t_up Up.
# TYPE t_up gauge
t_up 1
`
	if b.String() != want {
		t.Fatalf("got\n%s\nwant\n%s", b.String(), want)
	}
	if c.Value("GET /x", "200") != 2 {
		t.Fatal("Value")
	}
}
