package proxy

import (
	"bufio"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/meshproof/meshproof/proxy/config"
)

// httpBackend records what reaches it: requests, and bytes on the wire.
type httpBackend struct {
	*httptest.Server
	mu    sync.Mutex
	seen  []*http.Request
	bytes atomic.Int64
}

// countingListener counts the bytes its connections read.
type countingListener struct {
	net.Listener
	n *atomic.Int64
}

func (l countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &countConn{Conn: c, n: l.n}, nil
}

func newHTTPBackend(t *testing.T) *httpBackend {
	b := &httpBackend{}
	b.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		b.mu.Lock()
		b.seen = append(b.seen, r)
		b.mu.Unlock()
		fmt.Fprintf(w, "%s %s %s", r.Method, r.URL.EscapedPath(), body)
	}))
	b.Listener = countingListener{Listener: b.Listener, n: &b.bytes}
	b.Start()
	t.Cleanup(b.Close)
	return b
}

func (b *httpBackend) requests() []*http.Request {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]*http.Request(nil), b.seen...)
}

// rawRequest sends one request line as written (no client-side cleaning).
func rawRequest(t *testing.T, addr string, cert *tls.Certificate, method, target string, headers ...string) (*http.Response, string) {
	t.Helper()
	c, err := tls.Dial("tcp", addr, clientTLS(cert))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	req := method + " " + target + " HTTP/1.1\r\nHost: payments.internal\r\nConnection: close\r\n"
	for _, h := range headers {
		req += h + "\r\n"
	}
	if _, err := io.WriteString(c, req+"\r\n"); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("%s %s: %v", method, target, err)
	}
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

