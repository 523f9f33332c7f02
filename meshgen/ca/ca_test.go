package ca_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"io"
	"math/big"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/meshproof/meshproof/meshgen/ca"
)

var now = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

func at(t time.Time) func() time.Time { return func() time.Time { return t } }

func newCA(t *testing.T, td string) (*ca.CA, []byte) {
	t.Helper()
	certPEM, keyPEM, err := ca.Init(ca.InitOptions{TrustDomain: td, Now: at(now)})
	if err != nil {
		t.Fatal(err)
	}
	c, err := ca.Load(certPEM, keyPEM)
	if err != nil {
		t.Fatalf("Load(Init()) = %v", err)
	}
	return c, certPEM
}

func parseCert(t *testing.T, p []byte) *x509.Certificate {
	t.Helper()
	b, _ := pem.Decode(p)
	if b == nil {
		t.Fatalf("no PEM: %q", p)
	}
	c, err := x509.ParseCertificate(b.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestRoot(t *testing.T) {
	c, _ := newCA(t, "corp.example")
	r := c.Cert
	if !r.IsCA || !r.BasicConstraintsValid || r.MaxPathLen != 0 || !r.MaxPathLenZero {
		t.Errorf("root basic constraints: CA %v, path len %d (zero %v)", r.IsCA, r.MaxPathLen, r.MaxPathLenZero)
	}
	if r.KeyUsage != x509.KeyUsageCertSign|x509.KeyUsageCRLSign {
		t.Errorf("root key usage %b", r.KeyUsage)
	}
	if diff := cmp.Diff([]string{"corp.example"}, r.PermittedURIDomains); diff != "" {
		t.Errorf("permitted URI domains (-want +got):\n%s", diff)
	}
	if !r.PermittedDNSDomainsCritical || len(r.ExcludedIPRanges) != 2 {
		t.Errorf("name constraints critical %v, excluded IP ranges %v", r.PermittedDNSDomainsCritical, r.ExcludedIPRanges)
	}
	if _, ok := r.PublicKey.(*ecdsa.PublicKey); !ok || r.SignatureAlgorithm != x509.ECDSAWithSHA256 {
		t.Errorf("root key %T, signature %v; want ECDSA P-256 with SHA-256", r.PublicKey, r.SignatureAlgorithm)
	}
	if c.TrustDomain.Name() != "corp.example" {
		t.Errorf("trust domain %q", c.TrustDomain.Name())
	}
}

// TestIssue: an SVID has exactly one URI SAN, is no CA, may sign only (TLS
// server and client), lives an hour by default and chains to the root.
func TestIssue(t *testing.T) {
	c, _ := newCA(t, "corp.example")
	certPEM, keyPEM, err := c.Issue(ca.IssueOptions{SPIFFEID: "spiffe://corp.example/ns/payments/sa/api", Now: at(now)})
	if err != nil {
		t.Fatal(err)
	}
	leaf := parseCert(t, certPEM)
	var uris []string
	for _, u := range leaf.URIs {
		uris = append(uris, u.String())
	}
	if diff := cmp.Diff([]string{"spiffe://corp.example/ns/payments/sa/api"}, uris); diff != "" {
		t.Errorf("URI SANs (-want +got):\n%s", diff)
	}
	if len(leaf.DNSNames)+len(leaf.IPAddresses)+len(leaf.EmailAddresses) != 0 {
		t.Errorf("other SANs: %v %v %v", leaf.DNSNames, leaf.IPAddresses, leaf.EmailAddresses)
	}
	if leaf.IsCA || !leaf.BasicConstraintsValid {
		t.Errorf("leaf CA %v (basic constraints %v)", leaf.IsCA, leaf.BasicConstraintsValid)
	}
	if leaf.KeyUsage != x509.KeyUsageDigitalSignature {
		t.Errorf("leaf key usage %b, want digital signature only", leaf.KeyUsage)
	}
	if diff := cmp.Diff([]x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}, leaf.ExtKeyUsage); diff != "" {
		t.Errorf("extended key usage (-want +got):\n%s", diff)
	}
	if got := leaf.NotAfter.Sub(now); got != ca.DefaultTTL {
		t.Errorf("leaf lives %v from now, want %v", got, ca.DefaultTTL)
	}
	if !leaf.NotBefore.Equal(now.Add(-ca.Backdate)) {
		t.Errorf("leaf not before %v", leaf.NotBefore)
	}
	if string(leaf.AuthorityKeyId) != string(c.Cert.SubjectKeyId) {
		t.Errorf("authority key ID does not name the root")
	}
	roots := x509.NewCertPool()
	roots.AddCert(c.Cert)
	for _, usage := range []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth} {
		if _, err := leaf.Verify(x509.VerifyOptions{Roots: roots, CurrentTime: now, KeyUsages: []x509.ExtKeyUsage{usage}}); err != nil {
			t.Errorf("Verify(usage %v) = %v", usage, err)
		}
	}
	kb, _ := pem.Decode(keyPEM)
	k, err := x509.ParsePKCS8PrivateKey(kb.Bytes)
	if err != nil || !k.(*ecdsa.PrivateKey).PublicKey.Equal(leaf.PublicKey) {
		t.Errorf("the key does not belong to the certificate: %v", err)
	}
	// A TTL of its own.
	certPEM, _, err = c.Issue(ca.IssueOptions{SPIFFEID: "spiffe://corp.example/vm/db", TTL: 10 * time.Minute, Now: at(now)})
	if err != nil {
		t.Fatal(err)
	}
	if got := parseCert(t, certPEM).NotAfter.Sub(now); got != 10*time.Minute {
		t.Errorf("TTL 10m: lives %v", got)
	}
}

