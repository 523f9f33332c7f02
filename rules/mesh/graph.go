package mesh

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
)

// The allowed-call graph: which identity may reach which workload on which
// port, with the effective mTLS mode of that port, derived by asking Decide
// about every caller, target and port; and the PCI scope it implies.

// Kinds of graph nodes.
const (
	// NodeWorkload is a workload of the input.
	NodeWorkload = "workload"
	// NodeIdentity is an identity that a policy names but no workload of
	// the input runs as (another cluster, a namespace not in the input).
	NodeIdentity = "identity"
	// NodeAnyIdentity stands for every mesh identity not in the input.
	NodeAnyIdentity = "any-identity"
	// NodePlaintext stands for every caller without a mesh identity: pods
	// without a sidecar that are not in the input, nodes, the network.
	NodePlaintext = "plaintext"
)

// ModeNone is the mTLS mode of a port whose workload has no Istio proxy:
// nothing authenticates or authorizes its callers.
const ModeNone = "NONE"

// Graph is the allowed-call graph of a model.
type Graph struct {
	Nodes []*GraphNode `json:"nodes"`
	Edges []*Edge      `json:"edges"`
}

// GraphNode is a caller or a callee of the graph.
type GraphNode struct {
	// ID is stable across runs: "Kind/namespace/name" for a workload, the
	// SPIFFE ID for an identity, "plaintext" or "any-identity".
	ID   string `json:"id"`
	Kind string `json:"kind"`
	// Workload indexes Model.Workloads; -1 for the other kinds.
	Workload  int    `json:"workload"`
	Namespace string `json:"namespace,omitempty"`
	Name      string `json:"name"`
	SPIFFEID  string `json:"spiffe_id,omitempty"`
	// Scope is the declared scope of a workload ("" when undeclared).
	Scope string `json:"scope,omitempty"`
}

// Edge says that From may call To (always a workload) on Port.
type Edge struct {
	From string `json:"from"`
	To   string `json:"to"`
	// Port is the workload port; 0 when the workload declares none (any port).
	Port int `json:"port"`
	// Protocol is "HTTP", "TCP", or "auto" when the port's name does not
	// say and Istio sniffs it (both were evaluated).
	Protocol string `json:"protocol"`
	// MTLS is the effective mTLS mode of the port: STRICT, PERMISSIVE,
	// DISABLE, or NONE when the workload has no mesh proxy. For a Linkerd
	// workload, STRICT when the port admits only clients with a Linkerd
	// identity, else PERMISSIVE.
	MTLS string `json:"mtls"`
	// Encrypted is true when the call travels over mutual TLS.
	Encrypted bool `json:"encrypted"`
	// Action is the step of Decide that allowed the call: "ALLOW" (a rule
	// matched), "DEFAULT" (no ALLOW policy selects the workload; for
	// Linkerd, the Server's accessPolicy or the default inbound policy), or
	// "NO-PROXY" (nothing enforces policy on the workload).
	Action string `json:"action"`
	// Policy is the AuthorizationPolicy whose rule allowed the call (for
	// Linkerd: the AuthorizationPolicy or ServerAuthorization, or the
	// Server whose accessPolicy admits it).
	Policy *Ref `json:"policy,omitempty"`
	// Restricted is true when only some HTTP requests (methods, paths,
	// hosts) are allowed.
	Restricted bool `json:"restricted,omitempty"`
	// Conditional is true when the call is allowed only under conditions
	// the manifests do not settle (source IP blocks, request principals
	// from JWTs, request attributes): the edge may exist.
	Conditional bool `json:"conditional,omitempty"`
	// Delegated lists the CUSTOM policies whose external authorizer also
	// decides, and may deny what the edge allows.
	Delegated []Ref `json:"delegated,omitempty"`
}

// caller is who calls, as the graph evaluates it.
type caller struct {
	node *GraphNode
	// mesh is true when the caller has an Istio proxy that originates
	// mutual TLS (auto mTLS) to workloads with a proxy.
	mesh      bool
	principal string // without spiffe://
	namespace string
	// linkerd is true when the caller has a Linkerd proxy, which
	// originates mutual TLS to Linkerd workloads with its identity
	// <sa>.<namespace>.serviceaccount.identity.linkerd.<trust domain>.
	linkerd     bool
	linkerdSA   string
	linkerdNS   string
	unknownLink bool // any Linkerd identity not in the input
}

