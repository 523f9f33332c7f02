package mesh

import (
	"strconv"
	"strings"
)

// Request is a call to a workload as Istio's authorization sees it.
type Request struct {
	// MTLS is true when the call arrives over Istio mutual TLS, so that it
	// carries the caller's identity; plaintext calls carry none.
	MTLS bool
	// Principal is the caller's identity without the spiffe:// scheme
	// ("cluster.local/ns/shop/sa/web"); Namespace its namespace.
	Principal string
	Namespace string
	// Port is the workload port called.
	Port int
	// HTTP is true for HTTP traffic; Method, Path and Host are then set.
	HTTP               bool
	Method, Path, Host string
}

// Decision is the outcome of Decide.
type Decision struct {
	Allowed bool
	// Action is the step that decided: "DENY", "ALLOW" (an ALLOW rule
	// matched), "ALLOW-NONE" (ALLOW policies select the workload but none
	// matched), or "DEFAULT" (no ALLOW policy: allowed).
	Action string
	// Policy is the policy that decided (nil for DEFAULT and ALLOW-NONE).
	Policy *Ref
	// Delegated lists the CUSTOM policies whose rules matched: their
	// external authorizer decides first, and may deny what this decision
	// allows.
	Delegated []Ref
}

// Decide evaluates the AuthorizationPolicies that select w for r in Istio's
// order: CUSTOM (delegated to its provider), then DENY (any matching rule
// denies), then ALLOW (with no ALLOW policy the request is allowed;
// otherwise an ALLOW rule must match). Dry-run policies are not enforced and
// are skipped. Where the static view cannot know a value (an IP block, an
// unknown condition), a DENY rule is taken to match and an ALLOW rule not to:
// the decision errs on the side of denying.
func (m *Model) Decide(w *Workload, r Request) Decision {
	var d Decision
	var allows []*AuthorizationPolicy
	for _, ref := range w.Authorization.Policies {
		ap := m.policy(ref)
		if ap == nil || ap.DryRun {
			continue
		}
		switch ap.Action {
		case "CUSTOM":
			if anyRuleMatches(ap, r, false) {
				d.Delegated = append(d.Delegated, ap.Ref)
			}
		case "ALLOW":
			allows = append(allows, ap)
		}
	}
	for _, ref := range w.Authorization.Policies {
		ap := m.policy(ref)
		if ap != nil && !ap.DryRun && ap.Action == "DENY" && anyRuleMatches(ap, r, true) {
			r := ap.Ref
			d.Action, d.Policy = "DENY", &r
			return d
		}
	}
	if len(allows) == 0 {
		d.Allowed, d.Action = true, "DEFAULT"
		return d
	}
	for _, ap := range allows {
		if anyRuleMatches(ap, r, false) {
			r := ap.Ref
			d.Allowed, d.Action, d.Policy = true, "ALLOW", &r
			return d
		}
	}
	d.Action = "ALLOW-NONE"
	return d
}

func (m *Model) policy(ref Ref) *AuthorizationPolicy {
	for _, ap := range m.AuthorizationPolicies {
		if ap.Ref.ID == ref.ID {
			return ap
		}
	}
	return nil
}

// anyRuleMatches reports whether a rule of the policy matches r. A policy
// without rules matches nothing (spec: {} as ALLOW denies everything).
func anyRuleMatches(ap *AuthorizationPolicy, r Request, deny bool) bool {
	for _, rule := range list(ap.Spec["rules"]) {
		if ruleMatches(rule, r, deny) {
			return true
		}
	}
	return false
}

// ruleMatches: every present part (from, to, when) must match, each list
// matching when any of its entries does.
func ruleMatches(rule any, r Request, deny bool) bool {
	if from := list(get(rule, "from")); len(from) > 0 && !anyOf(from, func(f any) bool { return sourceMatches(get(f, "source"), r, deny) }) {
		return false
	}
	if to := list(get(rule, "to")); len(to) > 0 && !anyOf(to, func(t any) bool { return operationMatches(get(t, "operation"), r, deny) }) {
		return false
	}
	for _, c := range list(get(rule, "when")) {
		if !conditionMatches(c, r, deny) {
			return false
		}
	}
	return true
}

