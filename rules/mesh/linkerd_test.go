package mesh

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

const linkerdMesh = `
apiVersion: v1
kind: Namespace
metadata:
  name: payments
  annotations: {linkerd.io/inject: enabled}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: ledger, namespace: payments}
spec:
  template:
    metadata:
      labels: {app: ledger, tier: backend}
    spec:
      serviceAccountName: ledger
      containers: [{name: c, image: i, ports: [{containerPort: 8080, name: http}, {containerPort: 9090, name: admin}]}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: vault, namespace: payments}
spec:
  template:
    metadata:
      labels: {app: vault, tier: backend}
    spec:
      serviceAccountName: vault
      containers: [{name: c, image: i}]
---
apiVersion: policy.linkerd.io/v1beta3
kind: Server
metadata: {name: ledger-http, namespace: payments, labels: {exposure: internal}}
spec:
  podSelector: {matchLabels: {app: ledger}}
  port: http
---
apiVersion: policy.linkerd.io/v1beta3
kind: Server
metadata: {name: backend-admin, namespace: payments}
spec:
  podSelector:
    matchExpressions:
    - {key: tier, operator: In, values: [backend]}
    - {key: canary, operator: DoesNotExist}
  port: 9090
  accessPolicy: all-unauthenticated
---
apiVersion: policy.linkerd.io/v1beta1
kind: HTTPRoute
metadata: {name: ledger-api, namespace: payments}
spec:
  parentRefs: [{group: policy.linkerd.io, kind: Server, name: ledger-http}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: public, namespace: payments}
spec:
  parentRefs: [{group: gateway.networking.k8s.io, kind: Gateway, name: ingress}]
---
apiVersion: policy.linkerd.io/v1alpha1
kind: MeshTLSAuthentication
metadata: {name: shop-clients, namespace: payments}
spec:
  identities: ["checkout.shop.serviceaccount.identity.linkerd.cluster.local"]
---
apiVersion: policy.linkerd.io/v1alpha1
kind: NetworkAuthentication
metadata: {name: office, namespace: payments}
spec:
  networks: [{cidr: 10.0.0.0/8}]
---
apiVersion: policy.linkerd.io/v1alpha1
kind: AuthorizationPolicy
metadata: {name: ledger-api, namespace: payments}
spec:
  targetRef: {group: policy.linkerd.io, kind: HTTPRoute, name: ledger-api}
  requiredAuthenticationRefs:
  - {group: policy.linkerd.io, kind: MeshTLSAuthentication, name: shop-clients}
---
apiVersion: policy.linkerd.io/v1alpha1
kind: AuthorizationPolicy
metadata: {name: whole-namespace, namespace: payments}
spec:
  targetRef: {kind: Namespace, name: payments}
  requiredAuthenticationRefs:
  - {group: policy.linkerd.io, kind: NetworkAuthentication, name: office}
  - {kind: ServiceAccount, name: monitoring, namespace: ops}
---
apiVersion: policy.linkerd.io/v1alpha1
kind: AuthorizationPolicy
metadata: {name: dangling, namespace: payments}
spec:
  targetRef: {group: policy.linkerd.io, kind: Server, name: backend-admin}
  requiredAuthenticationRefs:
  - {group: policy.linkerd.io, kind: MeshTLSAuthentication, name: gone}
---
apiVersion: policy.linkerd.io/v1beta1
kind: ServerAuthorization
metadata: {name: internal, namespace: payments}
spec:
  server:
    selector: {matchLabels: {exposure: internal}}
  client:
    meshTLS: {serviceAccounts: [{name: checkout, namespace: shop}]}
`

