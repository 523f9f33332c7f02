package audit

import (
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/meshproof/meshproof/rules/mesh"
)

// svgBox is a rectangle of the drawing.
type svgBox struct {
	x, y, w, h float64
	what       string
}

func (a svgBox) overlaps(b svgBox) bool {
	const eps = 0.5
	return a.x < b.x+b.w-eps && b.x < a.x+a.w-eps && a.y < b.y+b.h-eps && b.y < a.y+a.h-eps
}

func (a svgBox) inside(b svgBox) bool {
	return a.x >= b.x && a.y >= b.y && a.x+a.w <= b.x+b.w && a.y+a.h <= b.y+b.h
}

// drawing is what a test reads back from the SVG.
type drawing struct {
	nodes      map[string]svgBox // by node ID
	nodeClass  map[string]string
	namespaces map[string]svgBox // by namespace
	cdeNS      map[string]bool
	labels     []svgBox
	edgeText   map[[2]string]string // (from, to): the label's text
	nodeText   map[string]string    // by node ID
}

// readSVG parses the drawing the way a viewer would: rectangles and text
// of the nodes, namespaces, edges and labels.
func readSVG(t *testing.T, svg []byte) drawing {
	t.Helper()
	d := drawing{nodes: map[string]svgBox{}, nodeClass: map[string]string{}, namespaces: map[string]svgBox{}, cdeNS: map[string]bool{}, edgeText: map[[2]string]string{}, nodeText: map[string]string{}}
	dec := xml.NewDecoder(bytes.NewReader(svg))
	var group []xml.StartElement
	var text strings.Builder
	attr := func(e xml.StartElement, name string) string {
		for _, a := range e.Attr {
			if a.Name.Local == name {
				return a.Value
			}
		}
		return ""
	}
	num := func(e xml.StartElement, name string) float64 {
		v, err := strconv.ParseFloat(attr(e, name), 64)
		if err != nil {
			t.Fatalf("<%s %s=%q>: %v", e.Name.Local, name, attr(e, name), err)
		}
		return v
	}
	box := func(e xml.StartElement, what string) svgBox {
		return svgBox{num(e, "x"), num(e, "y"), num(e, "width"), num(e, "height"), what}
	}
	for {
		tok, err := dec.Token()
		if err != nil {
			break
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			tok = tok.Copy()
			switch tok.Name.Local {
			case "g":
				group = append(group, tok)
				text.Reset()
			case "rect":
				// The nearest group with a class.
				var g xml.StartElement
				for i := len(group) - 1; i >= 0; i-- {
					if attr(group[i], "class") != "" {
						g = group[i]
						break
					}
				}
				class := attr(g, "class")
				switch {
				case strings.HasPrefix(class, "node "):
					id := attr(g, "data-id")
					d.nodes[id] = box(tok, id)
					d.nodeClass[id] = class
				case strings.HasPrefix(class, "namespace"):
					ns := attr(g, "data-namespace")
					d.namespaces[ns] = box(tok, "namespace "+ns)
					d.cdeNS[ns] = class == "namespace cde"
				case strings.HasPrefix(class, "edge ") && attr(tok, "class") == "label":
					d.labels = append(d.labels, box(tok, "label of "+attr(g, "data-from")+" -> "+attr(g, "data-to")))
				}
			}
		case xml.CharData:
			text.Write(tok)
			text.WriteByte(' ')
		case xml.EndElement:
			if tok.Name.Local == "g" && len(group) > 0 {
				g := group[len(group)-1]
				group = group[:len(group)-1]
				if strings.HasPrefix(attr(g, "class"), "edge ") {
					d.edgeText[[2]string{attr(g, "data-from"), attr(g, "data-to")}] = text.String()
				}
				if strings.HasPrefix(attr(g, "class"), "node ") {
					d.nodeText[attr(g, "data-id")] = text.String()
				}
			}
		}
	}
	return d
}

