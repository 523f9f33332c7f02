package proxy

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/meshproof/meshproof/proxy/config"
	"github.com/meshproof/meshproof/proxy/internal/testpki"
)

const (
	td         = "corp.example"
	serverID   = "spiffe://corp.example/vm/payments-db"
	clientID   = "spiffe://corp.example/ns/payments/sa/api"
	outboundID = clientID
)

// pki is the trust domain of a test: a CA and the files of one proxy.
type pki struct {
	ca  *testpki.CA
	dir string
}

func newPKI(t testing.TB) *pki {
	return &pki{ca: testpki.NewCA(t, "corp.example CA"), dir: t.TempDir()}
}

// files writes a proxy's certificate, key and bundle under name.
func (p *pki) files(t testing.TB, name, id string) config.TLSFiles {
	t.Helper()
	leaf := p.ca.SVID(t, id)
	f := config.TLSFiles{
		CertFile:   filepath.Join(p.dir, name+".pem"),
		KeyFile:    filepath.Join(p.dir, name+"-key.pem"),
		BundleFile: filepath.Join(p.dir, name+"-bundle.pem"),
	}
	testpki.WriteFile(t, f.CertFile, leaf.CertPEM)
	testpki.WriteFile(t, f.KeyFile, leaf.KeyPEM)
	testpki.WriteFile(t, f.BundleFile, p.ca.PEM)
	return f
}

func baseConfig(files config.TLSFiles, identity string, ls ...config.Listener) *config.Config {
	c := &config.Config{
		APIVersion: config.APIVersion, Kind: config.Kind,
		Metadata: config.Metadata{Name: "test"},
		Spec: config.Spec{
			Serial:    1,
			NotBefore: time.Now().Add(-time.Hour).UTC().Truncate(time.Second),
			NotAfter:  time.Now().Add(time.Hour).UTC().Truncate(time.Second),
			Identity:  identity,
			TLS:       files,
			Listeners: ls,
		},
	}
	l := &c.Spec.Limits
	l.MaxConnections = config.DefaultMaxConnections
	l.HandshakeTimeout = config.Duration(5 * time.Second)
	l.IdleTimeout = config.Duration(time.Minute)
	l.MaxLifetime = config.Duration(time.Hour)
	l.DrainTimeout = config.Duration(200 * time.Millisecond)
	c.Spec.AccessLog.Path = "stdout"
	return c
}

func inboundTCP(forward string, allow ...config.Principal) config.Listener {
	return config.Listener{Name: "in", Mode: config.Inbound, Listen: "127.0.0.1:0", Protocol: config.TCP, Forward: forward, Allow: allow}
}

// logBuf collects the access log.
type logBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuf) records() []map[string]any {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []map[string]any
	sc := bufio.NewScanner(bytes.NewReader(l.b.Bytes()))
	for sc.Scan() {
		var m map[string]any
		if json.Unmarshal(sc.Bytes(), &m) == nil {
			out = append(out, m)
		}
	}
	return out
}

// waitRecords waits until n records of type typ were logged.
func (l *logBuf) waitRecords(t *testing.T, typ string, n int) []map[string]any {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		var got []map[string]any
		for _, r := range l.records() {
			if r["type"] == typ {
				got = append(got, r)
			}
		}
		if len(got) >= n {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("waited for %d %s records, have %d: %v", n, typ, len(got), got)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

type testProxy struct {
	*Server
	log *logBuf
}

func startProxy(t *testing.T, cfg *config.Config, opts Options) *testProxy {
	t.Helper()
	lb := &logBuf{}
	if opts.AccessLog == nil {
		opts.AccessLog = lb
	}
	if opts.WatchInterval == 0 {
		opts.WatchInterval = -1
	}
	s, err := New(cfg, opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		s.Shutdown(ctx)
	})
	return &testProxy{Server: s, log: lb}
}

func (p *testProxy) addr(name string) string { return p.Addr(name).String() }

// freeAddr is a loopback address nothing listens on (it was free a moment
// ago).
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// backend is a TCP server that counts what reaches it; it echoes, and
// half-closes after the client does.
type backend struct {
	ln    net.Listener
	conns atomic.Int64
	bytes atomic.Int64
	wg    sync.WaitGroup
	serve sync.Once
	// handle, when set (before the first addr call), replaces the echo.
	handle func(net.Conn)
}

func newBackend(t testing.TB) *backend {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	b := &backend{ln: ln}
	t.Cleanup(func() { ln.Close() })
	return b
}

// addr returns the backend's address and starts serving: set handle
// before (the first call orders it before every connection).
func (b *backend) addr() string {
	b.serve.Do(func() { go b.acceptLoop() })
	return b.ln.Addr().String()
}

func (b *backend) acceptLoop() {
	for {
		c, err := b.ln.Accept()
		if err != nil {
			return
		}
		b.conns.Add(1)
		b.wg.Add(1)
		go func() {
			defer b.wg.Done()
			defer c.Close()
			if b.handle != nil {
				b.handle(&countConn{Conn: c, n: &b.bytes})
				return
			}
			n, _ := io.Copy(c, c)
			b.bytes.Add(n)
			c.(*net.TCPConn).CloseWrite()
		}()
	}
}

type countConn struct {
	net.Conn
	n *atomic.Int64
}

func (c *countConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// clientTLS is a test client's TLS config: it presents cert (if any) and
// checks nothing about the server (the server is not under test here).
func clientTLS(cert *tls.Certificate) *tls.Config {
	c := &tls.Config{MinVersion: tls.VersionTLS13, InsecureSkipVerify: true, CurvePreferences: []tls.CurveID{tls.X25519}}
	if cert != nil {
		c.Certificates = []tls.Certificate{*cert}
	}
	return c
}

// roundTrip dials addr with cfg, writes msg, half-closes and reads the
// answer.
func roundTrip(addr string, cfg *tls.Config, msg string) (string, error) {
	c, err := tls.Dial("tcp", addr, cfg)
	if err != nil {
		return "", err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := c.Write([]byte(msg)); err != nil {
		return "", err
	}
	if err := c.CloseWrite(); err != nil {
		return "", err
	}
	b, err := io.ReadAll(c)
	return string(b), err
}

func metricsText(t *testing.T, s *Server) string {
	t.Helper()
	var b strings.Builder
	if err := s.WriteMetrics(&b); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestMain(m *testing.M) {
	os.Exit(m.Run())
}

func tlsLeaf(c *tls.Certificate) (*x509.Certificate, error) {
	return x509.ParseCertificate(c.Certificate[0])
}