// TestLinkerd: Servers select workloads by podSelector (matchLabels and
// matchExpressions); AuthorizationPolicies reach Servers through a Server,
// an HTTPRoute's parents or the whole Namespace; a policy whose
// authentication is missing is ignored; ServerAuthorizations select Servers
// by name or label.
func TestLinkerd(t *testing.T) {
	m := build(t, linkerdMesh, Options{})
	l := m.Linkerd
	type server struct {
		Name, Port, AccessPolicy string
		Workloads                []string
		Authorizations           []string
	}
	var got []server
	for _, s := range l.Servers {
		sv := server{Name: s.Ref.Name, Port: s.Port, AccessPolicy: s.AccessPolicy}
		for _, wi := range s.Workloads {
			sv.Workloads = append(sv.Workloads, m.Workloads[wi].Ref.Name)
		}
		for _, a := range s.Authorizations {
			sv.Authorizations = append(sv.Authorizations, a.Kind+"/"+a.Name)
		}
		got = append(got, sv)
	}
	want := []server{
		{Name: "ledger-http", Port: "http", AccessPolicy: "deny", Workloads: []string{"ledger"},
			Authorizations: []string{"AuthorizationPolicy/ledger-api", "AuthorizationPolicy/whole-namespace", "ServerAuthorization/internal"}},
		{Name: "backend-admin", Port: "9090", AccessPolicy: "all-unauthenticated", Workloads: []string{"ledger", "vault"},
			Authorizations: []string{"AuthorizationPolicy/whole-namespace"}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Linkerd servers (-want +got):\n%s", diff)
	}
	if len(l.HTTPRoutes) != 1 || l.HTTPRoutes[0].Ref.Name != "ledger-api" {
		t.Errorf("HTTPRoutes = %+v, want only ledger-api (the Gateway route is not Linkerd's)", l.HTTPRoutes)
	}
	ignored := map[string]string{}
	for _, p := range l.AuthorizationPolicies {
		ignored[p.Ref.Name] = p.Ignored
	}
	wantIgnored := map[string]string{
		"ledger-api":      "",
		"whole-namespace": "",
		"dangling":        "its required authentication MeshTLSAuthentication payments/gone is not in the input (Linkerd ignores a policy whose authentications do not all exist)",
	}
	if diff := cmp.Diff(wantIgnored, ignored); diff != "" {
		t.Errorf("ignored policies (-want +got):\n%s", diff)
	}
	p := l.AuthorizationPolicies[0]
	if a := p.Authentications[0]; !a.Found || a.Index != 0 || a.Namespace != "payments" {
		t.Errorf("ledger-api authentication = %+v, want found at index 0 in payments", a)
	}
	if ns := l.AuthorizationPolicies[1].Target; !ns.Found || ns.Kind != "Namespace" {
		t.Errorf("whole-namespace target = %+v, want the declared Namespace", ns)
	}
}

func TestLabelSelectorMatches(t *testing.T) {
	labels := map[string]string{"app": "ledger", "tier": "backend"}
	tests := []struct {
		sel  map[string]any
		want bool
	}{
		{nil, false},
		{map[string]any{}, true},
		{map[string]any{"matchLabels": map[string]any{"app": "ledger"}}, true},
		{map[string]any{"matchLabels": map[string]any{"app": "vault"}}, false},
		{expr("tier", "In", "backend", "db"), true},
		{expr("tier", "In", "frontend"), false},
		{expr("tier", "NotIn", "frontend"), true},
		{expr("tier", "NotIn", "backend"), false},
		{expr("missing", "NotIn", "x"), true},
		{expr("app", "Exists"), true},
		{expr("missing", "Exists"), false},
		{expr("missing", "DoesNotExist"), true},
		{expr("app", "DoesNotExist"), false},
		{expr("app", "Matches", "ledger"), false},
	}
	for _, tt := range tests {
		if got := labelSelectorMatches(tt.sel, labels); got != tt.want {
			t.Errorf("labelSelectorMatches(%v, %v) = %v, want %v", tt.sel, labels, got, tt.want)
		}
	}
}

func expr(key, op string, values ...string) map[string]any {
	vs := make([]any, len(values))
	for i, v := range values {
		vs[i] = v
	}
	return map[string]any{"matchExpressions": []any{map[string]any{"key": key, "operator": op, "values": vs}}}
}