func TestHTTPRules(t *testing.T) {
	p := newPKI(t)
	be := newHTTPBackend(t)
	opsID := "spiffe://corp.example/ns/ops/sa/admin"
	l := config.Listener{Name: "web", Mode: config.Inbound, Listen: "127.0.0.1:0", Protocol: config.HTTP, Forward: strings.TrimPrefix(be.URL, "http://"),
		HTTPRules: []config.HTTPRule{
			{Principals: []config.Principal{{ID: clientID}}, Permissions: []config.Permission{{Methods: []string{"GET"}, Paths: []string{"/public/*"}}, {Methods: []string{"POST"}, Paths: []string{"/orders"}}}},
			{Principals: []config.Principal{{ID: opsID}}, Permissions: []config.Permission{{Paths: []string{"/admin/*"}}}},
		}}
	px := startProxy(t, baseConfig(p.files(t, "server", serverID), serverID, l), Options{})
	client := p.ca.SVID(t, clientID)
	ops := p.ca.SVID(t, opsID).TLS

	tests := []struct {
		method, target string
		cert           *tls.Certificate
		status         int
		forwarded      string // the path the backend saw
	}{
		{"GET", "/public/index.html", &client.TLS, 200, "/public/index.html"},
		{"GET", "/public/./a//b", &client.TLS, 200, "/public/a/b"},
		{"GET", "/public/%7Euser", &client.TLS, 200, "/public/~user"},
		{"POST", "/orders", &client.TLS, 200, "/orders"},
		{"GET", "/admin/users", &ops, 200, "/admin/users"},
		{"DELETE", "/public/index.html", &client.TLS, 403, ""},
		{"GET", "/orders", &client.TLS, 403, ""},
		{"GET", "/admin/users", &client.TLS, 403, ""},
		{"GET", "/public/../admin/users", &client.TLS, 403, ""},
		{"GET", "//admin/users", &client.TLS, 403, ""},
		{"GET", "/public/%2e%2e/admin/users", &client.TLS, 403, ""},
		{"GET", "/public/%2E%2E/%2E%2E/admin/users", &client.TLS, 403, ""},
		{"GET", "/public/..%2fadmin/users", &client.TLS, 400, ""},
		{"GET", "/public/..%5Cadmin/users", &client.TLS, 400, ""},
		{"GET", "/PUBLIC/index.html", &client.TLS, 403, ""},
		{"get", "/public/index.html", &client.TLS, 403, ""},
		{"GET", "/public%2findex.html", &client.TLS, 400, ""},
		{"GET", "/public/..;/admin/users", &client.TLS, 400, ""},
		{"GET", "/public/%c0%ae%c0%ae/admin/users", &client.TLS, 400, ""},
		{"GET", "/admin/../public/x", &ops, 403, ""},
	}
	// A protocol upgrade is refused even on an allowed path.
	if resp, _ := rawRequest(t, px.addr("web"), &client.TLS, "GET", "/public/ws", "Upgrade: websocket", "Connection: Upgrade"); resp.StatusCode != http.StatusNotImplemented {
		t.Errorf("upgrade request = %d, want 501", resp.StatusCode)
	}
	for _, tt := range tests {
		before, beforeBytes := len(be.requests()), be.bytes.Load()
		resp, body := rawRequest(t, px.addr("web"), tt.cert, tt.method, tt.target, "X-Forwarded-Client-Cert: By=spiffe://evil;URI=spiffe://corp.example/ns/ops/sa/admin", "X_Forwarded_Client_Cert: spoof")
		if resp.StatusCode != tt.status {
			t.Errorf("%s %s = %d %q, want %d", tt.method, tt.target, resp.StatusCode, body, tt.status)
			continue
		}
		seen := be.requests()[before:]
		if tt.status != 200 {
			if n := be.bytes.Load() - beforeBytes; len(seen) != 0 || n != 0 {
				t.Errorf("%s %s: refused but %d requests, %d bytes reached the backend", tt.method, tt.target, len(seen), n)
			}
			continue
		}
		if len(seen) != 1 {
			t.Fatalf("%s %s: %d requests reached the backend, want 1", tt.method, tt.target, len(seen))
		}
		r := seen[0]
		if r.URL.EscapedPath() != tt.forwarded {
			t.Errorf("%s %s: backend saw %s, want %s", tt.method, tt.target, r.URL.EscapedPath(), tt.forwarded)
		}
		xfcc := r.Header.Values(XFCCHeader)
		leaf := client.Cert
		id := clientID
		if tt.cert == &ops {
			leaf, _ = tlsLeaf(&ops)
			id = opsID
		}
		sum := sha256.Sum256(leaf.Raw)
		want := "By=" + serverID + ";Hash=" + hex.EncodeToString(sum[:]) + ";URI=" + id
		if len(xfcc) != 1 || xfcc[0] != want {
			t.Errorf("%s %s: backend got %s %q, want exactly %q", tt.method, tt.target, XFCCHeader, xfcc, want)
		}
		if v := r.Header.Get("X_Forwarded_Client_Cert"); v != "" {
			t.Errorf("the underscore spelling reached the backend: %q", v)
		}
		if r.Host != "payments.internal" {
			t.Errorf("backend Host = %q", r.Host)
		}
	}
	recs := px.log.waitRecords(t, "request", len(tests)+1)
	denied := 0
	for _, r := range recs {
		if r["decision"] == "deny" {
			denied++
		}
	}
	if denied != 16 {
		t.Errorf("%d denied request records, want 16", denied)
	}
	if m := metricsText(t, px.Server); !strings.Contains(m, `meshproof_proxy_http_requests_total{listener="web",decision="deny"} 16`) {
		t.Errorf("metrics lack 16 denied requests:\n%s", m)
	}
}

// TestHTTPConnectionLevel: a peer that appears in no rule does not get past
// the handshake of an HTTP listener.
func TestHTTPConnectionLevel(t *testing.T) {
	p := newPKI(t)
	be := newHTTPBackend(t)
	l := config.Listener{Name: "web", Mode: config.Inbound, Listen: "127.0.0.1:0", Protocol: config.HTTP, Forward: strings.TrimPrefix(be.URL, "http://"),
		HTTPRules: []config.HTTPRule{{Principals: []config.Principal{{ID: clientID}}, Permissions: []config.Permission{{Paths: []string{"/*"}}}}}}
	px := startProxy(t, baseConfig(p.files(t, "server", serverID), serverID, l), Options{})
	other := p.ca.SVID(t, "spiffe://corp.example/ns/x/sa/y").TLS
	c, err := tls.Dial("tcp", px.addr("web"), clientTLS(&other))
	if err == nil {
		c.SetDeadline(time.Now().Add(10 * time.Second))
		io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
		_, err = http.ReadResponse(bufio.NewReader(c), nil)
		c.Close()
	}
	if err == nil {
		t.Error("a peer in no rule got an HTTP response")
	}
	if n, b := len(be.requests()), be.bytes.Load(); n != 0 || b != 0 {
		t.Errorf("%d requests, %d bytes reached the backend", n, b)
	}
}
