package mesh

import (
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/meshproof/meshproof/scanner"
)

// The mesh's edges and settings: mesh config, Sidecars, ServiceEntries,
// Gateways, Telemetry, RequestAuthentication, VirtualServices and Secrets.

// MeshConfig is Istio's mesh configuration as found in the input: the
// ConfigMap "istio" (data.mesh) in the root namespace, or an IstioOperator's
// spec.meshConfig. Nil when the input holds neither: rules that need it
// report "not assessed".
type MeshConfig struct {
	Ref Ref `json:"ref"`
	// Path is where the mesh config sits in its object.
	Path []string `json:"path"`
	// Error says why the mesh config could not be read (bad YAML in
	// data.mesh); the other fields are then empty.
	Error string `json:"error,omitempty"`
	// OutboundMode is outboundTrafficPolicy.mode, "ALLOW_ANY" when unset
	// (Istio's default); OutboundSet says whether it was set.
	OutboundMode string `json:"outbound_mode"`
	OutboundSet  bool   `json:"outbound_set"`
	// ExtensionProviders lists the names of meshConfig.extensionProviders.
	ExtensionProviders []string `json:"extension_providers"`
	// AccessLogFile is meshConfig.accessLogFile ("" when unset: no log).
	AccessLogFile string `json:"access_log_file"`
	// DefaultAccessLogProviders lists defaultProviders.accessLogging.
	DefaultAccessLogProviders []string `json:"default_access_log_providers"`
	// MinTLSVersion is meshConfig.tlsDefaults.minProtocolVersion.
	MinTLSVersion string `json:"min_tls_version,omitempty"`
	// DefaultServiceExportTo is meshConfig.defaultServiceExportTo (Istio's
	// default, when unset, is ["*"]).
	DefaultServiceExportTo []string `json:"default_service_export_to"`
}

// Sidecar is an Istio Sidecar resource.
type Sidecar struct {
	Ref          Ref               `json:"ref"`
	Namespace    string            `json:"namespace"`
	Selector     map[string]string `json:"selector"`
	EgressHosts  []string          `json:"egress_hosts"`
	OutboundMode string            `json:"outbound_mode"` // outboundTrafficPolicy.mode, "" when unset
	Workloads    []int             `json:"workloads"`
}

// ServiceEntry is an Istio ServiceEntry with the DestinationRules that name
// its hosts.
type ServiceEntry struct {
	Ref        Ref       `json:"ref"`
	Namespace  string    `json:"namespace"`
	Hosts      []string  `json:"hosts"`
	Addresses  []string  `json:"addresses"`
	Location   string    `json:"location"`   // MESH_EXTERNAL (the default) or MESH_INTERNAL
	Resolution string    `json:"resolution"` // NONE (the default), STATIC, DNS, DNS_ROUND_ROBIN
	Ports      []SEPort  `json:"ports"`
	ExportTo   []string  `json:"export_to"`
	Rules      []int     `json:"destination_rules"` // indices into Model.DestinationRules
	Egress     []int     `json:"egress_policies"`   // AuthorizationPolicies that restrict callers of it
	Routes     []int     `json:"virtual_services"`  // VirtualServices for its hosts
	TLSByPort  []PortTLS `json:"tls_by_port"`
}

// SEPort is a port of a ServiceEntry.
type SEPort struct {
	Number   int    `json:"number"`
	Protocol string `json:"protocol"`
	Name     string `json:"name"`
}

// PortTLS is the client TLS mode DestinationRules set for one port of a
// ServiceEntry ("" when none does).
type PortTLS struct {
	Port int    `json:"port"`
	Mode string `json:"mode"`
	Rule *Ref   `json:"rule,omitempty"`
}

// Gateway is an Istio Gateway with the gateway workloads it selects.
type Gateway struct {
	Ref       Ref               `json:"ref"`
	Namespace string            `json:"namespace"`
	Selector  map[string]string `json:"selector"`
	Spec      map[string]any    `json:"spec"`
	Workloads []int             `json:"workloads"`
	// Credentials lists each credentialName with what the input says of its Secret.
	Credentials []Credential `json:"credentials"`
}

