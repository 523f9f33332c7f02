package proxyconf_test

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/meshproof/meshproof/meshgen/intent"
	"github.com/meshproof/meshproof/meshgen/proxyconf"
	"github.com/meshproof/meshproof/proxy/config"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

var opts = proxyconf.Options{
	Serial:    7,
	NotBefore: time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC),
	NotAfter:  time.Date(2026, 12, 23, 0, 0, 0, 0, time.UTC),
}

func parse(t *testing.T, name string, data []byte) *intent.Intent {
	t.Helper()
	in, err := intent.Parse(name, data)
	if err != nil {
		t.Fatal(err)
	}
	return in
}

func payments(t *testing.T) *intent.Intent {
	t.Helper()
	path := filepath.Join("..", "..", "examples", "payments", "intent.yaml")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return parse(t, path, data)
}

// TestGolden compares the payments example's proxy configs (the database's
// inbound proxy on its VM, the settlement job's outbound proxy) with the
// checked-in ones; refresh with -update and review the diff.
func TestGolden(t *testing.T) {
	cfgs, err := proxyconf.Generate(payments(t), opts)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join("testdata", "golden", "payments")
	var names []string
	for _, c := range cfgs {
		names = append(names, c.File)
		path := filepath.Join(dir, c.File)
		if *update {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, c.Data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (create the golden files with -update)", err)
		}
		if diff := cmp.Diff(string(want), string(c.Data)); diff != "" {
			t.Errorf("%s (-golden +generated):\n%s", c.File, diff)
		}
	}
	if diff := cmp.Diff([]string{"payments-db.yaml", "settlement.yaml"}, names); diff != "" {
		t.Errorf("configs (-want +got):\n%s", diff)
	}
}

// TestPaymentsConfigs pins what the proxies enforce: the database proxy
// admits the egress gateway (for payments-api) and the settlement job, and
// nothing else; the settlement proxy verifies the database proxy.
func TestPaymentsConfigs(t *testing.T) {
	cfgs, err := proxyconf.Generate(payments(t), opts)
	if err != nil {
		t.Fatal(err)
	}
	db, settle := cfgs[0].Config, cfgs[1].Config
	wantDB := config.Listener{
		Name: "payments-db", Mode: config.Inbound, Listen: "0.0.0.0:15432", Forward: "127.0.0.1:5432", Protocol: config.TCP,
		Allow: []config.Principal{
			{ID: "spiffe://corp.example/ns/istio-egress/sa/istio-egressgateway"},
			{ID: "spiffe://corp.example/vm/settlement"},
		},
	}
	if diff := cmp.Diff([]config.Listener{wantDB}, db.Spec.Listeners); diff != "" {
		t.Errorf("payments-db listeners (-want +got):\n%s", diff)
	}
	wantSettle := config.Listener{
		Name: "payments-db", Mode: config.Outbound, Listen: "127.0.0.1:5432", Protocol: config.TCP,
		Upstream: "10.20.0.15:15432", ServerName: "payments-db.db.internal",
		ServerID: &config.Principal{ID: "spiffe://corp.example/vm/payments-db"},
	}
	if diff := cmp.Diff([]config.Listener{wantSettle}, settle.Spec.Listeners); diff != "" {
		t.Errorf("settlement listeners (-want +got):\n%s", diff)
	}
	for _, c := range cfgs {
		s := c.Config.Spec
		if s.Serial != 7 || !s.NotBefore.Equal(opts.NotBefore) || !s.NotAfter.Equal(opts.NotAfter) {
			t.Errorf("%s: serial %d valid %v..%v, want the options'", c.Name, s.Serial, s.NotBefore, s.NotAfter)
		}
		parsed, err := config.Parse(c.Data)
		if err != nil {
			t.Fatalf("config.Parse(%s) = %v", c.File, err)
		}
		if diff := cmp.Diff(c.Config, parsed); diff != "" {
			t.Errorf("%s: what the proxy reads differs from what gen meant (-gen +parsed):\n%s", c.File, diff)
		}
	}
	if db.Spec.Identity != "spiffe://corp.example/vm/payments-db" || settle.Spec.Identity != "spiffe://corp.example/vm/settlement" {
		t.Errorf("identities %q, %q", db.Spec.Identity, settle.Spec.Identity)
	}
}

