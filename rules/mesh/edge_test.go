package mesh

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"math/big"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestMeshConfig(t *testing.T) {
	tests := []struct {
		name, yaml string
		want       *MeshConfig
	}{
		{"absent", nsPayments, nil},
		{"ConfigMap", `
apiVersion: v1
kind: ConfigMap
metadata: {name: istio, namespace: istio-system}
data:
  mesh: |-
    accessLogFile: /dev/stdout
    outboundTrafficPolicy:
      mode: REGISTRY_ONLY
    extensionProviders:
    - name: opa
      envoyExtAuthzGrpc: {service: opa.opa.svc.cluster.local, port: 9191}
`, &MeshConfig{OutboundMode: "REGISTRY_ONLY", OutboundSet: true, ExtensionProviders: []string{"opa"}, AccessLogFile: "/dev/stdout", DefaultAccessLogProviders: []string{}, DefaultServiceExportTo: []string{"*"}}},
		{"IstioOperator, defaults", `
apiVersion: install.istio.io/v1alpha1
kind: IstioOperator
metadata: {name: control-plane, namespace: istio-system}
spec:
  meshConfig:
    defaultProviders:
      accessLogging: [envoy]
    defaultServiceExportTo: ["."]
`, &MeshConfig{OutboundMode: "ALLOW_ANY", ExtensionProviders: []string{}, DefaultAccessLogProviders: []string{"envoy"}, DefaultServiceExportTo: []string{"."}}},
		{"ConfigMap in another namespace is not the mesh config", `
apiVersion: v1
kind: ConfigMap
metadata: {name: istio, namespace: default}
data: {mesh: "accessLogFile: /dev/stdout"}
`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := build(t, tt.yaml, Options{}).MeshConfig
			if got != nil {
				got.Ref, got.Path = Ref{}, nil
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("MeshConfig (-want +got):\n%s", diff)
			}
		})
	}
	m := build(t, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: istio, namespace: istio-system}\ndata: {mesh: \"a: [\"}\n", Options{})
	if m.MeshConfig == nil || m.MeshConfig.Error == "" {
		t.Errorf("unparsable data.mesh: MeshConfig = %+v, want an Error", m.MeshConfig)
	}
}

func TestServiceEntryTLS(t *testing.T) {
	m := build(t, `
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: db, namespace: payments}
spec:
  hosts: [db.internal]
  ports:
  - {number: 5432, name: tcp-pg, protocol: TCP}
  - {number: 9187, name: http-metrics, protocol: HTTP}
  - {number: 443, name: https, protocol: HTTPS}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: db, namespace: payments}
spec:
  host: db.internal
  trafficPolicy:
    tls: {mode: SIMPLE}
    portLevelSettings:
    - port: {number: 9187}
      tls: {mode: DISABLE}
  subsets:
  - name: a
    trafficPolicy:
      tls: {mode: MUTUAL}
`, Options{})
	se := m.ServiceEntries[0]
	var got []string
	for _, p := range se.TLSByPort {
		got = append(got, p.Mode)
	}
	// Subset settings do not apply to plain traffic to the host.
	if want := []string{"SIMPLE", "DISABLE", "SIMPLE"}; !cmp.Equal(got, want) {
		t.Errorf("TLS by port = %v, want %v", got, want)
	}
	if se.Location != "MESH_EXTERNAL" || se.Resolution != "NONE" {
		t.Errorf("defaults: location %q resolution %q, want MESH_EXTERNAL and NONE", se.Location, se.Resolution)
	}
}

func certPEM(t *testing.T, notBefore, notAfter time.Time) string {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "shop.example.com"}, NotBefore: notBefore, NotAfter: notAfter}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
}

// TestGatewayCredentials: the Secret is looked for in the gateway workload's
// namespace; a missing Secret is not found, an expired certificate a problem.
func TestGatewayCredentials(t *testing.T) {
	now := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	expired := base64.StdEncoding.EncodeToString([]byte(certPEM(t, now.AddDate(-2, 0, 0), now.AddDate(0, 0, -1))))
	valid := base64.StdEncoding.EncodeToString([]byte(certPEM(t, now.AddDate(0, 0, -1), now.AddDate(1, 0, 0))))
	yaml := `
apiVersion: apps/v1
kind: Deployment
metadata: {name: ingressgateway, namespace: istio-ingress}
spec:
  template:
    metadata: {labels: {istio: ingressgateway}}
    spec: {containers: [{name: istio-proxy, image: i}]}
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: shop, namespace: shop}
spec:
  selector: {istio: ingressgateway}
  servers:
  - port: {number: 443, name: https-a, protocol: HTTPS}
    hosts: [a.example.com]
    tls: {mode: SIMPLE, credentialName: a-cert}
  - port: {number: 443, name: https-b, protocol: HTTPS}
    hosts: [b.example.com]
    tls: {mode: SIMPLE, credentialNames: [b-cert, c-cert]}
---
apiVersion: v1
kind: Secret
metadata: {name: a-cert, namespace: istio-ingress}
type: kubernetes.io/tls
data: {tls.crt: ` + expired + `, tls.key: ""}
---
apiVersion: v1
kind: Secret
metadata: {name: b-cert, namespace: istio-ingress}
type: kubernetes.io/tls
data: {tls.crt: ` + valid + `, tls.key: ""}
---
apiVersion: v1
kind: Secret
metadata: {name: c-cert, namespace: shop}
type: kubernetes.io/tls
data: {tls.crt: ` + valid + `, tls.key: ""}
`
	m := build(t, yaml, Options{Now: now})
	g := m.Gateways[0]
	type row struct {
		Name, Namespace string
		Found           bool
		Problem         string
	}
	var got []row
	for _, c := range g.Credentials {
		got = append(got, row{c.Name, c.Namespace, c.Found, c.Problem})
	}
	want := []row{
		{"a-cert", "istio-ingress", true, "the certificate expired on 2026-05-31"},
		{"b-cert", "istio-ingress", true, ""},
		{"c-cert", "istio-ingress", false, ""},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("credentials (-want +got):\n%s", diff)
	}
	if !m.Workloads[0].Gateway {
		t.Error("the ingress gateway workload is not marked as a gateway")
	}
}

func TestRequestAuthenticationSelection(t *testing.T) {
	m := build(t, nsPayments+deploy("payments", "api", "{app: api}")+deploy("shop", "web", "{app: web}")+`
---
apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata: {name: jwt, namespace: payments}
spec:
  selector: {matchLabels: {app: api}}
  jwtRules: [{issuer: https://idp.example.com, jwksUri: https://idp.example.com/jwks}]
---
apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata: {name: mesh-jwt, namespace: istio-system}
spec:
  jwtRules: [{issuer: https://idp.example.com, jwksUri: https://idp.example.com/jwks}]
`, Options{})
	if got := len(m.RequestAuthentications[0].Workloads); got != 1 {
		t.Errorf("namespace RequestAuthentication selects %d workloads, want 1", got)
	}
	if got := len(m.RequestAuthentications[1].Workloads); got != 2 {
		t.Errorf("root-namespace RequestAuthentication selects %d workloads, want 2", got)
	}
}
