package mesh

import (
	"slices"
	"strconv"

	"github.com/meshproof/meshproof/scanner"
)

// Linkerd's policy resources (policy.linkerd.io) and what they apply to.
//
// Linkerd authorizes inbound traffic per Server: a Server names a port of
// the pods its podSelector selects and denies everything on it
// (accessPolicy, default deny) but what an AuthorizationPolicy or a legacy
// ServerAuthorization allows. An AuthorizationPolicy targets a Server, an
// HTTPRoute whose parent is a Server, or a whole Namespace (then every
// Server in it), and requires all of its authentications: a
// MeshTLSAuthentication (client identities), a NetworkAuthentication
// (client networks) or a ServiceAccount. If any of them does not exist,
// Linkerd ignores the policy. Ports no Server covers fall back to the
// default inbound policy (the pod's, else the namespace's
// config.linkerd.io/default-inbound-policy annotation, else the cluster's).

// LinkerdDefaultPolicyAnnotation sets Linkerd's default inbound policy on a
// namespace or a pod template.
const LinkerdDefaultPolicyAnnotation = "config.linkerd.io/default-inbound-policy"

// Linkerd holds Linkerd's policy resources.
type Linkerd struct {
	Servers                []*LinkerdServer              `json:"servers"`
	AuthorizationPolicies  []*LinkerdAuthorizationPolicy `json:"authorization_policies"`
	MeshTLSAuthentications []*MeshTLSAuthentication      `json:"mesh_tls_authentications"`
	NetworkAuthentications []*NetworkAuthentication      `json:"network_authentications"`
	ServerAuthorizations   []*ServerAuthorization        `json:"server_authorizations"`
	HTTPRoutes             []*LinkerdHTTPRoute           `json:"http_routes"`
}

// LinkerdServer is a Linkerd Server: one port of the pods it selects.
type LinkerdServer struct {
	Ref       Ref    `json:"ref"`
	Namespace string `json:"namespace"`
	// Port is spec.port: a port number or a container port name.
	Port string `json:"port"`
	// AccessPolicy is spec.accessPolicy, "deny" when unset.
	AccessPolicy string `json:"access_policy"`
	// Workloads are the workloads whose pod templates podSelector selects.
	Workloads []int `json:"workloads"`
	// Authorizations are the AuthorizationPolicies in force (all their
	// authentications exist) and the ServerAuthorizations that apply.
	Authorizations []Ref `json:"authorizations"`
}

// ObjectRef is a reference from one Linkerd resource to another.
type ObjectRef struct {
	Group     string `json:"group"`
	Kind      string `json:"kind"`
	Name      string `json:"name"`
	Namespace string `json:"namespace"`
	// Found is true when the referenced object is in the input.
	Found bool `json:"found"`
	// Index is the referenced object's index in its Linkerd list
	// (MeshTLSAuthentications, NetworkAuthentications, Servers, HTTPRoutes),
	// -1 when not found or not one of those.
	Index int `json:"index"`
}

// LinkerdAuthorizationPolicy is a policy.linkerd.io AuthorizationPolicy.
type LinkerdAuthorizationPolicy struct {
	Ref             Ref         `json:"ref"`
	Namespace       string      `json:"namespace"`
	Target          ObjectRef   `json:"target"`
	Authentications []ObjectRef `json:"authentications"`
	// Ignored says why Linkerd ignores the policy ("" when in force).
	Ignored string `json:"ignored"`
	// Servers are the Servers the policy applies to (indices into Servers).
	Servers []int `json:"servers"`
}

// MeshTLSAuthentication authenticates clients by mesh identity.
type MeshTLSAuthentication struct {
	Ref          Ref         `json:"ref"`
	Namespace    string      `json:"namespace"`
	Identities   []string    `json:"identities"`
	IdentityRefs []ObjectRef `json:"identity_refs"`
}

// NetworkAuthentication authenticates clients by network.
type NetworkAuthentication struct {
	Ref       Ref      `json:"ref"`
	Namespace string   `json:"namespace"`
	CIDRs     []string `json:"cidrs"`
}

// ServerAuthorization is Linkerd's legacy per-Server authorization.
type ServerAuthorization struct {
	Ref       Ref    `json:"ref"`
	Namespace string `json:"namespace"`
	// Servers are the Servers it applies to (spec.server.name or selector).
	Servers []int `json:"servers"`
	// Unauthenticated is spec.client.unauthenticated: any client, meshed
	// or not.
	Unauthenticated bool `json:"unauthenticated"`
	// MeshTLS is spec.client.meshTLS, nil when unset.
	MeshTLS *ServerAuthorizationMeshTLS `json:"mesh_tls"`
	// Networks are the CIDRs of spec.client.networks (empty: unset, every
	// network).
	Networks []string `json:"networks"`
}

