// Package metrics is a small Prometheus text exposition (format 0.0.4)
// writer: counters and gauges with labels, and gauges computed on scrape.
// The proxy uses it instead of the Prometheus client library, which its
// binary must not link.
//
// Series are created once (With) and then updated lock-free, so hot paths
// keep a *Counter or *Gauge and only touch an atomic.
package metrics

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
)

// Registry holds metric families in registration order.
type Registry struct {
	mu       sync.Mutex
	families []*family
	names    map[string]bool
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry { return &Registry{names: map[string]bool{}} }

type family struct {
	name, help, typ string
	labels          []string

	mu     sync.Mutex
	series map[string]*series
	fn     func() float64 // gauge computed on scrape (no labels)
}

type series struct {
	values []string
	c      *Counter
	g      *Gauge
}

func (r *Registry) add(name, help, typ string, labels []string) *family {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.names[name] {
		panic("metrics: duplicate metric " + name) // a programming error
	}
	r.names[name] = true
	f := &family{name: name, help: help, typ: typ, labels: labels, series: map[string]*series{}}
	r.families = append(r.families, f)
	return f
}

// Counter only goes up.
type Counter struct{ v atomic.Uint64 }

// Add adds n.
func (c *Counter) Add(n uint64) { c.v.Add(n) }

// Inc adds 1.
func (c *Counter) Inc() { c.v.Add(1) }

// Value returns the current count.
func (c *Counter) Value() uint64 { return c.v.Load() }

// Gauge goes up and down.
type Gauge struct{ bits atomic.Uint64 }

// Set sets the value.
func (g *Gauge) Set(v float64) { g.bits.Store(math.Float64bits(v)) }

// Add adds delta (which may be negative).
func (g *Gauge) Add(delta float64) {
	for {
		old := g.bits.Load()
		if g.bits.CompareAndSwap(old, math.Float64bits(math.Float64frombits(old)+delta)) {
			return
		}
	}
}

// Value returns the current value.
func (g *Gauge) Value() float64 { return math.Float64frombits(g.bits.Load()) }

// CounterVec is a counter family with labels.
type CounterVec struct{ f *family }

// GaugeVec is a gauge family with labels.
type GaugeVec struct{ f *family }

// CounterVec registers a counter family with the given label names.
func (r *Registry) CounterVec(name, help string, labels ...string) *CounterVec {
	return &CounterVec{r.add(name, help, "counter", labels)}
}

// GaugeVec registers a gauge family with the given label names.
func (r *Registry) GaugeVec(name, help string, labels ...string) *GaugeVec {
	return &GaugeVec{r.add(name, help, "gauge", labels)}
}

// GaugeFunc registers a gauge without labels whose value fn computes at
// each scrape.
func (r *Registry) GaugeFunc(name, help string, fn func() float64) {
	r.add(name, help, "gauge", nil).fn = fn
}

func (f *family) get(values []string) *series {
	if len(values) != len(f.labels) {
		panic(fmt.Sprintf("metrics: %s takes %d label values, got %d", f.name, len(f.labels), len(values)))
	}
	key := strings.Join(values, "\xff")
	f.mu.Lock()
	defer f.mu.Unlock()
	s := f.series[key]
	if s == nil {
		s = &series{values: append([]string(nil), values...)}
		if f.typ == "counter" {
			s.c = &Counter{}
		} else {
			s.g = &Gauge{}
		}
		f.series[key] = s
	}
	return s
}

// With returns the counter for the label values (in the order of the label
// names), creating it at zero.
func (v *CounterVec) With(values ...string) *Counter { return v.f.get(values).c }

// With returns the gauge for the label values, creating it at zero.
func (v *GaugeVec) With(values ...string) *Gauge { return v.f.get(values).g }

// Delete removes the series with the label values (for example a gauge of
// a listener that is gone).
func (v *GaugeVec) Delete(values ...string) {
	v.f.mu.Lock()
	delete(v.f.series, strings.Join(values, "\xff"))
	v.f.mu.Unlock()
}

// WriteText writes every family in the Prometheus text format; series are
// sorted by their label values so that the output is stable.
func (r *Registry) WriteText(w io.Writer) error {
	r.mu.Lock()
	fams := append([]*family(nil), r.families...)
	r.mu.Unlock()
	bw := bufio.NewWriter(w)
	for _, f := range fams {
		fmt.Fprintf(bw, "# HELP %s %s\n# TYPE %s %s\n", f.name, escapeHelp(f.help), f.name, f.typ)
		if f.fn != nil {
			fmt.Fprintf(bw, "%s %s\n", f.name, formatFloat(f.fn()))
			continue
		}
		f.mu.Lock()
		all := make([]*series, 0, len(f.series))
		for _, s := range f.series {
			all = append(all, s)
		}
		f.mu.Unlock()
		sort.Slice(all, func(i, j int) bool {
			return strings.Join(all[i].values, "\xff") < strings.Join(all[j].values, "\xff")
		})
		for _, s := range all {
			bw.WriteString(f.name)
			if len(f.labels) > 0 {
				bw.WriteByte('{')
				for i, l := range f.labels {
					if i > 0 {
						bw.WriteByte(',')
					}
					bw.WriteString(l)
					bw.WriteString(`="`)
					bw.WriteString(escapeLabel(s.values[i]))
					bw.WriteByte('"')
				}
				bw.WriteByte('}')
			}
			bw.WriteByte(' ')
			if s.c != nil {
				bw.WriteString(strconv.FormatUint(s.c.Value(), 10))
			} else {
				bw.WriteString(formatFloat(s.g.Value()))
			}
			bw.WriteByte('\n')
		}
	}
	return bw.Flush()
}

var (
	labelEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)
	helpEscaper  = strings.NewReplacer(`\`, `\\`, "\n", `\n`)
)

func escapeLabel(s string) string { return labelEscaper.Replace(s) }
func escapeHelp(s string) string  { return helpEscaper.Replace(s) }

func formatFloat(v float64) string {
	switch {
	case math.IsInf(v, 1):
		return "+Inf"
	case math.IsInf(v, -1):
		return "-Inf"
	case math.IsNaN(v):
		return "NaN"
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}