// istioProxy reports whether a workload's traffic goes through an Istio
// proxy (sidecar or ambient), which enforces PeerAuthentication and
// AuthorizationPolicy.
func istioProxy(w *Workload) bool { return w.Mesh == "istio" || w.Mesh == "ambient" }

// WorkloadNodeID is the graph node ID of a workload: "Kind/namespace/name".
func WorkloadNodeID(w *Workload) string { return w.Ref.Kind + "/" + w.Namespace + "/" + w.Ref.Name }

// CallGraph computes the allowed-call graph. For every workload port it
// asks Decide about every caller: each workload of the input (by its
// identity when it has an Istio proxy, as plaintext when it has none), each
// identity an AuthorizationPolicy names that no workload runs as, any other
// mesh identity, and any plaintext caller. A caller with a proxy uses
// mutual TLS towards a workload with a proxy unless the port's mode is
// DISABLE; a plaintext call to a STRICT port is refused before
// authorization. HTTP ports are tried with the methods, paths and hosts the
// policies name. An edge that only appears when the fields the manifests
// cannot settle (IP blocks, request principals, unknown conditions) are
// taken to allow is marked Conditional. A Linkerd workload's ports follow
// Linkerd's policy (Servers, AuthorizationPolicies and the default inbound
// policy: see linkerdDecide); its callers with a Linkerd proxy call it
// over Linkerd's mutual TLS. NetworkPolicies and DestinationRule TLS
// overrides are not part of the graph.
func (m *Model) CallGraph() *Graph {
	g := &Graph{Nodes: []*GraphNode{}, Edges: []*Edge{}}
	var callers []caller
	known := map[string]bool{}
	for i, w := range m.Workloads {
		n := &GraphNode{ID: WorkloadNodeID(w), Kind: NodeWorkload, Workload: i, Namespace: w.Namespace, Name: w.Ref.Name, SPIFFEID: w.SPIFFEID, Scope: w.Scope}
		g.Nodes = append(g.Nodes, n)
		c := caller{node: n, mesh: istioProxy(w), linkerd: w.Mesh == "linkerd", linkerdSA: cmp.Or(w.ServiceAccount, "default"), linkerdNS: w.Namespace}
		if c.mesh {
			c.principal, c.namespace = strings.TrimPrefix(w.SPIFFEID, "spiffe://"), w.Namespace
			known[c.principal] = true
		}
		callers = append(callers, c)
	}
	for _, p := range m.namedPrincipals(known) {
		if known[p] {
			continue
		}
		known[p] = true
		ns := ""
		if _, after, ok := strings.Cut(p, "/ns/"); ok {
			ns, _, _ = strings.Cut(after, "/")
		}
		n := &GraphNode{ID: "spiffe://" + p, Kind: NodeIdentity, Workload: -1, Namespace: ns, Name: p, SPIFFEID: "spiffe://" + p}
		g.Nodes = append(g.Nodes, n)
		callers = append(callers, caller{node: n, mesh: true, principal: p, namespace: ns})
	}
	anyID := &GraphNode{ID: NodeAnyIdentity, Kind: NodeAnyIdentity, Workload: -1, Name: "any other mesh identity"}
	plain := &GraphNode{ID: NodePlaintext, Kind: NodePlaintext, Workload: -1, Name: "any caller without a mesh identity"}
	g.Nodes = append(g.Nodes, anyID, plain)
	// A namespace and service account no input can hold.
	callers = append(callers,
		caller{node: anyID, mesh: true, principal: m.TrustDomain + "/ns/~other~/sa/~other~", namespace: "~other~", linkerd: true, linkerdSA: "~other~", linkerdNS: "~other~", unknownLink: true},
		caller{node: plain})

	relaxed := m.relaxed()
	for wi, w := range m.Workloads {
		to := WorkloadNodeID(w)
		for _, p := range m.workloadPorts(w) {
			for _, c := range callers {
				if c.node.ID == to {
					continue // a workload calling itself links nothing
				}
				var e *Edge
				if w.Mesh == "linkerd" {
					e = m.linkerdEdge(wi, w, p, c)
				} else {
					e = m.edge(relaxed, w, p, c)
				}
				if e != nil {
					e.From, e.To = c.node.ID, to
					g.Edges = append(g.Edges, e)
				}
			}
		}
	}
	slices.SortStableFunc(g.Edges, func(a, b *Edge) int {
		return cmp.Or(cmp.Compare(a.To, b.To), cmp.Compare(a.Port, b.Port), cmp.Compare(a.From, b.From))
	})
	return g
}

