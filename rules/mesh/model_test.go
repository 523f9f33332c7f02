package mesh

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/meshproof/meshproof/rules"
	"github.com/meshproof/meshproof/scanner"
)

func build(t *testing.T, yaml string, opts Options) *Model {
	t.Helper()
	objs, err := scanner.Decode("m.yaml", []byte(yaml), scanner.LoadOptions{})
	if err != nil {
		t.Fatalf("Decode: %v", err)
	}
	return Build(objs, opts)
}

func workload(t *testing.T, m *Model, ns, name string) *Workload {
	t.Helper()
	for _, w := range m.Workloads {
		if w.Namespace == ns && w.Ref.Name == name {
			return w
		}
	}
	t.Fatalf("no workload %s/%s", ns, name)
	return nil
}

const nsPayments = `
apiVersion: v1
kind: Namespace
metadata:
  name: payments
  labels: {istio-injection: enabled}
`

func deploy(ns, name, labels string) string {
	return `
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: ` + name + `, namespace: ` + ns + `, labels: {deployment-label: x}}
spec:
  template:
    metadata:
      labels: ` + labels + `
    spec:
      containers: [{name: c, image: i, ports: [{containerPort: 8080}, {containerPort: 9090}]}]
`
}

func pa(ns, name, spec string) string {
	return `
---
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: ` + name + `, namespace: ` + ns + `}
spec: ` + spec + `
`
}

// TestPeerAuthenticationComposition follows Istio's
// ComposePeerAuthentication: workload over namespace over mesh, UNSET
// inherits, no policy means PERMISSIVE, port-level settings only from a
// workload policy, root-namespace policies with a selector ignored.
func TestPeerAuthenticationComposition(t *testing.T) {
	type want struct {
		Mode, Level string
		Ports       map[string]string
		Ambiguous   bool
		Weakened    bool
	}
	tests := []struct {
		name string
		yaml string
		want want
	}{
		{"no policy: PERMISSIVE default", nsPayments + deploy("payments", "api", "{app: api}"),
			want{Mode: "PERMISSIVE", Level: "default", Ports: map[string]string{}}},
		{"mesh STRICT", nsPayments + deploy("payments", "api", "{app: api}") + pa("istio-system", "default", "{mtls: {mode: STRICT}}"),
			want{Mode: "STRICT", Level: "mesh", Ports: map[string]string{}}},
		{"namespace overrides mesh", nsPayments + deploy("payments", "api", "{app: api}") +
			pa("istio-system", "default", "{mtls: {mode: STRICT}}") + pa("payments", "default", "{mtls: {mode: PERMISSIVE}}"),
			want{Mode: "PERMISSIVE", Level: "namespace", Ports: map[string]string{}}},
		{"namespace UNSET inherits mesh", nsPayments + deploy("payments", "api", "{app: api}") +
			pa("istio-system", "default", "{mtls: {mode: STRICT}}") + pa("payments", "default", "{mtls: {mode: UNSET}}"),
			want{Mode: "STRICT", Level: "mesh", Ports: map[string]string{}}},
		{"namespace without mtls block inherits", nsPayments + deploy("payments", "api", "{app: api}") +
			pa("istio-system", "default", "{mtls: {mode: DISABLE}}") + pa("payments", "default", "{}"),
			want{Mode: "DISABLE", Level: "mesh", Ports: map[string]string{}}},
		{"workload overrides namespace and weakens it", nsPayments + deploy("payments", "api", "{app: api}") +
			pa("payments", "default", "{mtls: {mode: STRICT}}") + pa("payments", "api", "{selector: {matchLabels: {app: api}}, mtls: {mode: PERMISSIVE}}"),
			want{Mode: "PERMISSIVE", Level: "workload", Ports: map[string]string{}, Weakened: true}},
		{"workload selector on pod-template labels, not Deployment labels", nsPayments + deploy("payments", "api", "{app: api}") +
			pa("payments", "default", "{mtls: {mode: STRICT}}") + pa("payments", "api", "{selector: {matchLabels: {deployment-label: x}}, mtls: {mode: DISABLE}}"),
			want{Mode: "STRICT", Level: "namespace", Ports: map[string]string{}}},
		{"port-level: UNSET port inherits the workload mode", nsPayments + deploy("payments", "api", "{app: api}") +
			pa("payments", "default", "{mtls: {mode: STRICT}}") +
			pa("payments", "api", "{selector: {matchLabels: {app: api}}, portLevelMtls: {8080: {mode: DISABLE}, 9090: {mode: UNSET}}}"),
			want{Mode: "STRICT", Level: "namespace", Ports: map[string]string{"8080": "DISABLE", "9090": "STRICT"}, Weakened: true}},
		{"portLevelMtls without selector is ignored, its mode is not", nsPayments + deploy("payments", "api", "{app: api}") +
			pa("payments", "default", "{mtls: {mode: STRICT}, portLevelMtls: {8080: {mode: DISABLE}}}"),
			want{Mode: "STRICT", Level: "namespace", Ports: map[string]string{}}},
		{"root-namespace policy with a selector is ignored", nsPayments + deploy("payments", "api", "{app: api}") +
			pa("istio-system", "default", "{mtls: {mode: STRICT}}") + pa("istio-system", "api", "{selector: {matchLabels: {app: api}}, mtls: {mode: DISABLE}}"),
			want{Mode: "STRICT", Level: "mesh", Ports: map[string]string{}}},
		{"two namespace policies without timestamps: ambiguous, weakest", nsPayments + deploy("payments", "api", "{app: api}") +
			pa("payments", "a", "{mtls: {mode: STRICT}}") + pa("payments", "b", "{mtls: {mode: PERMISSIVE}}"),
			want{Mode: "PERMISSIVE", Level: "namespace", Ports: map[string]string{}, Ambiguous: true}},
		{"two namespace policies with timestamps: the oldest wins", nsPayments + deploy("payments", "api", "{app: api}") + `
---
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: new, namespace: payments, creationTimestamp: "2025-06-01T00:00:00Z"}
spec: {mtls: {mode: PERMISSIVE}}
---
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: old, namespace: payments, creationTimestamp: "2024-01-01T00:00:00Z"}
spec: {mtls: {mode: STRICT}}
`, want{Mode: "STRICT", Level: "namespace", Ports: map[string]string{}}},
		{"an invalid mode is not in force", nsPayments + deploy("payments", "api", "{app: api}") +
			pa("istio-system", "default", "{mtls: {mode: PERMISSIVE}}") + pa("payments", "default", "{mtls: {mode: STRICTT}}"),
			want{Mode: "PERMISSIVE", Level: "mesh", Ports: map[string]string{}}},
		{"custom root namespace", nsPayments + deploy("payments", "api", "{app: api}") + pa("mesh-root", "default", "{mtls: {mode: STRICT}}"),
			want{Mode: "STRICT", Level: "mesh", Ports: map[string]string{}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := Options{}
			if tt.name == "custom root namespace" {
				opts.RootNamespace = "mesh-root"
			}
			w := workload(t, build(t, tt.yaml, opts), "payments", "api")
			got := want{Mode: w.MTLS.Mode, Level: w.MTLS.Level, Ports: w.MTLS.Ports, Ambiguous: w.MTLS.Ambiguous, Weakened: w.MTLS.Weakened}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("effective mTLS (-want +got):\n%s", diff)
			}
		})
	}
}

