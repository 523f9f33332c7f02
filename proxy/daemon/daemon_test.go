package daemon

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/tls"
	"encoding/json"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/meshproof/meshproof/meshgen/signing"
	"github.com/meshproof/meshproof/proxy"
	"github.com/meshproof/meshproof/proxy/config"
	"github.com/meshproof/meshproof/proxy/internal/testpki"
	"github.com/meshproof/meshproof/proxy/signed"
)

const (
	serverID   = "spiffe://corp.example/vm/payments-db"
	clientID   = "spiffe://corp.example/ns/payments/sa/api"
	intruderID = "spiffe://corp.example/ns/payments/sa/intruder"
)

type fixture struct {
	t       *testing.T
	dir     string
	ca      *testpki.CA
	tlsf    config.TLSFiles
	key     *ecdsa.PrivateKey
	keyFile string
	cfgPath string
	state   string
	backend *countingBackend
	listen  string
	stderr  string // of the last run that exited before serving
}

func newFixture(t *testing.T) *fixture {
	dir := t.TempDir()
	f := &fixture{t: t, dir: dir, ca: testpki.NewCA(t, "corp CA"), cfgPath: filepath.Join(dir, "db.yaml"), state: filepath.Join(dir, "state.json")}
	leaf := f.ca.SVID(t, serverID)
	f.tlsf = config.TLSFiles{CertFile: filepath.Join(dir, "svid.pem"), KeyFile: filepath.Join(dir, "svid-key.pem"), BundleFile: filepath.Join(dir, "bundle.pem")}
	testpki.WriteFile(t, f.tlsf.CertFile, leaf.CertPEM)
	testpki.WriteFile(t, f.tlsf.KeyFile, leaf.KeyPEM)
	testpki.WriteFile(t, f.tlsf.BundleFile, f.ca.PEM)
	f.key, f.keyFile = newKey(t, dir, "signing")
	f.backend = newCountingBackend(t)
	f.listen = freePort(t)
	return f
}

func newKey(t *testing.T, dir, name string) (*ecdsa.PrivateKey, string) {
	priv, pub, err := signing.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	key, err := signing.LoadPrivateKey(priv, nil)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, name+".pub")
	if err := os.WriteFile(path, pub, 0o644); err != nil {
		t.Fatal(err)
	}
	return key, path
}

