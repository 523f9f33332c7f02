package intent_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/meshproof/meshproof/meshgen/intent"
)

// base is a valid intent; tests append to it or replace parts of it.
const base = `apiVersion: meshproof.dev/v1alpha1
kind: MeshIntent
metadata:
  name: shop
spec:
  trustDomain: corp.example
  services:
  - name: frontend
    namespace: shop
    ports:
    - {name: http, port: 80, targetPort: 8080, protocol: http}
  - name: api
    namespace: payments
    cde: true
    ports:
    - {name: http, port: 8080, protocol: http}
    - {name: admin, port: 9000, protocol: tcp}
`

func TestParseExample(t *testing.T) {
	path := filepath.Join("..", "..", "examples", "payments", "intent.yaml")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	in, err := intent.Parse(path, data)
	if err != nil {
		t.Fatalf("Parse(%s) = %v", path, err)
	}
	db := in.External("payments-db")
	if db == nil || db.Proxy == nil {
		t.Fatalf("payments-db with a proxy not found: %+v", in.Spec.Externals)
	}
	got := []string{db.Namespace, db.Proxy.Identity, db.Proxy.Listen, db.Proxy.Forward, db.Proxy.TLS.CertFile}
	want := []string{"payments", "spiffe://corp.example/vm/payments-db", "0.0.0.0", "127.0.0.1:5432", intent.DefaultCertFile}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("payments-db (-want +got):\n%s", diff)
	}
	if got := in.Line("spec.externals[0].proxy.port"); got == 0 {
		t.Errorf("Line(spec.externals[0].proxy.port) = 0, want its line")
	}
}

func TestParseDefaults(t *testing.T) {
	in, err := intent.Parse("m.yaml", []byte(base+`  externals:
  - name: db
    host: db.internal
    port: 5432
    protocol: tcp
    cde: true
    proxy: {}
  - name: psp
    host: api.psp.example
    port: 80
    protocol: http
    cde: true
    tls: {caCertificates: /etc/psp/ca.pem}
  clients:
  - name: batch
  calls:
  - {from: frontend, to: api, ports: [8080]}
  - {from: api, to: db}
  - {from: api, to: psp, methods: [POST]}
  - {from: batch, to: db}
  ingress:
  - {name: shop, hosts: [shop.example.com], credentialName: shop-tls, to: frontend}
`))
	if err != nil {
		t.Fatalf("Parse() = %v", err)
	}
	s := &in.Spec
	db, psp := in.External("db"), in.External("psp")
	got := map[string]any{
		"clusterDomain":   s.ClusterDomain,
		"rootNamespace":   s.RootNamespace,
		"ingress":         s.Gateways.Ingress,
		"egress":          s.Gateways.Egress,
		"frontend.sa":     in.Service("frontend").ServiceAccount,
		"frontend.labels": in.Service("frontend").Labels,
		"api.target":      in.Service("api").Ports[0].TargetPort,
		"db.namespace":    db.Namespace,
		"db.proxy":        *db.Proxy,
		"psp.tls":         *psp.TLS,
		"batch":           in.Client("batch").Identity,
		"call ports":      s.Calls[1].Ports,
		"batch listen":    s.Calls[3].Listen,
		"ingress port":    s.Ingress[0].Port,
		"ingress tls":     s.Ingress[0].MinTLSVersion,
	}
	files := &intent.TLSFiles{CertFile: intent.DefaultCertFile, KeyFile: intent.DefaultKeyFile, BundleFile: intent.DefaultBundleFile}
	want := map[string]any{
		"clusterDomain": "cluster.local",
		"rootNamespace": "istio-system",
		"ingress": intent.Gateway{Namespace: "istio-ingress", Service: "istio-ingressgateway", ServiceAccount: "istio-ingressgateway",
			Selector: map[string]string{"istio": "ingressgateway"}, HTTPTargetPort: 8080, HTTPSTargetPort: 8443},
		"egress": intent.Gateway{Namespace: "istio-egress", Service: "istio-egressgateway", ServiceAccount: "istio-egressgateway",
			Selector: map[string]string{"istio": "egressgateway"}, HTTPTargetPort: 8080, HTTPSTargetPort: 8443},
		"frontend.sa":     "frontend",
		"frontend.labels": map[string]string{"app": "frontend"},
		"api.target":      8080,
		"db.namespace":    "payments",
		"db.proxy": intent.Proxy{Identity: "spiffe://corp.example/vm/db", Port: 15432, Listen: "0.0.0.0",
			Forward: "127.0.0.1:5432", TLS: files, Admin: "127.0.0.1:15000"},
		"psp.tls":      intent.OriginTLS{CACertificates: "/etc/psp/ca.pem", SNI: "api.psp.example", SubjectAltNames: []string{"api.psp.example"}, Port: 443},
		"batch":        "spiffe://corp.example/vm/batch",
		"call ports":   []int{5432},
		"batch listen": "127.0.0.1:5432",
		"ingress port": 80,
		"ingress tls":  "1.2",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("defaults (-want +got):\n%s", diff)
	}
}

