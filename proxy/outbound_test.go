package proxy

import (
	"errors"
	"io"
	"net"
	"strings"
	"syscall"
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

// TestUnreachableIsAReset: when the backend or the upstream cannot be
// reached, the client's connection is reset, so that an empty stream is
// not taken for a complete answer (a TLS client reads a bare FIN at a
// record boundary as a clean end).
func TestUnreachableIsAReset(t *testing.T) {
	p := newPKI(t)
	nowhere := freeAddr(t)
	in := startProxy(t, baseConfig(p.files(t, "server", serverID), serverID, inboundTCP(nowhere, config.Principal{ID: clientID})), Options{})
	out := startProxy(t, baseConfig(p.files(t, "client", clientID), clientID, outboundTCP(nowhere, config.Principal{ID: serverID})), Options{})
	cert := p.ca.SVID(t, clientID).TLS

	_, err := roundTrip(in.addr("in"), clientTLS(&cert), "hello")
	if !errors.Is(err, syscall.ECONNRESET) {
		t.Errorf("inbound, backend unreachable: client got %v, want a reset", err)
	}
	if r := in.log.waitRecords(t, "connection", 1)[0]; r["close"] != ReasonBackend {
		t.Errorf("inbound access log = %v", r)
	}
	_, err = plainRoundTrip(out.addr("out"), "hello")
	if !errors.Is(err, syscall.ECONNRESET) {
		t.Errorf("outbound, upstream unreachable: client got %v, want a reset", err)
	}
	if r := out.log.waitRecords(t, "connection", 1)[0]; r["close"] != ReasonUpstream {
		t.Errorf("outbound access log = %v", r)
	}
}
