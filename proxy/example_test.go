package proxy_test

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/meshproof/meshproof/proxy"
	"github.com/meshproof/meshproof/proxy/config"
	"github.com/meshproof/meshproof/proxy/internal/testpki"
)

// ExampleServer runs an inbound listener in front of a local echo service
// and lets one SPIFFE ID in. (The daemon does the same with a config it
// verified with package signed.)
func ExampleServer() {
	t := &testing.T{} // testpki reports through a testing.TB
	dir, _ := os.MkdirTemp("", "proxy-example")
	defer os.RemoveAll(dir)
	ca := testpki.NewCA(t, "example CA")
	svid := ca.SVID(t, "spiffe://corp.example/vm/db")
	files := config.TLSFiles{CertFile: filepath.Join(dir, "svid.pem"), KeyFile: filepath.Join(dir, "key.pem"), BundleFile: filepath.Join(dir, "bundle.pem")}
	os.WriteFile(files.CertFile, svid.CertPEM, 0o600)
	os.WriteFile(files.KeyFile, svid.KeyPEM, 0o600)
	os.WriteFile(files.BundleFile, ca.PEM, 0o600)

	backend, _ := net.Listen("tcp", "127.0.0.1:0")
	defer backend.Close()
	go func() {
		for {
			c, err := backend.Accept()
			if err != nil {
				return
			}
			go func() { io.Copy(c, c); c.Close() }()
		}
	}()

	cfg, err := config.Parse([]byte(fmt.Sprintf(`apiVersion: meshproof.dev/v1alpha1
kind: ProxyConfig
metadata: {name: db}
spec:
  serial: 1
  notBefore: %q
  notAfter: %q
  identity: spiffe://corp.example/vm/db
  tls: {certFile: %s, keyFile: %s, bundleFile: %s}
  listeners:
  - {name: db, mode: inbound, listen: "127.0.0.1:0", forward: %q, allow: [{id: spiffe://corp.example/ns/shop/sa/api}]}
`, time.Now().Add(-time.Hour).UTC().Format(time.RFC3339), time.Now().Add(time.Hour).UTC().Format(time.RFC3339),
		files.CertFile, files.KeyFile, files.BundleFile, backend.Addr())))
	if err != nil {
		fmt.Println(err)
		return
	}
	srv, err := proxy.New(cfg, proxy.Options{AccessLog: io.Discard, WatchInterval: -1})
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := srv.Start(); err != nil {
		fmt.Println(err)
		return
	}
	defer srv.Shutdown(context.Background())

	for _, id := range []string{"spiffe://corp.example/ns/shop/sa/api", "spiffe://corp.example/ns/shop/sa/other"} {
		cert := ca.SVID(t, id).TLS
		c, err := tls.Dial("tcp", srv.Addr("db").String(), &tls.Config{Certificates: []tls.Certificate{cert}, InsecureSkipVerify: true})
		if err != nil {
			fmt.Println(id, "refused")
			continue
		}
		c.Write([]byte("ping"))
		c.CloseWrite()
		b, err := io.ReadAll(c)
		c.Close()
		if err != nil {
			fmt.Println(id, "refused")
			continue
		}
		fmt.Println(id, "got", string(b))
	}
	// Output:
	// spiffe://corp.example/ns/shop/sa/api got ping
	// spiffe://corp.example/ns/shop/sa/other refused
}
