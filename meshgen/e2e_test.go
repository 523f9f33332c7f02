package meshgen_test

import (
	"context"
	"crypto"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/meshproof/meshproof/meshgen"
	"github.com/meshproof/meshproof/meshgen/ca"
	"github.com/meshproof/meshproof/meshgen/intent"
	"github.com/meshproof/meshproof/meshgen/signing"
	"github.com/meshproof/meshproof/proxy"
	"github.com/meshproof/meshproof/proxy/signed"
)

// freePorts returns n distinct loopback ports that were free a moment ago.
func freePorts(t *testing.T, n int) []int {
	t.Helper()
	var ports []int
	for i := 0; i < n; i++ {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		ports = append(ports, ln.Addr().(*net.TCPAddr).Port)
	}
	return ports
}

// echoServer is the "database": it echoes what it reads.
func echoServer(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() { defer c.Close(); io.Copy(c, c) }()
		}
	}()
	return ln.Addr().String()
}

func writeFile(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

// issue writes an SVID, its key and the bundle into dir.
func issue(t *testing.T, authority *ca.CA, id, dir string) {
	t.Helper()
	cert, key, err := authority.Issue(ca.IssueOptions{SPIFFEID: id})
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "svid.pem"), cert)
	writeFile(t, filepath.Join(dir, "svid-key.pem"), key)
	writeFile(t, filepath.Join(dir, "bundle.pem"), authority.Bundle())
}

