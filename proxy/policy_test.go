package proxy

import (
	"crypto/tls"
	"errors"
	"io"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/meshproof/meshproof/proxy/config"
)

// configSource lets a test swap the config a reload sees.
type configSource struct{ c atomic.Pointer[config.Config] }

func (s *configSource) load() (*config.Config, error) {
	c := s.c.Load()
	if c == nil {
		return nil, errors.New("no config")
	}
	return c, nil
}

// TestResumedSessionAfterPolicyChange: a client that holds a session
// ticket from when it was allowed resumes after the policy changed to deny
// it; the resumed handshake is refused and nothing reaches the backend.
func TestResumedSessionAfterPolicyChange(t *testing.T) {
	p := newPKI(t)
	files := p.files(t, "server", serverID)
	be := newBackend(t)
	cfg := baseConfig(files, serverID, inboundTCP(be.addr(), config.Principal{ID: clientID}))
	src := &configSource{}
	src.c.Store(cfg)
	px := startProxy(t, cfg, Options{LoadConfig: src.load})

	cert := p.ca.SVID(t, clientID).TLS
	ccfg := clientTLS(&cert)
	ccfg.ClientSessionCache = tls.NewLRUClientSessionCache(8)
	for i, wantResume := range []bool{false, true} {
		c, err := tls.Dial("tcp", px.addr("in"), ccfg)
		if err != nil {
			t.Fatal(err)
		}
		c.Write([]byte("ping"))
		c.CloseWrite()
		b, err := io.ReadAll(c) // also reads the session ticket
		if err != nil || string(b) != "ping" {
			t.Fatalf("connection %d: read %q, %v", i, b, err)
		}
		if got := c.ConnectionState().DidResume; got != wantResume {
			t.Fatalf("connection %d: DidResume = %v, want %v", i, got, wantResume)
		}
		c.Close()
	}
	beConns, beBytes := be.conns.Load(), be.bytes.Load()

	denied := *cfg
	denied.Spec.Serial = 2
	denied.Spec.Listeners = []config.Listener{inboundTCP(be.addr(), config.Principal{ID: "spiffe://corp.example/ns/payments/sa/other"})}
	src.c.Store(&denied)
	if err := px.Reload(); err != nil {
		t.Fatal(err)
	}

	c, err := tls.Dial("tcp", px.addr("in"), ccfg)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if !c.ConnectionState().DidResume {
		t.Fatal("the client did not resume: the test does not exercise resumption")
	}
	c.SetDeadline(time.Now().Add(10 * time.Second))
	c.Write([]byte("SELECT secret"))
	b, err := io.ReadAll(c)
	if err == nil || len(b) != 0 {
		t.Errorf("resumed connection after the policy change read %q, %v, want a refusal", b, err)
	}
	// Records are written as connections finish, in any order.
	refusals := 0
	for _, r := range px.log.waitRecords(t, "connection", 3) {
		if r["decision"] == "deny" {
			refusals++
			if r["reason"] != ReasonUnauthorized || r["resumed"] != true {
				t.Errorf("access log = %v, want a denied resumed connection", r)
			}
		}
	}
	if refusals != 1 {
		t.Errorf("%d denied connections logged, want 1", refusals)
	}
	if n, b := be.conns.Load()-beConns, be.bytes.Load()-beBytes; n != 0 || b != 0 {
		t.Errorf("backend saw %d more connections, %d more bytes, want 0", n, b)
	}
}

// TestPolicyChangeDrainsOpenConnections: a connection open when the policy
// stops allowing its peer keeps working for the drain timeout, then is
// closed with reason policy_revoked; an allowed one is untouched.
func TestPolicyChangeDrainsOpenConnections(t *testing.T) {
	p := newPKI(t)
	files := p.files(t, "server", serverID)
	be := newBackend(t)
	keptID := "spiffe://corp.example/ns/payments/sa/kept"
	cfg := baseConfig(files, serverID, inboundTCP(be.addr(), config.Principal{ID: clientID}, config.Principal{ID: keptID}))
	cfg.Spec.Limits.DrainTimeout = config.Duration(300 * time.Millisecond)
	px, src := reloadableProxy(t, cfg)
	dial := func(id string) *tls.Conn {
		cert := p.ca.SVID(t, id).TLS
		return dialEcho(t, px.addr("in"), &cert)
	}
	revoked, kept := dial(clientID), dial(keptID)

	next := *cfg
	next.Spec.Serial = 2
	next.Spec.Listeners = []config.Listener{inboundTCP(be.addr(), config.Principal{ID: keptID})}
	src.c.Store(&next)
	changed := time.Now()
	if err := px.Reload(); err != nil {
		t.Fatal(err)
	}
	drained(t, revoked)
	if el := time.Since(changed); el < 300*time.Millisecond {
		t.Errorf("revoked connection closed after %v, before the drain timeout", el)
	}
	echo(t, kept, "kept")
	recs := px.log.waitRecords(t, "connection", 1)
	if recs[0]["close"] != closePolicyRevoked || recs[0]["peer"] != clientID {
		t.Errorf("access log = %v, want close policy_revoked for %s", recs[0], clientID)
	}
}

// reloadableProxy starts a proxy whose reloads load the config src holds.
func reloadableProxy(t *testing.T, cfg *config.Config) (*testProxy, *configSource) {
	src := &configSource{}
	src.c.Store(cfg)
	return startProxy(t, cfg, Options{LoadConfig: src.load}), src
}

// dialEcho opens a connection with cert and checks it echoes; the test's
// cleanup closes it.
func dialEcho(t *testing.T, addr string, cert *tls.Certificate) *tls.Conn {
	t.Helper()
	c, err := tls.Dial("tcp", addr, clientTLS(cert))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	echo(t, c, "hello")
	return c
}

