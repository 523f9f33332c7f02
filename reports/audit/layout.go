package audit

import (
	"cmp"
	"math"
	"math/rand/v2"
	"slices"

	"gonum.org/v1/gonum/graph"
	"gonum.org/v1/gonum/graph/iterator"
	"gonum.org/v1/gonum/graph/layout"
	"gonum.org/v1/gonum/graph/simple"
	"gonum.org/v1/gonum/spatial/r2"
)

// The layout of the segmentation graph: a layered drawing from left to
// right (callers left of the workloads they call), as Sugiyama's method
// lays out directed graphs, with the namespaces as horizontal bands.
//
//  1. Layers: callers outside the input (identities, plaintext) in the
//     first column; workloads after them, each right of the workloads that
//     call it. Cycles (A calls B, B calls A) are broken with Eades, Lin and
//     Smyth's greedy heuristic; the edges it reverses are drawn right to
//     left.
//  2. Order: gonum's force-directed layout (graph/layout.EadesR2, Eades's
//     spring embedder with Barnes-Hut repulsion) places the graph in the
//     plane, with extra springs that pull a namespace's workloads together;
//     the embedding, turned so that its layer direction is horizontal,
//     orders the namespace bands and the nodes of each column. Barycentre
//     sweeps then refine that order, kept only when they remove crossings.
//  3. Coordinates: between two node columns is a label column; an edge
//     passes through it as a label box, and through any column it spans as
//     a slot of its own, so that no edge label overlaps another or a node,
//     and no edge crosses a node box. Items of a column are stacked in
//     their band (nodes, and the labels and slots of edges to the band's
//     workloads), each pulled towards its neighbours.
//
// Every step is deterministic: the same report gives the same drawing.

// Sizes, in SVG user units (px).
const (
	nodeFont   = 10.0
	labelFont  = 9.0
	nodeHeight = 38.0
	slotHeight = 6.0
	itemGap    = 10.0
	bandGap    = 16.0
	bandTitle  = 20.0
	bandPad    = 8.0
	colGap     = 22.0
	portGap    = 5.0 // between edge ends on a node's side
	margin     = 10.0
)

// textWidth estimates the width of text in Helvetica at size: wide enough
// for the wider sans-serif fonts browsers substitute.
func textWidth(s string, size float64) float64 {
	w := 0.0
	for _, r := range s {
		switch {
		case r == ' ' || r == '.' || r == ',' || r == ':' || r == '/' || r == 'i' || r == 'l' || r == 'j' || r == 't' || r == 'f' || r == 'r' || r == '-':
			w += 0.36
		case r == 'm' || r == 'w' || r == 'M' || r == 'W':
			w += 0.9
		case r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
			w += 0.68
		default:
			w += 0.58
		}
	}
	return w * size
}

// lnode is a node of the drawing.
type lnode struct {
	index int // into layoutGraph.nodes
	id    string
	lines []string
	w, h  float64
	layer int
	band  int // index into bands; -1 for callers outside the input
	// pos orders the node within its column.
	pos  float64
	x, y float64 // centre
	// ports are the edge ends on the left and right sides.
	left, right []*end
}

// end is one end of an edge on a node's side.
type end struct {
	chain *chain
	near  *item // the chain's item next to the node (nil: the other node)
	y     float64
}

// item is an entry of a column: a node, an edge's label, or an edge's slot.
type item struct {
	node  *lnode
	chain *chain
	label bool
	w, h  float64
	band  int
	pos   float64
	y     float64 // centre
}

// chain is an edge of the drawing with the items it passes through.
type chain struct {
	edge     *graphEdge
	from, to *lnode
	// reversed is true when the edge is drawn right to left.
	reversed bool
	// items from the drawing's left to its right.
	items []*item
}

// band is a namespace's horizontal band.
type band struct {
	namespace string
	cde       bool
	key       float64
	top, h    float64
	// x range of its nodes.
	x0, x1 float64
}

