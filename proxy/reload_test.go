package proxy

import (
	"bytes"
	"crypto/tls"
	"log/slog"
	"net"
	"strings"
	"testing"

	"github.com/meshproof/meshproof/proxy/config"
	"github.com/meshproof/meshproof/proxy/internal/testpki"
)

// TestBrokenFilesKeepOldState: a reload with a garbage certificate, a key
// that does not match, an SVID for another identity, or a bundle that does
// not verify the certificate is refused as a whole and logged; the proxy
// goes on serving with the old certificate.
func TestBrokenFilesKeepOldState(t *testing.T) {
	p := newPKI(t)
	files := p.files(t, "server", serverID)
	be := newBackend(t)
	diag := &logBuf{}
	px := startProxy(t, baseConfig(files, serverID, inboundTCP(be.addr(), config.Principal{ID: clientID})),
		Options{Logger: slog.New(slog.NewTextHandler(diag, nil))})
	served := func() []byte {
		cert := p.ca.SVID(t, clientID).TLS
		c, err := tls.Dial("tcp", px.addr("in"), clientTLS(&cert))
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		echo(t, c, "ok")
		return c.ConnectionState().PeerCertificates[0].Raw
	}
	original := served()
	other := p.ca.SVID(t, serverID)
	rogue := testpki.NewCA(t, "rogue")
	tests := []struct {
		name             string
		cert, key, bundl []byte
	}{
		{"garbage certificate", []byte("not PEM"), other.KeyPEM, p.ca.PEM},
		{"key of another certificate", other.CertPEM, p.ca.SVID(t, serverID).KeyPEM, p.ca.PEM},
		{"SVID for another identity", p.ca.SVID(t, clientID).CertPEM, nil, p.ca.PEM},
		{"bundle without the issuer", other.CertPEM, other.KeyPEM, rogue.PEM},
		{"empty bundle", other.CertPEM, other.KeyPEM, []byte("\n")},
	}
	for i, tt := range tests {
		if tt.key == nil { // keep cert and key consistent for the identity case
			l := p.ca.SVID(t, clientID)
			tt.cert, tt.key = l.CertPEM, l.KeyPEM
		}
		testpki.WriteFile(t, files.CertFile, tt.cert)
		testpki.WriteFile(t, files.KeyFile, tt.key)
		testpki.WriteFile(t, files.BundleFile, tt.bundl)
		if err := px.Reload(); err == nil {
			t.Errorf("%s: Reload() = nil, want an error", tt.name)
		}
		if got := served(); !bytes.Equal(got, original) {
			t.Errorf("%s: the proxy serves another certificate after a refused reload", tt.name)
		}
		if want := `meshproof_proxy_reloads_total{kind="certs",result="rejected"} ` + string(rune('1'+i)); !strings.Contains(metricsText(t, px.Server), want) {
			t.Errorf("%s: metrics lack %s", tt.name, want)
		}
	}
	diag.mu.Lock()
	logged := diag.b.String()
	diag.mu.Unlock()
	if !strings.Contains(logged, "reload refused") {
		t.Errorf("refusals not logged:\n%s", logged)
	}
	// Good files again: applied.
	testpki.WriteFile(t, files.CertFile, other.CertPEM)
	testpki.WriteFile(t, files.KeyFile, other.KeyPEM)
	testpki.WriteFile(t, files.BundleFile, p.ca.PEM)
	if err := px.Reload(); err != nil {
		t.Fatal(err)
	}
	if got := served(); !bytes.Equal(got, other.Cert.Raw) {
		t.Error("a good reload did not switch the certificate")
	}
}

// TestRefusedConfigReloadIsAllOrNothing: a new config whose new listener
// cannot bind changes nothing, not even the policy of the kept listener.
func TestRefusedConfigReloadIsAllOrNothing(t *testing.T) {
	p := newPKI(t)
	files := p.files(t, "server", serverID)
	be := newBackend(t)
	cfg := baseConfig(files, serverID, inboundTCP(be.addr(), config.Principal{ID: clientID}))
	src := &configSource{}
	src.c.Store(cfg)
	px := startProxy(t, cfg, Options{LoadConfig: src.load})
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()

	next := *cfg
	next.Spec.Serial = 2
	extra := inboundTCP(be.addr(), config.Principal{ID: clientID})
	extra.Name, extra.Listen = "extra", busy.Addr().String()
	next.Spec.Listeners = []config.Listener{inboundTCP(be.addr(), config.Principal{ID: "spiffe://corp.example/ns/x/sa/y"}), extra}
	src.c.Store(&next)
	if err := px.Reload(); err == nil {
		t.Fatal("Reload() with an unbindable listener = nil, want an error")
	}
	if px.Config().Spec.Serial != 1 || px.Addr("extra") != nil {
		t.Errorf("serial %d, extra listener %v after a refused reload", px.Config().Spec.Serial, px.Addr("extra"))
	}
	cert := p.ca.SVID(t, clientID).TLS
	if got, err := roundTrip(px.addr("in"), clientTLS(&cert), "still allowed"); err != nil || got != "still allowed" {
		t.Errorf("the old policy is gone after a refused reload: %q, %v", got, err)
	}
}