// checkDrawing checks what makes the graph readable: no node box overlaps
// another or a label, no label overlaps another, namespaces do not overlap
// and hold their workloads, every edge is labelled with its ports and
// modes, and the CDE's namespaces are marked. at maps a workload to the
// node that draws it (itself, or its namespace's folded node).
func checkDrawing(t *testing.T, rep *Report, d drawing, at func(string) string) {
	t.Helper()
	var boxes []svgBox
	for _, b := range d.nodes {
		boxes = append(boxes, b)
	}
	boxes = append(boxes, d.labels...)
	for i := range boxes {
		for j := i + 1; j < len(boxes); j++ {
			if boxes[i].overlaps(boxes[j]) {
				t.Errorf("%s %v overlaps %s %v", boxes[i].what, boxes[i], boxes[j].what, boxes[j])
			}
		}
	}
	var nss []svgBox
	for _, b := range d.namespaces {
		nss = append(nss, b)
	}
	for i := range nss {
		for j := i + 1; j < len(nss); j++ {
			if nss[i].overlaps(nss[j]) {
				t.Errorf("%s overlaps %s", nss[i].what, nss[j].what)
			}
		}
	}
	cde := map[string]bool{}
	for _, w := range rep.Scope.CDE {
		cde[w.Namespace] = true
	}
	for _, n := range rep.Segmentation.Nodes {
		b, ok := d.nodes[at(n.ID)]
		if n.Kind != mesh.NodeWorkload {
			continue
		}
		if !ok {
			t.Errorf("workload %s is not drawn (as %s)", n.ID, at(n.ID))
			continue
		}
		ns, ok := d.namespaces[n.Namespace]
		if !ok || !b.inside(ns) {
			t.Errorf("workload %s %v is not inside the box of namespace %s %v", n.ID, b, n.Namespace, ns)
		}
		if d.cdeNS[n.Namespace] != cde[n.Namespace] {
			t.Errorf("namespace %s marked CDE = %v, want %v", n.Namespace, d.cdeNS[n.Namespace], cde[n.Namespace])
		}
	}
	for _, e := range rep.Segmentation.Edges {
		if at(e.From) == at(e.To) {
			continue // inside one folded node
		}
		text, ok := d.edgeText[[2]string{at(e.From), at(e.To)}]
		want := fmt.Sprintf("%s %s %s", portString(e.Port), e.Protocol, e.MTLS)
		if !ok || !strings.Contains(text, want) {
			t.Errorf("edge %s -> %s: label %q lacks %q", e.From, e.To, text, want)
		}
	}
}

// TestSVGExample lays out the shipped examples' graphs and reads the
// drawings back.
func TestSVGExample(t *testing.T) {
	for _, ex := range []string{"mistakes", "compliant"} {
		t.Run(ex, func(t *testing.T) {
			rep := Build(exampleInput(t, ex))
			svg, err := SVG(context.Background(), rep)
			if err != nil {
				t.Fatal(err)
			}
			d := readSVG(t, svg)
			checkDrawing(t, rep, d, unfolded)
			if len(d.cdeNS) == 0 || !d.cdeNS["payments"] {
				t.Errorf("namespace payments (the CDE) is not marked: %v", d.cdeNS)
			}
			// Callers outside the input stand left of every workload.
			for _, n := range rep.Segmentation.Nodes {
				if n.Kind == mesh.NodeWorkload {
					continue
				}
				b, ok := d.nodes[n.ID]
				if !ok {
					continue
				}
				for _, w := range rep.Segmentation.Nodes {
					if wb, ok := d.nodes[w.ID]; ok && w.Kind == mesh.NodeWorkload && wb.x <= b.x+b.w {
						t.Errorf("caller %s (x %.0f-%.0f) is not left of workload %s (x %.0f)", n.ID, b.x, b.x+b.w, w.ID, wb.x)
					}
				}
			}
			again, _ := SVG(context.Background(), rep)
			if !bytes.Equal(svg, again) {
				t.Error("two drawings of the same report differ")
			}
		})
	}
}

