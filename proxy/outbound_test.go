package proxy

import (
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/meshproof/meshproof/proxy/config"
)

func outboundTCP(upstream string, server config.Principal) config.Listener {
	return config.Listener{Name: "out", Mode: config.Outbound, Listen: "127.0.0.1:0", Protocol: config.TCP, Upstream: upstream, ServerID: &server}
}

// plainRoundTrip is a plaintext client of an outbound listener.
func plainRoundTrip(addr, msg string) (string, error) {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return "", err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := c.Write([]byte(msg)); err != nil {
		return "", err
	}
	c.(*net.TCPConn).CloseWrite()
	b, err := io.ReadAll(c)
	return string(b), err
}

// TestOutboundToInbound: a plaintext client, an outbound proxy that
// originates mTLS, an inbound proxy that authorizes it, a backend.
func TestOutboundToInbound(t *testing.T) { forwardingModes(t, testOutboundToInbound) }

func testOutboundToInbound(t *testing.T, opts Options) []*testProxy {
	p := newPKI(t)
	be := newBackend(t)
	in := startProxy(t, baseConfig(p.files(t, "server", serverID), serverID, inboundTCP(be.addr(), config.Principal{ID: clientID})), opts)
	out := startProxy(t, baseConfig(p.files(t, "client", clientID), clientID, outboundTCP(in.addr("in"), config.Principal{ID: serverID})), opts)

	got, err := plainRoundTrip(out.addr("out"), "SELECT 1")
	if err != nil || got != "SELECT 1" {
		t.Fatalf("through outbound and inbound: %q, %v", got, err)
	}
	rec := out.log.waitRecords(t, "connection", 1)[0]
	if rec["peer"] != serverID || rec["decision"] != "allow" || rec["mode"] != "outbound" {
		t.Errorf("outbound access log = %v", rec)
	}
	rec = in.log.waitRecords(t, "connection", 1)[0]
	if rec["peer"] != clientID || rec["decision"] != "allow" {
		t.Errorf("inbound access log = %v", rec)
	}
	return []*testProxy{in, out}
}

// TestOutboundWrongServerID: the upstream presents a valid SVID of the
// trust domain, but not the identity the listener expects.
func TestOutboundWrongServerID(t *testing.T) {
	p := newPKI(t)
	be := newBackend(t)
	in := startProxy(t, baseConfig(p.files(t, "server", serverID), serverID, inboundTCP(be.addr(), config.Principal{ID: clientID})), Options{})
	out := startProxy(t, baseConfig(p.files(t, "client", clientID), clientID,
		outboundTCP(in.addr("in"), config.Principal{ID: "spiffe://corp.example/vm/other-db"})), Options{})

	got, err := plainRoundTrip(out.addr("out"), "SELECT secret")
	if got != "" {
		t.Errorf("through a wrong upstream: %q, %v, want nothing", got, err)
	}
	rec := out.log.waitRecords(t, "connection", 1)[0]
	if rec["decision"] != "deny" || rec["reason"] != ReasonWrongServerID {
		t.Errorf("outbound access log = %v, want deny %s", rec, ReasonWrongServerID)
	}
	if !strings.Contains(metricsText(t, out.Server), `meshproof_proxy_authz_denials_total{listener="out",reason="wrong_server_id"} 1`) {
		t.Error("metrics lack the wrong_server_id denial")
	}
	if n, b := be.conns.Load(), be.bytes.Load(); n != 0 || b != 0 {
		t.Errorf("backend saw %d connections, %d bytes, want 0", n, b)
	}
}