func ap(ns, name, spec string, annotations ...string) string {
	md := `{name: ` + name + `, namespace: ` + ns + `}`
	if len(annotations) > 0 {
		md = `{name: ` + name + `, namespace: ` + ns + `, annotations: {` + annotations[0] + `}}`
	}
	return `
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: ` + md + `
spec: ` + spec + `
`
}

// TestAuthorizationSelection: spec {} denies all, rules [{}] allows all, DENY
// alone does not make a workload default-deny, root-namespace policies apply
// everywhere, selectors match pod-template labels, dry-run policies and
// targetRefs policies do not apply to sidecar workloads.
func TestAuthorizationSelection(t *testing.T) {
	base := nsPayments + deploy("payments", "api", "{app: api}") + deploy("shop", "web", "{app: web}")
	tests := []struct {
		name string
		yaml string
		want Authz // Policies compared by count only
		n    int
	}{
		{"none", base, Authz{}, 0},
		{"spec {} denies all", base + ap("payments", "deny-all", "{}"), Authz{HasAllow: true, DenyAll: true}, 1},
		{"rules [{}] allows all", base + ap("payments", "allow-all", "{rules: [{}]}"), Authz{HasAllow: true, AllowAll: true}, 1},
		{"empty source and operation allow all", base + ap("payments", "x", "{rules: [{from: [{source: {}}], to: [{operation: {}}]}]}"), Authz{HasAllow: true, AllowAll: true}, 1},
		{"a real rule", base + ap("payments", "x", `{rules: [{from: [{source: {principals: ["cluster.local/ns/shop/sa/web"]}}]}]}`), Authz{HasAllow: true}, 1},
		{"deny-all plus a rule", base + ap("payments", "deny-all", "{}") + ap("payments", "x", `{rules: [{to: [{operation: {methods: [GET]}}]}]}`), Authz{HasAllow: true}, 2},
		{"DENY only", base + ap("payments", "x", `{action: DENY, rules: [{to: [{operation: {paths: ["/admin"]}}]}]}`), Authz{Deny: true}, 1},
		{"CUSTOM", base + ap("payments", "x", `{action: CUSTOM, provider: {name: opa}, rules: [{}]}`), Authz{Custom: true}, 1},
		{"root namespace applies everywhere", base + ap("istio-system", "deny-all", "{}"), Authz{HasAllow: true, DenyAll: true}, 1},
		{"root namespace with selector across namespaces", base + ap("istio-system", "x", "{selector: {matchLabels: {app: api}}}"), Authz{HasAllow: true, DenyAll: true}, 1},
		{"other namespace does not apply", base + ap("shop", "deny-all", "{}"), Authz{}, 0},
		{"Deployment labels do not select", base + ap("payments", "x", "{selector: {matchLabels: {deployment-label: x}}}"), Authz{}, 0},
		{"dry-run is listed but not enforced", base + ap("payments", "x", "{}", `istio.io/dry-run: "true"`), Authz{}, 1},
		{"targetRefs selects no sidecar workload", base + ap("payments", "x", `{targetRefs: [{kind: Gateway, group: gateway.networking.k8s.io, name: waypoint}]}`), Authz{}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := workload(t, build(t, tt.yaml, Options{}), "payments", "api")
			got := w.Authorization
			if len(got.Policies) != tt.n {
				t.Errorf("policies selecting the workload = %d, want %d", len(got.Policies), tt.n)
			}
			got.Policies = nil
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("authorization (-want +got):\n%s", diff)
			}
		})
	}
}