// Credential is a TLS Secret a Gateway server names.
type Credential struct {
	Name      string   `json:"name"`
	Path      []string `json:"path"`
	Namespace string   `json:"namespace"` // where it was looked for
	Found     bool     `json:"found"`
	Secret    *Ref     `json:"secret,omitempty"`
	// Problem says what is wrong with the Secret found (expired, not a
	// certificate), "" when it is fine.
	Problem string `json:"problem,omitempty"`
}

// Telemetry is an Istio Telemetry resource.
type Telemetry struct {
	Ref       Ref               `json:"ref"`
	Namespace string            `json:"namespace"`
	Selector  map[string]string `json:"selector"`
	// AccessLogging is true when it turns access logs on (an accessLogging
	// entry not disabled), false when it only disables them, null when it
	// says nothing about them.
	AccessLogging *bool    `json:"access_logging"`
	DisabledPath  []string `json:"disabled_path,omitempty"`
}

// RequestAuthentication is an Istio RequestAuthentication with the
// workloads it selects.
type RequestAuthentication struct {
	Ref        Ref               `json:"ref"`
	Namespace  string            `json:"namespace"`
	Selector   map[string]string `json:"selector"`
	TargetRefs bool              `json:"target_refs"`
	Workloads  []int             `json:"workloads"`
}

// VirtualService is an Istio VirtualService.
type VirtualService struct {
	Ref       Ref            `json:"ref"`
	Namespace string         `json:"namespace"`
	Hosts     []string       `json:"hosts"`
	Gateways  []string       `json:"gateways"`
	Spec      map[string]any `json:"spec"`
}

// secret is what the model keeps of a Secret: never its data.
type secret struct {
	ref     Ref
	problem string
}

func (b *builder) addEdge(id int, o *scanner.Object) bool {
	group := Group(o.APIVersion)
	ns := b.namespaceOf(o)
	spec, _ := o.Body["spec"].(map[string]any)
	switch {
	case group == "" && o.Kind == "ConfigMap" && ns == b.m.RootNamespace && (o.Name == "istio" || strings.HasPrefix(o.Name, "istio-")) && get(o.Body, "data", "mesh") != nil:
		mc := &MeshConfig{Ref: ref(id, o, ns), Path: []string{"data", "mesh"}}
		text, _ := get(o.Body, "data", "mesh").(string)
		v, err := scanner.DecodeValue(o.File, []byte(text))
		if err != nil {
			mc.Error = fmt.Sprintf("data.mesh is not valid YAML: %v", err)
		}
		m, _ := v.(map[string]any)
		b.setMeshConfig(mc, m)
	case group == "install.istio.io" && o.Kind == "IstioOperator":
		mc := &MeshConfig{Ref: ref(id, o, ns), Path: []string{"spec", "meshConfig"}}
		m, _ := get(spec, "meshConfig").(map[string]any)
		b.setMeshConfig(mc, m)
	case group == "networking.istio.io" && o.Kind == "Sidecar":
		b.ns(ns)
		sc := &Sidecar{Ref: ref(id, o, ns), Namespace: ns, Selector: stringMap(get(spec, "workloadSelector", "labels"))}
		for _, e := range list(spec["egress"]) {
			sc.EgressHosts = append(sc.EgressHosts, strings_(get(e, "hosts"))...)
		}
		sc.OutboundMode, _ = get(spec, "outboundTrafficPolicy", "mode").(string)
		b.m.Sidecars = append(b.m.Sidecars, sc)
	case group == "networking.istio.io" && o.Kind == "ServiceEntry":
		b.ns(ns)
		se := &ServiceEntry{Ref: ref(id, o, ns), Namespace: ns, Hosts: strings_(spec["hosts"]), Addresses: strings_(spec["addresses"]), ExportTo: strings_(spec["exportTo"])}
		se.Location, _ = spec["location"].(string)
		if se.Location == "" {
			se.Location = "MESH_EXTERNAL"
		}
		se.Resolution, _ = spec["resolution"].(string)
		if se.Resolution == "" {
			se.Resolution = "NONE"
		}
		for _, p := range list(spec["ports"]) {
			n, _ := intValue(get(p, "number"))
			proto, _ := get(p, "protocol").(string)
			name, _ := get(p, "name").(string)
			se.Ports = append(se.Ports, SEPort{Number: n, Protocol: strings.ToUpper(proto), Name: name})
		}
		b.m.ServiceEntries = append(b.m.ServiceEntries, se)
	case group == "networking.istio.io" && o.Kind == "Gateway":
		b.ns(ns)
		g := &Gateway{Ref: ref(id, o, ns), Namespace: ns, Selector: stringMap(spec["selector"]), Spec: spec}
		b.m.Gateways = append(b.m.Gateways, g)
	case group == "networking.istio.io" && o.Kind == "VirtualService":
		b.ns(ns)
		b.m.VirtualServices = append(b.m.VirtualServices, &VirtualService{
			Ref: ref(id, o, ns), Namespace: ns, Hosts: strings_(spec["hosts"]), Gateways: strings_(spec["gateways"]), Spec: spec,
		})
	case group == "telemetry.istio.io" && o.Kind == "Telemetry":
		b.ns(ns)
		t := &Telemetry{Ref: ref(id, o, ns), Namespace: ns, Selector: stringMap(get(spec, "selector", "matchLabels"))}
		for i, al := range list(spec["accessLogging"]) {
			on := true
			if d, _ := get(al, "disabled").(bool); d {
				on = false
				if t.DisabledPath == nil {
					t.DisabledPath = []string{"spec", "accessLogging", strconv.Itoa(i), "disabled"}
				}
			}
			if t.AccessLogging == nil || on {
				v := on
				t.AccessLogging = &v
			}
		}
		b.m.Telemetries = append(b.m.Telemetries, t)
	case group == "security.istio.io" && o.Kind == "RequestAuthentication":
		b.ns(ns)
		b.m.RequestAuthentications = append(b.m.RequestAuthentications, &RequestAuthentication{
			Ref: ref(id, o, ns), Namespace: ns, Selector: stringMap(get(spec, "selector", "matchLabels")),
			TargetRefs: spec["targetRef"] != nil || len(list(spec["targetRefs"])) > 0,
		})
	case group == "" && o.Kind == "Secret":
		b.secrets[ns+"/"+o.Name] = secret{ref: ref(id, o, ns), problem: b.certProblem(o)}
	default:
		return false
	}
	return true
}