// column is a node column (even index) or a label column (odd index).
type column struct {
	items []*item
	x, w  float64 // left edge, width
}

type layoutGraph struct {
	nodes  []*lnode
	chains []*chain
	bands  []*band
	cols   []*column
	width  float64
	height float64
}

// layoutSegmentation lays out nodes and edges. edges refer to nodes by ID;
// bandOf gives a node's namespace ("" for none); cde tells CDE namespaces.
func layoutSegmentation(nodes []*lnode, edges []*graphEdge, bandOf func(*lnode) string, cde map[string]bool) *layoutGraph {
	g := &layoutGraph{nodes: nodes}
	byID := map[string]*lnode{}
	for i, n := range nodes {
		n.index = i
		byID[n.id] = n
	}
	bandIdx := map[string]int{}
	for _, n := range nodes {
		n.band = -1
		ns := bandOf(n)
		if ns == "" {
			continue
		}
		bi, ok := bandIdx[ns]
		if !ok {
			bi = len(g.bands)
			bandIdx[ns] = bi
			g.bands = append(g.bands, &band{namespace: ns, cde: cde[ns]})
		}
		n.band = bi
	}
	for _, e := range edges {
		g.chains = append(g.chains, &chain{edge: e, from: byID[e.from], to: byID[e.to]})
	}
	g.assignLayers()
	g.embed()
	g.buildColumns()
	g.order()
	g.place()
	return g
}

// assignLayers puts callers outside the input in layer 0 and every
// workload right of its callers, the cycles broken by the greedy
// heuristic of Eades, Lin and Smyth.
func (g *layoutGraph) assignLayers() {
	rank := g.acyclicOrder()
	succ := make([][]*lnode, len(g.nodes))
	indeg := make([]int, len(g.nodes))
	for _, c := range g.chains {
		a, b := c.from, c.to
		if rank[a.index] > rank[b.index] {
			a, b = b, a
			c.reversed = true
		}
		succ[a.index] = append(succ[a.index], b)
		indeg[b.index]++
	}
	// Longest path from the sources, in the acyclic order.
	order := slices.Clone(g.nodes)
	slices.SortStableFunc(order, func(a, b *lnode) int { return cmp.Compare(rank[a.index], rank[b.index]) })
	for _, n := range g.nodes {
		n.layer = 0
		if n.band >= 0 {
			n.layer = 1
		}
	}
	for _, n := range order {
		for _, s := range succ[n.index] {
			s.layer = max(s.layer, n.layer+1)
		}
	}
}

// acyclicOrder ranks the nodes so that few edges go from a higher rank to
// a lower (Eades, Lin and Smyth, 1993): sinks go last, sources first, and
// otherwise the node with the most outgoing less incoming edges first.
// Callers outside the input are always first.
func (g *layoutGraph) acyclicOrder() []int {
	n := len(g.nodes)
	out := make([]map[int]int, n)
	in := make([]map[int]int, n)
	for i := range g.nodes {
		out[i], in[i] = map[int]int{}, map[int]int{}
	}
	for _, c := range g.chains {
		out[c.from.index][c.to.index]++
		in[c.to.index][c.from.index]++
	}
	removed := make([]bool, n)
	rank := make([]int, n)
	var head, tail []int
	for i, nd := range g.nodes {
		if nd.band < 0 {
			head = append(head, i)
			removed[i] = true
		}
	}
	remove := func(i int) {
		removed[i] = true
		for j := range out[i] {
			delete(in[j], i)
		}
		for j := range in[i] {
			delete(out[j], i)
		}
	}
	for _, i := range head {
		remove(i)
	}
	left := n - len(head)
	for left > 0 {
		progress := true
		for progress {
			progress = false
			for i := range n {
				if removed[i] {
					continue
				}
				switch {
				case len(out[i]) == 0:
					tail = append(tail, i)
				case len(in[i]) == 0:
					head = append(head, i)
				default:
					continue
				}
				remove(i)
				left--
				progress = true
			}
		}
		if left == 0 {
			break
		}
		best, bestD := -1, math.MinInt
		for i := range n {
			if removed[i] {
				continue
			}
			d := 0
			for _, k := range out[i] {
				d += k
			}
			for _, k := range in[i] {
				d -= k
			}
			if d > bestD {
				best, bestD = i, d
			}
		}
		head = append(head, best)
		remove(best)
		left--
	}
	for r, i := range head {
		rank[i] = r
	}
	for r, i := range tail {
		rank[i] = n - 1 - r
	}
	return rank
}