// randomReport makes a report whose graph has workloads in several
// namespaces, outside callers, parallel edges on several ports and
// cycles, from a fixed seed.
func randomReport(seed uint64, workloads, namespaces, edges int, acyclic bool) *Report {
	rnd := rand.New(rand.NewPCG(seed, seed+1))
	rep := &Report{Scope: Scope{}}
	modes := []string{mesh.ModeStrict, mesh.ModePermissive, mesh.ModeDisable, mesh.ModeNone}
	for i := range workloads {
		ns := fmt.Sprintf("ns-%d", rnd.IntN(namespaces))
		n := &mesh.GraphNode{ID: fmt.Sprintf("Deployment/%s/svc-%d", ns, i), Kind: mesh.NodeWorkload, Workload: i, Namespace: ns, Name: fmt.Sprintf("svc-%d", i)}
		rep.Segmentation.Nodes = append(rep.Segmentation.Nodes, n)
		sw := ScopedWorkload{Workload: n.ID, Namespace: ns}
		switch {
		case ns == "ns-0":
			sw.Derived = mesh.ScopeCDE
			rep.Scope.CDE = append(rep.Scope.CDE, sw)
		case i%3 == 0:
			sw.Derived = mesh.ScopeConnected
			rep.Scope.Connected = append(rep.Scope.Connected, sw)
		default:
			sw.Derived = mesh.ScopeOut
			rep.Scope.Out = append(rep.Scope.Out, sw)
		}
	}
	outside := []*mesh.GraphNode{
		{ID: mesh.NodeAnyIdentity, Kind: mesh.NodeAnyIdentity, Workload: -1},
		{ID: mesh.NodePlaintext, Kind: mesh.NodePlaintext, Workload: -1},
		{ID: "spiffe://cluster.local/ns/other/sa/x", Kind: mesh.NodeIdentity, Workload: -1, SPIFFEID: "spiffe://cluster.local/ns/other/sa/x"},
	}
	rep.Segmentation.Nodes = append(rep.Segmentation.Nodes, outside...)
	seen := map[string]bool{}
	for len(rep.Segmentation.Edges) < edges {
		to := rnd.IntN(workloads)
		var from string
		if rnd.IntN(4) == 0 {
			from = outside[rnd.IntN(len(outside))].ID
		} else {
			f := rnd.IntN(workloads)
			if f == to || (acyclic && f > to) {
				continue
			}
			from = rep.Segmentation.Nodes[f].ID
		}
		port := []int{8080, 9090, 5432, 0}[rnd.IntN(4)]
		k := fmt.Sprint(from, to, port)
		if seen[k] {
			continue
		}
		seen[k] = true
		rep.Segmentation.Edges = append(rep.Segmentation.Edges, &mesh.Edge{From: from, To: rep.Segmentation.Nodes[to].ID, Port: port, Protocol: "HTTP", MTLS: modes[rnd.IntN(len(modes))]})
	}
	return rep
}

// TestSVGRandomGraphs checks the drawing of larger graphs, with cycles and
// without: nothing overlaps, namespaces hold their workloads, and in an
// acyclic graph every edge points from left to right.
func TestSVGRandomGraphs(t *testing.T) {
	for _, tt := range []struct {
		seed                 uint64
		workloads, ns, edges int
		acyclic              bool
	}{
		{1, 12, 3, 30, false},
		{2, 30, 5, 80, false},
		{3, 25, 4, 60, true},
		{4, 1, 1, 0, false},
		{5, 6, 6, 5, true},
	} {
		t.Run(fmt.Sprint(tt.seed), func(t *testing.T) {
			rep := randomReport(tt.seed, tt.workloads, tt.ns, tt.edges, tt.acyclic)
			svg, err := SVG(context.Background(), rep)
			if err != nil {
				t.Fatal(err)
			}
			d := readSVG(t, svg)
			checkDrawing(t, rep, d, unfolded)
			if !tt.acyclic {
				return
			}
			for _, e := range rep.Segmentation.Edges {
				from, to := d.nodes[e.From], d.nodes[e.To]
				if from.x+from.w >= to.x {
					t.Errorf("edge %s -> %s goes right to left in an acyclic graph (%v, %v)", e.From, e.To, from, to)
				}
			}
		})
	}
}