// TestParseErrors: every problem is reported at its line, with its path.
func TestParseErrors(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string // each a line of the error
	}{
		{"empty", "", []string{"m.yaml: empty: an intent file holds one MeshIntent document"}},
		{"not YAML", "a: [", []string{"m.yaml:1: invalid YAML: did not find expected node content"}},
		{"a list", "- a\n", []string{"m.yaml:1: must be a mapping (a MeshIntent document), not a list"}},
		{"two documents", base + "---\nkind: x\n", []string{"m.yaml:18: a second YAML document: an intent file holds exactly one"}},
		{"wrong kind", strings.Replace(base, "MeshIntent", "ProxyConfig", 1), []string{`m.yaml:2: kind: apiVersion/kind must be meshproof.dev/v1alpha1/MeshIntent, got "meshproof.dev/v1alpha1"/"ProxyConfig"`}},
		{"unknown field", strings.Replace(base, "  trustDomain:", "  trustdomain:", 1),
			[]string{`m.yaml:6: spec: unknown field "trustdomain": did you mean "trustDomain"? (known fields: trustDomain, clusterDomain, rootNamespace, gateways, services, externals, clients, calls, ingress)`}},
		{"unknown nested field", base + "  calls:\n  - {from: frontend, to: api, method: [GET]}\n",
			[]string{`m.yaml:19: spec.calls[0]: unknown field "method": did you mean "methods"? (known fields: from, to, ports, methods, paths, listen)`}},
		{"repeated key", base + "  calls: []\n  calls: []\n", []string{"m.yaml:19: spec.calls: repeated (first at line 18)"}},
		{"wrong type", strings.Replace(base, "port: 8080, protocol", "port: web, protocol", 1), []string{`m.yaml:16: spec.services[1].ports[0].port: must be an integer, not "web"`}},
		{"bool", strings.Replace(base, "cde: true", "cde: \"yes\"", 1), []string{`m.yaml:14: spec.services[1].cde: must be true or false, not "yes"`}},
		{"alias", base + "  calls:\n  - &c {from: frontend, to: api}\n  - *c\n", []string{"m.yaml:20: spec.calls[1]: YAML aliases are not allowed"}},
		{"missing trust domain", strings.Replace(base, "  trustDomain: corp.example\n", "", 1), []string{"m.yaml:5: spec.trustDomain: required (the SPIFFE trust domain, such as corp.example)"}},
		{"dangling call", base + "  calls:\n  - from: frontend\n    to: apii\n",
			[]string{`m.yaml:20: spec.calls[0].to: "apii" is not a service or external of this intent: did you mean "api"?`}},
		{"dangling caller", base + "  calls:\n  - from: nobody\n    to: api\n",
			[]string{`m.yaml:19: spec.calls[0].from: "nobody" is not a service or client of this intent`}},
		{"duplicate service", base + "  - name: api\n    namespace: other\n    ports: [{name: http, port: 80, protocol: http}]\n",
			[]string{`m.yaml:18: spec.services[2].name: "api" is already defined at line 12 (services, externals and clients share one set of names)`}},
		{"name shared with an external", base + "  externals:\n  - {name: api, host: x.example, port: 443, protocol: tls}\n",
			[]string{`m.yaml:19: spec.externals[0].name: "api" is already defined at line 12 (services, externals and clients share one set of names)`,
				"m.yaml:19: spec.externals[0]: no call reaches api: add the calls that need it, or remove it"}},
		{"duplicate port", strings.Replace(base, "name: admin, port: 9000", "name: admin, port: 8080", 1),
			[]string{"m.yaml:17: spec.services[1].ports[1].port: port 8080 is already defined at line 16",
				"m.yaml:17: spec.services[1].ports[1].targetPort: container port 8080 is already the target of the port at line 16"}},
		{"shared account", base + "  - name: api2\n    namespace: payments\n    serviceAccount: api\n    cde: true\n    ports: [{name: http, port: 80, protocol: http}]\n",
			[]string{"m.yaml:20: spec.services[2].serviceAccount: service account payments/api is already the identity of the service at line 12: each service needs its own"}},
		{"default account", strings.Replace(base, "  - name: api\n", "  - name: api\n    serviceAccount: default\n", 1),
			[]string{"m.yaml:13: spec.services[1].serviceAccount: the namespace's default service account is shared by every pod that names none: give api its own"}},
		{"bad names", strings.Replace(strings.Replace(base, "name: frontend", "name: Front_end", 1), "namespace: shop", "namespace: \"\"", 1),
			[]string{`m.yaml:8: spec.services[0].name: "Front_end" is not a DNS label (lower-case letters, digits and '-', at most 63)`,
				"m.yaml:9: spec.services[0].namespace: required"}},
		{"bad protocol", strings.Replace(base, "protocol: tcp", "protocol: udp", 1), []string{`m.yaml:17: spec.services[1].ports[1].protocol: "udp" is not one of http, http2, grpc, tcp, tls`}},
		{"reserved namespace", strings.Replace(base, "namespace: shop", "namespace: istio-system", 1),
			[]string{"m.yaml:9: spec.services[0].namespace: services cannot run in istio-system: it is Istio's root namespace (its policies apply to the whole mesh)"}},
		{"mixed scope", base + "  - name: ledger\n    namespace: payments\n    ports: [{name: http, port: 80, protocol: http}]\n",
			[]string{"m.yaml:18: spec.services[2].cde: namespace payments mixes CDE members (line 14) and others (line 18): PCI scope is per namespace, so set cde alike or move one to another namespace"}},
		{"methods on a TCP port", base + "  calls:\n  - {from: frontend, to: api, ports: [9000], methods: [GET]}\n",
			[]string{"m.yaml:19: spec.calls[0]: methods and paths can only be matched on HTTP ports (http, http2, grpc); the call reaches a non-HTTP port: split the call by port"}},
		{"bad method and path", base + "  calls:\n  - from: frontend\n    to: api\n    ports: [8080]\n    methods: [get]\n    paths: [v1/*, /a*b]\n",
			[]string{`m.yaml:22: spec.calls[0].methods[0]: "get" is not an HTTP method (CONNECT, DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT, TRACE)`,
				`m.yaml:23: spec.calls[0].paths[0]: "v1/*" is not a path: it starts with / and may only end in /* (a prefix)`,
				`m.yaml:23: spec.calls[0].paths[1]: "/a*b" is not a path: it starts with / and may only end in /* (a prefix)`}},
		{"no such port", base + "  calls:\n  - {from: frontend, to: api, ports: [81]}\n", []string{"m.yaml:19: spec.calls[0].ports[0]: api has no port 81"}},
		{"duplicate call", base + "  calls:\n  - {from: frontend, to: api}\n  - {from: frontend, to: api}\n", []string{"m.yaml:20: spec.calls[1]: the same call as at line 19"}},
		{"external in cleartext", base + "  externals:\n  - {name: db, host: db.internal, port: 5432, protocol: tcp}\n  calls:\n  - {from: api, to: db}\n",
			[]string{"m.yaml:19: spec.externals[0]: protocol tcp leaves the mesh in cleartext: set tls (caCertificates or credentialName) for the egress gateway to originate TLS, or put a meshproof proxy in front (proxy)",
				"m.yaml:19: spec.externals[0].cde: namespace payments mixes CDE members (line 14) and others (line 19): PCI scope is per namespace, so set cde alike or move one to another namespace"}},
		{"unused external", base + "  externals:\n  - {name: db, host: db.internal, port: 5432, protocol: tcp, proxy: {}, namespace: payments, cde: true}\n",
			[]string{"m.yaml:19: spec.externals[0]: no call reaches db: add the calls that need it, or remove it"}},
		{"client to service", base + "  clients:\n  - name: batch\n  calls:\n  - {from: batch, to: api}\n",
			[]string{"m.yaml:21: spec.calls[0].to: batch is a client outside the mesh: it can only call externals with a meshproof proxy, not the mesh service api"}},
		{"identity outside the trust domain", base + "  clients:\n  - {name: batch, identity: \"spiffe://other.example/vm/batch\"}\n  calls:\n  - {from: batch, to: db}\n  externals:\n  - {name: db, host: db.internal, port: 5432, protocol: tcp, proxy: {}, namespace: db, cde: true}\n",
			[]string{`m.yaml:19: spec.clients[0].identity: "spiffe://other.example/vm/batch" is outside the trust domain corp.example`}},
		{"ingress", base + "  ingress:\n  - name: shop\n    hosts: [shop.example.com, \"*\"]\n    to: api\n    minTLSVersion: 1.1\n",
			[]string{`m.yaml:20: spec.ingress[0].hosts[1]: "*" is not a fully qualified DNS name`,
				"m.yaml:19: spec.ingress[0].credentialName: required: the Secret with the host's certificate, in namespace istio-ingress",
				`m.yaml:22: spec.ingress[0].minTLSVersion: "1.1": 1.2 or 1.3 (PCI DSS does not accept older versions)`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in, err := intent.Parse("m.yaml", []byte(tt.in))
			if err == nil {
				t.Fatalf("Parse() = %+v, nil; want errors", in)
			}
			if in != nil {
				t.Errorf("Parse() returned an intent with an error")
			}
			if diff := cmp.Diff(tt.want, strings.Split(err.Error(), "\n")); diff != "" {
				t.Errorf("Parse() error (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseSize(t *testing.T) {
	big := base + "# " + strings.Repeat("x", intent.MaxSize) + "\n"
	if _, err := intent.Parse("m.yaml", []byte(big)); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("Parse(%d bytes) = %v, want a size error", len(big), err)
	}
}