// embedGraph is the undirected, weighted graph that the force-directed
// layout places: gonum's own graphs iterate their nodes in map order, which
// would make the layout differ from run to run.
type embedGraph struct {
	nodes []graph.Node
	adj   []map[int64]float64
}

func (e *embedGraph) Node(id int64) graph.Node {
	if id < 0 || int(id) >= len(e.nodes) {
		return nil
	}
	return e.nodes[id]
}

func (e *embedGraph) Nodes() graph.Nodes { return iterator.NewOrderedNodes(e.nodes) }

func (e *embedGraph) From(id int64) graph.Nodes {
	var out []graph.Node
	for _, n := range e.nodes {
		if _, ok := e.adj[id][n.ID()]; ok {
			out = append(out, n)
		}
	}
	return iterator.NewOrderedNodes(out)
}

func (e *embedGraph) HasEdgeBetween(x, y int64) bool { _, ok := e.adj[x][y]; return ok }

func (e *embedGraph) Edge(u, v int64) graph.Edge { return e.WeightedEdge(u, v) }

func (e *embedGraph) WeightedEdge(u, v int64) graph.WeightedEdge {
	w, ok := e.adj[u][v]
	if !ok {
		return nil
	}
	return simple.WeightedEdge{F: simple.Node(u), T: simple.Node(v), W: w}
}

func (e *embedGraph) Weight(x, y int64) (float64, bool) {
	if x == y {
		return 0, true
	}
	w, ok := e.adj[x][y]
	return w, ok
}

func (e *embedGraph) link(x, y int, w float64) {
	if x == y {
		return
	}
	e.adj[x][int64(y)] += w
	e.adj[y][int64(x)] += w
}