func TestIssueErrors(t *testing.T) {
	c, _ := newCA(t, "corp.example")
	tests := []struct {
		name string
		opts ca.IssueOptions
		want string
	}{
		{"other trust domain", ca.IssueOptions{SPIFFEID: "spiffe://other.example/ns/a/sa/b"}, "outside the CA's trust domain corp.example"},
		{"no path", ca.IssueOptions{SPIFFEID: "spiffe://corp.example"}, "names a trust domain, not a workload"},
		{"not SPIFFE", ca.IssueOptions{SPIFFEID: "https://corp.example/x"}, "scheme is missing or invalid"},
		{"dot segment", ca.IssueOptions{SPIFFEID: "spiffe://corp.example/a/../b"}, "dot segments"},
		{"negative TTL", ca.IssueOptions{SPIFFEID: "spiffe://corp.example/a", TTL: -time.Second}, "positive"},
		{"outlives the CA", ca.IssueOptions{SPIFFEID: "spiffe://corp.example/a", TTL: 400 * 24 * time.Hour}, "outlive the CA"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := c.Issue(tt.opts)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Issue() = %v, want an error containing %q", err, tt.want)
			}
		})
	}
	if _, _, err := ca.Init(ca.InitOptions{TrustDomain: "Not A Domain"}); err == nil {
		t.Error("Init(bad trust domain) = nil error")
	}
}

func TestLoadErrors(t *testing.T) {
	c1, cert1 := newCA(t, "corp.example")
	_, key2, _ := ca.Init(ca.InitOptions{TrustDomain: "corp.example"})
	leaf, leafKey, _ := c1.Issue(ca.IssueOptions{SPIFFEID: "spiffe://corp.example/a"})
	key1DER, _ := x509.MarshalPKCS8PrivateKey(c1.Key)
	key1 := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: key1DER})
	tests := map[string][2][]byte{
		"other key":    {cert1, key2},
		"leaf as CA":   {leaf, leafKey},
		"no cert":      {nil, key1},
		"no key":       {cert1, nil},
		"two certs":    {append(append([]byte{}, cert1...), cert1...), key1},
		"key is cert":  {cert1, cert1},
		"garbage cert": {[]byte("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"), key1},
	}
	for name, in := range tests {
		if _, err := ca.Load(in[0], in[1]); err == nil {
			t.Errorf("Load(%s) = nil error", name)
		}
	}
	if _, err := ca.Load(cert1, key1); err != nil {
		t.Errorf("Load(matching pair) = %v", err)
	}
}