func freePort(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// configBytes is a config allowing ids, valid from nb to na.
func (f *fixture) configBytes(serial uint64, nb, na time.Time, ids ...string) []byte {
	var allow []config.Principal
	for _, id := range ids {
		allow = append(allow, config.Principal{ID: id})
	}
	c := &config.Config{APIVersion: config.APIVersion, Kind: config.Kind, Metadata: config.Metadata{Name: "payments-db"},
		Spec: config.Spec{Serial: serial, NotBefore: nb.UTC().Truncate(time.Second), NotAfter: na.UTC().Truncate(time.Second), Identity: serverID, TLS: f.tlsf,
			Listeners: []config.Listener{{Name: "postgres", Mode: config.Inbound, Listen: f.listen, Forward: f.backend.addr(), Allow: allow}},
			Limits:    config.Limits{DrainTimeout: config.Duration(100 * time.Millisecond)},
			AccessLog: config.AccessLog{Path: filepath.Join(f.dir, "access.log")}}}
	b, err := config.Marshal(c)
	if err != nil {
		f.t.Fatal(err)
	}
	return b
}

func (f *fixture) valid(serial uint64, ids ...string) []byte {
	return f.configBytes(serial, time.Now().Add(-time.Hour), time.Now().Add(time.Hour), ids...)
}

// write writes a config and a bundle signed with key (nil: no bundle).
func (f *fixture) write(cfg []byte, key *ecdsa.PrivateKey) {
	f.t.Helper()
	if key != nil {
		b, err := signing.SignConfig(cfg, filepath.Base(f.cfgPath), key)
		if err != nil {
			f.t.Fatal(err)
		}
		testpki.WriteFile(f.t, f.cfgPath+signed.BundleSuffix, b)
	} else {
		os.Remove(f.cfgPath + signed.BundleSuffix)
	}
	testpki.WriteFile(f.t, f.cfgPath, cfg)
}

func (f *fixture) args(extra ...string) []string {
	return append([]string{"--config", f.cfgPath, "--trust-key", f.keyFile, "--state", f.state, "--watch-interval", "0"}, extra...)
}

// running is a daemon run in this process.
type running struct {
	srv    *proxy.Server
	sigs   chan os.Signal
	cancel context.CancelFunc
	code   chan int
	stderr *syncBuf
}

type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) { s.mu.Lock(); defer s.mu.Unlock(); return s.b.Write(p) }
func (s *syncBuf) String() string              { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// start runs the daemon; it returns nil and the exit code when it exits
// before serving.
func (f *fixture) start(args ...string) (*running, int) {
	f.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{sigs: make(chan os.Signal, 1), cancel: cancel, code: make(chan int, 1), stderr: &syncBuf{}}
	started := make(chan *proxy.Server, 1)
	go func() {
		r.code <- Run(ctx, args, Env{Stdout: io.Discard, Stderr: r.stderr, Signals: r.sigs, Started: func(s *proxy.Server) { started <- s }})
	}()
	select {
	case r.srv = <-started:
		f.t.Cleanup(func() { r.stop(f.t) })
		return r, -1
	case code := <-r.code:
		cancel()
		f.stderr = r.stderr.String()
		return nil, code
	case <-time.After(20 * time.Second):
		f.t.Fatal("daemon neither started nor exited")
	}
	return nil, -1
}

func (r *running) stop(t *testing.T) int {
	r.cancel()
	select {
	case c := <-r.code:
		r.code <- c
		return c
	case <-time.After(20 * time.Second):
		t.Fatal("daemon did not stop")
	}
	return -1
}

// reload sends SIGHUP and waits until the reload counter moved.
func (r *running) reload(t *testing.T) {
	t.Helper()
	before := r.reloads(t)
	r.sigs <- syscall.SIGHUP
	deadline := time.Now().Add(10 * time.Second)
	for r.reloads(t) == before {
		if time.Now().After(deadline) {
			t.Fatal("SIGHUP did not reload")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func (r *running) reloads(t *testing.T) string {
	var b strings.Builder
	r.srv.WriteMetrics(&b)
	var out []string
	for _, l := range strings.Split(b.String(), "\n") {
		if strings.HasPrefix(l, "meshproof_proxy_reloads_total{") {
			out = append(out, l)
		}
	}
	return strings.Join(out, ";")
}

type countingBackend struct {
	ln    net.Listener
	conns atomic.Int64
	bytes atomic.Int64
}

func newCountingBackend(t *testing.T) *countingBackend {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	b := &countingBackend{ln: ln}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			b.conns.Add(1)
			go func() {
				defer c.Close()
				buf := make([]byte, 4096)
				for {
					n, err := c.Read(buf)
					b.bytes.Add(int64(n))
					if n > 0 {
						c.Write(buf[:n])
					}
					if err != nil {
						return
					}
				}
			}()
		}
	}()
	t.Cleanup(func() { ln.Close() })
	return b
}

func (b *countingBackend) addr() string { return b.ln.Addr().String() }

// try connects as id and reports whether the echo came back.
func (f *fixture) try(id string) bool {
	cert := f.ca.SVID(f.t, id).TLS
	c, err := tls.Dial("tcp", f.listen, &tls.Config{Certificates: []tls.Certificate{cert}, InsecureSkipVerify: true, MinVersion: tls.VersionTLS13})
	if err != nil {
		return false
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := c.Write([]byte("ping")); err != nil {
		return false
	}
	b := make([]byte, 4)
	_, err = io.ReadFull(c, b)
	return err == nil && string(b) == "ping"
}

func TestStartRefusesBadConfigs(t *testing.T) {
	tests := []struct {
		name   string
		setup  func(f *fixture)
		reason string
	}{
		{"unsigned", func(f *fixture) { f.write(f.valid(1, clientID), nil) }, "not signed"},
		{"tampered", func(f *fixture) {
			f.write(f.valid(1, clientID), f.key)
			testpki.WriteFile(f.t, f.cfgPath, f.valid(1, clientID, intruderID))
		}, "digest does not match"},
		{"expired", func(f *fixture) {
			f.write(f.configBytes(1, time.Now().Add(-2*time.Hour), time.Now().Add(-time.Hour), clientID), f.key)
		}, "expired"},
		{"not yet valid", func(f *fixture) {
			f.write(f.configBytes(1, time.Now().Add(time.Hour), time.Now().Add(2*time.Hour), clientID), f.key)
		}, "not yet valid"},
		{"wrong key", func(f *fixture) {
			other, _ := newKey(f.t, f.t.TempDir(), "other")
			f.write(f.valid(1, clientID), other)
		}, "does not verify with a trusted key"},
		{"unknown payload type", func(f *fixture) {
			f.write(f.valid(1, clientID), f.key)
			var b signed.Bundle
			raw, _ := os.ReadFile(f.cfgPath + signed.BundleSuffix)
			if err := json.Unmarshal(raw, &b); err != nil {
				f.t.Fatal(err)
			}
			b.DSSEEnvelope.PayloadType = "application/vnd.example+json"
			out, _ := json.Marshal(b)
			testpki.WriteFile(f.t, f.cfgPath+signed.BundleSuffix, out)
		}, "unsupported DSSE payload type"},
		{"rolled back", func(f *fixture) {
			f.write(f.valid(5, clientID), f.key)
			if r, code := f.start(f.args()...); r == nil {
				f.t.Fatalf("serial 5 did not start (exit %d)", code)
			} else if code := r.stop(f.t); code != 0 {
				f.t.Fatalf("stop exit %d", code)
			}
			f.write(f.valid(4, clientID, intruderID), f.key)
		}, "rolls back"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			tt.setup(f)
			before := f.backend.conns.Load()
			r, code := f.start(f.args()...)
			if r != nil {
				t.Fatal("daemon started with a refused config")
			}
			if code != 1 {
				t.Errorf("exit code %d, want 1", code)
			}
			if f.try(clientID) || f.try(intruderID) {
				t.Error("a client got through a proxy that refused its config")
			}
			if n := f.backend.conns.Load() - before; n != 0 {
				t.Errorf("backend saw %d connections, want 0", n)
			}
			if !strings.Contains(f.stderr, "config refused") || !strings.Contains(f.stderr, tt.reason) {
				t.Errorf("stderr = %q, want config refused: ...%s...", f.stderr, tt.reason)
			}
		})
	}
}

func TestRefusalMessages(t *testing.T) {
	f := newFixture(t)
	f.write(f.valid(1, clientID), nil)
	var stderr bytes.Buffer
	code := Run(context.Background(), f.args(), Env{Stdout: io.Discard, Stderr: &stderr})
	if code != 1 || !strings.Contains(stderr.String(), "config refused") || !strings.Contains(stderr.String(), "not signed") {
		t.Errorf("Run(unsigned) = %d, stderr %q, want 1 and the reason", code, stderr.String())
	}
}

func TestUsageErrors(t *testing.T) {
	f := newFixture(t)
	f.write(f.valid(1, clientID), f.key)
	for _, args := range [][]string{
		{},
		{"--config", f.cfgPath},
		{"--config", f.cfgPath, "--trust-key", filepath.Join(f.dir, "missing.pub")},
		{"--config", f.cfgPath, "--trust-key", f.cfgPath},
		{"--bogus"},
		{"--config", f.cfgPath, "--trust-key", f.keyFile, "extra"},
		{"--config", filepath.Join(f.dir, "missing.yaml"), "--trust-key", f.keyFile, "--state", f.state},
		{"--config", f.cfgPath, "--trust-key", f.keyFile, "--state", filepath.Join(f.dir, "no-such-dir", "state.json")},
	} {
		var stderr bytes.Buffer
		if code := Run(context.Background(), args, Env{Stdout: io.Discard, Stderr: &stderr}); code != 2 {
			t.Errorf("Run(%q) = %d, want 2 (stderr %q)", args, code, stderr.String())
		}
	}
}

func TestCheck(t *testing.T) {
	f := newFixture(t)
	f.write(f.valid(3, clientID), f.key)
	var stdout bytes.Buffer
	code := Run(context.Background(), f.args("--check"), Env{Stdout: &stdout, Stderr: io.Discard})
	if code != 0 || !strings.Contains(stdout.String(), "valid, serial 3") {
		t.Errorf("--check = %d, %q", code, stdout.String())
	}
	if _, err := os.Stat(f.state); err == nil {
		t.Error("--check wrote the rollback state")
	}
}

// TestReload: a refused reload (tampered, rolled back, wrong key) keeps
// the running config; a valid one, signed by either of two trusted keys,
// applies; the rollback state survives a restart.
func TestReload(t *testing.T) {
	f := newFixture(t)
	key2, key2File := newKey(t, f.dir, "next")
	f.write(f.valid(1, clientID), f.key)
	args := append(f.args(), "--trust-key", key2File)
	r, code := f.start(args...)
	if r == nil {
		t.Fatalf("exit %d", code)
	}
	if !f.try(clientID) || f.try(intruderID) {
		t.Fatal("serial 1 does not enforce its policy")
	}
	serial := func() uint64 { return r.srv.Config().Spec.Serial }

	// Tampered: the signed bytes allow only clientID.
	f.write(f.valid(2, clientID), f.key)
	testpki.WriteFile(t, f.cfgPath, f.valid(2, clientID, intruderID))
	r.reload(t)
	if serial() != 1 || f.try(intruderID) {
		t.Fatalf("tampered config applied (serial %d)", serial())
	}
	// Wrong key.
	rogue, _ := newKey(t, t.TempDir(), "rogue")
	f.write(f.valid(2, clientID, intruderID), rogue)
	r.reload(t)
	if serial() != 1 || f.try(intruderID) {
		t.Fatalf("config signed by an untrusted key applied (serial %d)", serial())
	}
	// Valid, signed by the second trusted key.
	f.write(f.valid(2, clientID, intruderID), key2)
	r.reload(t)
	if serial() != 2 || !f.try(intruderID) || !f.try(clientID) {
		t.Fatalf("valid serial 2 not applied (serial %d)", serial())
	}
	// Rolled back to serial 1, validly signed.
	f.write(f.valid(1, clientID), f.key)
	r.reload(t)
	if serial() != 2 || !f.try(intruderID) {
		t.Fatalf("rollback applied (serial %d)", serial())
	}
	if !strings.Contains(r.reloads(t), `kind="config",result="rejected"} 3`) {
		t.Errorf("reload metrics = %s, want 3 rejected", r.reloads(t))
	}
	if code := r.stop(t); code != 0 {
		t.Fatalf("stop exit %d", code)
	}
	// A restart with the rolled-back config is refused too.
	if r, code := f.start(args...); r != nil || code != 1 {
		t.Fatalf("restart with a rolled-back config: started %v, exit %d, want exit 1", r != nil, code)
	}
	// The access log file the config names got records.
	b, _ := os.ReadFile(filepath.Join(f.dir, "access.log"))
	if !bytes.Contains(b, []byte(`"decision":"deny"`)) || !bytes.Contains(b, []byte(`"decision":"allow"`)) {
		t.Errorf("access log file lacks decisions:\n%s", b)
	}
}

// TestWatchReloadsConfig: a newly signed config is picked up by the file
// watcher, without a signal.
func TestWatchReloadsConfig(t *testing.T) {
	f := newFixture(t)
	f.write(f.valid(1, clientID), f.key)
	args := append(f.args(), "--watch-interval", "20ms")
	r, code := f.start(args...)
	if r == nil {
		t.Fatalf("exit %d", code)
	}
	f.write(f.valid(2, clientID, intruderID), f.key)
	deadline := time.Now().Add(20 * time.Second)
	for r.srv.Config().Spec.Serial != 2 {
		if time.Now().After(deadline) {
			t.Fatal("the watcher did not load serial 2")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if !f.try(intruderID) {
		t.Error("serial 2's policy is not enforced")
	}
}