func (b *builder) setMeshConfig(mc *MeshConfig, m map[string]any) {
	mc.OutboundMode, mc.OutboundSet = "ALLOW_ANY", false
	if mode, ok := get(m, "outboundTrafficPolicy", "mode").(string); ok && mode != "" {
		mc.OutboundMode, mc.OutboundSet = mode, true
	}
	for _, p := range list(m["extensionProviders"]) {
		if n, ok := get(p, "name").(string); ok {
			mc.ExtensionProviders = append(mc.ExtensionProviders, n)
		}
	}
	mc.AccessLogFile, _ = m["accessLogFile"].(string)
	mc.DefaultAccessLogProviders = strings_(get(m, "defaultProviders", "accessLogging"))
	mc.MinTLSVersion, _ = get(m, "tlsDefaults", "minProtocolVersion").(string)
	mc.DefaultServiceExportTo = strings_(m["defaultServiceExportTo"])
	if len(mc.DefaultServiceExportTo) == 0 {
		mc.DefaultServiceExportTo = []string{"*"}
	}
	// Several sources (a ConfigMap per revision, an IstioOperator): keep the
	// first one, the ConfigMap "istio" preferred.
	if b.m.MeshConfig == nil || b.m.MeshConfig.Ref.Kind != "ConfigMap" && mc.Ref.Kind == "ConfigMap" || mc.Ref.Name == "istio" && b.m.MeshConfig.Ref.Name != "istio" {
		b.m.MeshConfig = mc
	}
}

