package audit

import (
	"bytes"
	"context"
	"fmt"
	"html"
	"maps"
	"slices"
	"strings"

	"github.com/meshproof/meshproof/rules/mesh"
)

// The segmentation graph as SVG: layout.go lays it out (gonum's
// force-directed layout orders it, in layers from left to right); the SVG
// is drawn here from the positions, with presentation attributes only (no
// CSS, no markers, no external references), so that it renders the same
// inline in HTML, from a file, in print and in the PDF.

// Colours of the graph.
const (
	colStrict     = "#1a7f37"
	colPermissive = "#b35900"
	colPlain      = "#cf222e"
	colCDEFill    = "#fde2e1"
	colCDEStroke  = "#cf222e"
	colConnFill   = "#fff4d6"
	colOutFill    = "#eef2f6"
	colText       = "#1f2328"
)

func modeColor(mode string) (color, dash string) {
	switch mode {
	case mesh.ModeStrict:
		return colStrict, ""
	case mesh.ModePermissive:
		return colPermissive, "6,3"
	}
	return colPlain, "2,3"
}

// modeRank orders modes from strongest to weakest.
var modeRank = map[string]int{mesh.ModeStrict: 0, mesh.ModePermissive: 1, mesh.ModeDisable: 2, mesh.ModeNone: 3}

// graphEdge is all the allowed calls from one node to another.
type graphEdge struct {
	from, to string
	labels   []string
	weakest  string
	cond     bool
}

// foldAbove is the number of workloads above which the graph folds the
// workloads outside the scope into one node per namespace; the CDE and
// the workloads connected to it stay one node each. (A variable for the
// tests.)
var foldAbove = 60

// foldedPrefix starts the ID of a namespace's folded node (a workload's
// ID starts with its kind).
const foldedPrefix = "folded/"

// foldOutOfScope maps each workload outside the scope to its namespace's
// folded node, and returns those nodes, when the graph has more than
// foldAbove workloads.
func foldOutOfScope(seg Segmentation, derived map[string]string) (map[string]string, []*mesh.GraphNode) {
	workloads := 0
	for _, n := range seg.Nodes {
		if n.Kind == mesh.NodeWorkload {
			workloads++
		}
	}
	if workloads <= foldAbove {
		return nil, nil
	}
	fold := map[string]string{}
	count := map[string]int{}
	for _, n := range seg.Nodes {
		if d := derived[n.ID]; n.Kind == mesh.NodeWorkload && d != mesh.ScopeCDE && d != mesh.ScopeConnected {
			fold[n.ID] = foldedPrefix + n.Namespace
			count[n.Namespace]++
		}
	}
	var nodes []*mesh.GraphNode
	for _, ns := range slices.Sorted(maps.Keys(count)) {
		word := "workloads"
		if count[ns] == 1 {
			word = "workload"
		}
		nodes = append(nodes, &mesh.GraphNode{ID: foldedPrefix + ns, Kind: mesh.NodeWorkload, Workload: -1, Namespace: ns, Name: fmt.Sprintf("%d %s", count[ns], word)})
	}
	return fold, nodes
}

