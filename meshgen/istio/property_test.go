package istio_test

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	yaml "go.yaml.in/yaml/v3"

	"github.com/meshproof/meshproof/meshgen/intent"
	"github.com/meshproof/meshproof/meshgen/istio"
	"github.com/meshproof/meshproof/rules/mesh"
	"github.com/meshproof/meshproof/scanner"
)

var (
	propSeed    = flag.Uint64("seed", 0, "seed of TestPropertyCompliant (0: a new one, printed)")
	propIntents = flag.Int("intents", 60, "random intents TestPropertyCompliant checks")
)

// TestPropertyCompliant: random valid intents produce Istio output with
// zero findings from the check pipeline (rules/check, in-process), alone
// and together with workloads that match the intent. Reproduce a failure
// with the seed it prints: go test ./meshgen/istio -run TestPropertyCompliant -seed N
func TestPropertyCompliant(t *testing.T) {
	seed := *propSeed
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	t.Logf("seed %d (rerun with -seed %d)", seed, seed)
	n := *propIntents
	if testing.Short() {
		n = 10
	}
	r := rand.New(rand.NewPCG(seed, 0x6d657368))
	stats := map[string]int{}
	for i := 0; i < n; i++ {
		data := randomIntent(r)
		in, err := intent.Parse("random.yaml", data)
		if err != nil {
			t.Fatalf("seed %d, intent %d: the generator wrote an invalid intent: %v\n%s", seed, i, err, data)
		}
		stats["services"] += len(in.Spec.Services)
		stats["externals"] += len(in.Spec.Externals)
		stats["calls"] += len(in.Spec.Calls)
		stats["ingress"] += len(in.Spec.Ingress)
		files, err := istio.Generate(in)
		if err != nil {
			t.Fatalf("seed %d, intent %d: Generate() = %v\n%s", seed, i, err, data)
		}
		extra := map[string][]byte{}
		if i%2 == 1 {
			extra["workloads.yaml"] = workloads(in)
		}
		dir := writeFiles(t, files, extra)
		rep := runCheck(t, dir, in.Spec.TrustDomain, in.Spec.RootNamespace)
		stats["resources"] += rep.Summary.Resources
		fails, na := failing(rep)
		bad := slices.ContainsFunc(na, func(id string) bool { return !notAssessedAllowed[id] })
		if len(fails) > 0 || bad {
			t.Fatalf("seed %d, intent %d (workloads %v): findings %v, not assessed %v\nintent:\n%s", seed, i, i%2 == 1, fails, na, data)
		}
		if i%2 == 1 {
			assertIntentEnforced(t, in, dir, fmt.Sprintf("seed %d, intent %d", seed, i))
			if t.Failed() {
				t.Fatalf("intent:\n%s", data)
			}
		}
	}
	t.Logf("%d intents: %v", n, stats)
}