// certProblem checks a Secret as a TLS credential: "" when its certificate
// (tls.crt, or cert as Istio also accepts) parses and is valid at the
// model's time, else what is wrong. Only Gateway credentials use it.
func (b *builder) certProblem(o *scanner.Object) string {
	var pemText []byte
	found := false
	for _, key := range []string{"tls.crt", "cert"} {
		if s, ok := get(o.Body, "stringData", key).(string); ok {
			pemText, found = []byte(s), true
		} else if s, ok := get(o.Body, "data", key).(string); ok {
			raw, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(s), ""))
			if err != nil {
				return "data." + key + " is not valid base64"
			}
			pemText, found = raw, true
		}
		if found {
			break
		}
	}
	if !found {
		return "the Secret has no tls.crt (or cert): it holds no certificate"
	}
	block, _ := pem.Decode(pemText)
	if block == nil || block.Type != "CERTIFICATE" {
		return "tls.crt holds no PEM certificate"
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return "tls.crt does not parse: " + err.Error()
	}
	now := b.opts.Now
	switch {
	case now.IsZero():
		return ""
	case now.After(cert.NotAfter):
		return "the certificate expired on " + cert.NotAfter.UTC().Format("2006-01-02")
	case now.Before(cert.NotBefore):
		return "the certificate is not valid before " + cert.NotBefore.UTC().Format("2006-01-02")
	}
	return ""
}

func (b *builder) finishEdge() {
	m := b.m
	for _, sc := range m.Sidecars {
		if len(sc.Selector) == 0 {
			continue
		}
		for _, wi := range b.byNS[sc.Namespace] {
			if subset(sc.Selector, m.Workloads[wi].Labels) {
				sc.Workloads = append(sc.Workloads, wi)
			}
		}
	}
	for _, g := range m.Gateways {
		for wi, w := range m.Workloads {
			if len(g.Selector) > 0 && subset(g.Selector, w.Labels) {
				g.Workloads = append(g.Workloads, wi)
				w.Gateway = true
			}
		}
		b.gatewayCredentials(g)
	}
	for _, w := range m.Workloads {
		if v := w.Labels["istio"]; v == "ingressgateway" || v == "egressgateway" {
			w.Gateway = true
		}
	}
	for _, ra := range m.RequestAuthentications {
		if ra.TargetRefs {
			continue
		}
		for _, wi := range b.inNamespace(ra.Namespace, ra.Namespace == m.RootNamespace) {
			if subset(ra.Selector, m.Workloads[wi].Labels) {
				ra.Workloads = append(ra.Workloads, wi)
			}
		}
	}
	for _, se := range m.ServiceEntries {
		for di, dr := range m.DestinationRules {
			for _, h := range se.Hosts {
				if hostCovers(dr.Host, h) {
					se.Rules = append(se.Rules, di)
					break
				}
			}
		}
		for _, p := range se.Ports {
			pt := PortTLS{Port: p.Number}
			for _, di := range se.Rules {
				dr := m.DestinationRules[di]
				for _, t := range dr.TLS {
					if t.Port != 0 && t.Port != p.Number || isSubset(t.Path) {
						continue
					}
					// A port-level setting wins over the top-level one.
					if pt.Mode == "" || t.Port == p.Number {
						r := dr.Ref
						pt.Mode, pt.Rule = t.Mode, &r
					}
				}
			}
			se.TLSByPort = append(se.TLSByPort, pt)
		}
		for ai, ap := range m.AuthorizationPolicies {
			if egressPolicyFor(m, ap, se) {
				se.Egress = append(se.Egress, ai)
			}
		}
		for vi, vs := range m.VirtualServices {
			for _, h := range vs.Hosts {
				if containsHost(se.Hosts, h) {
					se.Routes = append(se.Routes, vi)
					break
				}
			}
		}
	}
}

// onEgressGateway reports whether ap selects an egress gateway for se: the
// pods labelled istio=egressgateway (the default installation), or those of
// a Gateway resource whose servers serve one of se's hosts, by the Gateway's
// selector or by the gateway workloads in the input.
func (m *Model) onEgressGateway(ap *AuthorizationPolicy, se *ServiceEntry) bool {
	if ap.Selector["istio"] == "egressgateway" {
		return true
	}
	if len(ap.Selector) == 0 {
		return false
	}
	for _, g := range m.Gateways {
		if len(g.Selector) == 0 || !servesAny(g, se.Hosts) {
			continue
		}
		if subset(g.Selector, ap.Selector) || subset(ap.Selector, g.Selector) {
			return true
		}
		for _, wi := range g.Workloads {
			if slices.Contains(ap.Workloads, wi) {
				return true
			}
		}
	}
	return false
}

