// Package mesh computes the mesh model: the facts about a set of manifests
// that no single document shows, computed once in Go and handed to the Rego
// rules as input.
//
// It follows Istio's own semantics where they matter for security:
// PeerAuthentication is composed as Istio's ComposePeerAuthentication does
// (mesh, namespace, workload, port; UNSET inherits; root-namespace policies
// with a selector and namespace-level port settings are ignored);
// AuthorizationPolicies select workloads by pod-template labels (a
// root-namespace policy applies mesh-wide); injection follows the namespace
// labels, the pod label over the deprecated annotation, and never injects
// hostNetwork pods. For Linkerd it resolves which pods each Server covers
// and which AuthorizationPolicies (through a Server, an HTTPRoute or the
// namespace) and ServerAuthorizations authorize each Server, ignoring a
// policy whose required authentication is missing, as Linkerd does.
package mesh

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/meshproof/meshproof/rules"
	"github.com/meshproof/meshproof/scanner"
)

// ScopeLabel is the namespace label that declares a namespace's PCI scope.
const ScopeLabel = "meshproof.dev/pci-scope"

// PCI scopes.
const (
	ScopeCDE       = "cde"
	ScopeConnected = "connected"
	ScopeOut       = "out"
)

// mTLS modes as Istio names them.
const (
	ModeStrict     = "STRICT"
	ModePermissive = "PERMISSIVE"
	ModeDisable    = "DISABLE"
	ModeUnset      = "UNSET"
)

// Ref points at the object a model entry comes from. ID indexes the object
// list the model was built from.
type Ref struct {
	ID         int    `json:"id"`
	APIVersion string `json:"api_version"`
	Kind       string `json:"kind"`
	Namespace  string `json:"namespace"`
	Name       string `json:"name"`
}

// Model is the mesh model.
type Model struct {
	// Version marks the input of mesh rules as a model (lib.is_model).
	Version                int                      `json:"meshproof_model"`
	TrustDomain            string                   `json:"trust_domain"`
	RootNamespace          string                   `json:"root_namespace"`
	Namespaces             map[string]*Namespace    `json:"namespaces"`
	Workloads              []*Workload              `json:"workloads"`
	Services               []*Service               `json:"services"`
	PeerAuthentications    []*PeerAuthentication    `json:"peer_authentications"`
	AuthorizationPolicies  []*AuthorizationPolicy   `json:"authorization_policies"`
	DestinationRules       []*DestinationRule       `json:"destination_rules"`
	NetworkPolicies        []*NetworkPolicy         `json:"network_policies"`
	Sidecars               []*Sidecar               `json:"sidecars"`
	ServiceEntries         []*ServiceEntry          `json:"service_entries"`
	Gateways               []*Gateway               `json:"gateways"`
	Telemetries            []*Telemetry             `json:"telemetries"`
	RequestAuthentications []*RequestAuthentication `json:"request_authentications"`
	VirtualServices        []*VirtualService        `json:"virtual_services"`
	// ServiceAccounts maps "namespace/serviceaccount" to the workloads that
	// run as it (indices into Workloads): who shares a mesh identity.
	ServiceAccounts map[string][]int `json:"service_accounts"`
	// MeshConfig is Istio's mesh configuration, when the input holds it.
	MeshConfig *MeshConfig `json:"mesh_config,omitempty"`
	// MeshPolicy is the mesh-wide PeerAuthentication in force, if any.
	MeshPolicy *Ref `json:"mesh_policy,omitempty"`
	// MeshMode is the mesh-wide mTLS mode ("PERMISSIVE" when no policy sets one).
	MeshMode string `json:"mesh_mode"`
	// Linkerd holds Linkerd's policy resources (see linkerd.go).
	Linkerd *Linkerd `json:"linkerd"`
}

// Namespace is a namespace declared in the input or referred to by an object.
type Namespace struct {
	Name        string            `json:"name"`
	Declared    bool              `json:"declared"`
	Ref         *Ref              `json:"ref,omitempty"`
	Labels      map[string]string `json:"labels"`
	Annotations map[string]string `json:"annotations"`
	// Scope is cde, connected, out, or "" when undeclared.
	Scope       string `json:"scope"`
	ScopeSource string `json:"scope_source"`
	// BadScope holds a scope label value that is not cde, connected or out.
	BadScope string `json:"bad_scope,omitempty"`
	// Injection is how the namespace's pods join a mesh: "istio"
	// (istio-injection=enabled), "istio-revision" (istio.io/rev), "ambient",
	// "linkerd", "disabled" (istio-injection=disabled), "none", or "unknown"
	// when the Namespace object is not in the input.
	Injection string `json:"injection"`
	// Mode is the namespace's mTLS mode after mesh and namespace policies.
	Mode string `json:"mode"`
	// Policy is the namespace-level PeerAuthentication in force, if any.
	Policy *Ref `json:"policy,omitempty"`
}

// Port is a container port of a workload.
type Port struct {
	Port     int    `json:"port"`
	Name     string `json:"name,omitempty"`
	Protocol string `json:"protocol,omitempty"`
}