// graphPort is a port of a workload with the protocol Istio would see.
type graphPort struct {
	port     int
	protocol string // HTTP, TCP, auto
}

// workloadPorts lists a workload's container ports and the numeric target
// ports of the Services that select it, with their protocol; a workload
// with no port gets port 0 (any port).
func (m *Model) workloadPorts(w *Workload) []graphPort {
	names := map[int][]string{}
	var ports []int
	add := func(p int, name string) {
		if p <= 0 {
			return
		}
		if _, ok := names[p]; !ok {
			ports = append(ports, p)
			names[p] = nil
		}
		if name != "" {
			names[p] = append(names[p], name)
		}
	}
	byName := map[string]int{}
	for _, p := range w.Ports {
		add(p.Port, p.Name)
		if p.Name != "" {
			byName[p.Name] = p.Port
		}
	}
	wi := slices.Index(m.Workloads, w)
	for _, s := range m.Services {
		if !slices.Contains(s.Workloads, wi) {
			continue
		}
		for _, sp := range s.Ports {
			target := sp.Port
			if sp.TargetPort != "" {
				if n, err := strconv.Atoi(sp.TargetPort); err == nil {
					target = n
				} else if n, ok := byName[sp.TargetPort]; ok {
					target = n
				} else {
					continue
				}
			}
			add(target, sp.Name)
		}
	}
	slices.Sort(ports)
	if len(ports) == 0 {
		return []graphPort{{port: 0, protocol: "auto"}}
	}
	out := make([]graphPort, 0, len(ports))
	for _, p := range ports {
		out = append(out, graphPort{port: p, protocol: protocolOf(names[p])})
	}
	return out
}

// protocolOf applies Istio's protocol selection by port name ("http",
// "http2", "grpc", "grpc-web" or a "<protocol>-" prefix); a port with no
// telling name is sniffed ("auto").
func protocolOf(names []string) string {
	for _, n := range names {
		p, _, _ := strings.Cut(strings.ToLower(n), "-")
		switch p {
		case "http", "http2", "grpc", "https":
			if p == "https" {
				return "TCP" // TLS passthrough: opaque to the proxy
			}
			return "HTTP"
		case "tcp", "tls", "mongo", "mysql", "redis", "postgres", "postgresql":
			return "TCP"
		}
	}
	return "auto"
}

// portMode is the effective mTLS mode of one port of w.
func portMode(w *Workload, port int) string {
	if !istioProxy(w) {
		return ModeNone
	}
	if mode, ok := w.MTLS.Ports[strconv.Itoa(port)]; ok && port != 0 {
		return mode
	}
	return w.MTLS.Mode
}

// edge decides whether c may call port p of w, or returns nil.
func (m *Model) edge(relaxed *Model, w *Workload, p graphPort, c caller) *Edge {
	mode := portMode(w, p.port)
	e := &Edge{Port: p.port, Protocol: p.protocol, MTLS: mode}
	if mode == ModeNone {
		e.Action = "NO-PROXY"
		return e
	}
	r := Request{Port: p.port}
	switch {
	case c.mesh && mode != ModeDisable:
		r.MTLS, r.Principal, r.Namespace = true, c.principal, c.namespace
	case mode == ModeStrict:
		return nil // plaintext to a STRICT port: refused by the proxy
	}
	e.Encrypted = r.MTLS
	var reqs []Request
	if p.protocol != "HTTP" {
		reqs = append(reqs, r)
	}
	if p.protocol != "TCP" {
		reqs = append(reqs, m.httpRequests(w, r)...)
	}
	allowed, denied := decideAll(m, w, reqs)
	if allowed == nil {
		allowed, denied = decideAll(relaxed, w, reqs)
		if allowed == nil {
			return nil
		}
		e.Conditional = true
	}
	e.Action, e.Policy, e.Delegated = allowed.Action, allowed.Policy, allowed.Delegated
	e.Restricted = denied && p.protocol == "HTTP"
	return e
}

