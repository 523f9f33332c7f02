package metrics

import (
	"bytes"
	"fmt"
	"math"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestWriteText(t *testing.T) {
	r := NewRegistry()
	c := r.CounterVec("proxy_connections_total", "Connections accepted.", "listener")
	c.With("b").Add(3)
	c.With("a").Inc()
	g := r.GaugeVec("proxy_active", "Open connections.", "listener", "mode")
	g.With(`we"ird\n`+"\n", "in").Set(2.5)
	g.With("x", "out").Add(-1)
	r.GaugeFunc("proxy_expiry_seconds", "Line one\nline two.", func() float64 { return math.Inf(1) })

	var b bytes.Buffer
	if err := r.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	want := `# HELP proxy_connections_total Connections accepted.
# TYPE proxy_connections_total counter
proxy_connections_total{listener="a"} 1
proxy_connections_total{listener="b"} 3
# HELP proxy_active Open connections.
# TYPE proxy_active gauge
proxy_active{listener="we\"ird\\n\n",mode="in"} 2.5
proxy_active{listener="x",mode="out"} -1
# HELP proxy_expiry_seconds Line one\nline two.
# TYPE proxy_expiry_seconds gauge
proxy_expiry_seconds +Inf
`
	if diff := cmp.Diff(want, b.String()); diff != "" {
		t.Errorf("WriteText() mismatch (-want +got):\n%s", diff)
	}
}

func TestConcurrentUpdates(t *testing.T) {
	r := NewRegistry()
	c := r.CounterVec("c_total", "c", "k").With("v")
	g := r.GaugeVec("g", "g").With()
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 1000; j++ {
				c.Inc()
				g.Add(1)
			}
		}()
	}
	wg.Wait()
	if got, want := c.Value(), uint64(8000); got != want {
		t.Errorf("counter = %d, want %d", got, want)
	}
	if got, want := g.Value(), 8000.0; got != want {
		t.Errorf("gauge = %v, want %v", got, want)
	}
}

func TestWrongLabelCountPanics(t *testing.T) {
	r := NewRegistry()
	v := r.CounterVec("x_total", "x", "a", "b")
	defer func() {
		if recover() == nil {
			t.Error("With(one value) on a two-label family did not panic")
		}
	}()
	v.With("only")
}

func ExampleRegistry() {
	r := NewRegistry()
	r.CounterVec("meshproof_proxy_connections_total", "Connections accepted.", "listener").With("postgres").Add(2)
	var b bytes.Buffer
	r.WriteText(&b)
	fmt.Print(b.String())
	// Output:
	// # HELP meshproof_proxy_connections_total Connections accepted.
	// # TYPE meshproof_proxy_connections_total counter
	// meshproof_proxy_connections_total{listener="postgres"} 2
}