// TestInjection: namespace labels, the pod label over the deprecated
// annotation, hostNetwork never injected, unknown namespaces unknown.
func TestInjection(t *testing.T) {
	ns := func(name, labels, annotations string) string {
		return "\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: " + name + ", labels: " + labels + ", annotations: " + annotations + "}\n"
	}
	pod := func(namespace, labels, annotations string, hostNetwork bool) string {
		hn := "false"
		if hostNetwork {
			hn = "true"
		}
		return "\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: " + namespace + ", labels: " + labels + ", annotations: " + annotations + "}\nspec: {hostNetwork: " + hn + ", containers: [{name: c, image: i}]}\n"
	}
	tests := []struct {
		name, yaml, mesh string
		optedOut         bool
	}{
		{"injected namespace", ns("a", "{istio-injection: enabled}", "{}") + pod("a", "{}", "{}", false), "istio", false},
		{"revision label", ns("a", "{istio.io/rev: canary}", "{}") + pod("a", "{}", "{}", false), "istio", false},
		{"disabled beats revision", ns("a", "{istio-injection: disabled, istio.io/rev: canary}", "{}") + pod("a", "{}", "{}", false), "none", false},
		{"pod label opts out", ns("a", "{istio-injection: enabled}", "{}") + pod("a", `{sidecar.istio.io/inject: "false"}`, "{}", false), "none", true},
		{"deprecated annotation opts out", ns("a", "{istio-injection: enabled}", "{}") + pod("a", "{}", `{sidecar.istio.io/inject: "false"}`, false), "none", true},
		{"any other value opts out", ns("a", "{istio-injection: enabled}", "{}") + pod("a", `{sidecar.istio.io/inject: "disabled"}`, "{}", false), "none", true},
		{"yes asks for injection", ns("a", "{}", "{}") + pod("a", `{sidecar.istio.io/inject: "Yes"}`, "{}", false), "istio", false},
		{"an empty label hides the annotation", ns("a", "{istio-injection: enabled}", "{}") + pod("a", `{sidecar.istio.io/inject: ""}`, `{sidecar.istio.io/inject: "false"}`, false), "istio", false},
		{"label beats annotation", ns("a", "{istio-injection: enabled}", "{}") + pod("a", `{sidecar.istio.io/inject: "true"}`, `{sidecar.istio.io/inject: "false"}`, false), "istio", false},
		{"pod label opts in", ns("a", "{}", "{}") + pod("a", `{sidecar.istio.io/inject: "true"}`, "{}", false), "istio", false},
		{"hostNetwork is never injected", ns("a", "{istio-injection: enabled}", "{}") + pod("a", `{sidecar.istio.io/inject: "true"}`, "{}", true), "none", false},
		{"ambient", ns("a", "{istio.io/dataplane-mode: ambient}", "{}") + pod("a", "{}", "{}", false), "ambient", false},
		{"linkerd namespace", ns("a", "{}", "{linkerd.io/inject: enabled}") + pod("a", "{}", "{}", false), "linkerd", false},
		{"linkerd opt-out", ns("a", "{}", "{linkerd.io/inject: enabled}") + pod("a", "{}", "{linkerd.io/inject: disabled}", false), "none", true},
		{"no label", ns("a", "{}", "{}") + pod("a", "{}", "{}", false), "none", false},
		{"namespace not in the input", pod("a", "{}", "{}", false), "unknown", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := workload(t, build(t, tt.yaml, Options{}), "a", "p")
			if w.Mesh != tt.mesh || w.OptedOut != tt.optedOut {
				t.Errorf("mesh = %q (opted out %v; %s), want %q (opted out %v)", w.Mesh, w.OptedOut, w.MeshReason, tt.mesh, tt.optedOut)
			}
		})
	}
}