// forge signs a certificate with the CA's key directly, bypassing Issue's
// checks, to show that verifiers refuse what the name constraints forbid.
func forge(t *testing.T, c *ca.CA, tmpl *x509.Certificate) *x509.Certificate {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl.SerialNumber = big.NewInt(time.Now().UnixNano())
	tmpl.NotBefore, tmpl.NotAfter = now.Add(-time.Hour), now.Add(time.Hour)
	der, err := x509.CreateCertificate(rand.Reader, tmpl, c.Cert, &key.PublicKey, c.Key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return cert
}

// TestNameConstraints: the root cannot vouch for another trust domain, an
// IP address, a DNS name outside its domain, or an intermediate CA.
func TestNameConstraints(t *testing.T) {
	c, _ := newCA(t, "corp.example")
	roots := x509.NewCertPool()
	roots.AddCert(c.Cert)
	verify := func(cert *x509.Certificate, inter ...*x509.Certificate) error {
		pool := x509.NewCertPool()
		for _, i := range inter {
			pool.AddCert(i)
		}
		_, err := cert.Verify(x509.VerifyOptions{Roots: roots, Intermediates: pool, CurrentTime: now, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}})
		return err
	}
	uri := func(s string) []*url.URL { u, _ := url.Parse(s); return []*url.URL{u} }
	leaf := func(mod func(*x509.Certificate)) *x509.Certificate {
		tmpl := &x509.Certificate{KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, BasicConstraintsValid: true}
		mod(tmpl)
		return forge(t, c, tmpl)
	}
	if err := verify(leaf(func(l *x509.Certificate) { l.URIs = uri("spiffe://corp.example/ok") })); err != nil {
		t.Fatalf("a forged leaf inside the trust domain should verify: %v", err)
	}
	var cie x509.CertificateInvalidError
	bad := map[string]*x509.Certificate{
		"other trust domain": leaf(func(l *x509.Certificate) { l.URIs = uri("spiffe://evil.example/ns/payments/sa/api") }),
		"subdomain":          leaf(func(l *x509.Certificate) { l.URIs = uri("spiffe://x.corp.example/a") }),
		"IP address": leaf(func(l *x509.Certificate) {
			l.URIs = uri("spiffe://corp.example/a")
			l.IPAddresses = []net.IP{net.ParseIP("10.0.0.1")}
		}),
		"DNS outside": leaf(func(l *x509.Certificate) { l.DNSNames = []string{"bank.example"} }),
	}
	for name, cert := range bad {
		if err := verify(cert); !errors.As(err, &cie) || cie.Reason != x509.CANotAuthorizedForThisName {
			t.Errorf("%s: Verify() = %v, want a name constraint violation", name, err)
		}
	}
	// An intermediate the root signed cannot sign leaves: path length 0.
	interKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	interTmpl := &x509.Certificate{SerialNumber: big.NewInt(2), IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour)}
	interDER, err := x509.CreateCertificate(rand.Reader, interTmpl, c.Cert, &interKey.PublicKey, c.Key)
	if err != nil {
		t.Fatal(err)
	}
	inter, _ := x509.ParseCertificate(interDER)
	leafKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	leafTmpl := &x509.Certificate{SerialNumber: big.NewInt(3), URIs: uri("spiffe://corp.example/a"), NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour)}
	leafDER, err := x509.CreateCertificate(rand.Reader, leafTmpl, inter, &leafKey.PublicKey, interKey)
	if err != nil {
		t.Fatal(err)
	}
	under, _ := x509.ParseCertificate(leafDER)
	if err := verify(under, inter); !errors.As(err, &cie) || cie.Reason != x509.TooManyIntermediates {
		t.Errorf("leaf under an intermediate: Verify() = %v, want too many intermediates", err)
	}
}