// randomIntent writes a random valid intent: namespaces in and out of the
// CDE, services with several ports and protocols, calls between them with
// and without methods and paths, externals of each kind (with a meshproof
// proxy, with TLS originated by the egress gateway, speaking TLS
// themselves), clients outside the mesh, ingress entries and, at times,
// gateways and a root namespace of their own.
func randomIntent(r *rand.Rand) []byte {
	pick := func(xs ...string) string { return xs[r.IntN(len(xs))] }
	chance := func(p float64) bool { return r.Float64() < p }
	in := intent.Intent{APIVersion: intent.APIVersion, Kind: intent.Kind, Metadata: intent.Metadata{Name: "random"}}
	s := &in.Spec
	s.TrustDomain = pick("corp.example", "cluster.local", "prod.pay-net.example", "td1")
	if chance(0.2) {
		s.RootNamespace = "mesh-root"
	}
	if chance(0.3) {
		s.Gateways.Ingress = intent.Gateway{Namespace: "edge", Service: "edge-gw", ServiceAccount: "edge-gw",
			Selector: map[string]string{"app": "edge-gw", "tier": "edge"}, HTTPTargetPort: 80, HTTPSTargetPort: 443}
	}
	if chance(0.3) {
		s.Gateways.Egress = intent.Gateway{Namespace: "egress", Service: "egress-gw",
			Selector: map[string]string{"app": "egress-gw", "istio": "egressgateway"}, HTTPSTargetPort: 9443}
	}
	nNS := 1 + r.IntN(4)
	var nss []string
	cde := map[string]bool{}
	for i := 0; i < nNS; i++ {
		ns := fmt.Sprintf("%s-%d", pick("payments", "shop", "ledger", "risk", "web"), i)
		nss = append(nss, ns)
		cde[ns] = chance(0.5)
	}
	protos := []string{intent.HTTP, intent.HTTP2, intent.GRPC, intent.TCP, intent.TLS}
	nSvc := 1 + r.IntN(6)
	for i := 0; i < nSvc; i++ {
		ns := nss[r.IntN(len(nss))]
		svc := intent.Service{Name: fmt.Sprintf("svc%d", i), Namespace: ns, CDE: cde[ns]}
		if chance(0.3) {
			svc.ServiceAccount = fmt.Sprintf("sa-%d", i)
		}
		if chance(0.3) {
			svc.Labels = map[string]string{"app.kubernetes.io/name": svc.Name, "tier": pick("api", "web", "worker")}
		}
		used := map[int]bool{}
		for j, np := 0, 1+r.IntN(3); j < np; j++ {
			port := []int{80, 443, 8080, 8443, 9090, 5000, 7000}[r.IntN(7)]
			if used[port] {
				continue
			}
			used[port] = true
			p := intent.Port{Name: fmt.Sprintf("p%d", j), Port: port, Protocol: protos[r.IntN(len(protos))]}
			if chance(0.4) {
				p.TargetPort = 10000 + port
			}
			svc.Ports = append(svc.Ports, p)
		}
		s.Services = append(s.Services, svc)
	}
	httpPorts := func(svc *intent.Service) []int {
		var out []int
		for _, p := range svc.Ports {
			if intent.IsHTTP(p.Protocol) {
				out = append(out, p.Port)
			}
		}
		return out
	}
	methodsPaths := func(c *intent.Call) {
		if chance(0.5) {
			c.Methods = []string{pick("GET", "POST", "PUT")}
		}
		if chance(0.5) {
			c.Paths = []string{pick("/v1/charges", "/api/*", "/health", "/orders/*")}
		}
	}
	seen := map[string]bool{}
	addCall := func(c intent.Call) {
		ports := c.Ports
		for _, svc := range s.Services {
			if svc.Name == c.To && len(ports) == 0 {
				for _, p := range svc.Ports {
					ports = append(ports, p.Port)
				}
			}
		}
		for _, e := range s.Externals {
			if e.Name == c.To && len(ports) == 0 {
				ports = []int{e.Port}
			}
		}
		key := fmt.Sprint(c.From, c.To, ports, c.Methods, c.Paths)
		if !seen[key] {
			seen[key] = true
			s.Calls = append(s.Calls, c)
		}
	}
	for i, nc := 0, r.IntN(8); i < nc; i++ {
		from, to := &s.Services[r.IntN(nSvc)], &s.Services[r.IntN(nSvc)]
		c := intent.Call{From: from.Name, To: to.Name}
		if hp := httpPorts(to); len(hp) > 0 && chance(0.6) {
			c.Ports = []int{hp[r.IntN(len(hp))]}
			methodsPaths(&c)
		} else if chance(0.5) {
			c.Ports = []int{to.Ports[r.IntN(len(to.Ports))].Port}
		}
		addCall(c)
	}
	for i, ne := 0, r.IntN(4); i < ne; i++ {
		caller := &s.Services[r.IntN(nSvc)]
		e := intent.External{Name: fmt.Sprintf("ext%d", i), Host: fmt.Sprintf("ext%d.%s", i, pick("db.internal", "example.net", "partner.example")),
			Port: []int{5432, 443, 80, 6379, 3306}[r.IntN(5)]}
		if chance(0.7) {
			e.Namespace = nss[r.IntN(len(nss))]
		}
		ns := or(e.Namespace, caller.Namespace)
		e.CDE = cde[ns]
		if chance(0.5) {
			e.Address = fmt.Sprintf("10.%d.%d.%d", r.IntN(255), r.IntN(255), 1+r.IntN(250))
		}
		switch r.IntN(3) {
		case 0:
			e.Protocol = pick(intent.TCP, intent.HTTP)
			e.Proxy = &intent.Proxy{}
			if chance(0.3) {
				e.Proxy.CredentialName = "egress-client-cert"
			}
		case 1:
			e.Protocol = pick(intent.TCP, intent.HTTP)
			e.TLS = &intent.OriginTLS{}
			if chance(0.5) {
				e.TLS.CACertificates = "/etc/certs/partner-ca.pem"
			} else {
				e.TLS.CredentialName = "partner-client"
			}
		default:
			e.Protocol = intent.TLS
		}
		s.Externals = append(s.Externals, e)
		c := intent.Call{From: caller.Name, To: e.Name}
		if e.Protocol == intent.HTTP {
			methodsPaths(&c)
		}
		addCall(c)
		// Another caller in the same namespace, at times.
		for _, other := range s.Services {
			if other.Namespace == caller.Namespace && other.Name != caller.Name && chance(0.3) {
				addCall(intent.Call{From: other.Name, To: e.Name})
				break
			}
		}
		if e.Proxy != nil && chance(0.5) {
			cl := intent.Client{Name: fmt.Sprintf("vm%d", i)}
			s.Clients = append(s.Clients, cl)
			addCall(intent.Call{From: cl.Name, To: e.Name})
		}
	}
	for i, ni := 0, r.IntN(3); i < ni; i++ {
		svc := &s.Services[r.IntN(nSvc)]
		hp := httpPorts(svc)
		if len(hp) == 0 {
			continue
		}
		ing := intent.Ingress{Name: fmt.Sprintf("site%d", i), Hosts: []string{fmt.Sprintf("site%d.example.com", i)},
			CredentialName: fmt.Sprintf("site%d-tls", i), To: svc.Name, Port: hp[r.IntN(len(hp))], MinTLSVersion: pick("", "1.2", "1.3")}
		if chance(0.3) {
			ing.Hosts = append(ing.Hosts, fmt.Sprintf("www.site%d.example.com", i))
		}
		if chance(0.4) {
			ing.Methods = []string{"GET"}
			ing.Paths = []string{"/", "/static/*"}
		}
		s.Ingress = append(s.Ingress, ing)
	}
	out, err := yaml.Marshal(&in)
	if err != nil {
		panic(err)
	}
	return out
}