// servesAny reports whether a Gateway's servers list one of hosts (as
// host or namespace/host, or a wildcard covering it).
func servesAny(g *Gateway, hosts []string) bool {
	for _, srv := range list(get(g.Spec, "servers")) {
		for _, gh := range strings_(get(srv, "hosts")) {
			if _, h, ok := strings.Cut(gh, "/"); ok {
				gh = h
			}
			for _, h := range hosts {
				if hostCovers(gh, h) {
					return true
				}
			}
		}
	}
	return false
}

func isSubset(path []string) bool { return len(path) > 1 && path[1] == "subsets" }

// hostCovers reports whether a DestinationRule host names host (exactly, or
// as a wildcard suffix).
func hostCovers(drHost, host string) bool {
	if drHost == host || drHost == "*" {
		return true
	}
	return strings.HasPrefix(drHost, "*.") && strings.HasSuffix(host, drHost[1:])
}

func containsHost(hosts []string, h string) bool { return slices.Contains(hosts, h) }

// egressPolicyFor reports whether an ALLOW AuthorizationPolicy restricts who
// may call a ServiceEntry: one that targets it with targetRefs, or one on an
// egress gateway whose rules name its hosts, both with source identities.
func egressPolicyFor(m *Model, ap *AuthorizationPolicy, se *ServiceEntry) bool {
	if ap.Action != "ALLOW" || ap.DryRun {
		return false
	}
	targets := false
	for _, t := range append(list(ap.Spec["targetRefs"]), ap.Spec["targetRef"]) {
		if k, _ := get(t, "kind").(string); k == "ServiceEntry" {
			if n, _ := get(t, "name").(string); n == se.Ref.Name && ap.Namespace == se.Namespace {
				targets = true
			}
		}
	}
	// An egress gateway policy names the host in to.operation.hosts (HTTP)
	// or in a when condition on connection.sni (TLS and TCP).
	names := false
	for _, r := range list(ap.Spec["rules"]) {
		for _, t := range list(get(r, "to")) {
			for _, h := range strings_(get(t, "operation", "hosts")) {
				if containsHost(se.Hosts, h) {
					names = true
				}
			}
		}
		for _, w := range list(get(r, "when")) {
			if k, _ := get(w, "key").(string); k == "connection.sni" {
				for _, h := range strings_(get(w, "values")) {
					if containsHost(se.Hosts, h) {
						names = true
					}
				}
			}
		}
	}
	if !targets && !(names && m.onEgressGateway(ap, se)) {
		return false
	}
	for _, r := range list(ap.Spec["rules"]) {
		for _, f := range list(get(r, "from")) {
			src := get(f, "source")
			if len(strings_(get(src, "principals"))) > 0 || len(strings_(get(src, "serviceAccounts"))) > 0 || len(strings_(get(src, "namespaces"))) > 0 {
				return true
			}
		}
	}
	return false
}

func (b *builder) gatewayCredentials(g *Gateway) {
	// The Secret lives with the gateway workload; without one in the input,
	// in the Gateway's namespace.
	var nss []string
	for _, wi := range g.Workloads {
		if ns := b.m.Workloads[wi].Namespace; !slices.Contains(nss, ns) {
			nss = append(nss, ns)
		}
	}
	if len(nss) == 0 {
		nss = []string{g.Namespace}
	}
	slices.Sort(nss)
	for i, s := range list(g.Spec["servers"]) {
		tls := get(s, "tls")
		var names []string
		var paths [][]string
		if n, ok := get(tls, "credentialName").(string); ok && n != "" {
			names, paths = append(names, n), append(paths, []string{"spec", "servers", strconv.Itoa(i), "tls", "credentialName"})
		}
		for j, n := range strings_(get(tls, "credentialNames")) {
			names, paths = append(names, n), append(paths, []string{"spec", "servers", strconv.Itoa(i), "tls", "credentialNames", strconv.Itoa(j)})
		}
		for k, name := range names {
			for _, ns := range nss {
				c := Credential{Name: name, Path: paths[k], Namespace: ns}
				if s, ok := b.secrets[ns+"/"+name]; ok {
					r := s.ref
					c.Found, c.Secret, c.Problem = true, &r, s.problem
				}
				g.Credentials = append(g.Credentials, c)
			}
		}
	}
}

// strings_ returns the string elements of a list.
func strings_(v any) []string {
	var out []string
	for _, e := range list(v) {
		if s, ok := e.(string); ok {
			out = append(out, s)
		}
	}
	return out
}