// SVG lays out and draws the segmentation graph. Parallel calls between
// two nodes share one arrow labelled with every port, protocol and mTLS
// mode; the arrow takes the colour of the weakest mode. Workloads are
// grouped by namespace, namespaces with CDE workloads outlined in red; the
// CDE workloads are red, connected-to workloads yellow. Callers outside
// the input stand in the first column. A graph of more than foldAbove
// workloads shows each namespace's workloads outside the scope as one
// node.
func SVG(ctx context.Context, rep *Report) ([]byte, error) {
	seg := rep.Segmentation
	derived := map[string]string{}
	for _, l := range [][]ScopedWorkload{rep.Scope.CDE, rep.Scope.Connected, rep.Scope.Out} {
		for _, w := range l {
			derived[w.Workload] = w.Derived
		}
	}
	fold, folded := foldOutOfScope(seg, derived)
	at := func(id string) string {
		if f, ok := fold[id]; ok {
			return f
		}
		return id
	}
	for _, n := range folded {
		derived[n.ID] = mesh.ScopeOut
	}
	var edges []*graphEdge
	byPair := map[[2]string]*graphEdge{}
	used := map[string]bool{}
	for _, e := range seg.Edges {
		k := [2]string{at(e.From), at(e.To)}
		if k[0] == k[1] {
			continue // between two workloads of one folded node
		}
		ge := byPair[k]
		if ge == nil {
			ge = &graphEdge{from: k[0], to: k[1], weakest: e.MTLS}
			byPair[k] = ge
			edges = append(edges, ge)
		}
		l := fmt.Sprintf("%s %s %s", portString(e.Port), e.Protocol, e.MTLS)
		if e.Conditional {
			l += "?"
			ge.cond = true
		}
		if !slices.Contains(ge.labels, l) {
			ge.labels = append(ge.labels, l)
		}
		if modeRank[e.MTLS] > modeRank[ge.weakest] {
			ge.weakest = e.MTLS
		}
		used[k[0]], used[k[1]] = true, true
	}
	var nodes []*lnode
	gnodes := map[*lnode]*mesh.GraphNode{}
	known := map[string]bool{}
	cde := map[string]bool{}
	for _, n := range slices.Concat(seg.Nodes, folded) {
		if n.Kind != mesh.NodeWorkload && !used[n.ID] {
			continue // an unused pseudo caller
		}
		if _, ok := fold[n.ID]; ok {
			continue // drawn as its namespace's folded node
		}
		lines := nodeLines(n)
		w := 0.0
		for _, l := range lines {
			w = max(w, textWidth(l, nodeFont))
		}
		ln := &lnode{id: n.ID, lines: lines, w: w + 16, h: nodeHeight}
		nodes = append(nodes, ln)
		gnodes[ln] = n
		known[n.ID] = true
		if n.Kind == mesh.NodeWorkload && derived[n.ID] == mesh.ScopeCDE {
			cde[n.Namespace] = true
		}
	}
	// An edge whose end is not a node of the graph cannot be drawn.
	edges = slices.DeleteFunc(edges, func(e *graphEdge) bool { return !known[e.from] || !known[e.to] })
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	lg := layoutSegmentation(nodes, edges, func(n *lnode) string {
		if gn := gnodes[n]; gn.Kind == mesh.NodeWorkload {
			return gn.Namespace
		}
		return ""
	}, cde)

	var b bytes.Buffer
	const legendH = 24.0
	width, height := max(lg.width, 560), lg.height+legendH
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %.0f %.0f" width="%.0f" height="%.0f" font-family="Helvetica, Arial, sans-serif" role="img" aria-label="Segmentation graph: allowed calls between workloads">`+"\n",
		width, height, width, height)
	b.WriteString(`<title>Segmentation graph</title>` + "\n")
	fmt.Fprintf(&b, `<rect x="0" y="0" width="%.0f" height="%.0f" fill="#ffffff"/>`+"\n", width, height)
	for _, bd := range lg.bands {
		stroke, fill, dash, title := "#8c959f", "none", "4,3", "namespace "+bd.namespace
		if bd.cde {
			stroke, fill, dash, title = colCDEStroke, "#fff8f8", "", title+" (CDE)"
		}
		attr, open, end := dashed(dash)
		fmt.Fprintf(&b, `<g class="namespace%s" data-namespace="%s">%s<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" rx="6" fill="%s" stroke="%s" stroke-width="1.2"%s/>%s`,
			map[bool]string{true: " cde"}[bd.cde], esc(bd.namespace), open, bd.x0, bd.top, bd.x1-bd.x0, bd.h, fill, stroke, attr, end)
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" font-family="Helvetica" font-size="11" fill="%s">%s</text></g>`+"\n", bd.x0+6, bd.top+14, map[bool]string{true: colCDEStroke, false: "#57606a"}[bd.cde], esc(title))
	}
	for _, ch := range lg.chains {
		writeChain(&b, lg, ch)
	}
	for _, n := range lg.nodes {
		gn := gnodes[n]
		fill, stroke, sw, dash := colOutFill, "#57606a", "1", ""
		scope := derived[gn.ID]
		switch {
		case gn.Kind != mesh.NodeWorkload:
			fill, dash = "#ffffff", "3,2"
		case scope == mesh.ScopeCDE:
			fill, stroke, sw = colCDEFill, colCDEStroke, "2.5"
		case scope == mesh.ScopeConnected:
			fill, stroke = colConnFill, "#9a6700"
		}
		attr, open, end := dashed(dash)
		fmt.Fprintf(&b, `<g class="node scope-%s" data-id="%s">%s<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" rx="4" fill="%s" stroke="%s" stroke-width="%s"%s/>%s`,
			cmpOr(scope, gn.Kind), esc(gn.ID), open, n.x-n.w/2, n.y-n.h/2, n.w, n.h, fill, stroke, sw, attr, end)
		writeLines(&b, n.x, n.y, n.lines, nodeFont, colText)
		b.WriteString("</g>\n")
	}
	writeLegend(&b, lg.height+4)
	b.WriteString("</svg>\n")
	return b.Bytes(), nil
}

