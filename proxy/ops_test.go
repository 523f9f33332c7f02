package proxy

import (
	"bytes"
	"context"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/meshproof/meshproof/proxy/config"
	"github.com/meshproof/meshproof/proxy/proxyproto"
)

func TestProxyProtocolV2(t *testing.T) {
	p := newPKI(t)
	be := newBackend(t)
	got := make(chan *proxyproto.Header, 1)
	be.handle = func(c net.Conn) {
		h, err := proxyproto.Read(c)
		if err != nil {
			t.Errorf("backend: %v", err)
			return
		}
		got <- h
		io.Copy(c, c)
		c.(*countConn).Conn.(*net.TCPConn).CloseWrite()
	}
	l := inboundTCP(be.addr(), config.Principal{ID: clientID})
	l.ProxyProtocol = true
	px := startProxy(t, baseConfig(p.files(t, "server", serverID), serverID, l), Options{})
	cert := p.ca.SVID(t, clientID).TLS
	c, err := tls.Dial("tcp", px.addr("in"), clientTLS(&cert))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	echo(t, c, "after the header")
	h := <-got
	if h.SPIFFEID != clientID || h.TLSVersion != "TLSv1.3" {
		t.Errorf("header = %+v, want the client's SPIFFE ID and TLSv1.3", h)
	}
	if h.Source.String() != c.LocalAddr().String() || h.Destination.String() != px.addr("in") {
		t.Errorf("header addresses %s -> %s, want %s -> %s", h.Source, h.Destination, c.LocalAddr(), px.addr("in"))
	}
}