// decideAll returns the first allowing decision among reqs, and whether
// any request was denied.
func decideAll(m *Model, w *Workload, reqs []Request) (*Decision, bool) {
	var first *Decision
	denied := false
	for _, r := range reqs {
		d := m.Decide(w, r)
		if !d.Allowed {
			denied = true
			continue
		}
		if first == nil {
			first = &d
		}
	}
	return first, denied
}

// maxHTTPRequests bounds the HTTP requests tried per caller and port.
const maxHTTPRequests = 256

// httpRequests builds HTTP variants of r from the methods, paths and hosts
// the policies on w name, so that a rule limited to POST /v1/charges is
// found to allow something.
func (m *Model) httpRequests(w *Workload, r Request) []Request {
	methods, paths, hosts := []string{"GET"}, []string{"/"}, []string{""}
	for _, ref := range w.Authorization.Policies {
		ap := m.policy(ref)
		if ap == nil {
			continue
		}
		for _, rule := range list(ap.Spec["rules"]) {
			for _, t := range list(get(rule, "to")) {
				op := get(t, "operation")
				methods = appendSamples(methods, op, "methods", "notMethods")
				paths = appendSamples(paths, op, "paths", "notPaths")
				hosts = appendSamples(hosts, op, "hosts", "notHosts")
			}
		}
	}
	var out []Request
	for _, meth := range methods {
		for _, path := range paths {
			for _, host := range hosts {
				if len(out) == maxHTTPRequests {
					return out
				}
				h := r
				h.HTTP, h.Method, h.Path, h.Host = true, meth, path, host
				out = append(out, h)
			}
		}
	}
	return out
}

// appendSamples adds a value matching each pattern of op's keys.
func appendSamples(dst []string, op any, keys ...string) []string {
	for _, k := range keys {
		for _, p := range strings_(get(op, k)) {
			s := p
			switch {
			case p == "*":
				s = "x"
			case strings.HasSuffix(p, "*"):
				s = strings.TrimSuffix(p, "*") + "x"
			case strings.HasPrefix(p, "*"):
				s = "x" + strings.TrimPrefix(p, "*")
			}
			if !slices.Contains(dst, s) {
				dst = append(dst, s)
			}
		}
	}
	return dst
}

// namedPrincipals lists the exact principals that ALLOW policies name, and
// the namespaces they name in which no workload of the input has a mesh
// identity (as "<trust domain>/ns/<namespace>/sa/~any~"), sorted.
func (m *Model) namedPrincipals(known map[string]bool) []string {
	meshed := map[string]bool{}
	for p := range known {
		if _, after, ok := strings.Cut(p, "/ns/"); ok {
			ns, _, _ := strings.Cut(after, "/")
			meshed[ns] = true
		}
	}
	set := map[string]bool{}
	for _, ap := range m.AuthorizationPolicies {
		if ap.Action != "ALLOW" {
			continue
		}
		for _, rule := range list(ap.Spec["rules"]) {
			for _, f := range list(get(rule, "from")) {
				src := get(f, "source")
				for _, p := range strings_(get(src, "principals")) {
					if !strings.Contains(p, "*") {
						set[p] = true
					}
				}
				for _, ns := range strings_(get(src, "namespaces")) {
					if !strings.Contains(ns, "*") && !meshed[ns] {
						set[m.TrustDomain+"/ns/"+ns+"/sa/~any~"] = true
					}
				}
			}
		}
	}
	out := make([]string, 0, len(set))
	for p := range set {
		out = append(out, p)
	}
	slices.Sort(out)
	return out
}

// unsettled are the source fields a static view cannot evaluate.
var unsettled = []string{"ipBlocks", "notIpBlocks", "remoteIpBlocks", "notRemoteIpBlocks", "requestPrincipals", "notRequestPrincipals"}

// settledCondition reports whether Decide evaluates a when condition's key.
func settledCondition(c any) bool {
	switch k, _ := get(c, "key").(string); k {
	case "source.principal", "source.namespace", "destination.port":
		return true
	}
	return false
}