func unfolded(id string) string { return id }

// TestSVGFoldsLargeGraphs: above foldAbove workloads, each namespace's
// workloads outside the scope are one node, labelled with their number;
// the CDE and connected workloads stay one node each, and every edge
// between nodes is still drawn and labelled.
func TestSVGFoldsLargeGraphs(t *testing.T) {
	rep := randomReport(7, 150, 10, 400, false)
	svg, err := SVG(context.Background(), rep)
	if err != nil {
		t.Fatal(err)
	}
	d := readSVG(t, svg)
	out := map[string]int{}
	for _, w := range rep.Scope.Out {
		out[w.Namespace]++
	}
	at := func(id string) string {
		for _, w := range rep.Scope.Out {
			if w.Workload == id {
				return foldedPrefix + w.Namespace
			}
		}
		return id
	}
	checkDrawing(t, rep, d, at)
	for ns, n := range out {
		if _, ok := d.nodes[foldedPrefix+ns]; !ok {
			t.Errorf("namespace %s: no folded node for its %d workloads outside the scope", ns, n)
		}
	}
	for _, w := range rep.Scope.Out {
		if _, ok := d.nodes[w.Workload]; ok {
			t.Errorf("workload %s outside the scope drawn on its own", w.Workload)
		}
	}
	if want := len(rep.Scope.CDE) + len(rep.Scope.Connected) + len(out); len(d.nodes) > want+3 {
		t.Errorf("%d nodes drawn, want at most %d (CDE, connected, one per namespace, 3 outside callers)", len(d.nodes), want+3)
	}
	for ns, n := range out {
		if !strings.Contains(string(svg), fmt.Sprintf(`data-id="%s%s"`, foldedPrefix, ns)) || !strings.Contains(d.nodeText[foldedPrefix+ns], fmt.Sprintf("%d workload", n)) {
			t.Errorf("folded node of %s: text %q, want %d workloads", ns, d.nodeText[foldedPrefix+ns], n)
		}
	}
	// At the threshold nothing is folded.
	small := randomReport(7, foldAbove, 10, 200, false)
	if svg, err := SVG(context.Background(), small); err != nil || strings.Contains(string(svg), foldedPrefix) {
		t.Errorf("a graph of %d workloads was folded (%v)", foldAbove, err)
	}
}

// BenchmarkSVG lays out and draws a graph of 60 workloads in 8 namespaces
// with 300 edges.
func BenchmarkSVG(b *testing.B) {
	rep := randomReport(9, 60, 8, 300, false)
	for b.Loop() {
		if _, err := SVG(context.Background(), rep); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSVGFolded lays out and draws a graph of 300 workloads in 12
// namespaces with 900 edges, which folds.
func BenchmarkSVGFolded(b *testing.B) {
	rep := randomReport(11, 300, 12, 900, false)
	for b.Loop() {
		if _, err := SVG(context.Background(), rep); err != nil {
			b.Fatal(err)
		}
	}
}

// TestSVGLargeGraphUnfolded lays out 300 workloads with 900 edges without
// folding: gonum's force layout used to reach two nodes at one point and
// recurse until the stack overflowed (a fatal error, not a panic).
func TestSVGLargeGraphUnfolded(t *testing.T) {
	defer func(n int) { foldAbove = n }(foldAbove)
	foldAbove = 1 << 30
	rep := randomReport(11, 300, 12, 900, false)
	svg, err := SVG(context.Background(), rep)
	if err != nil {
		t.Fatal(err)
	}
	d := readSVG(t, svg)
	if len(d.nodes) < 300 {
		t.Errorf("%d nodes drawn, want every one of the 300 workloads", len(d.nodes))
	}
}
