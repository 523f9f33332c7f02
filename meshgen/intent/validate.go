package intent

import (
	"cmp"
	"fmt"
	"maps"
	"net"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/spiffe/go-spiffe/v2/spiffeid"
)

var (
	labelRE     = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)
	subdomainRE = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`)
	labelKeyRE  = regexp.MustCompile(`^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$`)
	labelValRE  = regexp.MustCompile(`^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$`)
	trustRE     = regexp.MustCompile(`^[a-z0-9]([-a-z0-9_.]*[a-z0-9])?$`)
	methods     = []string{"CONNECT", "DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT", "TRACE"}
	protocols   = []string{HTTP, HTTP2, GRPC, TCP, TLS}
	extProtos   = []string{TCP, HTTP, TLS}
)

type validator struct {
	in   *Intent
	errs []error
}

func (v *validator) fail(path, format string, args ...any) {
	v.errs = append(v.errs, &Error{File: v.in.file, Line: v.in.Line(path), Path: path, Msg: fmt.Sprintf(format, args...)})
}

func (v *validator) run() {
	in := v.in
	if in.APIVersion != APIVersion || in.Kind != Kind {
		v.fail("kind", "apiVersion/kind must be %s/%s, got %q/%q", APIVersion, Kind, in.APIVersion, in.Kind)
		return
	}
	if !labelRE.MatchString(in.Metadata.Name) {
		v.fail("metadata.name", "%s", dnsLabel(in.Metadata.Name))
	}
	s := &in.Spec
	switch {
	case s.TrustDomain == "":
		v.fail("spec.trustDomain", "required (the SPIFFE trust domain, such as corp.example)")
	case len(s.TrustDomain) > 255 || !trustRE.MatchString(s.TrustDomain):
		v.fail("spec.trustDomain", "%q is not a trust domain name (lower-case letters, digits, '.', '-', '_')", s.TrustDomain)
	}
	s.ClusterDomain = cmp.Or(s.ClusterDomain, DefaultClusterDomain)
	if !subdomainRE.MatchString(s.ClusterDomain) {
		v.fail("spec.clusterDomain", "%q is not a DNS name", s.ClusterDomain)
	}
	s.RootNamespace = cmp.Or(s.RootNamespace, DefaultRootNamespace)
	v.namespace("spec.rootNamespace", s.RootNamespace)
	v.gateway("spec.gateways.ingress", &s.Gateways.Ingress, "istio-ingress", "istio-ingressgateway", "ingressgateway")
	v.gateway("spec.gateways.egress", &s.Gateways.Egress, "istio-egress", "istio-egressgateway", "egressgateway")
	if s.Gateways.Ingress.Namespace == s.Gateways.Egress.Namespace && s.Gateways.Ingress.Service == s.Gateways.Egress.Service {
		v.fail("spec.gateways.egress", "the egress gateway must be another Service than the ingress gateway")
	}
	if len(s.Services) == 0 {
		v.fail("spec.services", "at least one service is required")
	}
	names := map[string]string{} // name -> path of its first definition
	v.services(names)
	v.externals(names)
	v.clients(names)
	v.calls()
	v.ingress()
	v.scope()
	v.usage()
}

func dnsLabel(s string) string {
	if s == "" {
		return "required"
	}
	return fmt.Sprintf("%q is not a DNS label (lower-case letters, digits and '-', at most 63)", s)
}

func (v *validator) name(path, name string, names map[string]string) {
	if !labelRE.MatchString(name) || len(name) > 63 {
		v.fail(path, "%s", dnsLabel(name))
		return
	}
	if first, dup := names[name]; dup {
		v.fail(path, "%q is already defined at line %d (services, externals and clients share one set of names)", name, v.in.Line(first))
		return
	}
	names[name] = path
}

func (v *validator) namespace(path, ns string) {
	if !labelRE.MatchString(ns) || len(ns) > 63 {
		v.fail(path, "%s", dnsLabel(ns))
	}
}

func (v *validator) port(path string, p int) {
	if p < 1 || p > 65535 {
		v.fail(path, "%d is not a port number (1-65535)", p)
	}
}

func (v *validator) labels(path string, m map[string]string) {
	for _, k := range slices.Sorted(maps.Keys(m)) {
		if len(k) > 317 || !labelKeyRE.MatchString(k) {
			v.fail(path+"."+k, "%q is not a label key", k)
		}
		if val := m[k]; len(val) > 63 || !labelValRE.MatchString(val) {
			v.fail(path+"."+k, "%q is not a label value", val)
		}
	}
}

func (v *validator) gateway(path string, g *Gateway, ns, name, istioLabel string) {
	g.Namespace = cmp.Or(g.Namespace, ns)
	g.Service = cmp.Or(g.Service, name)
	g.ServiceAccount = cmp.Or(g.ServiceAccount, name)
	if len(g.Selector) == 0 {
		g.Selector = map[string]string{"istio": istioLabel}
	}
	g.HTTPTargetPort = cmp.Or(g.HTTPTargetPort, 8080)
	g.HTTPSTargetPort = cmp.Or(g.HTTPSTargetPort, 8443)
	v.namespace(path+".namespace", g.Namespace)
	if !labelRE.MatchString(g.Service) {
		v.fail(path+".service", "%s", dnsLabel(g.Service))
	}
	if !subdomainRE.MatchString(g.ServiceAccount) {
		v.fail(path+".serviceAccount", "%q is not a service account name", g.ServiceAccount)
	}
	if g.Namespace == v.in.Spec.RootNamespace {
		v.fail(path+".namespace", "a gateway in the root namespace %s: run gateways in their own namespace, so that its policies stay apart from the mesh-wide ones", g.Namespace)
	}
	v.labels(path+".selector", g.Selector)
	v.port(path+".httpTargetPort", g.HTTPTargetPort)
	v.port(path+".httpsTargetPort", g.HTTPSTargetPort)
}

// reserved reports why a namespace cannot hold services or externals.
func (v *validator) reserved(ns string) string {
	s := &v.in.Spec
	switch ns {
	case s.RootNamespace:
		return "it is Istio's root namespace (its policies apply to the whole mesh)"
	case s.Gateways.Ingress.Namespace:
		return "it is the ingress gateway's namespace"
	case s.Gateways.Egress.Namespace:
		return "it is the egress gateway's namespace"
	case "kube-system", "kube-public", "kube-node-lease":
		return "it is a Kubernetes system namespace"
	}
	return ""
}

func (v *validator) services(names map[string]string) {
	accounts := map[string]string{}
	for i := range v.in.Spec.Services {
		s := &v.in.Spec.Services[i]
		at := fmt.Sprintf("spec.services[%d]", i)
		v.name(at+".name", s.Name, names)
		v.namespace(at+".namespace", s.Namespace)
		if why := v.reserved(s.Namespace); why != "" && s.Namespace != "" {
			v.fail(at+".namespace", "services cannot run in %s: %s", s.Namespace, why)
		}
		explicit := s.ServiceAccount != ""
		s.ServiceAccount = cmp.Or(s.ServiceAccount, s.Name)
		if !explicit {
			// The name is checked above.
		} else if !subdomainRE.MatchString(s.ServiceAccount) || len(s.ServiceAccount) > 253 {
			v.fail(at+".serviceAccount", "%q is not a service account name", s.ServiceAccount)
		} else if s.ServiceAccount == "default" {
			v.fail(at+".serviceAccount", "the namespace's default service account is shared by every pod that names none: give %s its own", s.Name)
		}
		id := s.Namespace + "/" + s.ServiceAccount
		if first, dup := accounts[id]; dup {
			v.fail(at+".serviceAccount", "service account %s is already the identity of the service at line %d: each service needs its own", id, v.in.Line(first))
		} else {
			accounts[id] = at
		}
		if len(s.Labels) == 0 {
			s.Labels = map[string]string{"app": s.Name}
		}
		v.labels(at+".labels", s.Labels)
		if len(s.Ports) == 0 {
			v.fail(at+".ports", "at least one port is required")
		}
		seenNum, seenName, seenTarget := map[int]string{}, map[string]string{}, map[int]string{}
		for j := range s.Ports {
			p := &s.Ports[j]
			pat := fmt.Sprintf("%s.ports[%d]", at, j)
			if !labelRE.MatchString(p.Name) || len(p.Name) > 15 {
				v.fail(pat+".name", "%q is not a port name (a DNS label of at most 15 characters)", p.Name)
			}
			v.port(pat+".port", p.Port)
			p.TargetPort = cmp.Or(p.TargetPort, p.Port)
			v.port(pat+".targetPort", p.TargetPort)
			if !slices.Contains(protocols, p.Protocol) {
				v.fail(pat+".protocol", "%q is not one of %s", p.Protocol, strings.Join(protocols, ", "))
			}
			if first, dup := seenNum[p.Port]; dup {
				v.fail(pat+".port", "port %d is already defined at line %d", p.Port, v.in.Line(first))
			}
			if first, dup := seenName[p.Name]; dup && p.Name != "" {
				v.fail(pat+".name", "port name %q is already defined at line %d", p.Name, v.in.Line(first))
			}
			if first, dup := seenTarget[p.TargetPort]; dup {
				v.fail(pat+".targetPort", "container port %d is already the target of the port at line %d", p.TargetPort, v.in.Line(first))
			}
			seenNum[p.Port], seenName[p.Name], seenTarget[p.TargetPort] = pat+".port", pat+".name", pat+".targetPort"
		}
	}
}

func (v *validator) host(path, h string, wildcard bool) {
	name := h
	if wildcard {
		name = strings.TrimPrefix(h, "*.")
	}
	if h == "" {
		v.fail(path, "required")
	} else if len(h) > 253 || !subdomainRE.MatchString(name) || !strings.Contains(name, ".") {
		v.fail(path, "%q is not a fully qualified DNS name", h)
	}
}

// spiffeID checks an identity as the proxy and the CA read it (go-spiffe):
// a workload ID of the intent's trust domain.
func (v *validator) spiffeID(path, id string) {
	sid, err := spiffeid.FromString(id)
	if err != nil || sid.Path() == "" {
		v.fail(path, "%q is not a SPIFFE ID (spiffe://<trust domain>/<path>)", id)
		return
	}
	if sid.TrustDomain().Name() != v.in.Spec.TrustDomain {
		v.fail(path, "%q is outside the trust domain %s", id, v.in.Spec.TrustDomain)
	}
}

func (v *validator) hostPort(path, hp string) {
	host, port, err := net.SplitHostPort(hp)
	if err != nil {
		v.fail(path, "%q is not host:port", hp)
		return
	}
	n, err := strconv.Atoi(port)
	if err != nil || n < 1 || n > 65535 {
		v.fail(path, "%q: %q is not a port number", hp, port)
	}
	if host == "" {
		v.fail(path, "%q: the host is empty (write 0.0.0.0 or [::] for every address)", hp)
	}
}

func (v *validator) tlsFiles(path string, t **TLSFiles) {
	if *t == nil {
		*t = &TLSFiles{}
	}
	f := *t
	f.CertFile = cmp.Or(f.CertFile, DefaultCertFile)
	f.KeyFile = cmp.Or(f.KeyFile, DefaultKeyFile)
	f.BundleFile = cmp.Or(f.BundleFile, DefaultBundleFile)
}

func (v *validator) externals(names map[string]string) {
	hosts := map[string]string{}
	for i := range v.in.Spec.Externals {
		e := &v.in.Spec.Externals[i]
		at := fmt.Sprintf("spec.externals[%d]", i)
		v.name(at+".name", e.Name, names)
		if e.Namespace != "" {
			v.namespace(at+".namespace", e.Namespace)
			if why := v.reserved(e.Namespace); why != "" {
				v.fail(at+".namespace", "externals cannot be declared in %s: %s", e.Namespace, why)
			}
		}
		v.host(at+".host", e.Host, false)
		if strings.HasSuffix(e.Host, ".svc."+v.in.Spec.ClusterDomain) {
			v.fail(at+".host", "%q is a Kubernetes Service name: declare it as a service", e.Host)
		}
		if e.Address != "" && net.ParseIP(e.Address) == nil {
			v.fail(at+".address", "%q is not an IP address", e.Address)
		}
		v.port(at+".port", e.Port)
		key := fmt.Sprintf("%s:%d", e.Host, e.Port)
		if first, dup := hosts[key]; dup {
			v.fail(at+".host", "%s is already declared at line %d", key, v.in.Line(first))
		} else {
			hosts[key] = at + ".host"
		}
		if !slices.Contains(extProtos, e.Protocol) {
			v.fail(at+".protocol", "%q is not one of %s", e.Protocol, strings.Join(extProtos, ", "))
		}
		switch {
		case e.Proxy != nil && e.TLS != nil:
			v.fail(at+".tls", "tls is for resources without a meshproof proxy; the proxy speaks mutual TLS itself")
		case e.Proxy != nil:
			v.proxy(at+".proxy", e)
		case e.Protocol == TLS && e.TLS != nil:
			v.fail(at+".tls", "with protocol tls the application speaks TLS itself: nothing to originate")
		case e.Protocol != TLS && e.TLS == nil:
			v.fail(at, "protocol %s leaves the mesh in cleartext: set tls (caCertificates or credentialName) for the egress gateway to originate TLS, or put a meshproof proxy in front (proxy)", e.Protocol)
		case e.TLS != nil:
			t := e.TLS
			if (t.CACertificates == "") == (t.CredentialName == "") {
				v.fail(at+".tls", "set exactly one of caCertificates (verify the server with this CA file) and credentialName (a Secret with the client certificate and ca.crt)")
			}
			if t.CACertificates != "" && !strings.HasPrefix(t.CACertificates, "/") {
				v.fail(at+".tls.caCertificates", "%q is not an absolute path (a file on the egress gateway)", t.CACertificates)
			}
			if t.CredentialName != "" && !subdomainRE.MatchString(t.CredentialName) {
				v.fail(at+".tls.credentialName", "%q is not a Secret name", t.CredentialName)
			}
			t.SNI = cmp.Or(t.SNI, e.Host)
			v.host(at+".tls.sni", t.SNI, false)
			if len(t.SubjectAltNames) == 0 {
				t.SubjectAltNames = []string{e.Host}
			}
			for j, san := range t.SubjectAltNames {
				if san == "" || strings.ContainsAny(san, " \t\n") {
					v.fail(fmt.Sprintf("%s.tls.subjectAltNames[%d]", at, j), "%q is not a subject alternative name", san)
				}
			}
			if e.Protocol == TCP {
				t.Port = cmp.Or(t.Port, e.Port)
			}
			t.Port = cmp.Or(t.Port, DefaultTLSPort)
			v.port(at+".tls.port", t.Port)
		}
	}
}

func (v *validator) proxy(at string, e *External) {
	p := e.Proxy
	if e.Protocol == TLS {
		v.fail(e.protocolPath(at), "a meshproof proxy forwards the application's bytes over its own mutual TLS: use tcp (or http), not tls")
	}
	p.Identity = cmp.Or(p.Identity, fmt.Sprintf("spiffe://%s/vm/%s", v.in.Spec.TrustDomain, e.Name))
	v.spiffeID(at+".identity", p.Identity)
	if p.Port == 0 {
		if e.Port+DefaultProxyPortOffset > 65535 {
			v.fail(at+".port", "required: the resource's port + %d is not a port number", DefaultProxyPortOffset)
		}
		p.Port = e.Port + DefaultProxyPortOffset
	}
	v.port(at+".port", p.Port)
	p.Listen = cmp.Or(p.Listen, "0.0.0.0")
	if net.ParseIP(strings.Trim(p.Listen, "[]")) == nil {
		v.fail(at+".listen", "%q is not an IP address to listen on", p.Listen)
	}
	p.Forward = cmp.Or(p.Forward, net.JoinHostPort("127.0.0.1", strconv.Itoa(e.Port)))
	v.hostPort(at+".forward", p.Forward)
	if p.CredentialName != "" && !subdomainRE.MatchString(p.CredentialName) {
		v.fail(at+".credentialName", "%q is not a Secret name", p.CredentialName)
	}
	v.tlsFiles(at+".tls", &p.TLS)
	p.Admin = cmp.Or(p.Admin, DefaultAdminListen)
	v.hostPort(at+".admin", p.Admin)
}

func (e *External) protocolPath(at string) string {
	return strings.TrimSuffix(at, ".proxy") + ".protocol"
}

func (v *validator) clients(names map[string]string) {
	ids := map[string]string{}
	for i := range v.in.Spec.Externals {
		if p := v.in.Spec.Externals[i].Proxy; p != nil {
			at := fmt.Sprintf("spec.externals[%d].proxy.identity", i)
			if first, dup := ids[p.Identity]; dup {
				v.fail(at, "identity %s is already the proxy's at line %d", p.Identity, v.in.Line(first))
			}
			ids[p.Identity] = at
		}
	}
	for i := range v.in.Spec.Clients {
		c := &v.in.Spec.Clients[i]
		at := fmt.Sprintf("spec.clients[%d]", i)
		v.name(at+".name", c.Name, names)
		c.Identity = cmp.Or(c.Identity, fmt.Sprintf("spiffe://%s/vm/%s", v.in.Spec.TrustDomain, c.Name))
		v.spiffeID(at+".identity", c.Identity)
		if first, dup := ids[c.Identity]; dup {
			v.fail(at+".identity", "identity %s is already used at line %d", c.Identity, v.in.Line(first))
		}
		ids[c.Identity] = at + ".identity"
		v.tlsFiles(at+".tls", &c.TLS)
		c.Admin = cmp.Or(c.Admin, DefaultAdminListen)
		v.hostPort(at+".admin", c.Admin)
	}
	for i := range v.in.Spec.Externals {
		if p := v.in.Spec.Externals[i].Proxy; p != nil && strings.HasPrefix(p.Identity, "spiffe://"+v.in.Spec.TrustDomain+"/ns/") {
			v.fail(fmt.Sprintf("spec.externals[%d].proxy.identity", i), "%s has the form of a mesh workload identity (/ns/<namespace>/sa/<account>): give the proxy a path of its own, such as /vm/<name>", p.Identity)
		}
	}
}

func (v *validator) methodsPaths(at string, ms, ps []string) {
	for j, m := range ms {
		if !slices.Contains(methods, m) {
			v.fail(fmt.Sprintf("%s.methods[%d]", at, j), "%q is not an HTTP method (%s)", m, strings.Join(methods, ", "))
		}
	}
	for j, p := range ps {
		if !strings.HasPrefix(p, "/") || strings.Contains(strings.TrimSuffix(p, "/*"), "*") || strings.ContainsAny(p, "?# \t") {
			v.fail(fmt.Sprintf("%s.paths[%d]", at, j), "%q is not a path: it starts with / and may only end in /* (a prefix)", p)
		}
	}
	if dup := firstDuplicate(ms); dup != "" {
		v.fail(at+".methods", "%s is listed twice", dup)
	}
	if dup := firstDuplicate(ps); dup != "" {
		v.fail(at+".paths", "%s is listed twice", dup)
	}
}

func firstDuplicate(xs []string) string {
	seen := map[string]bool{}
	for _, x := range xs {
		if seen[x] {
			return x
		}
		seen[x] = true
	}
	return ""
}

func (v *validator) calls() {
	in := v.in
	seen := map[string]string{}
	listens := map[string]string{}
	for i := range in.Spec.Calls {
		c := &in.Spec.Calls[i]
		at := fmt.Sprintf("spec.calls[%d]", i)
		fromSvc, fromClient := in.Service(c.From), in.Client(c.From)
		toSvc, toExt := in.Service(c.To), in.External(c.To)
		switch {
		case c.From == "":
			v.fail(at+".from", "required: the calling service or client")
		case fromSvc == nil && fromClient == nil:
			v.fail(at+".from", "%q is not a service or client of this intent%s", c.From, v.didYouMean(c.From, true))
		}
		switch {
		case c.To == "":
			v.fail(at+".to", "required: the service or external called")
		case toSvc == nil && toExt == nil:
			v.fail(at+".to", "%q is not a service or external of this intent%s", c.To, v.didYouMean(c.To, false))
		}
		v.methodsPaths(at, c.Methods, c.Paths)
		if dup := firstDuplicateInt(c.Ports); dup != 0 {
			v.fail(at+".ports", "%d is listed twice", dup)
		}
		if fromClient != nil && toSvc != nil {
			v.fail(at+".to", "%s is a client outside the mesh: it can only call externals with a meshproof proxy, not the mesh service %s", c.From, c.To)
		}
		if fromClient != nil && toExt != nil && toExt.Proxy == nil {
			v.fail(at+".to", "%s is a client outside the mesh: its outbound proxy only reaches externals with a meshproof proxy, and %s has none", c.From, c.To)
		}
		if c.Listen != "" && fromClient == nil {
			v.fail(at+".listen", "listen is the local address of a client's outbound proxy; %s is not a client", c.From)
		}
		var portsHTTP []bool
		switch {
		case toSvc != nil:
			if len(c.Ports) == 0 {
				for _, p := range toSvc.Ports {
					c.Ports = append(c.Ports, p.Port)
				}
			}
			for j, n := range c.Ports {
				p := toSvc.PortByNumber(n)
				if p == nil {
					v.fail(fmt.Sprintf("%s.ports[%d]", at, j), "%s has no port %d", toSvc.Name, n)
					continue
				}
				portsHTTP = append(portsHTTP, IsHTTP(p.Protocol))
			}
		case toExt != nil:
			if len(c.Ports) == 0 {
				c.Ports = []int{toExt.Port}
			}
			for j, n := range c.Ports {
				if n != toExt.Port {
					v.fail(fmt.Sprintf("%s.ports[%d]", at, j), "%s has only port %d", toExt.Name, toExt.Port)
				}
			}
			portsHTTP = append(portsHTTP, toExt.Protocol == HTTP)
		}
		if len(c.Methods)+len(c.Paths) > 0 && slices.Contains(portsHTTP, false) {
			v.fail(at, "methods and paths can only be matched on HTTP ports (http, http2, grpc); the call reaches a %s port: split the call by port", "non-HTTP")
		}
		if fromClient != nil && toExt != nil && toExt.Proxy != nil {
			c.Listen = cmp.Or(c.Listen, net.JoinHostPort("127.0.0.1", strconv.Itoa(toExt.Port)))
			v.hostPort(at+".listen", c.Listen)
			key := c.From + " " + c.Listen
			if first, dup := listens[key]; dup {
				v.fail(at+".listen", "client %s already listens on %s for the call at line %d: set listen to another local address", c.From, c.Listen, v.in.Line(first))
			} else {
				listens[key] = at
			}
		}
		key := fmt.Sprint(c.From, c.To, c.Ports, c.Methods, c.Paths)
		if first, dup := seen[key]; dup {
			v.fail(at, "the same call as at line %d", v.in.Line(first))
		} else {
			seen[key] = at
		}
	}
}

func firstDuplicateInt(xs []int) int {
	seen := map[int]bool{}
	for _, x := range xs {
		if seen[x] {
			return x
		}
		seen[x] = true
	}
	return 0
}

// didYouMean proposes a defined name close to a dangling reference.
func (v *validator) didYouMean(name string, from bool) string {
	var names []string
	for _, s := range v.in.Spec.Services {
		names = append(names, s.Name)
	}
	if from {
		for _, c := range v.in.Spec.Clients {
			names = append(names, c.Name)
		}
	} else {
		for _, e := range v.in.Spec.Externals {
			names = append(names, e.Name)
		}
	}
	return suggest(name, names)
}

func (v *validator) ingress() {
	in := v.in
	names := map[string]string{}
	hosts := map[string]string{}
	for i := range in.Spec.Ingress {
		g := &in.Spec.Ingress[i]
		at := fmt.Sprintf("spec.ingress[%d]", i)
		if !labelRE.MatchString(g.Name) {
			v.fail(at+".name", "%s", dnsLabel(g.Name))
		} else if first, dup := names[g.Name]; dup {
			v.fail(at+".name", "%q is already defined at line %d", g.Name, in.Line(first))
		} else {
			names[g.Name] = at + ".name"
		}
		if len(g.Hosts) == 0 {
			v.fail(at+".hosts", "at least one host is required")
		}
		for j, h := range g.Hosts {
			hp := fmt.Sprintf("%s.hosts[%d]", at, j)
			v.host(hp, h, true)
			if first, dup := hosts[h]; dup {
				v.fail(hp, "host %s is already published at line %d", h, in.Line(first))
			} else {
				hosts[h] = hp
			}
		}
		if g.CredentialName == "" {
			v.fail(at+".credentialName", "required: the Secret with the host's certificate, in namespace %s", in.Spec.Gateways.Ingress.Namespace)
		} else if !subdomainRE.MatchString(g.CredentialName) {
			v.fail(at+".credentialName", "%q is not a Secret name", g.CredentialName)
		}
		g.MinTLSVersion = cmp.Or(g.MinTLSVersion, DefaultMinTLSVersion)
		if g.MinTLSVersion != "1.2" && g.MinTLSVersion != "1.3" {
			v.fail(at+".minTLSVersion", "%q: 1.2 or 1.3 (PCI DSS does not accept older versions)", g.MinTLSVersion)
		}
		v.methodsPaths(at, g.Methods, g.Paths)
		s := in.Service(g.To)
		if s == nil {
			if g.To == "" {
				v.fail(at+".to", "required: the service published")
			} else {
				v.fail(at+".to", "%q is not a service of this intent%s", g.To, v.didYouMean(g.To, true))
			}
			continue
		}
		if g.Port == 0 {
			var httpPorts []int
			for _, p := range s.Ports {
				if IsHTTP(p.Protocol) {
					httpPorts = append(httpPorts, p.Port)
				}
			}
			if len(httpPorts) != 1 {
				v.fail(at+".port", "required: %s has %d HTTP ports", s.Name, len(httpPorts))
				continue
			}
			g.Port = httpPorts[0]
		}
		if p := s.PortByNumber(g.Port); p == nil {
			v.fail(at+".port", "%s has no port %d", s.Name, g.Port)
		} else if !IsHTTP(p.Protocol) {
			v.fail(at+".port", "port %d of %s is %s: the ingress gateway publishes HTTP ports", g.Port, s.Name, p.Protocol)
		}
	}
}

// scope checks that each namespace is all in the CDE or all out of it, and
// places externals without a namespace with their callers.
func (v *validator) scope() {
	in := v.in
	for i := range in.Spec.Externals {
		e := &in.Spec.Externals[i]
		if e.Namespace != "" {
			continue
		}
		nss := map[string]bool{}
		for _, c := range in.Spec.Calls {
			if c.To == e.Name {
				if s := in.Service(c.From); s != nil {
					nss[s.Namespace] = true
				}
			}
		}
		switch len(nss) {
		case 1:
			for ns := range nss {
				e.Namespace = ns
			}
		case 0:
			if e.Proxy == nil {
				break // reported by usage
			}
			// Only clients call it: no Istio objects, no namespace needed.
		default:
			v.fail(fmt.Sprintf("spec.externals[%d]", i), "its callers run in several namespaces (%s): set namespace, where its ServiceEntry goes", strings.Join(slices.Sorted(maps.Keys(nss)), ", "))
		}
	}
	type member struct {
		path string
		cde  bool
	}
	first := map[string]member{}
	check := func(ns, path string, cde bool) {
		if ns == "" {
			return
		}
		if f, ok := first[ns]; !ok {
			first[ns] = member{path, cde}
		} else if f.cde != cde {
			cdePath, otherPath := path, f.path
			if f.cde {
				cdePath, otherPath = f.path, path
			}
			v.fail(path, "namespace %s mixes CDE members (line %d) and others (line %d): PCI scope is per namespace, so set cde alike or move one to another namespace", ns, v.in.Line(cdePath), v.in.Line(otherPath))
		}
	}
	for i, s := range in.Spec.Services {
		check(s.Namespace, fmt.Sprintf("spec.services[%d].cde", i), s.CDE)
	}
	for i, e := range in.Spec.Externals {
		check(e.Namespace, fmt.Sprintf("spec.externals[%d].cde", i), e.CDE)
	}
}

// usage reports declarations nothing uses that would open something to
// nobody in particular.
func (v *validator) usage() {
	in := v.in
	for i, e := range in.Spec.Externals {
		called := false
		for _, c := range in.Spec.Calls {
			called = called || c.To == e.Name
		}
		if !called && e.Name != "" {
			v.fail(fmt.Sprintf("spec.externals[%d]", i), "no call reaches %s: add the calls that need it, or remove it", e.Name)
		}
	}
	for i, c := range in.Spec.Clients {
		calls := false
		for _, call := range in.Spec.Calls {
			calls = calls || call.From == c.Name
		}
		if !calls && c.Name != "" {
			v.fail(fmt.Sprintf("spec.clients[%d]", i), "client %s makes no call: add its calls, or remove it", c.Name)
		}
	}
}
