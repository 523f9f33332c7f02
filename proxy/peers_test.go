package proxy

import (
	"bufio"
	"io"
	"net"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/meshproof/meshproof/proxy/config"
	"github.com/meshproof/meshproof/proxy/internal/testpki"
)

func needTool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		t.Skipf("%s is not installed (Debian package listed in .ci/apt-packages): %v", name, err)
	}
	return p
}

// peerFiles writes a client certificate and key and the CA for a peer tool.
func peerFiles(t *testing.T, p *pki, id string) (cert, key, ca string) {
	dir := t.TempDir()
	l := p.ca.SVID(t, id)
	cert, key, ca = filepath.Join(dir, "c.pem"), filepath.Join(dir, "k.pem"), filepath.Join(dir, "ca.pem")
	testpki.WriteFile(t, cert, l.CertPEM)
	testpki.WriteFile(t, key, l.KeyPEM)
	testpki.WriteFile(t, ca, p.ca.PEM)
	return cert, key, ca
}

// serverFilesWithIP is a server SVID that also names 127.0.0.1, so that
// peers that check the host name accept it.
func serverFilesWithIP(t *testing.T, p *pki) config.TLSFiles {
	l := p.ca.Issue(t, testpki.Leaf{URIs: []string{serverID}, IPs: []net.IP{net.IPv4(127, 0, 0, 1)}})
	f := config.TLSFiles{CertFile: filepath.Join(p.dir, "ip.pem"), KeyFile: filepath.Join(p.dir, "ip-key.pem"), BundleFile: filepath.Join(p.dir, "ip-bundle.pem")}
	testpki.WriteFile(t, f.CertFile, l.CertPEM)
	testpki.WriteFile(t, f.KeyFile, l.KeyPEM)
	testpki.WriteFile(t, f.BundleFile, p.ca.PEM)
	return f
}

// sClient runs openssl s_client against addr and reports whether the
// backend's banner arrived, with the tool's output.
func sClient(t *testing.T, addr string, args ...string) (bool, string) {
	t.Helper()
	cmd := exec.Command(needTool(t, "openssl"), append([]string{"s_client", "-connect", addr, "-brief"}, args...)...)
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	got := false
	timeout := time.After(20 * time.Second)
loop:
	for {
		select {
		case l, ok := <-lines:
			if !ok {
				break loop
			}
			if strings.Contains(l, "220 meshproof backend") {
				got = true
				stdin.Close()
			}
		case <-timeout:
			cmd.Process.Kill()
			break loop
		}
	}
	stdin.Close()
	cmd.Wait()
	return got, stderr.String()
}

func TestOpenSSLClient(t *testing.T) {
	needTool(t, "openssl")
	p := newPKI(t)
	be := newBackend(t)
	be.handle = func(c net.Conn) {
		io.WriteString(c, "220 meshproof backend\r\n")
		io.Copy(io.Discard, c)
	}
	px := startProxy(t, baseConfig(p.files(t, "server", serverID), serverID, inboundTCP(be.addr(), config.Principal{ID: clientID})), Options{})
	cert, key, ca := peerFiles(t, p, clientID)

	ok, out := sClient(t, px.addr("in"), "-cert", cert, "-key", key, "-CAfile", ca, "-verify_return_error")
	if !ok {
		t.Fatalf("openssl s_client with a valid SVID did not get through:\n%s", out)
	}
	if !strings.Contains(out, "TLSv1.3") || !strings.Contains(out, "Verification: OK") {
		t.Errorf("s_client output lacks TLSv1.3 / Verification: OK:\n%s", out)
	}
	conns := be.conns.Load()
	if ok, out := sClient(t, px.addr("in"), "-CAfile", ca); ok {
		t.Errorf("s_client without a certificate got through:\n%s", out)
	}
	if ok, out := sClient(t, px.addr("in"), "-cert", cert, "-key", key, "-tls1_2"); ok {
		t.Errorf("s_client with TLS 1.2 got through:\n%s", out)
	} else if !strings.Contains(out, "protocol version") {
		t.Errorf("TLS 1.2 refusal is not a protocol_version alert:\n%s", out)
	}
	if n := be.conns.Load() - conns; n != 0 {
		t.Errorf("refused s_client runs reached the backend %d times", n)
	}
}

func TestCurlClient(t *testing.T) {
	curl := needTool(t, "curl")
	p := newPKI(t)
	be := newHTTPBackend(t)
	l := config.Listener{Name: "web", Mode: config.Inbound, Listen: "127.0.0.1:0", Protocol: config.HTTP, Forward: strings.TrimPrefix(be.URL, "http://"),
		HTTPRules: []config.HTTPRule{{Principals: []config.Principal{{ID: clientID}}, Permissions: []config.Permission{{Methods: []string{"GET"}, Paths: []string{"/public/*"}}}}}}
	px := startProxy(t, baseConfig(serverFilesWithIP(t, p), serverID, l), Options{})
	cert, key, ca := peerFiles(t, p, clientID)
	base := "https://" + px.addr("web")
	run := func(args ...string) (string, error) {
		out, err := exec.Command(curl, append([]string{"-sS", "--max-time", "20", "--cacert", ca, "-o", "/dev/stdout", "-w", " %{http_code}"}, args...)...).CombinedOutput()
		return string(out), err
	}
	if out, err := run("--cert", cert, "--key", key, "-H", "X-Forwarded-Client-Cert: spoofed", base+"/public/hello"); err != nil || !strings.HasSuffix(out, " 200") || !strings.Contains(out, "GET /public/hello") {
		t.Fatalf("curl --cert: %q, %v", out, err)
	}
	r := be.requests()[0]
	if x := r.Header.Values(XFCCHeader); len(x) != 1 || !strings.Contains(x[0], "URI="+clientID) {
		t.Errorf("backend %s = %q", XFCCHeader, x)
	}
	for _, target := range []string{"/admin", "/public/../admin", "/public/%2e%2e/admin"} {
		out, err := run("--path-as-is", "--cert", cert, "--key", key, base+target)
		if err != nil || !strings.HasSuffix(out, " 403") {
			t.Errorf("curl %s = %q, %v, want 403", target, out, err)
		}
	}
	if out, err := run("--path-as-is", "--cert", cert, "--key", key, base+"/public/..%2fadmin"); err != nil || !strings.HasSuffix(out, " 400") {
		t.Errorf("curl ..%%2f = %q, %v, want 400", out, err)
	}
	if out, err := run(base + "/public/hello"); err == nil && strings.HasSuffix(out, " 200") {
		t.Errorf("curl without a certificate got %q", out)
	}
	if n := len(be.requests()); n != 1 {
		t.Errorf("%d requests reached the backend, want 1", n)
	}
}