// TestMutualTLS: two SVIDs of the CA complete a TLS 1.3 mutual handshake on
// a loopback socket, each side verifying the other's SPIFFE ID, and a
// client with another CA's SVID is refused.
func TestMutualTLS(t *testing.T) {
	c, _ := newCA(t, "corp.example")
	other, _ := newCA(t, "corp.example")
	pair := func(authority *ca.CA, id string) tls.Certificate {
		certPEM, keyPEM, err := authority.Issue(ca.IssueOptions{SPIFFEID: id})
		if err != nil {
			t.Fatal(err)
		}
		kp, err := tls.X509KeyPair(certPEM, keyPEM)
		if err != nil {
			t.Fatal(err)
		}
		return kp
	}
	roots := x509.NewCertPool()
	roots.AddCert(c.Cert)
	peerID := func(want string) func(tls.ConnectionState) error {
		return func(cs tls.ConnectionState) error {
			if len(cs.PeerCertificates) == 0 || len(cs.PeerCertificates[0].URIs) != 1 || cs.PeerCertificates[0].URIs[0].String() != want {
				return errors.New("unexpected peer identity")
			}
			return nil
		}
	}
	server := &tls.Config{
		MinVersion: tls.VersionTLS13, Certificates: []tls.Certificate{pair(c, "spiffe://corp.example/vm/db")},
		ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: roots, VerifyConnection: peerID("spiffe://corp.example/ns/payments/sa/api"),
	}
	ln, err := tls.Listen("tcp", "127.0.0.1:0", server)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer conn.Close()
				if err := conn.(*tls.Conn).Handshake(); err == nil {
					conn.Write([]byte("hello"))
				}
			}()
		}
	}()
	dial := func(cert tls.Certificate) (string, error) {
		conn, err := tls.Dial("tcp", ln.Addr().String(), &tls.Config{
			MinVersion: tls.VersionTLS13, Certificates: []tls.Certificate{cert}, RootCAs: roots,
			// SPIFFE authenticates by URI SAN, not host name.
			InsecureSkipVerify: true,
			VerifyConnection: func(cs tls.ConnectionState) error {
				opts := x509.VerifyOptions{Roots: roots, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
				if _, err := cs.PeerCertificates[0].Verify(opts); err != nil {
					return err
				}
				return peerID("spiffe://corp.example/vm/db")(cs)
			},
		})
		if err != nil {
			return "", err
		}
		defer conn.Close()
		b, err := io.ReadAll(conn)
		return string(b), err
	}
	if got, err := dial(pair(c, "spiffe://corp.example/ns/payments/sa/api")); err != nil || got != "hello" {
		t.Errorf("mutual TLS with two SVIDs = %q, %v", got, err)
	}
	if got, err := dial(pair(other, "spiffe://corp.example/ns/payments/sa/api")); err == nil && got == "hello" {
		t.Errorf("a client with another CA's SVID was served")
	}
	if got, err := dial(pair(c, "spiffe://corp.example/ns/shop/sa/web")); err == nil && got == "hello" {
		t.Errorf("a client with another identity was served")
	}
}

// TestOpenSSL checks the root and an SVID with openssl, independently of
// Go: the chain verifies for TLS server and client use, and a certificate
// the root signed outside its trust domain does not.
func TestOpenSSL(t *testing.T) {
	openssl, err := exec.LookPath("openssl")
	if err != nil {
		t.Skip("openssl is not installed: the check against openssl did not run")
	}
	c, rootPEM := newCA(t, "corp.example")
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	root := write("root.pem", rootPEM)
	leafPEM, _, err := c.Issue(ca.IssueOptions{SPIFFEID: "spiffe://corp.example/ns/payments/sa/api"})
	if err != nil {
		t.Fatal(err)
	}
	leaf := write("leaf.pem", leafPEM)
	run := func(args ...string) (string, error) {
		out, err := exec.Command(openssl, args...).CombinedOutput()
		return string(out), err
	}
	for _, purpose := range []string{"sslserver", "sslclient"} {
		if out, err := run("verify", "-x509_strict", "-CAfile", root, "-purpose", purpose, leaf); err != nil || !strings.Contains(out, ": OK") {
			t.Errorf("openssl verify -purpose %s = %v: %s", purpose, err, out)
		}
	}
	out, err := run("x509", "-in", leaf, "-noout", "-ext", "subjectAltName,basicConstraints,keyUsage,extendedKeyUsage")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"URI:spiffe://corp.example/ns/payments/sa/api", "CA:FALSE", "Digital Signature", "TLS Web Server Authentication, TLS Web Client Authentication"} {
		if !strings.Contains(out, want) {
			t.Errorf("openssl x509 -ext: no %q in\n%s", want, out)
		}
	}
	out, err = run("x509", "-in", root, "-noout", "-ext", "nameConstraints,basicConstraints")
	if err != nil || !strings.Contains(out, "critical") || !strings.Contains(out, "URI:corp.example") || !strings.Contains(out, "pathlen:0") {
		t.Errorf("openssl x509 root -ext = %v:\n%s", err, out)
	}
	u, _ := url.Parse("spiffe://evil.example/ns/payments/sa/api")
	forged := forge(t, c, &x509.Certificate{URIs: []*url.URL{u}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, BasicConstraintsValid: true})
	bad := write("forged.pem", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: forged.Raw}))
	if out, err := run("verify", "-CAfile", root, "-attime", strconv.FormatInt(now.Unix(), 10), bad); err == nil || !strings.Contains(out, "subtree violation") {
		t.Errorf("openssl verify of a certificate outside the trust domain = %v: %s", err, out)
	}
}