// TestHTTPRules: an HTTP resource gets per-peer rules with the methods and
// paths of its calls; a call without them allows every request of its peer.
func TestHTTPRules(t *testing.T) {
	in := parse(t, "m.yaml", []byte(`apiVersion: meshproof.dev/v1alpha1
kind: MeshIntent
metadata: {name: t}
spec:
  trustDomain: corp.example
  services:
  - {name: api, namespace: pay, cde: true, ports: [{name: http, port: 8080, protocol: http}]}
  - {name: web, namespace: pay, cde: true, ports: [{name: http, port: 8080, protocol: http}]}
  externals:
  - name: vault
    host: vault.internal
    address: "fd00::5"
    port: 8200
    protocol: http
    cde: true
    proxy: {listen: "::", tls: {certFile: /srv/cert.pem}}
  clients:
  - {name: batch}
  - {name: audit, identity: "spiffe://corp.example/vm/audit-01"}
  calls:
  - {from: api, to: vault, methods: [GET], paths: [/v1/secret/*]}
  - {from: web, to: vault, methods: [POST], paths: [/v1/transit/encrypt]}
  - {from: batch, to: vault, methods: [GET]}
  - {from: audit, to: vault, listen: "127.0.0.1:18200"}
`))
	cfgs, err := proxyconf.Generate(in, opts)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range cfgs {
		got = append(got, c.Name)
	}
	if diff := cmp.Diff([]string{"audit", "batch", "vault"}, got); diff != "" {
		t.Fatalf("configs (-want +got):\n%s", diff)
	}
	vault := cfgs[2].Config
	l := vault.Spec.Listeners[0]
	want := []config.HTTPRule{
		{Principals: []config.Principal{{ID: "spiffe://corp.example/ns/istio-egress/sa/istio-egressgateway"}},
			Permissions: []config.Permission{{Methods: []string{"GET"}, Paths: []string{"/v1/secret/*"}}, {Methods: []string{"POST"}, Paths: []string{"/v1/transit/encrypt"}}}},
		{Principals: []config.Principal{{ID: "spiffe://corp.example/vm/audit-01"}}, Permissions: []config.Permission{{}}},
		{Principals: []config.Principal{{ID: "spiffe://corp.example/vm/batch"}}, Permissions: []config.Permission{{Methods: []string{"GET"}}}},
	}
	if diff := cmp.Diff(want, l.HTTPRules); diff != "" {
		t.Errorf("vault httpRules (-want +got):\n%s", diff)
	}
	if l.Protocol != config.HTTP || l.Listen != "[::]:18200" || l.Forward != "127.0.0.1:8200" || len(l.Allow) != 0 {
		t.Errorf("vault listener %+v", l)
	}
	if vault.Spec.TLS.CertFile != "/srv/cert.pem" || vault.Spec.TLS.KeyFile != intent.DefaultKeyFile {
		t.Errorf("vault TLS files %+v", vault.Spec.TLS)
	}
	audit := cfgs[0].Config.Spec.Listeners[0]
	if audit.Listen != "127.0.0.1:18200" || audit.Upstream != "[fd00::5]:18200" || audit.ServerID.ID != "spiffe://corp.example/vm/vault" {
		t.Errorf("audit listener %+v", audit)
	}
	if !strings.HasPrefix(string(cfgs[0].Data), proxyconf.Header) {
		t.Errorf("config does not start with the header: %q", cfgs[0].Data[:40])
	}
}

func TestGenerateOptions(t *testing.T) {
	in := payments(t)
	for name, o := range map[string]proxyconf.Options{
		"no serial":   {NotBefore: opts.NotBefore, NotAfter: opts.NotAfter},
		"no validity": {Serial: 1},
		"reversed":    {Serial: 1, NotBefore: opts.NotAfter, NotAfter: opts.NotBefore},
	} {
		if _, err := proxyconf.Generate(in, o); err == nil {
			t.Errorf("Generate(%s) = nil error", name)
		}
	}
}