func TestAdminEndpoints(t *testing.T) {
	p := newPKI(t)
	be := newBackend(t)
	cfg := baseConfig(p.files(t, "server", serverID), serverID, inboundTCP(be.addr(), config.Principal{ID: clientID}))
	cfg.Spec.Admin.Listen = "127.0.0.1:0"
	px := startProxy(t, cfg, Options{})
	base := "http://" + px.AdminAddr().String()
	get := func(path string) (int, string) {
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, _ := get("/healthz"); code != 200 {
		t.Errorf("/healthz = %d", code)
	}
	if code, body := get("/readyz"); code != 200 {
		t.Errorf("/readyz = %d %s", code, body)
	}
	cert := p.ca.SVID(t, clientID).TLS
	if _, err := roundTrip(px.addr("in"), clientTLS(&cert), "0123456789"); err != nil {
		t.Fatal(err)
	}
	roundTrip(px.addr("in"), clientTLS(nil), "x")
	px.log.waitRecords(t, "connection", 2)
	_, m := get("/metrics")
	for _, want := range []string{
		`meshproof_proxy_connections_total{listener="in"} 2`,
		`meshproof_proxy_connections_active{listener="in"} 0`,
		`meshproof_proxy_bytes_total{listener="in",direction="in"} 10`,
		`meshproof_proxy_bytes_total{listener="in",direction="out"} 10`,
		`meshproof_proxy_handshake_failures_total{listener="in",reason="no_client_cert"} 1`,
		`meshproof_proxy_connections_closed_total{listener="in",reason="done"} 1`,
		"meshproof_proxy_certificate_not_after_seconds ",
		"meshproof_proxy_bundle_not_after_seconds ",
		"meshproof_proxy_config_serial 1",
		"meshproof_proxy_ready 1",
		"# TYPE meshproof_proxy_authz_denials_total counter",
	} {
		if !strings.Contains(m, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
}

// TestConfigExpiry: once the running config's notAfter passes, the proxy
// is not ready and refuses new connections (fail closed).
func TestConfigExpiry(t *testing.T) {
	p := newPKI(t)
	be := newBackend(t)
	var offset atomic.Int64
	now := func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }
	cfg := baseConfig(p.files(t, "server", serverID), serverID, inboundTCP(be.addr(), config.Principal{ID: clientID}))
	px := startProxy(t, cfg, Options{Now: now})
	if ok, why := px.Ready(); !ok {
		t.Fatalf("Ready() = false, %s", why)
	}
	offset.Store(int64(61 * time.Minute))
	if ok, _ := px.Ready(); ok {
		t.Error("Ready() = true with an expired config")
	}
	cert := p.ca.SVID(t, clientID).TLS
	if got, err := roundTrip(px.addr("in"), clientTLS(&cert), "x"); err == nil || got != "" {
		t.Errorf("roundTrip() under an expired config = %q, %v", got, err)
	}
	if r := px.log.waitRecords(t, "connection", 1)[0]; r["reason"] != ReasonConfigExpired {
		t.Errorf("access log = %v", r)
	}
	if be.conns.Load() != 0 {
		t.Error("backend reached under an expired config")
	}
}

func TestMaxConnections(t *testing.T) {
	p := newPKI(t)
	be := newBackend(t)
	cfg := baseConfig(p.files(t, "server", serverID), serverID, inboundTCP(be.addr(), config.Principal{ID: clientID}))
	cfg.Spec.Limits.MaxConnections = 2
	px := startProxy(t, cfg, Options{})
	cert := p.ca.SVID(t, clientID).TLS
	var open []*tls.Conn
	for i := 0; i < 2; i++ {
		c, err := tls.Dial("tcp", px.addr("in"), clientTLS(&cert))
		if err != nil {
			t.Fatal(err)
		}
		echo(t, c, "hi")
		open = append(open, c)
	}
	if got, err := roundTrip(px.addr("in"), clientTLS(&cert), "third"); err == nil && got == "third" {
		t.Error("a third connection got through a limit of 2")
	}
	if r := px.log.waitRecords(t, "connection", 1)[0]; r["reason"] != ReasonMaxConnections {
		t.Errorf("access log = %v", r)
	}
	open[0].Close()
	px.log.waitRecords(t, "connection", 2)
	if got, err := roundTrip(px.addr("in"), clientTLS(&cert), "again"); err != nil || got != "again" {
		t.Errorf("after one closed: %q, %v", got, err)
	}
	open[1].Close()
}

// TestSlowloris: a client that trickles a handshake is cut off at the
// handshake timeout.
func TestSlowloris(t *testing.T) {
	p := newPKI(t)
	be := newBackend(t)
	cfg := baseConfig(p.files(t, "server", serverID), serverID, inboundTCP(be.addr(), config.Principal{ID: clientID}))
	cfg.Spec.Limits.HandshakeTimeout = config.Duration(300 * time.Millisecond)
	px := startProxy(t, cfg, Options{})
	start := time.Now() // before the dial: the server's clock starts at accept
	c, err := net.Dial("tcp", px.addr("in"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	hello := []byte{0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03}
	closed := false
	for i := 0; i < 200 && !closed; i++ {
		if _, err := c.Write(hello[i%len(hello) : i%len(hello)+1]); err != nil {
			closed = true
			break
		}
		c.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
		if _, err := c.Read(make([]byte, 1)); err != nil && !isTimeout(err) {
			closed = true
		}
	}
	if !closed {
		t.Fatal("a trickled handshake was never cut off")
	}
	if el := time.Since(start); el < 300*time.Millisecond {
		t.Errorf("cut off after %v, before the handshake timeout", el)
	}
	if r := px.log.waitRecords(t, "connection", 1)[0]; r["reason"] != ReasonHandshakeTimeout {
		t.Errorf("access log = %v", r)
	}
	if be.conns.Load() != 0 {
		t.Error("backend reached")
	}
}

func isTimeout(err error) bool {
	ne, ok := err.(net.Error)
	return ok && ne.Timeout()
}

// TestIdleTimeout: an idle connection is closed; one where bytes flow in
// only one direction is kept past the idle timeout; max lifetime ends it.
func TestIdleTimeout(t *testing.T) {
	p := newPKI(t)
	be := newBackend(t)
	be.handle = func(c net.Conn) { io.Copy(io.Discard, c) } // a sink: bytes flow one way only
	cfg := baseConfig(p.files(t, "server", serverID), serverID, inboundTCP(be.addr(), config.Principal{ID: clientID}))
	cfg.Spec.Limits.IdleTimeout = config.Duration(300 * time.Millisecond)
	cfg.Spec.Limits.MaxLifetime = config.Duration(1500 * time.Millisecond)
	px := startProxy(t, cfg, Options{})
	cert := p.ca.SVID(t, clientID).TLS

	idle, err := tls.Dial("tcp", px.addr("in"), clientTLS(&cert))
	if err != nil {
		t.Fatal(err)
	}
	defer idle.Close()
	busy, err := tls.Dial("tcp", px.addr("in"), clientTLS(&cert))
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	// Write until the proxy ends the busy connection (its max lifetime).
	start := time.Now()
	for time.Since(start) < 20*time.Second {
		if _, err := busy.Write([]byte("tick")); err != nil {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	recs := px.log.waitRecords(t, "connection", 2)
	if recs[0]["close"] != closeIdle || recs[1]["close"] != closeLifetime {
		t.Errorf("close reasons %v, %v, want %s then %s", recs[0]["close"], recs[1]["close"], closeIdle, closeLifetime)
	}
}

// TestGracefulDrain: Shutdown stops accepting and reports not ready at
// once, lets an open connection finish, and closes what is left at the
// drain timeout.
func TestGracefulDrain(t *testing.T) {
	p := newPKI(t)
	be := newBackend(t)
	cfg := baseConfig(p.files(t, "server", serverID), serverID, inboundTCP(be.addr(), config.Principal{ID: clientID}))
	cfg.Spec.Limits.DrainTimeout = config.Duration(time.Second)
	px := startProxy(t, cfg, Options{})
	cert := p.ca.SVID(t, clientID).TLS
	finishing, _ := tls.Dial("tcp", px.addr("in"), clientTLS(&cert))
	stuck, _ := tls.Dial("tcp", px.addr("in"), clientTLS(&cert))
	echo(t, finishing, "a")
	echo(t, stuck, "b")
	addr := px.addr("in")

	done := make(chan struct{})
	start := time.Now()
	go func() { px.Shutdown(context.Background()); close(done) }()
	deadline := time.Now().Add(5 * time.Second)
	for {
		if ok, _ := px.Ready(); !ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("still ready during shutdown")
		}
		time.Sleep(time.Millisecond)
	}
	time.Sleep(50 * time.Millisecond)
	if c, err := net.Dial("tcp", addr); err == nil {
		c.Close()
		t.Error("new connections accepted during drain")
	}
	echo(t, finishing, "still works while draining")
	finishing.CloseWrite()
	io.ReadAll(finishing)
	finishing.Close()
	<-done
	if el := time.Since(start); el < time.Second {
		t.Errorf("shutdown returned after %v, before the drain timeout, with a connection open", el)
	}
	recs := px.log.waitRecords(t, "connection", 2)
	if recs[0]["close"] != closeDone || recs[1]["close"] != closeShutdown {
		t.Errorf("close reasons %v, %v, want done then shutdown", recs[0]["close"], recs[1]["close"])
	}
	stuck.Close()
}

// TestTinyWrites: 20,000 one-byte writes arrive intact, in order.
func TestTinyWrites(t *testing.T) {
	p := newPKI(t)
	be := newBackend(t)
	px := startProxy(t, baseConfig(p.files(t, "server", serverID), serverID, inboundTCP(be.addr(), config.Principal{ID: clientID})), Options{})
	cert := p.ca.SVID(t, clientID).TLS
	c, err := tls.Dial("tcp", px.addr("in"), clientTLS(&cert))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(30 * time.Second))
	want := make([]byte, 20000)
	for i := range want {
		want[i] = byte(i * 7)
	}
	go func() {
		for i := range want {
			if _, err := c.Write(want[i : i+1]); err != nil {
				return
			}
		}
		c.CloseWrite()
	}()
	got, err := io.ReadAll(c)
	if err != nil || !bytes.Equal(got, want) {
		t.Errorf("echo of %d tiny writes: %d bytes, equal %v, %v", len(want), len(got), bytes.Equal(got, want), err)
	}
}