// Workload is a pod template (or a Pod).
type Workload struct {
	Ref            Ref               `json:"ref"`
	Namespace      string            `json:"namespace"`
	Labels         map[string]string `json:"labels"`
	Annotations    map[string]string `json:"annotations"`
	ServiceAccount string            `json:"service_account"`
	SPIFFEID       string            `json:"spiffe_id"`
	Scope          string            `json:"scope"`
	ScopeSource    string            `json:"scope_source"`
	HostNetwork    bool              `json:"host_network"`
	// Gateway is true for Istio gateway workloads (selected by a Gateway,
	// or labelled istio=ingressgateway/egressgateway).
	Gateway bool   `json:"gateway"`
	Ports   []Port `json:"ports"`
	// Mesh is "istio" (sidecar), "ambient", "linkerd", "none", or "unknown"
	// (the namespace's labels are not in the input).
	Mesh          string `json:"mesh"`
	MeshReason    string `json:"mesh_reason"`
	OptedOut      bool   `json:"opted_out"`
	MTLS          MTLS   `json:"mtls"`
	Authorization Authz  `json:"authorization"`
	// TemplatePath is the path of the pod template in the object
	// (["spec","template"] for a Deployment, [] for a Pod).
	TemplatePath []string `json:"template_path"`
}

// MTLS is a workload's effective peer authentication.
type MTLS struct {
	Mode   string `json:"mode"`
	Source *Ref   `json:"source,omitempty"` // the policy that set Mode; nil for the PERMISSIVE default
	Level  string `json:"level"`            // "default", "mesh", "namespace" or "workload"
	// Ports holds the port-level modes of the workload policy.
	Ports map[string]string `json:"ports"`
	// WorkloadPolicy is the workload-level PeerAuthentication in force, if any.
	WorkloadPolicy *Ref `json:"workload_policy,omitempty"`
	// Ambiguous is true when several policies compete at one level and the
	// YAML cannot tell which is oldest; Mode is then the weakest candidate.
	Ambiguous bool `json:"ambiguous"`
	// Weakened is true when the workload's policy lowers the mode it
	// inherits, or a port-level setting lowers the workload's mode.
	Weakened bool `json:"weakened"`
}

// Authz summarizes the AuthorizationPolicies that apply to a workload.
type Authz struct {
	Policies []Ref `json:"policies"`
	// HasAllow is true when an ALLOW policy selects the workload, so that
	// requests no ALLOW rule matches are denied.
	HasAllow bool `json:"has_allow"`
	// AllowAll is true when an ALLOW policy has a rule that matches every request.
	AllowAll bool `json:"allow_all"`
	// DenyAll is true when ALLOW policies select the workload but none has a rule.
	DenyAll bool `json:"deny_all"`
	Deny    bool `json:"deny"`
	Custom  bool `json:"custom"`
}

// Service is a Kubernetes Service with the workloads it selects.
type Service struct {
	Ref         Ref               `json:"ref"`
	Namespace   string            `json:"namespace"`
	Type        string            `json:"type"`
	ExternalIPs []string          `json:"external_ips"`
	Selector    map[string]string `json:"selector"`
	Hosts       []string          `json:"hosts"`
	Ports       []ServicePort     `json:"ports"`
	Workloads   []int             `json:"workloads"` // indices into Model.Workloads
}

// ServicePort is a port of a Service.
type ServicePort struct {
	Port       int    `json:"port"`
	TargetPort string `json:"target_port"`
	Name       string `json:"name,omitempty"`
	Protocol   string `json:"protocol,omitempty"`
}

// PeerAuthentication is a PeerAuthentication with how Istio treats it.
type PeerAuthentication struct {
	Ref       Ref               `json:"ref"`
	Namespace string            `json:"namespace"`
	Selector  map[string]string `json:"selector"`
	Mode      string            `json:"mode"`
	Ports     map[string]string `json:"ports"`
	// Level is "mesh", "namespace" or "workload".
	Level string `json:"level"`
	// Ignored says why Istio ignores the policy (or a part of it), or "".
	Ignored string `json:"ignored"`
	// InForce is false when Istio does not apply the policy at all (a part
	// of it may be ignored while the rest is in force).
	InForce   bool  `json:"in_force"`
	Workloads []int `json:"workloads"`
}

// AuthorizationPolicy is an AuthorizationPolicy with the workloads it selects.
type AuthorizationPolicy struct {
	Ref       Ref               `json:"ref"`
	Namespace string            `json:"namespace"`
	Action    string            `json:"action"`
	Selector  map[string]string `json:"selector"`
	// TargetRefs is true when the policy uses targetRef(s) (waypoints and
	// gateways) rather than a selector; it then selects no sidecar workload.
	TargetRefs bool           `json:"target_refs"`
	MeshWide   bool           `json:"mesh_wide"`
	DryRun     bool           `json:"dry_run"`
	Spec       map[string]any `json:"spec"`
	Workloads  []int          `json:"workloads"`
}

// DestinationRule is a DestinationRule with the Services its host names.
type DestinationRule struct {
	Ref       Ref        `json:"ref"`
	Namespace string     `json:"namespace"`
	Host      string     `json:"host"`
	Services  []int      `json:"services"` // indices into Model.Services
	TLS       []TLSLevel `json:"tls"`
}