// writeChain draws an edge: from the caller's side through its slots and
// its label to the callee's side, each step a curve that leaves and
// arrives horizontally, and an arrow head at the callee.
func writeChain(b *bytes.Buffer, lg *layoutGraph, ch *chain) {
	l, r := ch.from, ch.to
	if ch.reversed {
		l, r = r, l
	}
	var lend, rend *end
	for _, e := range l.right {
		if e.chain == ch {
			lend = e
		}
	}
	for _, e := range r.left {
		if e.chain == ch {
			rend = e
		}
	}
	type pt struct{ x, y float64 }
	pts := []pt{{l.x + l.w/2, lend.y}}
	var label *item
	var labelX float64
	for i, it := range ch.items {
		ci := 2*l.layer + 1 + i
		c := lg.cols[ci]
		// A slot spans a node column, and a label column but for its
		// margins, where the edge turns.
		w := c.w
		switch {
		case it.label:
			label, labelX = it, c.x+c.w/2
			w = it.w
		case ci%2 == 1:
			w = max(c.w-2*colGap, 0)
		}
		cx := c.x + c.w/2
		pts = append(pts, pt{cx - w/2, it.y}, pt{cx + w/2, it.y})
	}
	pts = append(pts, pt{r.x - r.w/2, rend.y})
	const arrow = 8.0
	// The arrow head sits at the callee: the right end, or the left end of
	// an edge drawn right to left.
	if ch.reversed {
		slices.Reverse(pts)
	}
	tip := pts[len(pts)-1]
	dir := 1.0
	if ch.reversed {
		dir = -1
	}
	pts[len(pts)-1] = pt{tip.x - dir*arrow, tip.y}
	color, dash := modeColor(ch.edge.weakest)
	if ch.edge.cond {
		dash = "1,3"
	}
	var d strings.Builder
	fmt.Fprintf(&d, "M%.1f,%.1f", pts[0].x, pts[0].y)
	for i := 1; i < len(pts); i++ {
		a, c := pts[i-1], pts[i]
		if a.y == c.y {
			fmt.Fprintf(&d, " L%.1f,%.1f", c.x, c.y)
			continue
		}
		mx := (a.x + c.x) / 2
		fmt.Fprintf(&d, " C%.1f,%.1f %.1f,%.1f %.1f,%.1f", mx, a.y, mx, c.y, c.x, c.y)
	}
	fmt.Fprintf(b, `<g class="edge mtls-%s" data-from="%s" data-to="%s">`, strings.ToLower(ch.edge.weakest), esc(ch.edge.from), esc(ch.edge.to))
	attr, open, end := dashed(dash)
	fmt.Fprintf(b, `%s<path d="%s" fill="none" stroke="%s" stroke-width="1.4"%s/>%s`, open, d.String(), color, attr, end)
	fmt.Fprintf(b, `<polygon points="%.1f,%.1f %.1f,%.1f %.1f,%.1f" fill="%s"/>`, tip.x, tip.y, tip.x-dir*arrow, tip.y-4, tip.x-dir*arrow, tip.y+4, color)
	if label != nil {
		fmt.Fprintf(b, `<rect class="label" x="%.1f" y="%.1f" width="%.1f" height="%.1f" rx="2" fill="#ffffff" stroke="%s" stroke-width="0.6"/>`,
			labelX-label.w/2, label.y-label.h/2, label.w, label.h, color)
		writeLines(b, labelX, label.y, ch.edge.labels, labelFont, color)
	}
	b.WriteString("</g>\n")
}