// embed runs gonum's Eades layout and sets every node's pos: its
// coordinate across the layers, the embedding turned so that the layers
// run along the other axis.
func (g *layoutGraph) embed() {
	n := len(g.nodes)
	if n == 0 {
		return
	}
	eg := &embedGraph{adj: make([]map[int64]float64, n)}
	for i := range n {
		eg.nodes = append(eg.nodes, simple.Node(i))
		eg.adj[i] = map[int64]float64{}
	}
	for _, c := range g.chains {
		eg.link(c.from.index, c.to.index, 1)
	}
	// Springs within a namespace, and between the callers outside it.
	members := map[int][]int{}
	for _, nd := range g.nodes {
		members[nd.band] = append(members[nd.band], nd.index)
	}
	for _, m := range members {
		for i := 1; i < len(m); i++ {
			eg.link(m[i-1], m[i], 0.5)
		}
	}
	eades := layout.EadesR2{Updates: 150, Repulsion: 1, Rate: 0.05, Theta: 0.2, Src: rand.NewPCG(7, 11)}
	// gonum's Barnes-Hut tree recurses without end (a fatal stack
	// overflow) on two nodes at the same point, which large graphs reach:
	// stop the optimization before a step that would build that tree.
	update := func(gr graph.Graph, l layout.LayoutR2) bool {
		if l.IsInitialized() && !distinctCoords(n, l) {
			return false
		}
		return eades.Update(gr, l)
	}
	opt := layout.NewOptimizerR2(eg, update)
	for opt.Update() {
	}
	xs, ys := make([]float64, n), make([]float64, n)
	for i := range n {
		v := opt.Coord2(int64(i))
		xs[i], ys[i] = v.X, v.Y
	}
	// Least squares fit of layer = a*x + b*y + c: (a, b) is the layer
	// direction; pos is the coordinate across it.
	var mx, my, ml float64
	for i, nd := range g.nodes {
		mx, my, ml = mx+xs[i], my+ys[i], ml+float64(nd.layer)
	}
	mx, my, ml = mx/float64(n), my/float64(n), ml/float64(n)
	var sxx, sxy, syy, sxl, syl float64
	for i, nd := range g.nodes {
		dx, dy, dl := xs[i]-mx, ys[i]-my, float64(nd.layer)-ml
		sxx, sxy, syy, sxl, syl = sxx+dx*dx, sxy+dx*dy, syy+dy*dy, sxl+dx*dl, syl+dy*dl
	}
	a, b := 0.0, 0.0
	if det := sxx*syy - sxy*sxy; math.Abs(det) > 1e-12 {
		a, b = (syy*sxl-sxy*syl)/det, (sxx*syl-sxy*sxl)/det
	}
	ox, oy := 0.0, 1.0
	if l := math.Hypot(a, b); l > 1e-12 {
		ox, oy = -b/l, a/l
	}
	for i, nd := range g.nodes {
		nd.pos = xs[i]*ox + ys[i]*oy
		if math.IsNaN(nd.pos) || math.IsInf(nd.pos, 0) {
			nd.pos = float64(i)
		}
	}
	// Bands in the order of their mean position.
	sum := make([]float64, len(g.bands))
	cnt := make([]int, len(g.bands))
	for _, nd := range g.nodes {
		if nd.band >= 0 {
			sum[nd.band] += nd.pos
			cnt[nd.band]++
		}
	}
	for i, b := range g.bands {
		b.key = sum[i] / float64(max(cnt[i], 1))
	}
	perm := make([]int, len(g.bands))
	for i := range perm {
		perm[i] = i
	}
	slices.SortStableFunc(perm, func(x, y int) int {
		return cmp.Or(cmp.Compare(g.bands[x].key, g.bands[y].key), cmp.Compare(g.bands[x].namespace, g.bands[y].namespace))
	})
	rank := make([]int, len(g.bands))
	sorted := make([]*band, len(g.bands))
	for r, i := range perm {
		rank[i] = r
		sorted[r] = g.bands[i]
	}
	g.bands = sorted
	for _, nd := range g.nodes {
		if nd.band >= 0 {
			nd.band = rank[nd.band]
		}
	}
}

// distinctCoords reports whether the n nodes of l stand at n distinct,
// finite points.
func distinctCoords(n int, l layout.LayoutR2) bool {
	seen := make(map[r2.Vec]bool, n)
	for i := range n {
		v := l.Coord2(int64(i))
		if math.IsNaN(v.X) || math.IsNaN(v.Y) || math.IsInf(v.X, 0) || math.IsInf(v.Y, 0) || seen[v] {
			return false
		}
		seen[v] = true
	}
	return true
}

