package daemon

import (
	"bytes"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/meshproof/meshproof/proxy/config"
	"github.com/meshproof/meshproof/proxy/internal/testpki"
)

const pgBin = "/usr/lib/postgresql/15/bin"

var (
	binOnce sync.Once
	binPath string
	binErr  error
)

// buildBinary builds cmd/meshproof-proxy once per test run.
func buildBinary(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		dir, err := os.MkdirTemp("", "meshproof-proxy-bin")
		if err != nil {
			binErr = err
			return
		}
		binPath = filepath.Join(dir, "meshproof-proxy")
		out, err := exec.Command("go", "build", "-o", binPath, "../../cmd/meshproof-proxy").CombinedOutput()
		if err != nil {
			binErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

// postgres starts a throwaway cluster on loopback and returns its port.
// As root it runs the server as the postgres user, which PostgreSQL
// requires.
func postgres(t *testing.T) string {
	t.Helper()
	for _, tool := range []string{"initdb", "pg_ctl"} {
		if _, err := os.Stat(filepath.Join(pgBin, tool)); err != nil {
			t.Skipf("PostgreSQL 15 is not installed (Debian package postgresql, in .ci/apt-packages): %v", err)
		}
	}
	if _, err := exec.LookPath("psql"); err != nil {
		t.Skipf("psql is not installed: %v", err)
	}
	base, err := os.MkdirTemp("", "meshproof-pg")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(base) })
	data, sock := filepath.Join(base, "data"), filepath.Join(base, "sock")
	for _, d := range []string{data, sock} {
		if err := os.Mkdir(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	var asUser []string
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			t.Skipf("running as root and there is no postgres user to run PostgreSQL as: %v", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		os.Chmod(base, 0o755)
		for _, d := range []string{data, sock} {
			if err := os.Chown(d, uid, gid); err != nil {
				t.Fatal(err)
			}
		}
		asUser = []string{"runuser", "-u", "postgres", "--"}
	}
	run := func(args ...string) {
		t.Helper()
		full := append(append([]string{}, asUser...), args...)
		c := exec.Command(full[0], full[1:]...)
		c.Dir = base
		if out, err := c.CombinedOutput(); err != nil {
			t.Fatalf("%s: %v\n%s", strings.Join(full, " "), err, out)
		}
	}
	run(filepath.Join(pgBin, "initdb"), "-D", data, "-U", "postgres", "--auth=trust", "--no-sync")
	port := strings.TrimPrefix(freePort(t), "127.0.0.1:")
	run(filepath.Join(pgBin, "pg_ctl"), "-D", data, "-w", "-l", filepath.Join(data, "log"), "-o",
		fmt.Sprintf("-c listen_addresses=127.0.0.1 -p %s -k %s -c fsync=off", port, sock), "start")
	t.Cleanup(func() {
		full := append(append([]string{}, asUser...), filepath.Join(pgBin, "pg_ctl"), "-D", data, "-m", "immediate", "-w", "stop")
		exec.Command(full[0], full[1:]...).Run()
	})
	return port
}

// proxyProc is a meshproof-proxy process.
type proxyProc struct {
	cmd    *exec.Cmd
	stderr *syncBuf
	admin  string
	done   chan error
}

func startBinary(t *testing.T, bin string, f *fixture, admin string) *proxyProc {
	t.Helper()
	p := &proxyProc{stderr: &syncBuf{}, admin: admin, done: make(chan error, 1)}
	p.cmd = exec.Command(bin, "--config", f.cfgPath, "--trust-key", f.keyFile, "--state", f.state, "--watch-interval", "0")
	p.cmd.Stderr = p.stderr
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.done <- p.cmd.Wait() }()
	t.Cleanup(func() {
		p.cmd.Process.Signal(syscall.SIGKILL)
		<-p.done
		p.done <- nil
	})
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := http.Get("http://" + admin + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return p
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("proxy not ready: %v\n%s", err, p.stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// proxyFixture is a signed config for one proxy process.
func proxyFixture(t *testing.T, ca *testpki.CA, key *fixture, id string, l config.Listener, admin string) *fixture {
	dir := t.TempDir()
	f := &fixture{t: t, dir: dir, ca: ca, key: key.key, keyFile: key.keyFile, cfgPath: filepath.Join(dir, "proxy.yaml"), state: filepath.Join(dir, "state.json")}
	leaf := ca.SVID(t, id)
	f.tlsf = config.TLSFiles{CertFile: filepath.Join(dir, "svid.pem"), KeyFile: filepath.Join(dir, "svid-key.pem"), BundleFile: filepath.Join(dir, "bundle.pem")}
	testpki.WriteFile(t, f.tlsf.CertFile, leaf.CertPEM)
	testpki.WriteFile(t, f.tlsf.KeyFile, leaf.KeyPEM)
	testpki.WriteFile(t, f.tlsf.BundleFile, ca.PEM)
	f.writeListener(1, id, l, admin)
	return f
}

func (f *fixture) writeListener(serial uint64, id string, l config.Listener, admin string) {
	c := &config.Config{APIVersion: config.APIVersion, Kind: config.Kind, Metadata: config.Metadata{Name: "proxy"},
		Spec: config.Spec{Serial: serial, NotBefore: time.Now().Add(-time.Hour).UTC().Truncate(time.Second), NotAfter: time.Now().Add(time.Hour).UTC().Truncate(time.Second),
			Identity: id, TLS: f.tlsf, Listeners: []config.Listener{l},
			Limits: config.Limits{DrainTimeout: config.Duration(2 * time.Second)}, Admin: config.Admin{Listen: admin},
			AccessLog: config.AccessLog{Path: filepath.Join(f.dir, "access.log")}}}
	b, err := config.Marshal(c)
	if err != nil {
		f.t.Fatal(err)
	}
	f.write(b, f.key)
}

// TestPostgresThroughProxies: psql -> outbound meshproof-proxy -> mTLS ->
// inbound meshproof-proxy -> a real PostgreSQL, all real processes on
// loopback; then a SIGHUP reload that revokes the client, and a SIGTERM.
func TestPostgresThroughProxies(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and starts PostgreSQL")
	}
	pgPort := postgres(t)
	bin := buildBinary(t)
	keys := newFixture(t) // for the signing key and the CA
	inListen, outListen := freePort(t), freePort(t)
	inAdmin, outAdmin := freePort(t), freePort(t)
	inL := config.Listener{Name: "postgres", Mode: config.Inbound, Listen: inListen, Forward: "127.0.0.1:" + pgPort, Allow: []config.Principal{{ID: clientID}}}
	outL := config.Listener{Name: "db", Mode: config.Outbound, Listen: outListen, Upstream: inListen, ServerID: &config.Principal{ID: serverID}}
	inF := proxyFixture(t, keys.ca, keys, serverID, inL, inAdmin)
	outF := proxyFixture(t, keys.ca, keys, clientID, outL, outAdmin)
	in := startBinary(t, bin, inF, inAdmin)
	startBinary(t, bin, outF, outAdmin)

	_, port, _ := strings.Cut(outListen, ":")
	psql := func(sql string) (string, error) {
		cmd := exec.Command("psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-c", sql)
		cmd.Env = append(os.Environ(), "PGHOST=127.0.0.1", "PGPORT="+port, "PGUSER=postgres", "PGDATABASE=postgres", "PGSSLMODE=disable", "PGCONNECT_TIMEOUT=10")
		out, err := cmd.CombinedOutput()
		return string(bytes.TrimSpace(out)), err
	}
	if out, err := psql("CREATE TABLE cards (id int, pan text); INSERT INTO cards SELECT g, md5(g::text) FROM generate_series(1, 50000) g; SELECT count(*), sum(length(pan)) FROM cards"); err != nil || out != "50000|1600000" {
		t.Fatalf("psql through the proxies: %q, %v", out, err)
	}
	if out, err := psql("SELECT md5(string_agg(pan, ',' ORDER BY id)) = md5(string_agg(md5(id::text), ',' ORDER BY id)) FROM cards"); err != nil || out != "t" {
		t.Fatalf("psql result check: %q, %v", out, err)
	}

	// Revoke the client and reload with SIGHUP: psql is refused.
	inL.Allow = []config.Principal{{ID: "spiffe://corp.example/ns/payments/sa/other"}}
	inF.writeListener(2, serverID, inL, inAdmin)
	in.cmd.Process.Signal(syscall.SIGHUP)
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(in.stderr.String(), `"config reloaded"`) {
		if time.Now().After(deadline) {
			t.Fatalf("SIGHUP did not reload:\n%s", in.stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if out, err := psql("SELECT 1"); err == nil {
		t.Errorf("psql after the client was revoked: %q", out)
	}
	if log := readFile(t, filepath.Join(inF.dir, "access.log")); !strings.Contains(log, `"reason":"unauthorized"`) {
		t.Errorf("inbound access log lacks the refusal:\n%s", log)
	}

	// SIGTERM: drain and exit 0.
	in.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-in.done:
		in.done <- err
		if err != nil {
			t.Errorf("exit after SIGTERM: %v\n%s", err, in.stderr.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatal("no exit after SIGTERM")
	}
}

func readFile(t *testing.T, path string) string {
	b, _ := os.ReadFile(path)
	return string(b)
}

func TestMain(m *testing.M) {
	code := m.Run()
	if binPath != "" {
		os.RemoveAll(filepath.Dir(binPath))
	}
	os.Exit(code)
}