// writeLegend explains the colours and strokes below the graph.
func writeLegend(b *bytes.Buffer, y float64) {
	x := margin
	b.WriteString(`<g class="legend">`)
	for _, s := range []struct{ mode, text string }{{mesh.ModeStrict, "STRICT mTLS"}, {mesh.ModePermissive, "PERMISSIVE"}, {mesh.ModeDisable, "plaintext (DISABLE, no proxy)"}} {
		color, dash := modeColor(s.mode)
		attr, open, end := dashed(dash)
		fmt.Fprintf(b, `%s<path d="M%.1f,%.1f L%.1f,%.1f" stroke="%s" stroke-width="1.4"%s/>%s`, open, x, y+8, x+24, y+8, color, attr, end)
		fmt.Fprintf(b, `<text x="%.1f" y="%.1f" font-family="Helvetica" font-size="9" fill="%s">%s</text>`, x+28, y+11, colText, esc(s.text))
		x += 36 + textWidth(s.text, 9)
	}
	for _, s := range []struct{ fill, stroke, text string }{{colCDEFill, colCDEStroke, "CDE"}, {colConnFill, "#9a6700", "connected-to"}, {colOutFill, "#57606a", "out of scope"}} {
		fmt.Fprintf(b, `<rect x="%.1f" y="%.1f" width="14" height="10" fill="%s" stroke="%s"/>`, x, y+3, s.fill, s.stroke)
		fmt.Fprintf(b, `<text x="%.1f" y="%.1f" font-family="Helvetica" font-size="9" fill="%s">%s</text>`, x+18, y+11, colText, esc(s.text))
		x += 28 + textWidth(s.text, 9)
	}
	b.WriteString("</g>\n")
}

// dashed gives the attribute of a dash pattern ("" for a solid stroke),
// and a group around the element: folio, which draws the graph in the
// PDF, keeps a dash pattern for every stroke after it unless the element
// sits in a group that saves and restores the graphics state, which a
// transform does (a shift of a thousandth of a unit, which no viewer
// shows).
func dashed(dash string) (attr, open, end string) {
	if dash == "" {
		return "", "", ""
	}
	return ` stroke-dasharray="` + dash + `"`, `<g transform="translate(0 0.001)">`, "</g>"
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// nodeLines is a node's label: the workload's name, kind and scope.
func nodeLines(n *mesh.GraphNode) []string {
	switch n.Kind {
	case mesh.NodeWorkload:
		if strings.HasPrefix(n.ID, foldedPrefix) {
			return []string{n.Name, "outside the scope"}
		}
		kind, _, _ := strings.Cut(n.ID, "/")
		return []string{n.Name, kind}
	case mesh.NodeIdentity:
		return []string{"identity not in the input", strings.TrimPrefix(n.SPIFFEID, "spiffe://")}
	case mesh.NodeAnyIdentity:
		return []string{"any other mesh identity"}
	}
	return []string{"any caller without", "a mesh identity (plaintext)"}
}

// writeLines writes centred lines of text around (x, y).
func writeLines(b *bytes.Buffer, x, y float64, lines []string, size float64, color string) {
	lh := size * 1.2
	top := y - lh*float64(len(lines)-1)/2 + size*0.35
	for i, l := range lines {
		fmt.Fprintf(b, `<text x="%.1f" y="%.1f" font-family="Helvetica" font-size="%.0f" fill="%s" text-anchor="middle">%s</text>`, x, top+lh*float64(i), size, color, esc(l))
	}
}

func esc(s string) string { return html.EscapeString(s) }