// ServerAuthorizationMeshTLS is a ServerAuthorization's client.meshTLS.
type ServerAuthorizationMeshTLS struct {
	// UnauthenticatedTLS admits TLS clients without checking an identity.
	UnauthenticatedTLS bool `json:"unauthenticated_tls"`
	// Identities are Linkerd identities ("*" and "*.suffix" patterns).
	Identities []string `json:"identities"`
	// ServiceAccounts name accounts (kind ServiceAccount; the namespace
	// defaults to the ServerAuthorization's).
	ServiceAccounts []ObjectRef `json:"service_accounts"`
}

// LinkerdHTTPRoute is an HTTPRoute whose parents include Linkerd Servers.
type LinkerdHTTPRoute struct {
	Ref       Ref    `json:"ref"`
	Namespace string `json:"namespace"`
	// Servers are the parent Servers (indices into Servers).
	Servers []int `json:"servers"`
}

// linkerdInput keeps what resolution needs beyond the model entries.
type linkerdInput struct {
	serverSelectors map[int]map[string]any    // Servers index -> spec.podSelector
	serverLabels    map[int]map[string]string // Servers index -> metadata.labels
	saSelectors     map[int]any               // ServerAuthorizations index -> spec.server
	routeParents    map[int][]ObjectRef       // HTTPRoutes index -> parentRefs naming Servers
}

// addLinkerd adds a Linkerd policy resource; it reports whether o was one.
func (b *builder) addLinkerd(id int, o *scanner.Object) bool {
	group := Group(o.APIVersion)
	ns := b.namespaceOf(o)
	spec, _ := o.Body["spec"].(map[string]any)
	l, in := b.m.Linkerd, &b.linkerd
	if in.serverSelectors == nil {
		in.serverSelectors, in.serverLabels = map[int]map[string]any{}, map[int]map[string]string{}
		in.saSelectors, in.routeParents = map[int]any{}, map[int][]ObjectRef{}
	}
	switch {
	case group == "policy.linkerd.io" && o.Kind == "Server":
		s := &LinkerdServer{Ref: ref(id, o, ns), Namespace: ns, AccessPolicy: "deny"}
		switch p := spec["port"].(type) {
		case string:
			s.Port = p
		case int64:
			s.Port = strconv.FormatInt(p, 10)
		}
		if ap, ok := spec["accessPolicy"].(string); ok && ap != "" {
			s.AccessPolicy = ap
		}
		sel, _ := spec["podSelector"].(map[string]any)
		in.serverSelectors[len(l.Servers)] = sel
		in.serverLabels[len(l.Servers)] = stringMap(get(o.Body, "metadata", "labels"))
		l.Servers = append(l.Servers, s)
	case group == "policy.linkerd.io" && o.Kind == "AuthorizationPolicy":
		p := &LinkerdAuthorizationPolicy{Ref: ref(id, o, ns), Namespace: ns, Target: objectRef(spec["targetRef"], ns)}
		for _, r := range list(spec["requiredAuthenticationRefs"]) {
			p.Authentications = append(p.Authentications, objectRef(r, ns))
		}
		l.AuthorizationPolicies = append(l.AuthorizationPolicies, p)
	case group == "policy.linkerd.io" && o.Kind == "MeshTLSAuthentication":
		m := &MeshTLSAuthentication{Ref: ref(id, o, ns), Namespace: ns, Identities: strings_(spec["identities"])}
		for _, r := range list(spec["identityRefs"]) {
			m.IdentityRefs = append(m.IdentityRefs, objectRef(r, ns))
		}
		l.MeshTLSAuthentications = append(l.MeshTLSAuthentications, m)
	case group == "policy.linkerd.io" && o.Kind == "NetworkAuthentication":
		n := &NetworkAuthentication{Ref: ref(id, o, ns), Namespace: ns}
		for _, nw := range list(spec["networks"]) {
			if c, ok := get(nw, "cidr").(string); ok {
				n.CIDRs = append(n.CIDRs, c)
			}
		}
		l.NetworkAuthentications = append(l.NetworkAuthentications, n)
	case group == "policy.linkerd.io" && o.Kind == "ServerAuthorization":
		in.saSelectors[len(l.ServerAuthorizations)] = spec["server"]
		a := &ServerAuthorization{Ref: ref(id, o, ns), Namespace: ns}
		client, _ := spec["client"].(map[string]any)
		a.Unauthenticated, _ = client["unauthenticated"].(bool)
		for _, nw := range list(client["networks"]) {
			if c, ok := get(nw, "cidr").(string); ok {
				a.Networks = append(a.Networks, c)
			}
		}
		if mt, ok := client["meshTLS"].(map[string]any); ok {
			a.MeshTLS = &ServerAuthorizationMeshTLS{Identities: strings_(mt["identities"])}
			a.MeshTLS.UnauthenticatedTLS, _ = mt["unauthenticatedTLS"].(bool)
			for _, r := range list(mt["serviceAccounts"]) {
				sa := objectRef(r, ns)
				sa.Kind = "ServiceAccount"
				a.MeshTLS.ServiceAccounts = append(a.MeshTLS.ServiceAccounts, sa)
			}
		}
		l.ServerAuthorizations = append(l.ServerAuthorizations, a)
	case (group == "policy.linkerd.io" || group == "gateway.networking.k8s.io") && o.Kind == "HTTPRoute":
		var parents []ObjectRef
		for _, pr := range list(spec["parentRefs"]) {
			r := objectRef(pr, ns)
			if r.Group == "policy.linkerd.io" && r.Kind == "Server" {
				parents = append(parents, r)
			}
		}
		if len(parents) == 0 {
			return false // a route of some other parent (a Gateway, a Service)
		}
		in.routeParents[len(l.HTTPRoutes)] = parents
		l.HTTPRoutes = append(l.HTTPRoutes, &LinkerdHTTPRoute{Ref: ref(id, o, ns), Namespace: ns})
	default:
		return false
	}
	b.ns(ns)
	return true
}