// drained checks that c still works (within the drain period), then that
// the proxy closes it.
func drained(t *testing.T, c *tls.Conn) {
	t.Helper()
	echo(t, c, "still draining")
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := c.Read(make([]byte, 1)); err == nil {
		t.Fatal("connection still open after the drain timeout")
	}
}

func echo(t *testing.T, c *tls.Conn, msg string) {
	t.Helper()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := c.Write([]byte(msg)); err != nil {
		t.Fatalf("write: %v", err)
	}
	b := make([]byte, len(msg))
	if _, err := io.ReadFull(c, b); err != nil || string(b) != msg {
		t.Fatalf("echo read %q, %v, want %q", b, err, msg)
	}
	c.SetDeadline(time.Time{})
}

// TestRemovedListenerDrains: a config without the listener stops it from
// accepting; its open connections are closed after the drain timeout.
func TestRemovedListenerDrains(t *testing.T) {
	p := newPKI(t)
	files := p.files(t, "server", serverID)
	be := newBackend(t)
	cfg := baseConfig(files, serverID, inboundTCP(be.addr(), config.Principal{ID: clientID}))
	px, src := reloadableProxy(t, cfg)
	cert := p.ca.SVID(t, clientID).TLS
	c := dialEcho(t, px.addr("in"), &cert)

	next := *cfg
	next.Spec.Serial = 2
	other := inboundTCP(be.addr(), config.Principal{ID: clientID})
	other.Name = "other"
	next.Spec.Listeners = []config.Listener{other}
	src.c.Store(&next)
	if err := px.Reload(); err != nil {
		t.Fatal(err)
	}
	if px.Addr("in") != nil || px.Addr("other") == nil {
		t.Fatal("listeners not swapped")
	}
	drained(t, c)
	if r := px.log.waitRecords(t, "connection", 1)[0]; r["close"] != closeListenerRemoved {
		t.Errorf("access log = %v, want close %s", r, closeListenerRemoved)
	}
	if got, err := roundTrip(px.addr("other"), clientTLS(&cert), "new"); err != nil || got != "new" {
		t.Errorf("the new listener: %q, %v", got, err)
	}
}

// TestListenerTakesOverAddress: a reload that renames a listener, or gives
// it another protocol, on the same address takes the running socket over
// (binding the address again would fail: it is in use). New connections
// get the new listener and its policy at once; open ones drain.
func TestListenerTakesOverAddress(t *testing.T) {
	p := newPKI(t)
	files := p.files(t, "server", serverID)
	be := newBackend(t)
	web := newHTTPBackend(t)
	addr := freeAddr(t)
	in := inboundTCP(be.addr(), config.Principal{ID: clientID})
	in.Listen = addr
	cfg := baseConfig(files, serverID, in)
	px, src := reloadableProxy(t, cfg)
	cert := p.ca.SVID(t, clientID).TLS
	c := dialEcho(t, addr, &cert)

	// Renamed, and for another client only now.
	db := inboundTCP(be.addr(), config.Principal{ID: "spiffe://corp.example/ns/payments/sa/batch"})
	db.Name, db.Listen = "db", addr
	next := *cfg
	next.Spec.Serial = 2
	next.Spec.Listeners = []config.Listener{db}
	src.c.Store(&next)
	if err := px.Reload(); err != nil {
		t.Fatalf("rename on the same address: %v", err)
	}
	if px.Addr("in") != nil || px.Addr("db") == nil || px.addr("db") != addr {
		t.Fatalf("after the rename: in %v, db %v, want db on %s", px.Addr("in"), px.Addr("db"), addr)
	}
	sent := be.bytes.Load()
	if _, err := roundTrip(addr, clientTLS(&cert), "new"); err == nil {
		t.Error("a new connection got the old listener's policy")
	}
	if n := be.bytes.Load(); n != sent {
		t.Errorf("%d bytes reached the backend from a denied client", n-sent)
	}
	drained(t, c)
	recs := px.log.waitRecords(t, "connection", 2)
	if r := recs[0]; r["listener"] != "db" || r["decision"] != "deny" {
		t.Errorf("first record = %v, want the denial by db", r)
	}
	if r := recs[1]; r["listener"] != "in" || r["close"] != closeListenerRemoved {
		t.Errorf("second record = %v, want in closed with %s", r, closeListenerRemoved)
	}

	// The same name on the same address, HTTP now.
	h := config.Listener{Name: "db", Mode: config.Inbound, Listen: addr, Protocol: config.HTTP, Forward: strings.TrimPrefix(web.URL, "http://"),
		HTTPRules: []config.HTTPRule{{Principals: []config.Principal{{ID: clientID}}, Permissions: []config.Permission{{Paths: []string{"/*"}}}}}}
	last := next
	last.Spec.Serial = 3
	last.Spec.Listeners = []config.Listener{h}
	src.c.Store(&last)
	if err := px.Reload(); err != nil {
		t.Fatalf("new protocol on the same address: %v", err)
	}
	if resp, body := rawRequest(t, addr, &cert, "GET", "/ledger"); resp.StatusCode != 200 || body != "GET /ledger " {
		t.Errorf("HTTP after the switch: %d %q", resp.StatusCode, body)
	}
	// The replaced listener of the same name does not take db's gauge away.
	if m := metricsText(t, px.Server); !strings.Contains(m, `meshproof_proxy_connections_active{listener="db"}`) {
		t.Errorf("no active-connections gauge for db after its protocol changed:\n%s", m)
	}
}