// TLSLevel is one tls block of a DestinationRule.
type TLSLevel struct {
	Path []string `json:"path"` // to the tls block
	Mode string   `json:"mode"`
	Port int      `json:"port,omitempty"` // for portLevelSettings
}

// NetworkPolicy is a Kubernetes NetworkPolicy.
type NetworkPolicy struct {
	Ref       Ref            `json:"ref"`
	Namespace string         `json:"namespace"`
	Spec      map[string]any `json:"spec"`
	// SelectsAll is true when podSelector is empty.
	SelectsAll  bool     `json:"selects_all"`
	PolicyTypes []string `json:"policy_types"`
}

// Options are the facts the model needs beyond the manifests.
type Options struct {
	TrustDomain      string
	RootNamespace    string
	DefaultNamespace string
	Scope            rules.ScopeConfig
	// Now is the time certificates in Secrets are checked against (not
	// checked when zero).
	Now time.Time
}

// Group is the API group of an apiVersion ("" for the core group).
func Group(apiVersion string) string {
	g, _, ok := strings.Cut(apiVersion, "/")
	if !ok {
		return ""
	}
	return g
}

// Build computes the model of objs.
func Build(objs []*scanner.Object, opts Options) *Model {
	b := &builder{opts: opts, secrets: map[string]secret{}, m: &Model{
		Version:       1,
		TrustDomain:   cmp.Or(opts.TrustDomain, rules.DefaultTrustDomain),
		RootNamespace: cmp.Or(opts.RootNamespace, rules.DefaultRootNamespace),
		Namespaces:    map[string]*Namespace{},
		Linkerd:       &Linkerd{},
	}}
	if b.opts.DefaultNamespace == "" {
		b.opts.DefaultNamespace = rules.DefaultDefaultNamespace
	}
	for i, o := range objs {
		b.add(i, o)
	}
	b.finish()
	b.m.fillEmpty()
	return b.m
}