// buildColumns makes the columns: node column 2k for layer k, label
// column 2k+1 between layers k and k+1; each chain gets its label in the
// label column next to the workload it calls, and a slot in every other
// column it spans.
func (g *layoutGraph) buildColumns() {
	layers := 0
	for _, n := range g.nodes {
		layers = max(layers, n.layer+1)
	}
	g.cols = make([]*column, max(2*layers-1, 1))
	for i := range g.cols {
		g.cols[i] = &column{}
	}
	// A node is tall enough for the edge ends on each of its sides.
	ends := map[*lnode][2]int{}
	for _, ch := range g.chains {
		l, r := ch.from, ch.to
		if ch.reversed {
			l, r = r, l
		}
		le, re := ends[l], ends[r]
		le[1]++
		re[0]++
		ends[l], ends[r] = le, re
	}
	for _, n := range g.nodes {
		e := ends[n]
		n.h = max(n.h, float64(max(e[0], e[1])+1)*portGap/0.7)
		c := g.cols[2*n.layer]
		c.items = append(c.items, &item{node: n, w: n.w, h: n.h, band: n.band, pos: n.pos})
	}
	for _, ch := range g.chains {
		l, r := ch.from, ch.to
		if ch.reversed {
			l, r = r, l
		}
		labelCol := 2*ch.to.layer - 1
		if ch.reversed {
			labelCol = 2*ch.to.layer + 1
		}
		span := float64(2 * (r.layer - l.layer))
		for c := 2*l.layer + 1; c < 2*r.layer; c++ {
			t := float64(c-2*l.layer) / span
			it := &item{chain: ch, band: ch.to.band, pos: l.pos + (r.pos-l.pos)*t, h: slotHeight}
			if c == labelCol {
				it.label = true
				it.h = labelFont*1.25*float64(len(ch.edge.labels)) + 4
				for _, s := range ch.edge.labels {
					it.w = max(it.w, textWidth(s, labelFont)+8)
				}
			}
			ch.items = append(ch.items, it)
			g.cols[c].items = append(g.cols[c].items, it)
		}
	}
	for ci := range g.cols {
		g.sortColumn(ci, func(it *item) float64 { return it.pos })
	}
}

// sortColumn orders a column by key within each band.
func (g *layoutGraph) sortColumn(ci int, key func(*item) float64) {
	c := g.cols[ci]
	keys := make(map[*item]float64, len(c.items))
	for _, it := range c.items {
		keys[it] = key(it)
	}
	slices.SortStableFunc(c.items, func(a, b *item) int {
		if a.band != b.band {
			return cmp.Compare(a.band, b.band)
		}
		return cmp.Compare(keys[a], keys[b])
	})
	for i, it := range c.items {
		it.pos = float64(i)
	}
}

// neighbours lists the items next to it in the columns left (dir -1) or
// right (dir 1) of its own.
func (g *layoutGraph) neighbours(ci int, it *item, dir int) []*item {
	var out []*item
	if it.node == nil {
		idx := slices.Index(it.chain.items, it)
		j := idx + dir
		switch {
		case j >= 0 && j < len(it.chain.items):
			out = append(out, it.chain.items[j])
		default:
			out = append(out, g.nodeItem(it.chain, dir))
		}
		return out
	}
	for _, ch := range g.chains {
		switch {
		case ch.from != it.node && ch.to != it.node:
			continue
		case len(ch.items) == 0:
			continue
		}
		l := ch.from
		if ch.reversed {
			l = ch.to
		}
		if l == it.node && dir == 1 {
			out = append(out, ch.items[0])
		} else if l != it.node && dir == -1 {
			out = append(out, ch.items[len(ch.items)-1])
		}
	}
	return out
}

// nodeItem is the item of the chain's node at its left (dir -1) or right
// (dir 1) end.
func (g *layoutGraph) nodeItem(ch *chain, dir int) *item {
	n := ch.to
	if (dir == -1) != ch.reversed {
		n = ch.from
	}
	for _, it := range g.cols[2*n.layer].items {
		if it.node == n {
			return it
		}
	}
	return nil
}

// crossings counts the edge crossings between adjacent columns.
func (g *layoutGraph) crossings() int {
	total := 0
	for ci := 0; ci+1 < len(g.cols); ci++ {
		var pairs [][2]float64
		for _, it := range g.cols[ci].items {
			for _, nb := range g.neighbours(ci, it, 1) {
				if nb != nil {
					pairs = append(pairs, [2]float64{it.pos, nb.pos})
				}
			}
		}
		slices.SortFunc(pairs, func(a, b [2]float64) int { return cmp.Or(cmp.Compare(a[0], b[0]), cmp.Compare(a[1], b[1])) })
		total += inversions(pairs)
	}
	return total
}