// relaxed returns a copy of the model whose AuthorizationPolicies take
// every field the manifests cannot settle in the caller's favour: ALLOW
// and CUSTOM rules drop them (so that they match), DENY rules that use them
// are dropped (so that they may not match). The original is not changed.
func (m *Model) relaxed() *Model {
	c := *m
	c.AuthorizationPolicies = make([]*AuthorizationPolicy, len(m.AuthorizationPolicies))
	for i, ap := range m.AuthorizationPolicies {
		cp := *ap
		cp.Spec = map[string]any{}
		for k, v := range ap.Spec {
			cp.Spec[k] = v
		}
		var rules []any
		for _, rule := range list(ap.Spec["rules"]) {
			if r, keep := relaxRule(rule, ap.Action == "DENY"); keep {
				rules = append(rules, r)
			}
		}
		if _, ok := ap.Spec["rules"]; ok {
			cp.Spec["rules"] = rules
			if rules == nil {
				cp.Spec["rules"] = []any{}
			}
		}
		c.AuthorizationPolicies[i] = &cp
	}
	return &c
}

// relaxRule rewrites one rule for relaxed; keep is false for a DENY rule
// that uses unsettled fields.
func relaxRule(rule any, deny bool) (any, bool) {
	r, ok := rule.(map[string]any)
	if !ok {
		return rule, true
	}
	uses := false
	out := map[string]any{}
	for k, v := range r {
		out[k] = v
	}
	var from []any
	for _, f := range list(r["from"]) {
		src, _ := get(f, "source").(map[string]any)
		ns := map[string]any{}
		for k, v := range src {
			if slices.Contains(unsettled, k) {
				uses = true
				continue
			}
			ns[k] = v
		}
		from = append(from, map[string]any{"source": ns})
	}
	if _, ok := r["from"]; ok {
		out["from"] = from
	}
	var when []any
	for _, c := range list(r["when"]) {
		if settledCondition(c) {
			when = append(when, c)
		} else {
			uses = true
		}
	}
	if _, ok := r["when"]; ok {
		out["when"] = when
	}
	if deny && uses {
		return nil, false
	}
	return out, true
}

// Derived scopes of workloads.
const (
	// ScopeReasonDeclared: the scope comes from the configuration or labels.
	ScopeReasonDeclared = "declared"
	// ScopeReasonReaches: the workload may call a CDE workload.
	ScopeReasonReaches = "reaches the CDE"
	// ScopeReasonReached: a CDE workload may call it.
	ScopeReasonReached = "reached from the CDE"
	// ScopeReasonNoPath: no allowed call links it with the CDE.
	ScopeReasonNoPath = "no allowed call to or from the CDE"
)

// WorkloadScope is the PCI scope of one workload: as declared and as the
// allowed-call graph implies.
type WorkloadScope struct {
	Workload int    `json:"workload"`
	Node     string `json:"node"`
	// Declared is cde, connected, out, or "" when nothing declares it.
	Declared string `json:"declared"`
	// Derived is cde, connected or out: declared CDE stays CDE; a workload
	// that may call the CDE or be called by it is connected-to whatever it
	// declares; a declared connected workload stays connected; the rest
	// is out of scope.
	Derived string `json:"derived"`
	Reason  string `json:"reason"`
	// Conflict is true when the workload is declared out of scope but
	// policy links it with the CDE.
	Conflict bool `json:"conflict,omitempty"`
	// Edges index Graph.Edges: the calls that link it with the CDE.
	Edges []int `json:"edges"`
}