// fillEmpty replaces nil slices and maps with empty ones, so that the
// model's JSON has [] and {} where Rego rules count or iterate, never null.
func (m *Model) fillEmpty() {
	if m.Workloads == nil {
		m.Workloads = []*Workload{}
	}
	if m.Services == nil {
		m.Services = []*Service{}
	}
	if m.PeerAuthentications == nil {
		m.PeerAuthentications = []*PeerAuthentication{}
	}
	if m.AuthorizationPolicies == nil {
		m.AuthorizationPolicies = []*AuthorizationPolicy{}
	}
	if m.DestinationRules == nil {
		m.DestinationRules = []*DestinationRule{}
	}
	if m.NetworkPolicies == nil {
		m.NetworkPolicies = []*NetworkPolicy{}
	}
	for _, w := range m.Workloads {
		w.Ports = nonNil(w.Ports)
		w.Authorization.Policies = nonNil(w.Authorization.Policies)
		if w.MTLS.Ports == nil {
			w.MTLS.Ports = map[string]string{}
		}
	}
	for _, s := range m.Services {
		s.Ports, s.Workloads = nonNil(s.Ports), nonNil(s.Workloads)
	}
	for _, p := range m.PeerAuthentications {
		p.Workloads = nonNil(p.Workloads)
	}
	for _, p := range m.AuthorizationPolicies {
		p.Workloads = nonNil(p.Workloads)
		if p.Spec == nil {
			p.Spec = map[string]any{}
		}
	}
	for _, d := range m.DestinationRules {
		d.Services, d.TLS = nonNil(d.Services), nonNil(d.TLS)
	}
	for _, n := range m.NetworkPolicies {
		n.PolicyTypes = nonNil(n.PolicyTypes)
		if n.Spec == nil {
			n.Spec = map[string]any{}
		}
	}
	m.Sidecars, m.ServiceEntries, m.Gateways = nonNil(m.Sidecars), nonNil(m.ServiceEntries), nonNil(m.Gateways)
	m.Telemetries, m.RequestAuthentications, m.VirtualServices = nonNil(m.Telemetries), nonNil(m.RequestAuthentications), nonNil(m.VirtualServices)
	for _, sc := range m.Sidecars {
		sc.EgressHosts, sc.Workloads = nonNil(sc.EgressHosts), nonNil(sc.Workloads)
	}
	for _, s := range m.Services {
		s.ExternalIPs = nonNil(s.ExternalIPs)
	}
	for _, se := range m.ServiceEntries {
		se.Hosts, se.Addresses, se.Ports, se.ExportTo = nonNil(se.Hosts), nonNil(se.Addresses), nonNil(se.Ports), nonNil(se.ExportTo)
		se.Rules, se.Egress, se.Routes, se.TLSByPort = nonNil(se.Rules), nonNil(se.Egress), nonNil(se.Routes), nonNil(se.TLSByPort)
	}
	for _, g := range m.Gateways {
		g.Workloads, g.Credentials = nonNil(g.Workloads), nonNil(g.Credentials)
		if g.Spec == nil {
			g.Spec = map[string]any{}
		}
	}
	for _, ra := range m.RequestAuthentications {
		ra.Workloads = nonNil(ra.Workloads)
	}
	for _, vs := range m.VirtualServices {
		vs.Hosts, vs.Gateways = nonNil(vs.Hosts), nonNil(vs.Gateways)
		if vs.Spec == nil {
			vs.Spec = map[string]any{}
		}
	}
	if mc := m.MeshConfig; mc != nil {
		mc.ExtensionProviders, mc.DefaultAccessLogProviders = nonNil(mc.ExtensionProviders), nonNil(mc.DefaultAccessLogProviders)
		mc.DefaultServiceExportTo = nonNil(mc.DefaultServiceExportTo)
	}
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

type builder struct {
	opts    Options
	m       *Model
	pas     []paInput
	secrets map[string]secret // "namespace/name"
	byNS    map[string][]int  // workload indices per namespace
	linkerd linkerdInput
}

// inNamespace returns the indices of the workloads of ns, or of every
// workload when all is true.
func (b *builder) inNamespace(ns string, all bool) []int {
	if all {
		out := make([]int, len(b.m.Workloads))
		for i := range out {
			out[i] = i
		}
		return out
	}
	return b.byNS[ns]
}

type paInput struct {
	pa      *PeerAuthentication
	created string // metadata.creationTimestamp
	item    int
}

func (b *builder) namespaceOf(o *scanner.Object) string {
	if o.Namespace != "" {
		return o.Namespace
	}
	return b.opts.DefaultNamespace
}

func (b *builder) ns(name string) *Namespace {
	n := b.m.Namespaces[name]
	if n == nil {
		n = &Namespace{Name: name, Labels: map[string]string{}, Annotations: map[string]string{}}
		b.m.Namespaces[name] = n
	}
	return n
}

func ref(id int, o *scanner.Object, ns string) Ref {
	return Ref{ID: id, APIVersion: o.APIVersion, Kind: o.Kind, Namespace: ns, Name: o.Name}
}

func (b *builder) add(id int, o *scanner.Object) {
	group := Group(o.APIVersion)
	switch {
	case o.Kind == "Namespace" && group == "":
		n := b.ns(o.Name)
		r := ref(id, o, "")
		n.Declared, n.Ref = true, &r
		n.Labels = stringMap(get(o.Body, "metadata", "labels"))
		n.Annotations = stringMap(get(o.Body, "metadata", "annotations"))
	case group == "" && o.Kind == "Service":
		b.addService(id, o)
	case group == "security.istio.io" && o.Kind == "PeerAuthentication":
		b.addPeerAuthentication(id, o)
	case group == "security.istio.io" && o.Kind == "AuthorizationPolicy":
		b.addAuthorizationPolicy(id, o)
	case group == "networking.istio.io" && o.Kind == "DestinationRule":
		b.addDestinationRule(id, o)
	case group == "networking.k8s.io" && o.Kind == "NetworkPolicy":
		ns := b.namespaceOf(o)
		b.ns(ns)
		spec, _ := o.Body["spec"].(map[string]any)
		np := &NetworkPolicy{Ref: ref(id, o, ns), Namespace: ns, Spec: spec}
		np.SelectsAll = len(stringMap(get(spec, "podSelector", "matchLabels"))) == 0 && len(list(get(spec, "podSelector", "matchExpressions"))) == 0
		for _, t := range list(get(spec, "policyTypes")) {
			if s, ok := t.(string); ok {
				np.PolicyTypes = append(np.PolicyTypes, s)
			}
		}
		b.m.NetworkPolicies = append(b.m.NetworkPolicies, np)
	default:
		if path, ok := scanner.PodTemplatePath(o.APIVersion, o.Kind); ok {
			b.addWorkload(id, o, path)
			return
		}
		if !b.addEdge(id, o) {
			b.addLinkerd(id, o)
		}
	}
}

func (b *builder) addWorkload(id int, o *scanner.Object, path []string) {
	tmpl, _ := getPath(o.Body, path).(map[string]any)
	if tmpl == nil {
		return
	}
	ns := b.namespaceOf(o)
	b.ns(ns)
	spec, _ := tmpl["spec"].(map[string]any)
	w := &Workload{
		Ref:          ref(id, o, ns),
		Namespace:    ns,
		Labels:       stringMap(get(tmpl, "metadata", "labels")),
		Annotations:  stringMap(get(tmpl, "metadata", "annotations")),
		TemplatePath: append([]string{}, path...),
	}
	w.ServiceAccount, _ = spec["serviceAccountName"].(string)
	if w.ServiceAccount == "" {
		w.ServiceAccount, _ = spec["serviceAccount"].(string)
	}
	if w.ServiceAccount == "" {
		w.ServiceAccount = "default"
	}
	w.SPIFFEID = fmt.Sprintf("spiffe://%s/ns/%s/sa/%s", b.m.TrustDomain, ns, w.ServiceAccount)
	w.HostNetwork, _ = spec["hostNetwork"].(bool)
	for _, c := range list(spec["containers"]) {
		for _, p := range list(get(c, "ports")) {
			port, ok := intValue(get(p, "containerPort"))
			if !ok {
				continue
			}
			name, _ := get(p, "name").(string)
			proto, _ := get(p, "protocol").(string)
			w.Ports = append(w.Ports, Port{Port: port, Name: name, Protocol: proto})
		}
	}
	b.m.Workloads = append(b.m.Workloads, w)
}

func (b *builder) addService(id int, o *scanner.Object) {
	ns := b.namespaceOf(o)
	b.ns(ns)
	spec, _ := o.Body["spec"].(map[string]any)
	s := &Service{Ref: ref(id, o, ns), Namespace: ns, Selector: stringMap(spec["selector"])}
	s.Type, _ = spec["type"].(string)
	s.ExternalIPs = nonNil(strings_(spec["externalIPs"]))
	if s.Type == "" {
		s.Type = "ClusterIP"
	}
	s.Hosts = []string{o.Name + "." + ns + ".svc.cluster.local"}
	for _, p := range list(spec["ports"]) {
		port, ok := intValue(get(p, "port"))
		if !ok {
			continue
		}
		sp := ServicePort{Port: port, TargetPort: strconv.Itoa(port)}
		sp.Name, _ = get(p, "name").(string)
		sp.Protocol, _ = get(p, "protocol").(string)
		switch t := get(p, "targetPort").(type) {
		case string:
			sp.TargetPort = t
		case int64:
			sp.TargetPort = strconv.FormatInt(t, 10)
		}
		s.Ports = append(s.Ports, sp)
	}
	b.m.Services = append(b.m.Services, s)
}

func (b *builder) addPeerAuthentication(id int, o *scanner.Object) {
	ns := b.namespaceOf(o)
	b.ns(ns)
	spec, _ := o.Body["spec"].(map[string]any)
	pa := &PeerAuthentication{
		Ref:       ref(id, o, ns),
		Namespace: ns,
		Selector:  stringMap(get(spec, "selector", "matchLabels")),
		Mode:      modeOf(get(spec, "mtls")),
		Ports:     map[string]string{},
	}
	if plm, ok := get(spec, "portLevelMtls").(map[string]any); ok {
		for port, v := range plm {
			pa.Ports[port] = modeOf(v)
		}
	}
	switch {
	case len(pa.Selector) == 0 && ns == b.m.RootNamespace:
		pa.Level = "mesh"
	case len(pa.Selector) == 0:
		pa.Level = "namespace"
	case ns == b.m.RootNamespace:
		pa.Level = "workload"
		pa.Ignored = "a policy with a selector in the root namespace " + ns + " is ignored"
	default:
		pa.Level = "workload"
	}
	for _, mode := range append([]string{pa.Mode}, slices.Collect(maps.Values(pa.Ports))...) {
		if _, ok := modeStrength[mode]; !ok && mode != ModeUnset && pa.Ignored == "" {
			pa.Ignored = fmt.Sprintf("mode %q is not a valid mTLS mode: the API server refuses the object, so it is not in force", mode)
		}
	}
	pa.InForce = pa.Ignored == ""
	if pa.Ignored == "" && len(pa.Ports) > 0 && len(pa.Selector) == 0 {
		pa.Ignored = "portLevelMtls is ignored on a policy without a selector"
	}
	created, _ := get(o.Body, "metadata", "creationTimestamp").(string)
	b.pas = append(b.pas, paInput{pa: pa, created: created, item: id})
	b.m.PeerAuthentications = append(b.m.PeerAuthentications, pa)
}

// modeOf reads an mtls block's mode; absent means UNSET.
func modeOf(v any) string {
	if s, ok := get(v, "mode").(string); ok && s != "" {
		return s
	}
	return ModeUnset
}

func (b *builder) addAuthorizationPolicy(id int, o *scanner.Object) {
	ns := b.namespaceOf(o)
	b.ns(ns)
	spec, _ := o.Body["spec"].(map[string]any)
	ap := &AuthorizationPolicy{
		Ref:       ref(id, o, ns),
		Namespace: ns,
		Selector:  stringMap(get(spec, "selector", "matchLabels")),
		Spec:      spec,
	}
	ap.Action, _ = spec["action"].(string)
	if ap.Action == "" {
		ap.Action = "ALLOW"
	}
	ap.TargetRefs = spec["targetRef"] != nil || len(list(spec["targetRefs"])) > 0
	ap.MeshWide = ns == b.m.RootNamespace
	ann := stringMap(get(o.Body, "metadata", "annotations"))
	// As Istio reads it (strconv.ParseBool): "true", "True", "1"...
	ap.DryRun, _ = strconv.ParseBool(ann["istio.io/dry-run"])
	b.m.AuthorizationPolicies = append(b.m.AuthorizationPolicies, ap)
}

func (b *builder) addDestinationRule(id int, o *scanner.Object) {
	ns := b.namespaceOf(o)
	b.ns(ns)
	spec, _ := o.Body["spec"].(map[string]any)
	dr := &DestinationRule{Ref: ref(id, o, ns), Namespace: ns}
	dr.Host, _ = spec["host"].(string)
	addTLS := func(path []string, tp any, port int) {
		tls, ok := get(tp, "tls").(map[string]any)
		if !ok {
			return
		}
		mode, _ := tls["mode"].(string)
		dr.TLS = append(dr.TLS, TLSLevel{Path: append(path, "tls"), Mode: cmp.Or(mode, "DISABLE"), Port: port})
	}
	levels := func(base []string, tp any) {
		addTLS(base, tp, 0)
		for i, pls := range list(get(tp, "portLevelSettings")) {
			port, _ := intValue(get(pls, "port", "number"))
			addTLS(append(append([]string{}, base...), "portLevelSettings", strconv.Itoa(i)), pls, port)
		}
	}
	levels([]string{"spec", "trafficPolicy"}, spec["trafficPolicy"])
	for i, s := range list(spec["subsets"]) {
		levels([]string{"spec", "subsets", strconv.Itoa(i), "trafficPolicy"}, get(s, "trafficPolicy"))
	}
	b.m.DestinationRules = append(b.m.DestinationRules, dr)
}

func (b *builder) finish() {
	m := b.m
	for _, n := range m.Namespaces {
		b.namespaceScope(n)
		n.Injection = injection(n)
	}
	b.byNS = map[string][]int{}
	m.ServiceAccounts = map[string][]int{}
	for wi, w := range m.Workloads {
		b.workloadMesh(w)
		b.workloadScope(w)
		b.byNS[w.Namespace] = append(b.byNS[w.Namespace], wi)
		key := w.Namespace + "/" + w.ServiceAccount
		m.ServiceAccounts[key] = append(m.ServiceAccounts[key], wi)
	}
	b.composePeerAuthentication()
	for _, ap := range m.AuthorizationPolicies {
		if ap.TargetRefs {
			continue
		}
		for _, wi := range b.inNamespace(ap.Namespace, ap.MeshWide) {
			w := m.Workloads[wi]
			if subset(ap.Selector, w.Labels) {
				ap.Workloads = append(ap.Workloads, wi)
				applyAuthz(&w.Authorization, ap)
			}
		}
	}
	byHost := map[string]int{}
	for si, s := range m.Services {
		byHost[s.Hosts[0]] = si
		if len(s.Selector) == 0 {
			continue
		}
		for _, wi := range b.byNS[s.Namespace] {
			if subset(s.Selector, m.Workloads[wi].Labels) {
				s.Workloads = append(s.Workloads, wi)
			}
		}
	}
	for _, dr := range m.DestinationRules {
		if fqdn, ok := serviceFQDN(dr.Host, dr.Namespace); ok {
			if si, found := byHost[fqdn]; found {
				dr.Services = append(dr.Services, si)
			}
			continue
		}
		for si, s := range m.Services {
			if hostMatches(dr.Host, dr.Namespace, s) {
				dr.Services = append(dr.Services, si)
			}
		}
	}
	b.finishEdge()
	b.finishLinkerd()
}

func applyAuthz(a *Authz, ap *AuthorizationPolicy) {
	a.Policies = append(a.Policies, ap.Ref)
	if ap.DryRun {
		return // not enforced
	}
	switch ap.Action {
	case "ALLOW":
		rules := list(ap.Spec["rules"])
		if !a.HasAllow {
			a.DenyAll = true
		}
		a.HasAllow = true
		if len(rules) > 0 {
			a.DenyAll = false
		}
		for _, r := range rules {
			if Unconstrained(r) {
				a.AllowAll = true
			}
		}
	case "DENY":
		a.Deny = true
	case "CUSTOM":
		a.Custom = true
	}
}

// Unconstrained reports whether an AuthorizationPolicy rule matches every
// request: no from, to or when, or only empty sources and operations.
func Unconstrained(rule any) bool {
	r, _ := rule.(map[string]any)
	for _, f := range list(r["from"]) {
		if len(stringKeys(get(f, "source"))) > 0 {
			return false
		}
	}
	for _, t := range list(r["to"]) {
		if len(stringKeys(get(t, "operation"))) > 0 {
			return false
		}
	}
	return len(list(r["when"])) == 0
}

// stringKeys lists the keys of a mapping whose values are not empty.
func stringKeys(v any) []string {
	m, _ := v.(map[string]any)
	var out []string
	for k, v := range m {
		switch v := v.(type) {
		case nil:
		case []any:
			if len(v) > 0 {
				out = append(out, k)
			}
		default:
			out = append(out, k)
		}
	}
	return out
}

// serviceFQDN expands a host without wildcards, as a DestinationRule in ns
// writes it, to a Service FQDN; ok is false for wildcards and hosts that are
// not in-cluster names (they are matched one by one).
func serviceFQDN(host, ns string) (string, bool) {
	switch {
	case host == "" || strings.Contains(host, "*"):
		return "", false
	case !strings.Contains(host, "."):
		return host + "." + ns + ".svc.cluster.local", true
	case strings.Count(host, ".") == 1:
		return host + ".svc.cluster.local", true
	}
	return host, true
}

// hostMatches reports whether a DestinationRule host in namespace ns names s.
func hostMatches(host, ns string, s *Service) bool {
	if host == "" {
		return false
	}
	fqdn := s.Hosts[0]
	switch {
	case host == fqdn || host == "*":
		return true
	case strings.HasPrefix(host, "*"):
		return strings.HasSuffix(fqdn, host[1:])
	case !strings.Contains(host, "."):
		return host+"."+ns+".svc.cluster.local" == fqdn
	case strings.Count(host, ".") == 1:
		return host+".svc.cluster.local" == fqdn
	}
	return false
}

func (b *builder) namespaceScope(n *Namespace) {
	for _, s := range []struct {
		scope string
		sel   rules.ScopeSelector
	}{{ScopeCDE, b.opts.Scope.CDE}, {ScopeConnected, b.opts.Scope.Connected}, {ScopeOut, b.opts.Scope.Out}} {
		if slices.Contains(s.sel.Namespaces, n.Name) {
			n.Scope, n.ScopeSource = s.scope, "config"
			return
		}
	}
	switch v := n.Labels[ScopeLabel]; v {
	case "":
	case ScopeCDE, ScopeConnected, ScopeOut:
		n.Scope, n.ScopeSource = v, "label"
	default:
		// An unknown value is treated as CDE: a typo must not take a
		// namespace out of scope.
		n.Scope, n.ScopeSource, n.BadScope = ScopeCDE, "label", v
	}
}

func (b *builder) workloadScope(w *Workload) {
	for _, s := range []struct {
		scope string
		sel   rules.ScopeSelector
	}{{ScopeCDE, b.opts.Scope.CDE}, {ScopeConnected, b.opts.Scope.Connected}, {ScopeOut, b.opts.Scope.Out}} {
		for _, ws := range s.sel.Workloads {
			if (ws.Namespace == "" || ws.Namespace == w.Namespace) && len(ws.MatchLabels) > 0 && subset(ws.MatchLabels, w.Labels) {
				w.Scope, w.ScopeSource = s.scope, "config"
				return
			}
		}
	}
	n := b.m.Namespaces[w.Namespace]
	w.Scope, w.ScopeSource = n.Scope, n.ScopeSource
	if w.ScopeSource != "" {
		w.ScopeSource = "namespace " + w.ScopeSource
	}
}

func injection(n *Namespace) string {
	if !n.Declared {
		return "unknown"
	}
	switch {
	case n.Labels["istio-injection"] == "enabled":
		return "istio"
	case n.Labels["istio-injection"] == "disabled":
		return "disabled"
	case n.Labels["istio.io/rev"] != "":
		return "istio-revision"
	case n.Labels["istio.io/dataplane-mode"] == "ambient":
		return "ambient"
	case n.Annotations["linkerd.io/inject"] == "enabled":
		return "linkerd"
	}
	return "none"
}

// workloadMesh decides whether the workload's pods join a mesh.
func (b *builder) workloadMesh(w *Workload) {
	n := b.m.Namespaces[w.Namespace]
	// As Istio's injector reads it: the label wins over the deprecated
	// annotation (an empty label hides the annotation), "true", "y", "yes"
	// and "on" in any case ask for injection, any other value opts out.
	label, hasLabel := w.Labels["sidecar.istio.io/inject"]
	ann, hasAnn := w.Annotations["sidecar.istio.io/inject"]
	raw := ""
	switch {
	case hasLabel:
		raw = label
	case hasAnn:
		raw = ann
	}
	istioPod := ""
	switch strings.ToLower(raw) {
	case "":
	case "true", "y", "yes", "on":
		istioPod = "true"
	default:
		istioPod = "false"
	}
	linkerdPod := w.Annotations["linkerd.io/inject"]
	w.OptedOut = istioPod == "false" || linkerdPod == "disabled"
	set := func(mesh, reason string) { w.Mesh, w.MeshReason = mesh, reason }
	switch {
	case w.HostNetwork && (n.Injection == "istio" || n.Injection == "istio-revision" || istioPod == "true"):
		set("none", "hostNetwork pods are never injected")
	case w.HostNetwork && (n.Injection == "linkerd" || linkerdPod == "enabled"):
		set("none", "hostNetwork pods are never injected")
	case istioPod == "false" && (n.Injection == "istio" || n.Injection == "istio-revision"):
		set("none", "the pod template opts out with sidecar.istio.io/inject=false")
	case istioPod == "true" && n.Injection != "disabled":
		set("istio", "the pod template asks for injection")
	case n.Injection == "istio" || n.Injection == "istio-revision":
		set("istio", "namespace "+w.Namespace+" has injection enabled")
	case n.Injection == "ambient" && w.Labels["istio.io/dataplane-mode"] != "none":
		set("ambient", "namespace "+w.Namespace+" is in ambient mode")
	case linkerdPod == "enabled" || linkerdPod == "ingress":
		set("linkerd", "the pod template asks for Linkerd injection")
	case n.Injection == "linkerd" && linkerdPod == "disabled":
		set("none", "the pod template opts out with linkerd.io/inject=disabled")
	case n.Injection == "linkerd":
		set("linkerd", "namespace "+w.Namespace+" has Linkerd injection enabled")
	case n.Injection == "unknown":
		set("unknown", "the Namespace object "+w.Namespace+" is not in the input")
	default:
		set("none", "namespace "+w.Namespace+" has no injection label")
	}
}

var modeStrength = map[string]int{ModeDisable: 0, ModePermissive: 1, ModeStrict: 2}

// weaker reports whether mode a gives less protection than b.
func weaker(a, b string) bool { return modeStrength[a] < modeStrength[b] }

// pick chooses the policy in force among candidates at one level: the oldest
// by creationTimestamp, as Istio does. When the YAML does not settle it
// (timestamps missing or equal), the weakest candidate is used and the
// result is ambiguous.
func pick(cands []paInput) (*PeerAuthentication, bool) {
	switch len(cands) {
	case 0:
		return nil, false
	case 1:
		return cands[0].pa, false
	}
	sorted := slices.Clone(cands)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].created < sorted[j].created })
	if sorted[0].created != "" && sorted[0].created != sorted[1].created {
		return sorted[0].pa, false
	}
	weakest := cands[0].pa
	for _, c := range cands[1:] {
		if weaker(c.pa.Mode, weakest.Mode) && c.pa.Mode != ModeUnset {
			weakest = c.pa
		}
	}
	return weakest, true
}