// inversions counts pairs i < j with p[i][1] > p[j][1] (merge sort).
func inversions(p [][2]float64) int {
	v := make([]float64, len(p))
	for i := range p {
		v[i] = p[i][1]
	}
	var sortCount func([]float64) int
	buf := make([]float64, len(v))
	sortCount = func(a []float64) int {
		if len(a) < 2 {
			return 0
		}
		m := len(a) / 2
		n := sortCount(a[:m]) + sortCount(a[m:])
		i, j, k := 0, m, 0
		for i < m && j < len(a) {
			if a[j] < a[i] {
				buf[k] = a[j]
				n += m - i
				j++
			} else {
				buf[k] = a[i]
				i++
			}
			k++
		}
		k += copy(buf[k:], a[i:m])
		copy(buf[k:], a[j:])
		copy(a, buf[:len(a)])
		return n
	}
	return sortCount(v)
}

// order refines the embedding's order with barycentre sweeps, keeping the
// order with the fewest crossings.
func (g *layoutGraph) order() {
	snapshot := func() map[*item]float64 {
		s := map[*item]float64{}
		for _, c := range g.cols {
			for _, it := range c.items {
				s[it] = it.pos
			}
		}
		return s
	}
	best, bestN := snapshot(), g.crossings()
	for round := 0; round < 8 && bestN > 0; round++ {
		dir := 1
		start, stop := 1, len(g.cols)
		if round%2 == 1 {
			dir, start, stop = -1, len(g.cols)-2, -1
		}
		for ci := start; ci != stop; ci += dir {
			g.sortColumn(ci, func(it *item) float64 {
				nbs := g.neighbours(ci, it, -dir)
				sum, k := 0.0, 0
				for _, nb := range nbs {
					if nb != nil {
						sum += nb.pos
						k++
					}
				}
				if k == 0 {
					return it.pos
				}
				// Ties keep the current order.
				return sum/float64(k) + it.pos*1e-6
			})
		}
		if n := g.crossings(); n < bestN {
			best, bestN = snapshot(), n
		}
	}
	for ci, c := range g.cols {
		for _, it := range c.items {
			it.pos = best[it]
		}
		g.sortColumn(ci, func(it *item) float64 { return it.pos })
	}
}

// place gives every column its x and every item its y.
func (g *layoutGraph) place() {
	x := margin
	for ci, c := range g.cols {
		w := 0.0
		for _, it := range c.items {
			w = max(w, it.w)
		}
		if ci%2 == 1 {
			w = max(w+2*colGap, 3*colGap)
		}
		c.x, c.w = x, w
		x += w
	}
	g.width = x + margin
	// Band heights: the tallest stack of any column in the band.
	for bi, b := range g.bands {
		hmax := 0.0
		for _, c := range g.cols {
			hmax = max(hmax, stackHeight(c.items, bi))
		}
		b.h = bandTitle + hmax + bandPad
	}
	y := margin
	for _, b := range g.bands {
		b.top = y
		y += b.h + bandGap
	}
	bandsBottom := y - bandGap
	outside := stackHeight(g.cols[0].items, -1)
	g.height = max(bandsBottom, margin+outside) + margin
	// Initial y: stacked from the top of the band.
	for _, c := range g.cols {
		g.stack(c, nil)
	}
	for round := 0; round < 6; round++ {
		for ci, c := range g.cols {
			g.stack(c, func(it *item) float64 { return g.desired(ci, it) })
		}
		for ci := len(g.cols) - 1; ci >= 0; ci-- {
			g.stack(g.cols[ci], func(it *item) float64 { return g.desired(ci, it) })
		}
	}
	for _, c := range g.cols {
		for _, it := range c.items {
			if it.node != nil {
				it.node.x, it.node.y = c.x+c.w/2, it.y
			}
		}
	}
	for _, b := range g.bands {
		b.x0, b.x1 = math.Inf(1), math.Inf(-1)
	}
	for _, n := range g.nodes {
		if n.band >= 0 {
			b := g.bands[n.band]
			b.x0, b.x1 = min(b.x0, n.x-n.w/2-bandPad), max(b.x1, n.x+n.w/2+bandPad)
		}
	}
	for _, b := range g.bands {
		// Room for the title.
		b.x1 = max(b.x1, b.x0+textWidth("namespace "+b.namespace+" (CDE)", 11)+12)
		g.width = max(g.width, b.x1+margin)
	}
	g.ports()
}

