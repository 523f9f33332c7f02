package proxy

import (
	"crypto/tls"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/meshproof/meshproof/proxy/config"
	"github.com/meshproof/meshproof/proxy/internal/testpki"
)

// TestNegativeMatrix: every way a client can fail to be allowed, each on
// a real loopback socket, each asserting that nothing reached the backend.
func TestNegativeMatrix(t *testing.T) {
	p := newPKI(t)
	files := p.files(t, "server", serverID)
	other := testpki.NewCA(t, "rogue CA")
	foreign := testpki.NewCA(t, "other.example CA")
	now := time.Now()

	type tc struct {
		name   string
		cert   func() *tls.Certificate
		tls12  bool
		reason string
	}
	leaf := func(ca *testpki.CA, l testpki.Leaf) func() *tls.Certificate {
		return func() *tls.Certificate { c := ca.Issue(t, l).TLS; return &c }
	}
	tests := []tc{
		{name: "no client certificate", cert: func() *tls.Certificate { return nil }, reason: ReasonNoClientCert},
		{name: "untrusted CA", cert: leaf(other, testpki.Leaf{URIs: []string{clientID}}), reason: ReasonUntrustedCA},
		{name: "expired", cert: leaf(p.ca, testpki.Leaf{URIs: []string{clientID}, NotBefore: now.Add(-2 * time.Hour), NotAfter: now.Add(-time.Minute)}), reason: ReasonExpired},
		{name: "not yet valid", cert: leaf(p.ca, testpki.Leaf{URIs: []string{clientID}, NotBefore: now.Add(time.Hour), NotAfter: now.Add(2 * time.Hour)}), reason: ReasonNotYetValid},
		{name: "wrong trust domain, its own CA", cert: leaf(foreign, testpki.Leaf{URIs: []string{"spiffe://other.example/ns/payments/sa/api"}}), reason: ReasonUntrustedDomain},
		{name: "wrong trust domain, signed by our CA", cert: leaf(p.ca, testpki.Leaf{URIs: []string{"spiffe://other.example/ns/payments/sa/api"}}), reason: ReasonUntrustedDomain},
		{name: "allowed trust domain, unauthorized ID", cert: leaf(p.ca, testpki.Leaf{URIs: []string{"spiffe://corp.example/ns/payments/sa/intruder"}}), reason: ReasonUnauthorized},
		{name: "two URI SANs", cert: leaf(p.ca, testpki.Leaf{URIs: []string{clientID, "spiffe://corp.example/ns/x/sa/y"}}), reason: ReasonBadSVID},
		{name: "no URI SAN", cert: leaf(p.ca, testpki.Leaf{DNS: []string{"api.payments"}}), reason: ReasonBadSVID},
		{name: "TLS 1.2 client", cert: leaf(p.ca, testpki.Leaf{URIs: []string{clientID}}), tls12: true, reason: ReasonTLSVersion},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			be := newBackend(t)
			px := startProxy(t, baseConfig(files, serverID, inboundTCP(be.addr(), config.Principal{ID: clientID})), Options{})
			cfg := clientTLS(tt.cert())
			if tt.tls12 {
				cfg.MinVersion, cfg.MaxVersion = tls.VersionTLS12, tls.VersionTLS12
			}
			got, err := roundTrip(px.addr("in"), cfg, "SELECT secret")
			if err == nil || got != "" {
				t.Errorf("roundTrip() = %q, %v, want a refusal", got, err)
			}
			recs := px.log.waitRecords(t, "connection", 1)
			if recs[0]["decision"] != "deny" || recs[0]["reason"] != tt.reason {
				t.Errorf("access log = %v, want decision deny, reason %s", recs[0], tt.reason)
			}
			if n, b := be.conns.Load(), be.bytes.Load(); n != 0 || b != 0 {
				t.Errorf("backend saw %d connections, %d bytes, want 0 and 0", n, b)
			}
			metric := "meshproof_proxy_handshake_failures_total"
			if tt.reason == ReasonUnauthorized {
				metric = "meshproof_proxy_authz_denials_total"
			}
			if want := fmt.Sprintf(`%s{listener="in",reason="%s"} 1`, metric, tt.reason); !strings.Contains(metricsText(t, px.Server), want) {
				t.Errorf("metrics lack %s", want)
			}
		})
	}

	t.Run("allowed client passes", func(t *testing.T) {
		be := newBackend(t)
		px := startProxy(t, baseConfig(files, serverID, inboundTCP(be.addr(), config.Principal{ID: clientID})), Options{})
		c := p.ca.SVID(t, clientID).TLS
		got, err := roundTrip(px.addr("in"), clientTLS(&c), "SELECT 1")
		if err != nil || got != "SELECT 1" {
			t.Fatalf("roundTrip() = %q, %v, want the echo", got, err)
		}
		recs := px.log.waitRecords(t, "connection", 1)
		if recs[0]["decision"] != "allow" || recs[0]["peer"] != clientID || recs[0]["bytes_in"] != 8.0 || recs[0]["bytes_out"] != 8.0 || recs[0]["close"] != "done" {
			t.Errorf("access log = %v", recs[0])
		}
	})
}
