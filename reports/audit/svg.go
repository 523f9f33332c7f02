package audit

import (
	"bytes"
	"context"
	"fmt"
	"html"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/goccy/go-graphviz"

	"github.com/meshproof/meshproof/rules/mesh"
)

// The segmentation graph as SVG: Graphviz's dot (compiled to WebAssembly,
// run in-process by go-graphviz) lays it out; the SVG is drawn here from
// the positions, with presentation attributes only (no CSS, no markers, no
// external references), so that it renders the same inline in HTML, from a
// file, in print and in the PDF.

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

// SVG lays out and draws the segmentation graph. Parallel calls between
// two nodes share one arrow labelled with every port, protocol and mTLS
// mode; the arrow takes the colour of the weakest mode. Workloads are
// grouped by namespace; the CDE is red, connected-to workloads yellow.
func SVG(ctx context.Context, rep *Report) ([]byte, error) {
	seg := rep.Segmentation
	derived := map[string]string{}
	for _, l := range [][]ScopedWorkload{rep.Scope.CDE, rep.Scope.Connected, rep.Scope.Out} {
		for _, w := range l {
			derived[w.Workload] = w.Derived
		}
	}
	var edges []*graphEdge
	byPair := map[[2]string]*graphEdge{}
	used := map[string]bool{}
	for _, e := range seg.Edges {
		k := [2]string{e.From, e.To}
		ge := byPair[k]
		if ge == nil {
			ge = &graphEdge{from: e.From, to: e.To, weakest: e.MTLS}
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
		used[e.From], used[e.To] = true, true
	}

	gv, err := graphviz.New(ctx)
	if err != nil {
		return nil, fmt.Errorf("graph layout: %w", err)
	}
	defer gv.Close()
	g, err := gv.Graph()
	if err != nil {
		return nil, fmt.Errorf("graph layout: %w", err)
	}
	defer g.Close()
	g.SetRankDir("LR")
	g.Set("nodesep", "0.3")
	g.Set("ranksep", "1.1")
	g.Set("fontname", "Helvetica")
	g.Set("fontsize", "11")
	clusters := map[string]*graphviz.Graph{}
	type placed struct {
		node  *graphviz.Node
		gn    *mesh.GraphNode
		lines []string
	}
	var nodes []placed
	nodeByID := map[string]*graphviz.Node{}
	for i, n := range seg.Nodes {
		if n.Kind != mesh.NodeWorkload && !used[n.ID] {
			continue // an unused pseudo caller
		}
		parent := g
		if n.Kind == mesh.NodeWorkload {
			c := clusters[n.Namespace]
			if c == nil {
				c, err = g.CreateSubGraphByName("cluster_" + strconv.Itoa(len(clusters)))
				if err != nil {
					return nil, fmt.Errorf("graph layout: %w", err)
				}
				c.Set("label", "namespace "+n.Namespace)
				c.Set("fontname", "Helvetica")
				c.Set("fontsize", "11")
				clusters[n.Namespace] = c
			}
			parent = c
		}
		gn, err := parent.CreateNodeByName("n" + strconv.Itoa(i))
		if err != nil {
			return nil, fmt.Errorf("graph layout: %w", err)
		}
		lines := nodeLines(n)
		gn.SetShape("box")
		gn.SetFontName("Helvetica")
		gn.SetFontSize(10)
		gn.SetLabel(strings.Join(lines, "\n"))
		// Graphviz estimates text widths with its own metrics: leave room
		// for the wider fonts of browsers.
		longest := 0
		for _, l := range lines {
			longest = max(longest, len(l))
		}
		gn.Set("width", strconv.FormatFloat((float64(longest)*6.2+18)/72, 'f', 2, 64))
		gn.Set("height", "0.55")
		nodes = append(nodes, placed{gn, n, lines})
		nodeByID[n.ID] = gn
	}
	type laid struct {
		edge *graphviz.Edge
		ge   *graphEdge
	}
	var laidEdges []laid
	for i, ge := range edges {
		e, err := g.CreateEdgeByName("e"+strconv.Itoa(i), nodeByID[ge.from], nodeByID[ge.to])
		if err != nil {
			return nil, fmt.Errorf("graph layout: %w", err)
		}
		e.SetLabel(strings.Join(ge.labels, "\n"))
		e.SetFontName("Helvetica")
		e.SetFontSize(9)
		laidEdges = append(laidEdges, laid{e, ge})
	}
	// Rendering as dot attaches the layout's positions to the objects.
	if err := gv.Render(ctx, g, "dot", io.Discard); err != nil {
		return nil, fmt.Errorf("graph layout: %w", err)
	}
	bb, ok := parseBox(g.GetStr("bb"))
	if !ok {
		return nil, fmt.Errorf("graph layout: no bounding box")
	}
	const pad = 8
	h := bb[3]
	fy := func(y float64) float64 { return h - y + pad }
	fx := func(x float64) float64 { return x + pad }
	var b bytes.Buffer
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %.0f %.0f" width="%.0f" height="%.0f" font-family="Helvetica, Arial, sans-serif" role="img" aria-label="Segmentation graph: allowed calls between workloads">`+"\n",
		bb[2]+2*pad, bb[3]+2*pad, bb[2]+2*pad, bb[3]+2*pad)
	b.WriteString(`<title>Segmentation graph</title>` + "\n")
	fmt.Fprintf(&b, `<rect x="0" y="0" width="%.0f" height="%.0f" fill="#ffffff"/>`+"\n", bb[2]+2*pad, bb[3]+2*pad)
	for _, ns := range sortedKeys(clusters) {
		c := clusters[ns]
		box, ok := parseBox(c.GetStr("bb"))
		if !ok {
			continue
		}
		fmt.Fprintf(&b, `<g class="namespace"><rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" rx="6" fill="none" stroke="#8c959f" stroke-dasharray="4,3"/>`,
			fx(box[0]), fy(box[3]), box[2]-box[0], box[3]-box[1])
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" font-size="11" fill="#57606a">%s</text></g>`+"\n", fx(box[0])+6, fy(box[3])+14, esc("namespace "+ns))
	}
	for _, le := range laidEdges {
		pts, end, ok := parseSpline(le.edge.GetStr("pos"))
		if !ok {
			continue
		}
		color, dash := modeColor(le.ge.weakest)
		if le.ge.cond {
			dash = "1,3"
		}
		fmt.Fprintf(&b, `<g class="edge mtls-%s">`, strings.ToLower(le.ge.weakest))
		var d strings.Builder
		fmt.Fprintf(&d, "M%.1f,%.1f", fx(pts[0][0]), fy(pts[0][1]))
		for i := 1; i+2 < len(pts); i += 3 {
			fmt.Fprintf(&d, " C%.1f,%.1f %.1f,%.1f %.1f,%.1f", fx(pts[i][0]), fy(pts[i][1]), fx(pts[i+1][0]), fy(pts[i+1][1]), fx(pts[i+2][0]), fy(pts[i+2][1]))
		}
		dashAttr := ""
		if dash != "" {
			dashAttr = ` stroke-dasharray="` + dash + `"`
		}
		fmt.Fprintf(&b, `<path d="%s" fill="none" stroke="%s" stroke-width="1.4"%s/>`, d.String(), color, dashAttr)
		if end != nil {
			last := pts[len(pts)-1]
			b.WriteString(arrowHead(fx(last[0]), fy(last[1]), fx(end[0]), fy(end[1]), color))
		}
		if lp, ok := parsePoint(le.edge.GetStr("lp")); ok {
			writeLines(&b, fx(lp[0]), fy(lp[1]), le.ge.labels, 9, color)
		}
		b.WriteString("</g>\n")
	}
	for _, p := range nodes {
		c, ok := parsePoint(p.node.GetStr("pos"))
		if !ok {
			continue
		}
		wIn, _ := strconv.ParseFloat(p.node.GetStr("width"), 64)
		hIn, _ := strconv.ParseFloat(p.node.GetStr("height"), 64)
		w, hh := wIn*72, hIn*72
		fill, stroke, sw, dash := colOutFill, "#57606a", "1", ""
		scope := derived[p.gn.ID]
		switch {
		case p.gn.Kind != mesh.NodeWorkload:
			fill, dash = "#ffffff", ` stroke-dasharray="3,2"`
		case scope == mesh.ScopeCDE:
			fill, stroke, sw = colCDEFill, colCDEStroke, "2.5"
		case scope == mesh.ScopeConnected:
			fill, stroke = colConnFill, "#9a6700"
		}
		fmt.Fprintf(&b, `<g class="node scope-%s"><rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" rx="4" fill="%s" stroke="%s" stroke-width="%s"%s/>`,
			cmpOr(scope, p.gn.Kind), fx(c[0])-w/2, fy(c[1])-hh/2, w, hh, fill, stroke, sw, dash)
		writeLines(&b, fx(c[0]), fy(c[1]), p.lines, 10, colText)
		b.WriteString("</g>\n")
	}
	b.WriteString("</svg>\n")
	return b.Bytes(), nil
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

func arrowHead(x0, y0, x1, y1 float64, color string) string {
	dx, dy := x1-x0, y1-y0
	l := dx*dx + dy*dy
	if l == 0 {
		return ""
	}
	n := math.Sqrt(l)
	ux, uy := dx/n, dy/n
	const size, half = 9.0, 4.0
	bx, by := x1-ux*size, y1-uy*size
	return fmt.Sprintf(`<polygon points="%.1f,%.1f %.1f,%.1f %.1f,%.1f" fill="%s"/>`, x1, y1, bx-uy*half, by+ux*half, bx+uy*half, by-ux*half, color)
}

func esc(s string) string { return html.EscapeString(s) }

// parseBox reads Graphviz's "llx,lly,urx,ury".
func parseBox(s string) ([4]float64, bool) {
	var out [4]float64
	parts := strings.Split(s, ",")
	if len(parts) != 4 {
		return out, false
	}
	for i, p := range parts {
		v, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil {
			return out, false
		}
		out[i] = v
	}
	return out, true
}

func parsePoint(s string) ([2]float64, bool) {
	a, b, ok := strings.Cut(strings.TrimSuffix(s, "!"), ",")
	x, err1 := strconv.ParseFloat(a, 64)
	y, err2 := strconv.ParseFloat(b, 64)
	return [2]float64{x, y}, ok && err1 == nil && err2 == nil
}

// parseSpline reads an edge's pos: "[e,x,y ][s,x,y ]p0 p1 p2 p3 ...", the
// Bézier points and the arrow's end point.
func parseSpline(s string) (pts [][2]float64, end *[2]float64, ok bool) {
	for _, f := range strings.Fields(s) {
		switch {
		case strings.HasPrefix(f, "e,"):
			p, ok := parsePoint(f[2:])
			if !ok {
				return nil, nil, false
			}
			end = &p
		case strings.HasPrefix(f, "s,"):
		default:
			p, ok := parsePoint(f)
			if !ok {
				return nil, nil, false
			}
			pts = append(pts, p)
		}
	}
	return pts, end, len(pts) >= 4
}
