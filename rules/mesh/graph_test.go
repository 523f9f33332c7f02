package mesh

import (
	"fmt"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/meshproof/meshproof/rules"
	"github.com/meshproof/meshproof/scanner"
)

// edgeStrings writes a graph's edges as "from -> to:port MODE flags".
func edgeStrings(g *Graph, to string) []string {
	var out []string
	for _, e := range g.Edges {
		if to != "" && e.To != to {
			continue
		}
		s := fmt.Sprintf("%s -> %s:%d %s %s", e.From, e.To, e.Port, e.MTLS, e.Action)
		if !e.Encrypted {
			s += " plaintext"
		}
		if e.Restricted {
			s += " restricted"
		}
		if e.Conditional {
			s += " conditional"
		}
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

const (
	nsShop = `
---
apiVersion: v1
kind: Namespace
metadata:
  name: shop
  labels: {istio-injection: enabled}
`
	strictMesh = `
---
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: default, namespace: istio-system}
spec: {mtls: {mode: STRICT}}
`
)

func deploySA(ns, name, sa, ports string) string {
	return `
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: ` + name + `, namespace: ` + ns + `}
spec:
  template:
    metadata:
      labels: {app: ` + name + `}
    spec:
      serviceAccountName: ` + sa + `
      containers: [{name: c, image: i, ports: ` + ports + `}]
`
}

// TestCallGraph pins who may call the payments API, and how, under the
// mTLS modes and AuthorizationPolicies that decide it.
func TestCallGraph(t *testing.T) {
	base := nsPayments + nsShop +
		deploySA("payments", "api", "api", `[{containerPort: 8080, name: http}]`) +
		deploySA("shop", "web", "web", `[{containerPort: 8080, name: http}]`)
	const api = "Deployment/payments/api"
	tests := []struct {
		name string
		yaml string
		want []string
	}{
		{"no policy, mesh default PERMISSIVE: everyone, plaintext too", "", []string{
			"Deployment/shop/web -> Deployment/payments/api:8080 PERMISSIVE DEFAULT",
			"any-identity -> Deployment/payments/api:8080 PERMISSIVE DEFAULT",
			"plaintext -> Deployment/payments/api:8080 PERMISSIVE DEFAULT plaintext",
		}},
		{"STRICT refuses plaintext before authorization", strictMesh, []string{
			"Deployment/shop/web -> Deployment/payments/api:8080 STRICT DEFAULT",
			"any-identity -> Deployment/payments/api:8080 STRICT DEFAULT",
		}},
		{"ALLOW one principal, one operation", strictMesh + ap("payments", "api", `{selector: {matchLabels: {app: api}}, rules: [{from: [{source: {principals: ["cluster.local/ns/shop/sa/web"]}}], to: [{operation: {methods: [POST], paths: ["/v1/charges"], ports: ["8080"]}}]}]}`), []string{
			"Deployment/shop/web -> Deployment/payments/api:8080 STRICT ALLOW restricted",
		}},
		{"deny-all", strictMesh + ap("payments", "deny-all", `{}`), nil},
		{"DISABLE: no identity, so identity rules never match", ap("payments", "api", `{rules: [{from: [{source: {namespaces: [shop]}}]}]}`) + pa("payments", "plain", `{mtls: {mode: DISABLE}}`), nil},
		{"DISABLE without ALLOW policies: anyone in plaintext", pa("payments", "plain", `{mtls: {mode: DISABLE}}`), []string{
			"Deployment/shop/web -> Deployment/payments/api:8080 DISABLE DEFAULT plaintext",
			"any-identity -> Deployment/payments/api:8080 DISABLE DEFAULT plaintext",
			"plaintext -> Deployment/payments/api:8080 DISABLE DEFAULT plaintext",
		}},
		{"IP blocks only: conditional", strictMesh + ap("payments", "ip", `{rules: [{from: [{source: {ipBlocks: ["10.0.0.0/8"]}}]}]}`), []string{
			"Deployment/shop/web -> Deployment/payments/api:8080 STRICT ALLOW conditional",
			"any-identity -> Deployment/payments/api:8080 STRICT ALLOW conditional",
		}},
		{"wildcard principals: any identity", strictMesh + ap("payments", "any", `{rules: [{from: [{source: {principals: ["*"]}}]}]}`), []string{
			"Deployment/shop/web -> Deployment/payments/api:8080 STRICT ALLOW",
			"any-identity -> Deployment/payments/api:8080 STRICT ALLOW",
		}},
		{"a principal not in the input is a node", strictMesh + ap("payments", "ops", `{rules: [{from: [{source: {principals: ["cluster.local/ns/ops/sa/admin"], namespaces: [batch]}}, {source: {namespaces: [batch]}}]}]}`), []string{
			"spiffe://cluster.local/ns/batch/sa/~any~ -> Deployment/payments/api:8080 STRICT ALLOW",
		}},
		{"DENY by namespace", strictMesh + ap("payments", "no-shop", `{action: DENY, rules: [{from: [{source: {namespaces: [shop]}}]}]}`), []string{
			"any-identity -> Deployment/payments/api:8080 STRICT DEFAULT",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := build(t, base+tt.yaml, Options{})
			got := edgeStrings(m.CallGraph(), api)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("CallGraph edges to %s (-want +got):\n%s", api, diff)
			}
		})
	}
}

// TestCallGraphNoProxy: a workload without a proxy enforces nothing, and a
// caller without one calls in plaintext.
func TestCallGraphNoProxy(t *testing.T) {
	yaml := nsPayments + `
---
apiVersion: v1
kind: Namespace
metadata: {name: legacy}
` + deploySA("payments", "api", "api", `[{containerPort: 8080}]`) + deploySA("legacy", "batch", "default", `[]`)
	m := build(t, yaml, Options{})
	g := m.CallGraph()
	want := []string{
		"Deployment/legacy/batch -> Deployment/payments/api:8080 PERMISSIVE DEFAULT plaintext",
		"Deployment/payments/api -> Deployment/legacy/batch:0 NONE NO-PROXY plaintext",
		"any-identity -> Deployment/legacy/batch:0 NONE NO-PROXY plaintext",
		"any-identity -> Deployment/payments/api:8080 PERMISSIVE DEFAULT",
		"plaintext -> Deployment/legacy/batch:0 NONE NO-PROXY plaintext",
		"plaintext -> Deployment/payments/api:8080 PERMISSIVE DEFAULT plaintext",
	}
	if diff := cmp.Diff(want, edgeStrings(g, "")); diff != "" {
		t.Errorf("CallGraph edges (-want +got):\n%s", diff)
	}
}

// TestScopeDerivation: declared CDE stays; who may call the CDE, and whom
// it may call, is connected-to whatever it declares; a declared out-of-scope
// workload linked with the CDE is a conflict; the rest is out of scope.
func TestScopeDerivation(t *testing.T) {
	yaml := strictMesh + `
---
apiVersion: v1
kind: Namespace
metadata: {name: payments, labels: {istio-injection: enabled, meshproof.dev/pci-scope: cde}}
---
apiVersion: v1
kind: Namespace
metadata: {name: shop, labels: {istio-injection: enabled}}
---
apiVersion: v1
kind: Namespace
metadata: {name: marketing, labels: {istio-injection: enabled, meshproof.dev/pci-scope: out}}
---
apiVersion: v1
kind: Namespace
metadata: {name: ops, labels: {istio-injection: enabled, meshproof.dev/pci-scope: connected}}
` + deploySA("payments", "api", "api", `[{containerPort: 8080}]`) +
		deploySA("shop", "web", "web", `[{containerPort: 8080}]`) +
		deploySA("shop", "ledger", "ledger", `[{containerPort: 9000}]`) +
		deploySA("marketing", "promo", "promo", `[{containerPort: 8080}]`) +
		deploySA("ops", "tools", "tools", `[{containerPort: 8080}]`) +
		ap("payments", "api", `{rules: [{from: [{source: {principals: ["cluster.local/ns/shop/sa/web", "cluster.local/ns/marketing/sa/promo"]}}]}]}`) +
		ap("shop", "ledger", `{selector: {matchLabels: {app: ledger}}, rules: [{from: [{source: {namespaces: [payments]}}]}]}`) +
		ap("shop", "web", `{selector: {matchLabels: {app: web}}, rules: [{from: [{source: {namespaces: [istio-ingress]}}]}]}`) +
		ap("marketing", "none", `{}`) + ap("ops", "none", `{}`)
	m := build(t, yaml, Options{})
	g := m.CallGraph()
	var got []string
	for _, s := range g.Scope(m) {
		line := fmt.Sprintf("%s declared=%q derived=%s (%s) edges=%d", s.Node, s.Declared, s.Derived, s.Reason, len(s.Edges))
		if s.Conflict {
			line += " CONFLICT"
		}
		got = append(got, line)
	}
	want := []string{
		`Deployment/payments/api declared="cde" derived=cde (declared) edges=0`,
		`Deployment/shop/web declared="" derived=connected (reaches the CDE) edges=1`,
		`Deployment/shop/ledger declared="" derived=connected (reached from the CDE) edges=1`,
		`Deployment/marketing/promo declared="out" derived=connected (reaches the CDE) edges=1 CONFLICT`,
		`Deployment/ops/tools declared="connected" derived=connected (declared) edges=0`,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Scope (-want +got):\n%s", diff)
	}
}

// TestCallGraphCompliantExample: in the shipped compliant mesh, only the
// shop frontend may call the payments API, over mTLS, for one operation.
func TestCallGraphCompliantExample(t *testing.T) {
	objs, err := scanner.Load(t.Context(), []string{filepath.Join("..", "..", "examples", "payments", "compliant")}, scanner.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	m := Build(objs, Options{Scope: rules.ScopeConfig{}})
	g := m.CallGraph()
	got := edgeStrings(g, "Deployment/payments/payments-api")
	want := []string{"Deployment/shop/frontend -> Deployment/payments/payments-api:8080 STRICT ALLOW restricted"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("edges to the payments API (-want +got):\n%s", diff)
	}
	for _, e := range g.Edges {
		if !slices.ContainsFunc(g.Nodes, func(n *GraphNode) bool { return n.ID == e.From }) || !strings.Contains(e.To, "/") {
			t.Errorf("edge %s -> %s names a node the graph lacks", e.From, e.To)
		}
	}
}

func BenchmarkCallGraph(b *testing.B) {
	var sb strings.Builder
	sb.WriteString(strictMesh)
	for i := range 20 {
		ns := fmt.Sprintf("ns%d", i)
		sb.WriteString("\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: " + ns + ", labels: {istio-injection: enabled}}\n")
		for j := range 10 {
			sb.WriteString(deploySA(ns, fmt.Sprintf("w%d", j), fmt.Sprintf("sa%d", j), `[{containerPort: 8080, name: http}, {containerPort: 9090}]`))
		}
		sb.WriteString(ap(ns, "allow", `{rules: [{from: [{source: {namespaces: [`+ns+`]}}], to: [{operation: {methods: [GET], paths: ["/v1/*"]}}]}]}`))
	}
	objs, err := scanner.Decode("m.yaml", []byte(sb.String()), scanner.LoadOptions{})
	if err != nil {
		b.Fatal(err)
	}
	m := Build(objs, Options{})
	b.ResetTimer()
	for b.Loop() {
		g := m.CallGraph()
		b.ReportMetric(float64(len(g.Edges)), "edges")
	}
}

// TestCallGraphLinkerd: a Linkerd workload's edges follow its Servers,
// AuthorizationPolicies and default inbound policy, not "everyone".
// linkerdLedgerMesh is the Linkerd tests' mesh: the injected namespaces
// payments (with more annotations) and shop, an uninjected legacy
// namespace, the ledger Deployment in payments (its pod template's
// annotations and ports given) and the callers shop/web, shop/batch and
// legacy/cron.
func linkerdLedgerMesh(paymentsAnnotations, ledgerAnnotations, ledgerPorts string) string {
	return `
apiVersion: v1
kind: Namespace
metadata: {name: payments, annotations: {linkerd.io/inject: enabled` + paymentsAnnotations + `}}
---
apiVersion: v1
kind: Namespace
metadata: {name: shop, annotations: {linkerd.io/inject: enabled}}
---
apiVersion: v1
kind: Namespace
metadata: {name: legacy}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: ledger, namespace: payments}
spec:
  template:
    metadata:
      labels: {app: ledger}
      annotations: ` + ledgerAnnotations + `
    spec:
      serviceAccountName: ledger
      containers: [{name: c, image: i, ports: ` + ledgerPorts + `}]
` + deploySA("shop", "web", "web", `[]`) + deploySA("shop", "batch", "batch", `[]`) + deploySA("legacy", "cron", "cron", `[]`)
}

func TestCallGraphLinkerd(t *testing.T) {
	yaml := linkerdLedgerMesh("", "{config.linkerd.io/default-inbound-policy: all-authenticated}",
		"[{containerPort: 8080, name: http}, {containerPort: 9090, name: admin}, {containerPort: 7070}]") + `
---
apiVersion: policy.linkerd.io/v1beta3
kind: Server
metadata: {name: ledger-http, namespace: payments}
spec:
  podSelector: {matchLabels: {app: ledger}}
  port: http
---
apiVersion: policy.linkerd.io/v1beta3
kind: Server
metadata: {name: ledger-admin, namespace: payments}
spec:
  podSelector: {matchLabels: {app: ledger}}
  port: 9090
  accessPolicy: all-unauthenticated
---
apiVersion: policy.linkerd.io/v1alpha1
kind: AuthorizationPolicy
metadata: {name: web-to-ledger, namespace: payments}
spec:
  targetRef: {group: policy.linkerd.io, kind: Server, name: ledger-http}
  requiredAuthenticationRefs:
  - {group: policy.linkerd.io, kind: MeshTLSAuthentication, name: shop-web}
---
apiVersion: policy.linkerd.io/v1alpha1
kind: MeshTLSAuthentication
metadata: {name: shop-web, namespace: payments}
spec:
  identities: ["web.shop.serviceaccount.identity.linkerd.cluster.local"]
`
	const ledger = "Deployment/payments/ledger"
	m := build(t, yaml, Options{})
	got := edgeStrings(m.CallGraph(), ledger)
	want := []string{
		// 7070: no Server, the pod's default all-authenticated: Linkerd callers only.
		"Deployment/shop/batch -> Deployment/payments/ledger:7070 STRICT DEFAULT",
		// 8080: only web, by its MeshTLSAuthentication.
		"Deployment/shop/batch -> Deployment/payments/ledger:9090 PERMISSIVE DEFAULT",
		"Deployment/shop/web -> Deployment/payments/ledger:7070 STRICT DEFAULT",
		"Deployment/shop/web -> Deployment/payments/ledger:8080 STRICT ALLOW",
		// 9090: the Server's all-unauthenticated admits anyone.
		"Deployment/shop/web -> Deployment/payments/ledger:9090 PERMISSIVE DEFAULT",
		"any-identity -> Deployment/payments/ledger:7070 STRICT DEFAULT",
		"any-identity -> Deployment/payments/ledger:9090 PERMISSIVE DEFAULT",
		"plaintext -> Deployment/payments/ledger:9090 PERMISSIVE DEFAULT plaintext",
	}
	// The legacy cron job has no proxy: plaintext, to 9090 only.
	want = append(want, "Deployment/legacy/cron -> Deployment/payments/ledger:9090 PERMISSIVE DEFAULT plaintext")
	sort.Strings(want)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("CallGraph edges to %s (-want +got):\n%s", ledger, diff)
	}
	for _, e := range m.CallGraph().Edges {
		if e.To == ledger && e.Port == 8080 && (e.Policy == nil || e.Policy.Name != "web-to-ledger") {
			t.Errorf("edge %s -> 8080 allowed by %v, want AuthorizationPolicy web-to-ledger", e.From, e.Policy)
		}
	}
	w := m.Workloads[slices.IndexFunc(m.Workloads, func(w *Workload) bool { return w.Ref.Name == "ledger" })]
	var modes []string
	for _, p := range m.PortModes(w) {
		modes = append(modes, fmt.Sprintf("%d %s", p.Port, p.Mode))
	}
	if diff := cmp.Diff([]string{"7070 STRICT", "8080 STRICT", "9090 PERMISSIVE"}, modes); diff != "" {
		t.Errorf("PortModes(ledger) (-want +got):\n%s", diff)
	}
	if m.LinkerdProtected(w) {
		t.Error("LinkerdProtected(ledger) = true with an all-unauthenticated Server and an all-authenticated default, want false")
	}
}

// TestCallGraphLinkerdServerAuthorization: a legacy ServerAuthorization
// admits exactly its clients: ServiceAccounts, identity patterns, any TLS
// client, or anyone; client.networks make the edge conditional.
func TestCallGraphLinkerdServerAuthorization(t *testing.T) {
	yaml := linkerdLedgerMesh(", config.linkerd.io/default-inbound-policy: deny", "{}",
		"[{containerPort: 8080, name: http}, {containerPort: 9090}, {containerPort: 7070}, {containerPort: 6060}]") + `
---
apiVersion: policy.linkerd.io/v1beta1
kind: Server
metadata: {name: ledger-http, namespace: payments}
spec: {podSelector: {matchLabels: {app: ledger}}, port: http}
---
apiVersion: policy.linkerd.io/v1beta1
kind: Server
metadata: {name: ledger-admin, namespace: payments, labels: {open: "yes"}}
spec: {podSelector: {matchLabels: {app: ledger}}, port: 9090}
---
apiVersion: policy.linkerd.io/v1beta1
kind: Server
metadata: {name: ledger-grpc, namespace: payments}
spec: {podSelector: {matchLabels: {app: ledger}}, port: 7070}
---
apiVersion: policy.linkerd.io/v1beta1
kind: Server
metadata: {name: ledger-tls, namespace: payments}
spec: {podSelector: {matchLabels: {app: ledger}}, port: 6060}
---
apiVersion: policy.linkerd.io/v1beta1
kind: ServerAuthorization
metadata: {name: web-only, namespace: payments}
spec:
  server: {name: ledger-http}
  client:
    meshTLS: {serviceAccounts: [{name: web, namespace: shop}]}
---
apiVersion: policy.linkerd.io/v1beta1
kind: ServerAuthorization
metadata: {name: office, namespace: payments}
spec:
  server: {selector: {matchLabels: {open: "yes"}}}
  client:
    unauthenticated: true
    networks: [{cidr: 10.0.0.0/8}]
---
apiVersion: policy.linkerd.io/v1beta1
kind: ServerAuthorization
metadata: {name: shop-identities, namespace: payments}
spec:
  server: {name: ledger-grpc}
  client:
    meshTLS: {identities: ["*.shop.serviceaccount.identity.linkerd.cluster.local"]}
---
apiVersion: policy.linkerd.io/v1beta1
kind: ServerAuthorization
metadata: {name: any-tls, namespace: payments}
spec:
  server: {name: ledger-tls}
  client:
    meshTLS: {unauthenticatedTLS: true}
`
	const ledger = "Deployment/payments/ledger"
	m := build(t, yaml, Options{})
	got := edgeStrings(m.CallGraph(), ledger)
	want := []string{
		// 6060: any TLS client; one without a Linkerd proxy only if it speaks TLS itself.
		"Deployment/legacy/cron -> Deployment/payments/ledger:6060 PERMISSIVE ALLOW plaintext conditional",
		"Deployment/shop/batch -> Deployment/payments/ledger:6060 PERMISSIVE ALLOW",
		"Deployment/shop/web -> Deployment/payments/ledger:6060 PERMISSIVE ALLOW",
		"any-identity -> Deployment/payments/ledger:6060 PERMISSIVE ALLOW",
		"plaintext -> Deployment/payments/ledger:6060 PERMISSIVE ALLOW plaintext conditional",
		// 7070: the shop namespace's identities.
		"Deployment/shop/batch -> Deployment/payments/ledger:7070 STRICT ALLOW",
		"Deployment/shop/web -> Deployment/payments/ledger:7070 STRICT ALLOW",
		// 8080: web's ServiceAccount only.
		"Deployment/shop/web -> Deployment/payments/ledger:8080 STRICT ALLOW",
		// 9090: anyone, from 10.0.0.0/8, which the manifests cannot settle.
		"Deployment/legacy/cron -> Deployment/payments/ledger:9090 PERMISSIVE ALLOW plaintext conditional",
		"Deployment/shop/batch -> Deployment/payments/ledger:9090 PERMISSIVE ALLOW conditional",
		"Deployment/shop/web -> Deployment/payments/ledger:9090 PERMISSIVE ALLOW conditional",
		"any-identity -> Deployment/payments/ledger:9090 PERMISSIVE ALLOW conditional",
		"plaintext -> Deployment/payments/ledger:9090 PERMISSIVE ALLOW plaintext conditional",
	}
	sort.Strings(want)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("CallGraph edges to %s (-want +got):\n%s", ledger, diff)
	}
	sa := m.Linkerd.ServerAuthorizations[0]
	if sa.MeshTLS == nil || len(sa.MeshTLS.ServiceAccounts) != 1 || sa.MeshTLS.ServiceAccounts[0].Namespace != "shop" || len(sa.Servers) != 1 {
		t.Errorf("ServerAuthorization web-only = %+v, want one ServiceAccount in shop and one Server", sa)
	}
}