// Scope derives every workload's scope from the graph: the CDE as declared,
// the workloads connected to it because policy lets them reach it or be
// reached from it, and the rest.
func (g *Graph) Scope(m *Model) []WorkloadScope {
	idx := map[string]int{}
	for _, n := range g.Nodes {
		if n.Kind == NodeWorkload {
			idx[n.ID] = n.Workload
		}
	}
	cde := func(id string) bool {
		wi, ok := idx[id]
		return ok && m.Workloads[wi].Scope == ScopeCDE
	}
	out := make([]WorkloadScope, len(m.Workloads))
	for i, w := range m.Workloads {
		out[i] = WorkloadScope{Workload: i, Node: WorkloadNodeID(w), Declared: w.Scope, Edges: []int{}}
	}
	reaches, reached := map[int]bool{}, map[int]bool{}
	for ei, e := range g.Edges {
		from, fromW := idx[e.From]
		to := idx[e.To]
		if cde(e.To) && fromW && !cde(e.From) {
			out[from].Edges = append(out[from].Edges, ei)
			reaches[from] = true
		}
		if fromW && cde(e.From) && !cde(e.To) {
			out[to].Edges = append(out[to].Edges, ei)
			reached[to] = true
		}
	}
	for i := range out {
		s := &out[i]
		switch {
		case s.Declared == ScopeCDE:
			s.Derived, s.Reason = ScopeCDE, ScopeReasonDeclared
		case reaches[i]:
			s.Derived, s.Reason = ScopeConnected, ScopeReasonReaches
		case reached[i]:
			s.Derived, s.Reason = ScopeConnected, ScopeReasonReached
		case s.Declared == ScopeConnected:
			s.Derived, s.Reason = ScopeConnected, ScopeReasonDeclared
		default:
			s.Derived, s.Reason = ScopeOut, ScopeReasonNoPath
		}
		s.Conflict = s.Declared == ScopeOut && s.Derived == ScopeConnected
	}
	return out
}

// PortMode is one port of a workload with its effective mTLS mode.
type PortMode struct {
	Port     int    `json:"port"`
	Protocol string `json:"protocol"`
	// Mode is STRICT, PERMISSIVE, DISABLE, or NONE without an Istio proxy.
	Mode string `json:"mode"`
}

// PortModes lists the ports of w as CallGraph sees them (container ports
// and Service target ports; port 0 when there are none) with their
// effective mTLS modes (for a Linkerd workload: STRICT when the port's
// policy admits only clients with a Linkerd identity, else PERMISSIVE).
func (m *Model) PortModes(w *Workload) []PortMode {
	var out []PortMode
	wi := slices.Index(m.Workloads, w)
	for _, p := range m.workloadPorts(w) {
		mode := portMode(w, p.port)
		if w.Mesh == "linkerd" {
			mode = m.linkerdMode(wi, w, p)
		}
		out = append(out, PortMode{Port: p.port, Protocol: p.protocol, Mode: mode})
	}
	return out
}

// LinkerdProtected reports whether every port of a Linkerd workload
// denies the callers that no AuthorizationPolicy or ServerAuthorization
// admits: each Server that covers a port has accessPolicy deny, and a port
// that no Server covers has the default inbound policy deny.
func (m *Model) LinkerdProtected(w *Workload) bool {
	if w.Mesh != "linkerd" {
		return false
	}
	wi := slices.Index(m.Workloads, w)
	for _, p := range m.workloadPorts(w) {
		servers := m.linkerdServers(wi, w, p)
		if len(servers) == 0 && m.linkerdDefaultPolicy(w) != "deny" {
			return false
		}
		for _, s := range servers {
			if cmp.Or(s.AccessPolicy, "deny") != "deny" {
				return false
			}
		}
	}
	return true
}

// Linkerd's inbound policy, as CallGraph evaluates it for a Linkerd
// workload's port: the Servers that select the workload and name the port
// (by number or container port name) deny what no AuthorizationPolicy in
// force allows unless their accessPolicy says otherwise; a port that no
// Server covers follows the default inbound policy (the pod template's
// config.linkerd.io/default-inbound-policy annotation, else the
// namespace's, else Linkerd's default, all-unauthenticated). An
// AuthorizationPolicy allows a caller when all its authentications do: a
// MeshTLSAuthentication by the caller's Linkerd identity (identities, with
// "*" and "*.suffix" patterns, or ServiceAccount and Namespace refs), a
// ServiceAccount by identity, a NetworkAuthentication by source network,
// which the manifests cannot settle (the edge is conditional). A policy
// that targets an HTTPRoute allows some requests only. A legacy
// ServerAuthorization admits its clients: any caller (unauthenticated),
// any TLS caller (meshTLS.unauthenticatedTLS: a caller without a Linkerd
// proxy only conditionally, if it speaks TLS itself), or the Linkerd
// identities and ServiceAccounts its meshTLS names; client.networks, which
// the manifests cannot settle, make the edge conditional unless they cover
// every address. A caller has a Linkerd
// identity when it has a Linkerd proxy; an Istio sidecar does not present
// one to a Linkerd workload.