// objectRef reads a Linkerd reference; its namespace defaults to ns.
func objectRef(v any, ns string) ObjectRef {
	r := ObjectRef{Index: -1, Namespace: ns}
	r.Group, _ = get(v, "group").(string)
	r.Kind, _ = get(v, "kind").(string)
	r.Name, _ = get(v, "name").(string)
	if n, _ := get(v, "namespace").(string); n != "" {
		r.Namespace = n
	}
	return r
}

// finishLinkerd resolves selectors and references once every object is in.
func (b *builder) finishLinkerd() {
	l, in := b.m.Linkerd, b.linkerd
	find := func(kind string, r ObjectRef) int {
		switch kind {
		case "Server":
			return slices.IndexFunc(l.Servers, func(s *LinkerdServer) bool { return s.Namespace == r.Namespace && s.Ref.Name == r.Name })
		case "HTTPRoute":
			return slices.IndexFunc(l.HTTPRoutes, func(h *LinkerdHTTPRoute) bool { return h.Namespace == r.Namespace && h.Ref.Name == r.Name })
		case "MeshTLSAuthentication":
			return slices.IndexFunc(l.MeshTLSAuthentications, func(m *MeshTLSAuthentication) bool { return m.Namespace == r.Namespace && m.Ref.Name == r.Name })
		case "NetworkAuthentication":
			return slices.IndexFunc(l.NetworkAuthentications, func(n *NetworkAuthentication) bool { return n.Namespace == r.Namespace && n.Ref.Name == r.Name })
		}
		return -1
	}
	for si, s := range l.Servers {
		for _, wi := range b.byNS[s.Namespace] {
			if labelSelectorMatches(in.serverSelectors[si], b.m.Workloads[wi].Labels) {
				s.Workloads = append(s.Workloads, wi)
			}
		}
	}
	for hi, h := range l.HTTPRoutes {
		for _, pr := range in.routeParents[hi] {
			if si := find("Server", pr); si >= 0 {
				h.Servers = append(h.Servers, si)
			}
		}
	}
	for _, p := range l.AuthorizationPolicies {
		for i := range p.Authentications {
			a := &p.Authentications[i]
			switch {
			case a.Group == "policy.linkerd.io" && (a.Kind == "MeshTLSAuthentication" || a.Kind == "NetworkAuthentication"):
				a.Index = find(a.Kind, *a)
				a.Found = a.Index >= 0
			case a.Group == "" && a.Kind == "ServiceAccount":
				// Linkerd turns it into the account's identity; the
				// ServiceAccount object need not be in the input.
				a.Found = true
			}
			if !a.Found && p.Ignored == "" {
				p.Ignored = "its required authentication " + a.Kind + " " + a.Namespace + "/" + a.Name + " is not in the input (Linkerd ignores a policy whose authentications do not all exist)"
			}
		}
		t := &p.Target
		switch {
		case t.Group == "policy.linkerd.io" && t.Kind == "Server":
			if t.Index = find("Server", *t); t.Index >= 0 {
				t.Found, p.Servers = true, []int{t.Index}
			}
		case (t.Group == "policy.linkerd.io" || t.Group == "gateway.networking.k8s.io") && t.Kind == "HTTPRoute":
			if t.Index = find("HTTPRoute", *t); t.Index >= 0 {
				t.Found, p.Servers = true, slices.Clone(l.HTTPRoutes[t.Index].Servers)
			}
		case t.Group == "" && t.Kind == "Namespace":
			// A policy targets its own namespace: every Server in it.
			n := b.m.Namespaces[t.Name]
			t.Found = n != nil && n.Declared
			if t.Name == p.Namespace {
				for si, s := range l.Servers {
					if s.Namespace == p.Namespace {
						p.Servers = append(p.Servers, si)
					}
				}
			}
		}
		if p.Ignored != "" {
			continue
		}
		for _, si := range p.Servers {
			l.Servers[si].Authorizations = append(l.Servers[si].Authorizations, p.Ref)
		}
	}
	for ai, a := range l.ServerAuthorizations {
		sel := in.saSelectors[ai]
		name, _ := get(sel, "name").(string)
		labelSel, _ := get(sel, "selector").(map[string]any)
		for si, s := range l.Servers {
			if s.Namespace != a.Namespace {
				continue
			}
			if (name != "" && s.Ref.Name == name) || (name == "" && labelSel != nil && labelSelectorMatches(labelSel, in.serverLabels[si])) {
				a.Servers = append(a.Servers, si)
				s.Authorizations = append(s.Authorizations, a.Ref)
			}
		}
	}
	l.Servers, l.AuthorizationPolicies, l.HTTPRoutes = nonNil(l.Servers), nonNil(l.AuthorizationPolicies), nonNil(l.HTTPRoutes)
	l.MeshTLSAuthentications, l.NetworkAuthentications, l.ServerAuthorizations = nonNil(l.MeshTLSAuthentications), nonNil(l.NetworkAuthentications), nonNil(l.ServerAuthorizations)
	for _, s := range l.Servers {
		s.Workloads, s.Authorizations = nonNil(s.Workloads), nonNil(s.Authorizations)
	}
	for _, p := range l.AuthorizationPolicies {
		p.Authentications, p.Servers = nonNil(p.Authentications), nonNil(p.Servers)
	}
	for _, m := range l.MeshTLSAuthentications {
		m.Identities, m.IdentityRefs = nonNil(m.Identities), nonNil(m.IdentityRefs)
	}
	for _, n := range l.NetworkAuthentications {
		n.CIDRs = nonNil(n.CIDRs)
	}
	for _, a := range l.ServerAuthorizations {
		a.Servers, a.Networks = nonNil(a.Servers), nonNil(a.Networks)
		if a.MeshTLS != nil {
			a.MeshTLS.Identities, a.MeshTLS.ServiceAccounts = nonNil(a.MeshTLS.Identities), nonNil(a.MeshTLS.ServiceAccounts)
		}
	}
	for _, h := range l.HTTPRoutes {
		h.Servers = nonNil(h.Servers)
	}
}

// labelSelectorMatches evaluates a Kubernetes label selector (matchLabels
// and matchExpressions) against labels. An empty selector matches
// everything; a nil one (absent) matches nothing.
func labelSelectorMatches(sel map[string]any, labels map[string]string) bool {
	if sel == nil {
		return false
	}
	if !subset(stringMap(sel["matchLabels"]), labels) {
		return false
	}
	for _, e := range list(sel["matchExpressions"]) {
		key, _ := get(e, "key").(string)
		op, _ := get(e, "operator").(string)
		values := strings_(get(e, "values"))
		v, has := labels[key]
		switch op {
		case "In":
			if !has || !slices.Contains(values, v) {
				return false
			}
		case "NotIn":
			if has && slices.Contains(values, v) {
				return false
			}
		case "Exists":
			if !has {
				return false
			}
		case "DoesNotExist":
			if has {
				return false
			}
		default:
			return false // the API server refuses an unknown operator
		}
	}
	return true
}
