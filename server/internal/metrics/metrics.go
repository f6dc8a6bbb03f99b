// Package metrics keeps the verification server's counters and latency
// histograms and writes them in the Prometheus text exposition format
// (version 0.0.4), by hand, without a client library.
//
// Label values come from a small fixed set chosen by the server (route
// patterns, status codes, verdicts), never from request data, so the number
// of series stays bounded. Every type is safe for concurrent use.
package metrics

import (
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// Registry holds the metrics to expose, in the order they were made.
type Registry struct {
	mu      sync.Mutex
	metrics []metric
}

type metric interface {
	write(w io.Writer)
}

// Write writes every metric in the text exposition format.
func (r *Registry) Write(w io.Writer) {
	r.mu.Lock()
	ms := append([]metric(nil), r.metrics...)
	r.mu.Unlock()
	for _, m := range ms {
		m.write(w)
	}
}

func (r *Registry) add(m metric) {
	r.mu.Lock()
	r.metrics = append(r.metrics, m)
	r.mu.Unlock()
}

// CounterVec is a counter with labels.
type CounterVec struct {
	name, help string
	labels     []string
	mu         sync.Mutex
	values     map[string]float64 // by joined label values
}

// NewCounterVec registers a counter named name with the given label names.
func (r *Registry) NewCounterVec(name, help string, labels ...string) *CounterVec {
	c := &CounterVec{name: name, help: help, labels: labels, values: map[string]float64{}}
	r.add(c)
	return c
}

// Add adds v to the series with the given label values (one per label).
func (c *CounterVec) Add(v float64, values ...string) {
	k := key(values)
	c.mu.Lock()
	c.values[k] += v
	c.mu.Unlock()
}

// Inc adds 1.
func (c *CounterVec) Inc(values ...string) { c.Add(1, values...) }

// Value returns the current value of a series.
func (c *CounterVec) Value(values ...string) float64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.values[key(values)]
}

func (c *CounterVec) write(w io.Writer) {
	fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s counter\n", c.name, escapeHelp(c.help), c.name)
	c.mu.Lock()
	keys := sortedKeys(c.values)
	for _, k := range keys {
		fmt.Fprintf(w, "%s%s %s\n", c.name, labelText(c.labels, k, "", ""), formatFloat(c.values[k]))
	}
	c.mu.Unlock()
}

// HistogramVec is a histogram with labels.
type HistogramVec struct {
	name, help string
	labels     []string
	buckets    []float64 // upper bounds, ascending, without +Inf
	mu         sync.Mutex
	series     map[string]*histogram
}

type histogram struct {
	counts []uint64 // per bucket, not cumulative
	count  uint64
	sum    float64
}

// NewHistogramVec registers a histogram with the given bucket upper bounds
// (ascending) and label names.
func (r *Registry) NewHistogramVec(name, help string, buckets []float64, labels ...string) *HistogramVec {
	h := &HistogramVec{name: name, help: help, labels: labels, buckets: append([]float64(nil), buckets...), series: map[string]*histogram{}}
	r.add(h)
	return h
}

// Observe records v in the series with the given label values.
func (h *HistogramVec) Observe(v float64, values ...string) {
	k := key(values)
	i := sort.SearchFloat64s(h.buckets, v) // first bucket with bound >= v
	h.mu.Lock()
	s, ok := h.series[k]
	if !ok {
		s = &histogram{counts: make([]uint64, len(h.buckets)+1)}
		h.series[k] = s
	}
	s.counts[i]++
	s.count++
	s.sum += v
	h.mu.Unlock()
}

func (h *HistogramVec) write(w io.Writer) {
	fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s histogram\n", h.name, escapeHelp(h.help), h.name)
	h.mu.Lock()
	defer h.mu.Unlock()
	keys := make([]string, 0, len(h.series))
	for k := range h.series {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		s := h.series[k]
		var cum uint64
		for i, b := range h.buckets {
			cum += s.counts[i]
			fmt.Fprintf(w, "%s_bucket%s %d\n", h.name, labelText(h.labels, k, "le", formatFloat(b)), cum)
		}
		fmt.Fprintf(w, "%s_bucket%s %d\n", h.name, labelText(h.labels, k, "le", "+Inf"), s.count)
		fmt.Fprintf(w, "%s_sum%s %s\n", h.name, labelText(h.labels, k, "", ""), formatFloat(s.sum))
		fmt.Fprintf(w, "%s_count%s %d\n", h.name, labelText(h.labels, k, "", ""), s.count)
	}
}

// GaugeFunc is a gauge whose value is read when metrics are written.
type GaugeFunc struct {
	name, help string
	fn         func() float64
}

// NewGaugeFunc registers a gauge reading fn.
func (r *Registry) NewGaugeFunc(name, help string, fn func() float64) *GaugeFunc {
	g := &GaugeFunc{name: name, help: help, fn: fn}
	r.add(g)
	return g
}

func (g *GaugeFunc) write(w io.Writer) {
	fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s gauge\n%s %s\n", g.name, escapeHelp(g.help), g.name, g.name, formatFloat(g.fn()))
}

// key joins label values with a separator that cannot occur in them
// (label values are chosen by the server).
func key(values []string) string { return strings.Join(values, "\x00") }

func sortedKeys(m map[string]float64) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// labelText renders {a="x",b="y"} for the joined values k, with an extra
// label when extraName is set.
func labelText(names []string, k, extraName, extraValue string) string {
	if len(names) == 0 && extraName == "" {
		return ""
	}
	var b strings.Builder
	b.WriteByte('{')
	var values []string
	if len(names) > 0 {
		values = strings.Split(k, "\x00")
	}
	for i, n := range names {
		if i > 0 {
			b.WriteByte(',')
		}
		v := ""
		if i < len(values) {
			v = values[i]
		}
		fmt.Fprintf(&b, "%s=\"%s\"", n, escapeLabel(v))
	}
	if extraName != "" {
		if len(names) > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "%s=\"%s\"", extraName, extraValue)
	}
	b.WriteByte('}')
	return b.String()
}

var labelEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)
var helpEscaper = strings.NewReplacer(`\`, `\\`, "\n", `\n`)

func escapeLabel(s string) string { return labelEscaper.Replace(s) }
func escapeHelp(s string) string  { return helpEscaper.Replace(s) }

func formatFloat(v float64) string {
	switch {
	case math.IsInf(v, 1):
		return "+Inf"
	case math.IsInf(v, -1):
		return "-Inf"
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}