// linkerdDefault is Linkerd's cluster-wide default inbound policy.
const linkerdDefault = "all-unauthenticated"

// linkerdServers lists the Servers that cover port p of workload wi.
func (m *Model) linkerdServers(wi int, w *Workload, p graphPort) []*LinkerdServer {
	if m.Linkerd == nil {
		return nil
	}
	var out []*LinkerdServer
	for _, s := range m.Linkerd.Servers {
		if !slices.Contains(s.Workloads, wi) {
			continue
		}
		match := s.Port == strconv.Itoa(p.port)
		for _, wp := range w.Ports {
			if wp.Name != "" && wp.Name == s.Port && wp.Port == p.port {
				match = true
			}
		}
		if match {
			out = append(out, s)
		}
	}
	return out
}

// linkerdDefaultPolicy is the default inbound policy of w.
func (m *Model) linkerdDefaultPolicy(w *Workload) string {
	if v := w.Annotations[LinkerdDefaultPolicyAnnotation]; v != "" {
		return v
	}
	if n := m.Namespaces[w.Namespace]; n != nil && n.Annotations[LinkerdDefaultPolicyAnnotation] != "" {
		return n.Annotations[LinkerdDefaultPolicyAnnotation]
	}
	return linkerdDefault
}

// accessAllows says whether an access policy (Server accessPolicy or
// default inbound policy) admits c; unknown values deny.
func accessAllows(policy string, c caller) bool {
	switch policy {
	case "all-unauthenticated", "cluster-unauthenticated", "audit":
		return true
	case "all-authenticated", "cluster-authenticated":
		return c.linkerd
	}
	return false
}

// linkerdIdentity is the caller's Linkerd identity.
func (m *Model) linkerdIdentity(c caller) string {
	return c.linkerdSA + "." + c.linkerdNS + ".serviceaccount.identity.linkerd." + m.TrustDomain
}

// linkerdAuthn says whether one required authentication admits c, and
// whether only conditionally.
func (m *Model) linkerdAuthn(a ObjectRef, policyNS string, c caller) (ok, conditional bool) {
	switch {
	case a.Kind == "ServiceAccount":
		return c.linkerd && !c.unknownLink && c.linkerdSA == a.Name && c.linkerdNS == cmp.Or(a.Namespace, policyNS), false
	case a.Kind == "NetworkAuthentication" && a.Index >= 0:
		for _, cidr := range m.Linkerd.NetworkAuthentications[a.Index].CIDRs {
			if cidr == "0.0.0.0/0" || cidr == "::/0" {
				return true, false
			}
		}
		return true, true
	case a.Kind == "MeshTLSAuthentication" && a.Index >= 0:
		if !c.linkerd {
			return false, false
		}
		mt := m.Linkerd.MeshTLSAuthentications[a.Index]
		if m.linkerdIdentityMatches(mt.Identities, c) {
			return true, false
		}
		for _, r := range mt.IdentityRefs {
			ns := cmp.Or(r.Namespace, mt.Namespace)
			switch {
			case c.unknownLink:
			case r.Kind == "ServiceAccount" && (r.Name == c.linkerdSA || r.Name == "*") && ns == c.linkerdNS:
				return true, false
			case r.Kind == "Namespace" && (r.Name == c.linkerdNS || r.Name == "*"):
				return true, false
			}
		}
	}
	return false, false
}

// linkerdIdentityMatches says whether the Linkerd caller c's identity
// matches one of the patterns: "*" (any identity), "*.suffix" or exact.
func (m *Model) linkerdIdentityMatches(patterns []string, c caller) bool {
	id := m.linkerdIdentity(c)
	for _, pat := range patterns {
		switch {
		case pat == "*":
			return true
		case strings.HasPrefix(pat, "*."):
			if !c.unknownLink && strings.HasSuffix(id, pat[1:]) {
				return true
			}
		case !c.unknownLink && pat == id:
			return true
		}
	}
	return false
}