func anyOf(items []any, f func(any) bool) bool {
	for _, it := range items {
		if f(it) {
			return true
		}
	}
	return false
}

// sourceMatches matches the caller. Identity fields match only over mTLS: a
// plaintext request has no principal or namespace, so principals and
// namespaces never match it, and notPrincipals and notNamespaces always do.
func sourceMatches(src any, r Request, deny bool) bool {
	for _, f := range []struct {
		key   string
		value string
		neg   bool
	}{
		{"principals", r.Principal, false}, {"notPrincipals", r.Principal, true},
		{"namespaces", r.Namespace, false}, {"notNamespaces", r.Namespace, true},
	} {
		vals := strings_(get(src, f.key))
		if len(vals) == 0 {
			continue
		}
		in := r.MTLS && matchesAny(vals, f.value)
		if in == f.neg {
			return false
		}
	}
	if len(strings_(get(src, "serviceAccounts"))) > 0 {
		sa := ""
		if _, after, ok := strings.Cut(r.Principal, "/sa/"); ok {
			sa = after
		}
		ns := r.Namespace
		ok := false
		for _, v := range strings_(get(src, "serviceAccounts")) {
			want := v
			if !strings.Contains(v, "/") {
				want = ns + "/" + v
			}
			if r.MTLS && want == ns+"/"+sa {
				ok = true
			}
		}
		if !ok {
			return false
		}
	}
	// IP blocks and request principals are unknown to a static view.
	for _, key := range []string{"ipBlocks", "notIpBlocks", "remoteIpBlocks", "notRemoteIpBlocks", "requestPrincipals", "notRequestPrincipals"} {
		if len(strings_(get(src, key))) > 0 && !deny {
			return false
		}
	}
	return true
}

// operationMatches matches the request. On TCP traffic the HTTP fields
// (methods, paths, hosts) cannot be evaluated: an ALLOW rule that uses them
// does not match (Istio drops it), a DENY rule does (Istio denies).
func operationMatches(op any, r Request, deny bool) bool {
	if ports := strings_(get(op, "ports")); len(ports) > 0 && !matchesAny(ports, strconv.Itoa(r.Port)) {
		return false
	}
	if ports := strings_(get(op, "notPorts")); len(ports) > 0 && matchesAny(ports, strconv.Itoa(r.Port)) {
		return false
	}
	for _, f := range []struct {
		key, value string
		neg        bool
	}{
		{"methods", r.Method, false}, {"notMethods", r.Method, true},
		{"paths", r.Path, false}, {"notPaths", r.Path, true},
		{"hosts", r.Host, false}, {"notHosts", r.Host, true},
	} {
		vals := strings_(get(op, f.key))
		if len(vals) == 0 {
			continue
		}
		if !r.HTTP {
			if !deny {
				return false
			}
			continue
		}
		if matchesAny(vals, f.value) == f.neg {
			return false
		}
	}
	return true
}

func conditionMatches(c any, r Request, deny bool) bool {
	key, _ := get(c, "key").(string)
	var value string
	switch key {
	case "source.principal":
		if !r.MTLS {
			return len(strings_(get(c, "notValues"))) > 0
		}
		value = r.Principal
	case "source.namespace":
		if !r.MTLS {
			return len(strings_(get(c, "notValues"))) > 0
		}
		value = r.Namespace
	case "destination.port":
		value = strconv.Itoa(r.Port)
	default:
		return deny
	}
	if vals := strings_(get(c, "values")); len(vals) > 0 && !matchesAny(vals, value) {
		return false
	}
	if vals := strings_(get(c, "notValues")); len(vals) > 0 && matchesAny(vals, value) {
		return false
	}
	return true
}

// matchesAny applies Istio's string matching: exact, "*" (any non-empty
// value), "prefix*" or "*suffix".
func matchesAny(patterns []string, v string) bool {
	for _, p := range patterns {
		switch {
		case p == "*":
			if v != "" {
				return true
			}
		case strings.HasSuffix(p, "*"):
			if strings.HasPrefix(v, strings.TrimSuffix(p, "*")) {
				return true
			}
		case strings.HasPrefix(p, "*"):
			if strings.HasSuffix(v, strings.TrimPrefix(p, "*")) {
				return true
			}
		case p == v:
			return true
		}
	}
	return false
}