func (b *builder) composePeerAuthentication() {
	m := b.m
	var meshCands []paInput
	nsCands := map[string][]paInput{}
	for _, p := range b.pas {
		if !p.pa.InForce {
			continue
		}
		switch p.pa.Level {
		case "mesh":
			meshCands = append(meshCands, p)
		case "namespace":
			nsCands[p.pa.Namespace] = append(nsCands[p.pa.Namespace], p)
		}
	}
	meshPA, meshAmbiguous := pick(meshCands)
	m.MeshMode = ModePermissive
	var meshSource *Ref
	if meshPA != nil {
		r := meshPA.Ref
		m.MeshPolicy = &r
		if meshPA.Mode != ModeUnset {
			m.MeshMode, meshSource = meshPA.Mode, &r
		}
	}
	type nsState struct {
		mode      string
		source    *Ref
		level     string
		ambiguous bool
	}
	nsStates := map[string]nsState{}
	for name, n := range m.Namespaces {
		st := nsState{mode: m.MeshMode, source: meshSource, level: "mesh", ambiguous: meshAmbiguous}
		if meshSource == nil {
			st.level = "default"
		}
		cands := nsCands[name]
		if name == m.RootNamespace {
			cands = meshCands
		}
		if pa, amb := pick(cands); pa != nil {
			r := pa.Ref
			n.Policy = &r
			st.ambiguous = st.ambiguous || amb
			if pa.Mode != ModeUnset {
				st.mode, st.source, st.level = pa.Mode, &r, "namespace"
			}
		}
		n.Mode = st.mode
		nsStates[name] = st
	}
	workloadPAs := map[string][]paInput{}
	for _, p := range b.pas {
		if p.pa.Level == "workload" && p.pa.InForce {
			workloadPAs[p.pa.Namespace] = append(workloadPAs[p.pa.Namespace], p)
		}
	}
	for wi, w := range m.Workloads {
		st := nsStates[w.Namespace]
		w.MTLS = MTLS{Mode: st.mode, Source: st.source, Level: st.level, Ambiguous: st.ambiguous}
		var cands []paInput
		for _, p := range workloadPAs[w.Namespace] {
			if subset(p.pa.Selector, w.Labels) {
				cands = append(cands, p)
				p.pa.Workloads = append(p.pa.Workloads, wi)
			}
		}
		pa, amb := pick(cands)
		if pa == nil {
			continue
		}
		w.MTLS.Ambiguous = w.MTLS.Ambiguous || amb
		wr := pa.Ref
		w.MTLS.WorkloadPolicy = &wr
		inherited := w.MTLS.Mode
		if pa.Mode != ModeUnset {
			r := pa.Ref
			w.MTLS.Mode, w.MTLS.Source, w.MTLS.Level = pa.Mode, &r, "workload"
			w.MTLS.Weakened = weaker(pa.Mode, inherited)
		}
		if len(pa.Ports) > 0 {
			w.MTLS.Ports = map[string]string{}
			for port, mode := range pa.Ports {
				if mode == ModeUnset {
					mode = w.MTLS.Mode
				}
				w.MTLS.Ports[port] = mode
				if weaker(mode, w.MTLS.Mode) {
					w.MTLS.Weakened = true
				}
			}
		}
	}
	// Namespace- and mesh-level policies apply to every workload of their scope.
	for _, p := range b.pas {
		if p.pa.Level == "workload" || !p.pa.InForce {
			continue
		}
		p.pa.Workloads = append(p.pa.Workloads, b.inNamespace(p.pa.Namespace, p.pa.Level == "mesh")...)
	}
}

// subset reports whether every key of sel is in labels with the same value.
func subset(sel, labels map[string]string) bool {
	for k, v := range sel {
		if labels[k] != v {
			return false
		}
	}
	return true
}

func get(v any, path ...string) any {
	for _, p := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[p]
	}
	return v
}

func getPath(v any, path []string) any { return get(v, path...) }

func list(v any) []any {
	l, _ := v.([]any)
	return l
}

func stringMap(v any) map[string]string {
	out := map[string]string{}
	m, _ := v.(map[string]any)
	for k, v := range m {
		switch v := v.(type) {
		case string:
			out[k] = v
		case bool:
			out[k] = strconv.FormatBool(v)
		case int64:
			out[k] = strconv.FormatInt(v, 10)
		case float64:
			out[k] = strconv.FormatFloat(v, 'g', -1, 64)
		}
	}
	return out
}

func intValue(v any) (int, bool) {
	switch v := v.(type) {
	case int64:
		return int(v), true
	case float64:
		if v == float64(int(v)) {
			return int(v), true
		}
	}
	return 0, false
}