func TestWorkloadsAndIdentity(t *testing.T) {
	m := build(t, `
apiVersion: batch/v1
kind: CronJob
metadata: {name: nightly, namespace: jobs}
spec:
  schedule: "@daily"
  jobTemplate:
    spec:
      template:
        metadata: {labels: {app: nightly}}
        spec:
          serviceAccountName: batch
          containers: [{name: c, image: i}]
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  template:
    spec:
      containers: [{name: c, image: i}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: no-template, namespace: x}
spec: {}
---
apiVersion: example.com/v1
kind: Deployment
metadata: {name: not-apps, namespace: x}
spec: {template: {spec: {containers: []}}}
`, Options{TrustDomain: "corp.example", DefaultNamespace: "apps"})
	type row struct{ Ref, SPIFFE string }
	var got []row
	for _, w := range m.Workloads {
		got = append(got, row{w.Ref.Kind + "/" + w.Namespace + "/" + w.Ref.Name, w.SPIFFEID})
	}
	want := []row{
		{"CronJob/jobs/nightly", "spiffe://corp.example/ns/jobs/sa/batch"},
		{"StatefulSet/apps/db", "spiffe://corp.example/ns/apps/sa/default"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("workloads (-want +got):\n%s", diff)
	}
	if got := workload(t, m, "jobs", "nightly").TemplatePath; !cmp.Equal(got, []string{"spec", "jobTemplate", "spec", "template"}) {
		t.Errorf("CronJob template path = %v", got)
	}
}

func TestScope(t *testing.T) {
	yaml := `
apiVersion: v1
kind: Namespace
metadata: {name: payments, labels: {meshproof.dev/pci-scope: cde}}
---
apiVersion: v1
kind: Namespace
metadata: {name: shop, labels: {meshproof.dev/pci-scope: out}}
---
apiVersion: v1
kind: Namespace
metadata: {name: typo, labels: {meshproof.dev/pci-scope: cdee}}
---
apiVersion: v1
kind: Namespace
metadata: {name: plain}
` + deploy("shop", "checkout", "{app: checkout}") + deploy("shop", "web", "{app: web}") + deploy("plain", "x", "{app: x}")
	m := build(t, yaml, Options{Scope: rules.ScopeConfig{
		CDE:       rules.ScopeSelector{Workloads: []rules.WorkloadSelector{{Namespace: "shop", MatchLabels: map[string]string{"app": "checkout"}}}},
		Connected: rules.ScopeSelector{Namespaces: []string{"plain"}},
	}})
	ns := map[string]string{}
	for name, n := range m.Namespaces {
		ns[name] = n.Scope + " " + n.ScopeSource + " " + n.BadScope
	}
	wantNS := map[string]string{
		"payments": "cde label ", "shop": "out label ", "typo": "cde label cdee", "plain": "connected config ",
	}
	if diff := cmp.Diff(wantNS, ns); diff != "" {
		t.Errorf("namespace scopes (-want +got):\n%s", diff)
	}
	for _, c := range []struct{ ns, name, scope string }{
		{"shop", "checkout", "cde"}, {"shop", "web", "out"}, {"plain", "x", "connected"},
	} {
		if got := workload(t, m, c.ns, c.name).Scope; got != c.scope {
			t.Errorf("workload %s/%s scope = %q, want %q", c.ns, c.name, got, c.scope)
		}
	}
}

func TestDestinationRuleHosts(t *testing.T) {
	yaml := `
apiVersion: v1
kind: Service
metadata: {name: ledger, namespace: payments}
spec: {selector: {app: ledger}, ports: [{port: 80}]}
`
	dr := func(ns, host string) string {
		return "\n---\napiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: d, namespace: " + ns + "}\nspec: {host: \"" + host + "\"}\n"
	}
	tests := []struct {
		ns, host string
		match    bool
	}{
		{"payments", "ledger", true},
		{"shop", "ledger", false},
		{"shop", "ledger.payments", true},
		{"shop", "ledger.payments.svc.cluster.local", true},
		{"shop", "*.payments.svc.cluster.local", true},
		{"shop", "*.shop.svc.cluster.local", false},
		{"shop", "*", true},
		{"shop", "ledger.example.com", false},
	}
	for _, tt := range tests {
		m := build(t, yaml+dr(tt.ns, tt.host), Options{})
		if got := len(m.DestinationRules[0].Services) == 1; got != tt.match {
			t.Errorf("DestinationRule host %q in %s names Service payments/ledger = %v, want %v", tt.host, tt.ns, got, tt.match)
		}
	}
}