func stackHeight(items []*item, band int) float64 {
	h, n := 0.0, 0
	for _, it := range items {
		if it.band == band {
			h += it.h
			n++
		}
	}
	if n > 1 {
		h += itemGap * float64(n-1)
	}
	return h
}

// desired is the y an item is pulled towards: the mean y of its neighbours.
func (g *layoutGraph) desired(ci int, it *item) float64 {
	sum, k := 0.0, 0
	for _, dir := range []int{-1, 1} {
		for _, nb := range g.neighbours(ci, it, dir) {
			if nb != nil {
				sum += nb.y
				k++
			}
		}
	}
	if k == 0 {
		return it.y
	}
	return sum / float64(k)
}

// stack places the items of a column at their desired y (or from the top
// when want is nil), in order, apart by itemGap, within their band.
func (g *layoutGraph) stack(c *column, want func(*item) float64) {
	groups := map[int][]*item{}
	var keys []int
	for _, it := range c.items {
		k := it.band
		if _, ok := groups[k]; !ok {
			keys = append(keys, k)
		}
		groups[k] = append(groups[k], it)
	}
	for _, k := range keys {
		items := groups[k]
		lo, hi := margin, g.height-margin
		if k >= 0 {
			b := g.bands[k]
			lo, hi = b.top+bandTitle, b.top+b.h-bandPad
		}
		d := make([]float64, len(items))
		for i, it := range items {
			if want == nil {
				d[i] = lo
			} else {
				d[i] = want(it)
			}
		}
		// Forward: at or below the desired y and the item above.
		for i, it := range items {
			y := max(d[i], lo+it.h/2)
			if i > 0 {
				p := items[i-1]
				y = max(y, p.y+p.h/2+itemGap+it.h/2)
			}
			it.y = y
		}
		// Backward: within the bottom and above the item below.
		for i := len(items) - 1; i >= 0; i-- {
			it := items[i]
			y := min(it.y, hi-it.h/2)
			if i+1 < len(items) {
				n := items[i+1]
				y = min(y, n.y-n.h/2-itemGap-it.h/2)
			}
			it.y = y
		}
	}
}

// ports spreads the ends of the edges on each side of a node, in the order
// of the items they come from, so that arrows do not meet in one point.
func (g *layoutGraph) ports() {
	for _, ch := range g.chains {
		l, r := ch.from, ch.to
		if ch.reversed {
			l, r = r, l
		}
		var first, last *item
		if len(ch.items) > 0 {
			first, last = ch.items[0], ch.items[len(ch.items)-1]
		}
		l.right = append(l.right, &end{chain: ch, near: first})
		r.left = append(r.left, &end{chain: ch, near: last})
	}
	for _, n := range g.nodes {
		for _, side := range [][]*end{n.left, n.right} {
			slices.SortStableFunc(side, func(a, b *end) int {
				return cmp.Compare(endY(a), endY(b))
			})
			for i, e := range side {
				span := n.h * 0.7
				e.y = n.y - span/2 + span*float64(i+1)/float64(len(side)+1)
			}
		}
	}
}

func endY(e *end) float64 {
	if e.near != nil {
		return e.near.y
	}
	return 0
}