// serverAuthorizationAdmits says whether the legacy ServerAuthorization a
// admits c, and whether only conditionally.
func (m *Model) serverAuthorizationAdmits(a *ServerAuthorization, c caller) (ok, conditional bool) {
	// client.networks narrow the sources; unset means every network.
	narrowed := len(a.Networks) > 0 && !slices.ContainsFunc(a.Networks, func(n string) bool { return n == "0.0.0.0/0" || n == "::/0" })
	mt := a.MeshTLS
	switch {
	case a.Unauthenticated:
		return true, narrowed
	case mt == nil:
		// Neither unauthenticated nor meshTLS (Linkerd's schema wants one):
		// not settled by the manifest, so admitted, conditionally.
		return true, true
	case mt.UnauthenticatedTLS:
		return true, narrowed || !c.linkerd
	case !c.linkerd:
		return false, false
	case len(mt.Identities) == 0 && len(mt.ServiceAccounts) == 0:
		// meshTLS names nobody: taken as every meshed client.
		return true, narrowed
	case m.linkerdIdentityMatches(mt.Identities, c):
		return true, narrowed
	}
	for _, sa := range mt.ServiceAccounts {
		if !c.unknownLink && sa.Name == c.linkerdSA && cmp.Or(sa.Namespace, a.Namespace) == c.linkerdNS {
			return true, narrowed
		}
	}
	return false, false
}

// linkerdEdge decides whether c may call port p of the Linkerd workload
// wi, or returns nil.
func (m *Model) linkerdEdge(wi int, w *Workload, p graphPort, c caller) *Edge {
	e := &Edge{Port: p.port, Protocol: p.protocol, MTLS: m.linkerdMode(wi, w, p), Encrypted: c.linkerd}
	if m.linkerdDecide(wi, w, p, c, e) {
		return e
	}
	return nil
}

// linkerdMode is STRICT when port p admits only callers with a Linkerd
// identity, else PERMISSIVE.
func (m *Model) linkerdMode(wi int, w *Workload, p graphPort) string {
	if m.linkerdDecide(wi, w, p, caller{}, &Edge{}) {
		return ModePermissive
	}
	return ModeStrict
}

// linkerdDecide fills e with what allows c to call port p of wi, and
// reports whether anything does.
func (m *Model) linkerdDecide(wi int, w *Workload, p graphPort, c caller, e *Edge) bool {
	servers := m.linkerdServers(wi, w, p)
	if len(servers) == 0 {
		if !accessAllows(m.linkerdDefaultPolicy(w), c) {
			return false
		}
		e.Action = "DEFAULT"
		return true
	}
	var best *Edge
	better := func(x *Edge) bool {
		switch {
		case best == nil:
			return true
		case best.Conditional != x.Conditional:
			return !x.Conditional
		}
		return best.Restricted && !x.Restricted
	}
	for _, s := range servers {
		if accessAllows(cmp.Or(s.AccessPolicy, "deny"), c) {
			x := &Edge{Action: "DEFAULT", Policy: &s.Ref}
			if better(x) {
				best = x
			}
		}
		for _, ref := range s.Authorizations {
			if ref.Kind == "ServerAuthorization" {
				i := slices.IndexFunc(m.Linkerd.ServerAuthorizations, func(a *ServerAuthorization) bool { return a.Ref == ref })
				if i < 0 {
					continue
				}
				ok, cond := m.serverAuthorizationAdmits(m.Linkerd.ServerAuthorizations[i], c)
				if !ok {
					continue
				}
				x := &Edge{Action: "ALLOW", Policy: &ref, Conditional: cond}
				if better(x) {
					best = x
				}
				continue
			}
			for _, ap := range m.Linkerd.AuthorizationPolicies {
				if ap.Ref != ref {
					continue
				}
				ok, cond := true, false
				for _, a := range ap.Authentications {
					aok, acond := m.linkerdAuthn(a, ap.Namespace, c)
					ok, cond = ok && aok, cond || acond
				}
				if !ok {
					continue
				}
				x := &Edge{Action: "ALLOW", Policy: &ap.Ref, Conditional: cond, Restricted: ap.Target.Kind == "HTTPRoute"}
				if better(x) {
					best = x
				}
			}
		}
	}
	if best == nil {
		return false
	}
	e.Action, e.Policy, e.Conditional, e.Restricted = best.Action, best.Policy, best.Conditional, best.Restricted
	return true
}