func or(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// assertIntentEnforced evaluates the generated AuthorizationPolicies with
// the mesh model's Decide, on the workloads of the intent: every call the
// intent allows is allowed, and the same request from an identity the
// intent does not name, or in plaintext, is denied.
func assertIntentEnforced(t *testing.T, in *intent.Intent, dir string, context string) {
	t.Helper()
	objs, err := scanner.Load(t.Context(), []string{dir}, scanner.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	model := mesh.Build(objs, mesh.Options{TrustDomain: in.Spec.TrustDomain, RootNamespace: in.Spec.RootNamespace})
	workload := func(s *intent.Service) *mesh.Workload {
		for _, w := range model.Workloads {
			if w.Namespace == s.Namespace && w.Ref.Name == s.Name {
				return w
			}
		}
		t.Fatalf("%s: no workload %s/%s in the model", context, s.Namespace, s.Name)
		return nil
	}
	request := func(principal string, p *intent.Port, methods, paths []string, host string) mesh.Request {
		r := mesh.Request{MTLS: true, Principal: principal, Port: p.TargetPort, HTTP: intent.IsHTTP(p.Protocol), Host: host}
		if parts := strings.Split(principal, "/"); len(parts) == 5 {
			r.Namespace = parts[2]
		}
		if r.HTTP {
			r.Method, r.Path = "GET", "/anything"
			if len(methods) > 0 {
				r.Method = methods[0]
			}
			if len(paths) > 0 {
				r.Path = strings.TrimSuffix(paths[0], "*")
				if strings.HasSuffix(paths[0], "/*") {
					r.Path += "x"
				}
			}
		}
		return r
	}
	check := func(w *mesh.Workload, r mesh.Request, want bool, what string) {
		if d := model.Decide(w, r); d.Allowed != want {
			t.Errorf("%s: %s: Decide(%s/%s, %+v) = allowed %v by %s, want %v", context, what, w.Namespace, w.Ref.Name, r, d.Allowed, d.Action, want)
		}
	}
	intruder := in.Spec.TrustDomain + "/ns/intruder/sa/nobody"
	for _, c := range in.Spec.Calls {
		caller, callee := in.Service(c.From), in.Service(c.To)
		if caller == nil || callee == nil {
			continue
		}
		w := workload(callee)
		for _, n := range c.Ports {
			p := callee.PortByNumber(n)
			r := request(strings.TrimPrefix(in.SPIFFEID(caller), "spiffe://"), p, c.Methods, c.Paths, "")
			check(w, r, true, fmt.Sprintf("call %s -> %s:%d", c.From, c.To, n))
			bad := r
			bad.Principal, bad.Namespace = intruder, "intruder"
			check(w, bad, false, fmt.Sprintf("intruder -> %s:%d", c.To, n))
			plain := r
			plain.MTLS, plain.Principal, plain.Namespace = false, "", ""
			check(w, plain, false, fmt.Sprintf("plaintext -> %s:%d", c.To, n))
		}
	}
	for _, ing := range in.Spec.Ingress {
		s := in.Service(ing.To)
		r := request(strings.TrimPrefix(in.GatewayID(&in.Spec.Gateways.Ingress), "spiffe://"), s.PortByNumber(ing.Port), ing.Methods, ing.Paths, ing.Hosts[0])
		check(workload(s), r, true, "ingress "+ing.Name)
		other := r
		other.Host = "evil.example.org"
		check(workload(s), other, false, "ingress "+ing.Name+" for another host")
	}
}
