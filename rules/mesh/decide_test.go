package mesh

import "testing"

// TestDecide pins Istio's evaluation order and matching: CUSTOM first
// (delegated), then DENY, then ALLOW; identity fields only match mTLS
// requests; HTTP fields on TCP traffic make an ALLOW rule miss and a DENY
// rule hit.
func TestDecide(t *testing.T) {
	base := nsPayments + deploy("payments", "api", "{app: api}")
	mtls := Request{MTLS: true, Principal: "cluster.local/ns/shop/sa/web", Namespace: "shop", Port: 8080, HTTP: true, Method: "GET", Path: "/v1/items"}
	plain := Request{Port: 8080, HTTP: true, Method: "GET", Path: "/v1/items"}
	tcp := Request{MTLS: true, Principal: "cluster.local/ns/shop/sa/web", Namespace: "shop", Port: 5432}
	allowWeb := ap("payments", "allow-web", `{rules: [{from: [{source: {principals: ["cluster.local/ns/shop/sa/web"]}}]}]}`)
	tests := []struct {
		name      string
		policies  string
		req       Request
		allowed   bool
		action    string
		delegated int
	}{
		{"no policy allows", "", mtls, true, "DEFAULT", 0},
		{"spec {} denies all", ap("payments", "deny-all", "{}"), mtls, false, "ALLOW-NONE", 0},
		{"rules [{}] allows all", ap("payments", "all", "{rules: [{}]}"), plain, true, "ALLOW", 0},
		{"ALLOW by principal over mTLS", allowWeb, mtls, true, "ALLOW", 0},
		{"ALLOW by principal misses plaintext", allowWeb, plain, false, "ALLOW-NONE", 0},
		{"DENY wins over ALLOW", allowWeb + ap("payments", "no-get", `{action: DENY, rules: [{to: [{operation: {methods: [GET]}}]}]}`), mtls, false, "DENY", 0},
		{"DENY by namespace blocks mTLS callers", ap("payments", "no-shop", `{action: DENY, rules: [{from: [{source: {namespaces: [shop]}}]}]}`), mtls, false, "DENY", 0},
		{"DENY by namespace is bypassed in plaintext", ap("payments", "no-shop", `{action: DENY, rules: [{from: [{source: {namespaces: [shop]}}]}]}`), plain, true, "DEFAULT", 0},
		{"DENY notNamespaces catches plaintext", ap("payments", "only-shop", `{action: DENY, rules: [{from: [{source: {notNamespaces: [shop]}}]}]}`), plain, false, "DENY", 0},
		{"CUSTOM is delegated, then ALLOW decides", allowWeb + ap("payments", "ext", `{action: CUSTOM, provider: {name: opa}, rules: [{to: [{operation: {paths: ["/v1/*"]}}]}]}`), mtls, true, "ALLOW", 1},
		{"CUSTOM not matching is not delegated", ap("payments", "ext", `{action: CUSTOM, provider: {name: opa}, rules: [{to: [{operation: {paths: ["/admin"]}}]}]}`), mtls, true, "DEFAULT", 0},
		{"ALLOW with HTTP fields misses TCP", ap("payments", "get", `{rules: [{to: [{operation: {methods: [GET]}}]}]}`), tcp, false, "ALLOW-NONE", 0},
		{"DENY with HTTP fields hits TCP", ap("payments", "no-admin", `{action: DENY, rules: [{to: [{operation: {paths: ["/admin"]}}]}]}`), tcp, false, "DENY", 0},
		{"DENY with HTTP fields and other ports spares TCP", ap("payments", "no-admin", `{action: DENY, rules: [{to: [{operation: {ports: ["8080"], paths: ["/admin"]}}]}]}`), tcp, true, "DEFAULT", 0},
		{"ALLOW by port", ap("payments", "pg", `{rules: [{to: [{operation: {ports: ["5432"]}}]}]}`), tcp, true, "ALLOW", 0},
		{"prefix principal", ap("payments", "shop", `{rules: [{from: [{source: {principals: ["cluster.local/ns/shop/*"]}}]}]}`), mtls, true, "ALLOW", 0},
		{"dry-run is not enforced", ap("payments", "deny-all", "{}", `istio.io/dry-run: "true"`), mtls, true, "DEFAULT", 0},
		{"when on source.namespace", ap("payments", "w", `{rules: [{when: [{key: source.namespace, values: [shop]}]}]}`), mtls, true, "ALLOW", 0},
		{"unknown condition: ALLOW misses", ap("payments", "w", `{rules: [{when: [{key: "request.auth.claims[iss]", values: [x]}]}]}`), mtls, false, "ALLOW-NONE", 0},
		{"serviceAccounts", ap("payments", "sa", `{rules: [{from: [{source: {serviceAccounts: ["shop/web"]}}]}]}`), mtls, true, "ALLOW", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := build(t, base+tt.policies, Options{})
			d := m.Decide(workload(t, m, "payments", "api"), tt.req)
			if d.Allowed != tt.allowed || d.Action != tt.action || len(d.Delegated) != tt.delegated {
				t.Errorf("Decide = allowed %v by %s (delegated %d), want allowed %v by %s (delegated %d)", d.Allowed, d.Action, len(d.Delegated), tt.allowed, tt.action, tt.delegated)
			}
		})
	}
}
