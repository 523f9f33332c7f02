package config

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const valid = `apiVersion: meshproof.dev/v1alpha1
kind: ProxyConfig
metadata:
  name: payments-db
spec:
  serial: 7
  notBefore: "2026-11-23T00:00:00Z"
  notAfter: "2026-12-23T00:00:00Z"
  identity: spiffe://corp.example/vm/payments-db
  tls:
    certFile: /etc/meshproof/svid.pem
    keyFile: /etc/meshproof/svid-key.pem
    bundleFile: /etc/meshproof/bundle.pem
  listeners:
  - name: postgres
    mode: inbound
    listen: 0.0.0.0:15432
    forward: 127.0.0.1:5432
    proxyProtocol: true
    allow:
    - id: spiffe://corp.example/ns/payments/sa/payments-api
    - pattern: spiffe://corp.example/ns/payments/sa/batch-*
  - name: api
    mode: inbound
    protocol: http
    listen: 0.0.0.0:18080
    forward: 127.0.0.1:8080
    httpRules:
    - principals: [{trustDomain: corp.example}]
      permissions: [{methods: [GET], paths: [/v1/*]}]
  - name: db-client
    mode: outbound
    listen: 127.0.0.1:5433
    upstream: payments-db.db.internal:15432
    serverID: {id: spiffe://corp.example/vm/payments-db}
  limits:
    idleTimeout: 2m
`

func TestParseRoundTrip(t *testing.T) {
	c, err := Parse([]byte(valid))
	if err != nil {
		t.Fatal(err)
	}
	if c.Spec.Listeners[0].Protocol != TCP || c.Spec.Limits.MaxConnections != DefaultMaxConnections || c.Spec.AccessLog.Path != "stdout" {
		t.Errorf("defaults not filled: %+v", c.Spec)
	}
	out, err := Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	back, err := Parse(out)
	if err != nil {
		t.Fatalf("Parse(Marshal(c)): %v\n%s", err, out)
	}
	if diff := cmp.Diff(c, back); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
	again, _ := Marshal(back)
	if string(again) != string(out) {
		t.Error("Marshal is not deterministic")
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct{ name, edit, want string }{
		{"unknown field", "    proxyProtocol: true", "field proxyProtcol not found"},
		{"no serial", "  serial: 7", "spec.serial is required"},
		{"bad identity", "  identity: spiffe://corp.example/vm/payments-db", "is not a SPIFFE ID"},
		{"nothing allowed", "    allow:\n    - id: spiffe://corp.example/ns/payments/sa/payments-api\n    - pattern: spiffe://corp.example/ns/payments/sa/batch-*", "nothing is allowed by default"},
		{"outbound without server ID", "    serverID: {id: spiffe://corp.example/vm/payments-db}", "needs serverID"},
		{"two matchers", "    - id: spiffe://corp.example/ns/payments/sa/payments-api", "set exactly one of id, trustDomain, pattern"},
		{"bad duration", "    idleTimeout: 2m", `invalid duration "2 minutes"`},
	}
	repl := map[string]string{
		"unknown field":              "    proxyProtcol: true",
		"no serial":                  "  serial: 0",
		"bad identity":               "  identity: https://corp.example/vm",
		"nothing allowed":            "    allow: []",
		"outbound without server ID": "",
		"two matchers":               "    - id: spiffe://corp.example/ns/payments/sa/payments-api\n      trustDomain: corp.example",
		"bad duration":               "    idleTimeout: 2 minutes",
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := strings.Replace(valid, tt.edit, repl[tt.name], 1)
			if in == valid {
				t.Fatalf("edit %q not applied", tt.edit)
			}
			_, err := Parse([]byte(in))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Parse error = %v, want it to contain %q", err, tt.want)
			}
		})
	}
	if _, err := Parse([]byte(valid + "---\na: 1\n")); err == nil {
		t.Error("a second document is accepted")
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(valid))
	f.Add([]byte("apiVersion: meshproof.dev/v1alpha1\nkind: ProxyConfig\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse(data)
		if err != nil {
			return
		}
		out, err := Marshal(c)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Parse(out); err != nil {
			t.Fatalf("accepted config does not re-parse: %v\n%s", err, out)
		}
	})
}