// TestProxiesRunGeneratedConfigs takes gen's output the whole way: an
// intent with a database behind a meshproof proxy and a client job outside
// the mesh; gen writes and signs the configs, the dev CA issues the
// identities, and the proxy library runs each config only after
// signed.LoadFile accepted it. The job's bytes reach the database through
// its outbound proxy and the database's inbound proxy; the egress
// gateway's identity is admitted too; any other identity is refused.
func TestProxiesRunGeneratedConfigs(t *testing.T) {
	dir := t.TempDir()
	db := echoServer(t)
	ports := freePorts(t, 4)
	dbPort, jobPort, dbAdmin, jobAdmin := ports[0], ports[1], ports[2], ports[3]
	intentYAML := fmt.Sprintf(`apiVersion: meshproof.dev/v1alpha1
kind: MeshIntent
metadata: {name: e2e}
spec:
  trustDomain: corp.example
  services:
  - {name: api, namespace: payments, cde: true, ports: [{name: http, port: 8080, protocol: http}]}
  externals:
  - name: db
    host: db.internal
    address: 127.0.0.1
    port: 5432
    protocol: tcp
    cde: true
    proxy:
      listen: 127.0.0.1
      port: %d
      forward: %s
      admin: 127.0.0.1:%d
      tls: {certFile: %[4]s/db/svid.pem, keyFile: %[4]s/db/svid-key.pem, bundleFile: %[4]s/db/bundle.pem}
  clients:
  - name: job
    admin: 127.0.0.1:%d
    tls: {certFile: %[4]s/job/svid.pem, keyFile: %[4]s/job/svid-key.pem, bundleFile: %[4]s/job/bundle.pem}
  calls:
  - {from: api, to: db}
  - {from: job, to: db, listen: "127.0.0.1:%[6]d"}
`, dbPort, db, dbAdmin, dir, jobAdmin, jobPort)
	in, err := intent.Parse("e2e.yaml", []byte(intentYAML))
	if err != nil {
		t.Fatal(err)
	}
	privPEM, pubPEM, err := signing.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	key, err := signing.LoadPrivateKey(privPEM, nil)
	if err != nil {
		t.Fatal(err)
	}
	out, err := meshgen.Generate(in, meshgen.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := out.Sign(key); err != nil {
		t.Fatal(err)
	}
	outDir := filepath.Join(dir, "out")
	if err := out.Write(outDir); err != nil {
		t.Fatal(err)
	}

	rootPEM, rootKey, err := ca.Init(ca.InitOptions{TrustDomain: "corp.example"})
	if err != nil {
		t.Fatal(err)
	}
	authority, err := ca.Load(rootPEM, rootKey)
	if err != nil {
		t.Fatal(err)
	}
	issue(t, authority, "spiffe://corp.example/vm/db", filepath.Join(dir, "db"))
	issue(t, authority, "spiffe://corp.example/vm/job", filepath.Join(dir, "job"))

	keys, err := signed.ParsePublicKeys(pubPEM)
	if err != nil {
		t.Fatal(err)
	}
	start := func(name string) {
		cfg, err := signed.LoadFile(filepath.Join(outDir, "proxy", name+".yaml"), keys, signed.Options{StatePath: filepath.Join(dir, name+".state")})
		if err != nil {
			t.Fatalf("signed.LoadFile(%s) = %v", name, err)
		}
		s, err := proxy.New(cfg, proxy.Options{AccessLog: io.Discard, WatchInterval: -1})
		if err != nil {
			t.Fatalf("proxy.New(%s) = %v", name, err)
		}
		if err := s.Start(); err != nil {
			t.Fatalf("%s: Start() = %v", name, err)
		}
		t.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			s.Shutdown(ctx)
		})
	}
	start("db")
	start("job")

	roundTrip := func(c net.Conn, msg string) (string, error) {
		defer c.Close()
		c.SetDeadline(time.Now().Add(5 * time.Second))
		if _, err := io.WriteString(c, msg); err != nil {
			return "", err
		}
		buf := make([]byte, len(msg))
		_, err := io.ReadFull(c, buf)
		return string(buf), err
	}
	// The job talks plain TCP to its local proxy, which reaches the
	// database through the database's proxy over mutual TLS.
	c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", jobPort))
	if err != nil {
		t.Fatal(err)
	}
	if got, err := roundTrip(c, "SELECT 1;"); err != nil || got != "SELECT 1;" {
		t.Errorf("job -> outbound proxy -> inbound proxy -> db = %q, %v", got, err)
	}

	// Straight to the database's proxy with an SVID: the egress gateway's
	// identity (for callers in the mesh) is admitted, others are not.
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(rootPEM)
	dial := func(id string) (string, error) {
		certPEM, keyPEM, err := authority.Issue(ca.IssueOptions{SPIFFEID: id})
		if err != nil {
			t.Fatal(err)
		}
		kp, err := tls.X509KeyPair(certPEM, keyPEM)
		if err != nil {
			t.Fatal(err)
		}
		conn, err := tls.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", dbPort), &tls.Config{
			Certificates: []tls.Certificate{kp}, RootCAs: roots, ServerName: "db.internal", MinVersion: tls.VersionTLS13,
			InsecureSkipVerify: true, // the SPIFFE ID is checked below, as SPIFFE peers do
			VerifyConnection: func(cs tls.ConnectionState) error {
				if _, err := cs.PeerCertificates[0].Verify(x509.VerifyOptions{Roots: roots}); err != nil {
					return err
				}
				if u := cs.PeerCertificates[0].URIs; len(u) != 1 || u[0].String() != "spiffe://corp.example/vm/db" {
					return fmt.Errorf("server is %v", u)
				}
				return nil
			},
		})
		if err != nil {
			return "", err
		}
		return roundTrip(conn, "ping")
	}
	gateway := in.GatewayID(&in.Spec.Gateways.Egress)
	if got, err := dial(gateway); err != nil || got != "ping" {
		t.Errorf("egress gateway identity -> db proxy = %q, %v", got, err)
	}
	if got, err := dial("spiffe://corp.example/ns/shop/sa/web"); err == nil && got == "ping" {
		t.Errorf("an identity the intent does not name reached the database")
	}

	// A config changed after signing is refused before it runs.
	path := filepath.Join(outDir, "proxy", "db.yaml")
	data, _ := os.ReadFile(path)
	writeFile(t, path, []byte(strings.Replace(string(data), "id: "+gateway, "trustDomain: corp.example", 1)))
	if _, err := signed.LoadFile(path, []crypto.PublicKey(keys), signed.Options{}); signed.Reason(err) != "digest_mismatch" {
		t.Errorf("signed.LoadFile(edited config) = %v, want digest_mismatch", err)
	}
}
