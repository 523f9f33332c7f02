package istio_test

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/meshproof/meshproof/meshgen/intent"
)

// workloads writes the Deployments and Services an intent describes, as a
// team would deploy them beside gen's output (hardened, pinned images), and
// the gateway Deployments an Istio installation runs: with them the rule
// pack sees workloads, so that rules about selectors, identities and
// coverage (XR-03, XR-09, K8S-08...) are exercised too.
func workloads(in *intent.Intent) []byte {
	var b strings.Builder
	labels := func(m map[string]string, indent string) string {
		var s strings.Builder
		for _, k := range slices.Sorted(maps.Keys(m)) {
			fmt.Fprintf(&s, "%s%s: %q\n", indent, k, m[k])
		}
		return s.String()
	}
	for _, s := range in.Spec.Services {
		fmt.Fprintf(&b, `---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: %[1]s
  namespace: %[2]s
spec:
  replicas: 2
  selector:
    matchLabels:
%[3]s  template:
    metadata:
      labels:
%[4]s    spec:
      serviceAccountName: %[5]s
      automountServiceAccountToken: false
      securityContext:
        runAsNonRoot: true
        runAsUser: 10001
        seccompProfile: {type: RuntimeDefault}
      containers:
      - name: app
        image: registry.example.com/%[2]s/%[1]s@sha256:5d1b3c2a9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b
        securityContext:
          allowPrivilegeEscalation: false
          readOnlyRootFilesystem: true
          capabilities: {drop: ["ALL"]}
        ports:
`, s.Name, s.Namespace, labels(s.Labels, "      "), labels(s.Labels, "        "), s.ServiceAccount)
		for _, p := range s.Ports {
			fmt.Fprintf(&b, "        - {containerPort: %d, name: %s}\n", p.TargetPort, p.Name)
		}
		fmt.Fprintf(&b, `---
apiVersion: v1
kind: Service
metadata:
  name: %s
  namespace: %s
spec:
  selector:
%s  ports:
`, s.Name, s.Namespace, labels(s.Labels, "    "))
		for _, p := range s.Ports {
			fmt.Fprintf(&b, "  - {name: %s-%s, port: %d, targetPort: %d}\n", p.Protocol, p.Name, p.Port, p.TargetPort)
		}
	}
	gws := []*intent.Gateway{}
	if len(in.Spec.Ingress) > 0 {
		gws = append(gws, &in.Spec.Gateways.Ingress)
	}
	for _, c := range in.Spec.Calls {
		if in.Service(c.From) != nil && in.External(c.To) != nil {
			gws = append(gws, &in.Spec.Gateways.Egress)
			break
		}
	}
	for _, g := range gws {
		fmt.Fprintf(&b, `---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: %[1]s
  namespace: %[2]s
spec:
  replicas: 2
  selector:
    matchLabels:
%[3]s  template:
    metadata:
      annotations:
        inject.istio.io/templates: gateway
      labels:
        sidecar.istio.io/inject: "true"
%[4]s    spec:
      serviceAccountName: %[5]s
      automountServiceAccountToken: false
      securityContext:
        runAsNonRoot: true
        runAsUser: 1337
        seccompProfile: {type: RuntimeDefault}
      containers:
      - name: istio-proxy
        image: auto
        securityContext:
          allowPrivilegeEscalation: false
          readOnlyRootFilesystem: true
          capabilities: {drop: ["ALL"]}
`, g.Service, g.Namespace, labels(g.Selector, "      "), labels(g.Selector, "        "), g.ServiceAccount)
	}
	return []byte(b.String())
}
