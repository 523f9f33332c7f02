// Package synth generates synthetic service meshes for benchmarks: N
// namespaces with M workloads each, with the policies a real mesh has and a
// sprinkling of the mistakes the rules look for, so that rules do real work.
package synth

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Mesh describes what to generate.
type Mesh struct {
	Namespaces int
	Workloads  int // per namespace
}

// Docs is the number of YAML documents the mesh has.
func (m Mesh) Docs() int { return m.Namespaces * (6 + 4*m.Workloads) }

// Write writes the mesh under dir, one file per namespace (its policies)
// and one per workload, and returns the number of documents written.
func (m Mesh) Write(dir string) (int, error) {
	docs := 0
	for n := range m.Namespaces {
		ns := fmt.Sprintf("team-%03d", n)
		nsDir := filepath.Join(dir, ns)
		if err := os.MkdirAll(nsDir, 0o755); err != nil {
			return docs, err
		}
		body := Namespace(n)
		docs += strings.Count(body, "\n---\n") + 1
		if err := os.WriteFile(filepath.Join(nsDir, "namespace.yaml"), []byte(body), 0o644); err != nil {
			return docs, err
		}
		for w := range m.Workloads {
			body := Workload(n, w)
			docs += strings.Count(body, "\n---\n") + 1
			if err := os.WriteFile(filepath.Join(nsDir, fmt.Sprintf("svc-%03d.yaml", w)), []byte(body), 0o644); err != nil {
				return docs, err
			}
		}
	}
	return docs, nil
}

// Namespace returns the namespace-level documents of namespace n: the
// Namespace, its PeerAuthentication, a deny-all and an ALLOW policy, a
// default-deny NetworkPolicy and a Sidecar.
func Namespace(n int) string {
	ns := fmt.Sprintf("team-%03d", n)
	scope := []string{"cde", "connected", "out"}[n%3]
	mode := "STRICT"
	if n%5 == 4 {
		mode = "PERMISSIVE"
	}
	return fmt.Sprintf(`apiVersion: v1
kind: Namespace
metadata:
  name: %[1]s
  labels:
    istio-injection: enabled
    meshproof.dev/pci-scope: %[2]s
---
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata:
  name: default
  namespace: %[1]s
spec:
  mtls:
    mode: %[3]s
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata:
  name: deny-all
  namespace: %[1]s
spec: {}
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata:
  name: allow-frontend
  namespace: %[1]s
spec:
  selector:
    matchLabels:
      tier: api
  rules:
  - from:
    - source:
        principals: ["cluster.local/ns/%[1]s/sa/frontend"]
    to:
    - operation:
        methods: ["GET", "POST"]
        paths: ["/api/*"]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: default-deny
  namespace: %[1]s
spec:
  podSelector: {}
  policyTypes: [Ingress, Egress]
---
apiVersion: networking.istio.io/v1
kind: Sidecar
metadata:
  name: default
  namespace: %[1]s
spec:
  egress:
  - hosts:
    - "./*"
    - "istio-system/*"
`, ns, scope, mode)
}

// Workload returns the documents of workload w in namespace n: a
// ServiceAccount, a Deployment, a Service and a DestinationRule.
func Workload(n, w int) string {
	ns := fmt.Sprintf("team-%03d", n)
	name := fmt.Sprintf("svc-%03d", w)
	image := fmt.Sprintf("registry.example.com/%s/%s@sha256:%064x", ns, name, n*1000+w)
	privileged := "false"
	if (n+w)%17 == 0 {
		image = fmt.Sprintf("registry.example.com/%s/%s:latest", ns, name)
		privileged = "true"
	}
	tls := "ISTIO_MUTUAL"
	if (n+w)%23 == 0 {
		tls = "DISABLE"
	}
	return fmt.Sprintf(`apiVersion: v1
kind: ServiceAccount
metadata:
  name: %[2]s
  namespace: %[1]s
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: %[2]s
  namespace: %[1]s
  labels:
    app: %[2]s
spec:
  replicas: 2
  selector:
    matchLabels:
      app: %[2]s
  template:
    metadata:
      labels:
        app: %[2]s
        tier: api
        version: v1
    spec:
      serviceAccountName: %[2]s
      securityContext:
        runAsNonRoot: true
        runAsUser: 10001
        seccompProfile:
          type: RuntimeDefault
      containers:
      - name: app
        image: %[3]s
        ports:
        - containerPort: 8080
          name: http
        env:
        - name: LOG_LEVEL
          value: info
        - name: DB_PASSWORD
          valueFrom:
            secretKeyRef:
              name: %[2]s-db
              key: password
        resources:
          requests: {cpu: 100m, memory: 128Mi}
          limits: {memory: 256Mi}
        securityContext:
          privileged: %[4]s
          allowPrivilegeEscalation: false
          readOnlyRootFilesystem: true
          capabilities:
            drop: ["ALL"]
---
apiVersion: v1
kind: Service
metadata:
  name: %[2]s
  namespace: %[1]s
spec:
  selector:
    app: %[2]s
  ports:
  - name: http
    port: 80
    targetPort: 8080
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: %[2]s
  namespace: %[1]s
spec:
  host: %[2]s.%[1]s.svc.cluster.local
  trafficPolicy:
    tls:
      mode: %[5]s
`, ns, name, image, privileged, tls)
}
