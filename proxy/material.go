package proxy

import (
	"bytes"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spiffe/go-spiffe/v2/bundle/x509bundle"
	"github.com/spiffe/go-spiffe/v2/spiffeid"
	"github.com/spiffe/go-spiffe/v2/svid/x509svid"

	"github.com/meshproof/meshproof/proxy/config"
)

// material is the proxy's TLS identity and trust at one moment: the three
// files loaded together, or not at all.
type material struct {
	cert   *tls.Certificate
	leaf   *x509.Certificate
	id     spiffeid.ID
	bundle *x509bundle.Bundle
	// bundleNotAfter is the earliest expiry among the bundle's CAs.
	bundleNotAfter time.Time
	certSum        [32]byte // of the certificate and key files
	bundleSum      [32]byte
}

// maxPEMFile bounds the certificate, key and bundle files.
const maxPEMFile = 1 << 20

// loadMaterial reads the certificate chain, key and bundle, and checks that
// they make a usable identity: the key matches the leaf, the leaf is an
// X.509 SVID (exactly one URI SAN) for identity, and the chain verifies
// against the bundle now. Anything less is an error and nothing is used.
func loadMaterial(files config.TLSFiles, identity string, now time.Time) (*material, error) {
	certPEM, err := readFile(files.CertFile)
	if err != nil {
		return nil, err
	}
	keyPEM, err := readFile(files.KeyFile)
	if err != nil {
		return nil, err
	}
	bundlePEM, err := readFile(files.BundleFile)
	if err != nil {
		return nil, err
	}
	pair, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return nil, fmt.Errorf("load %s and %s: %w", files.CertFile, files.KeyFile, err)
	}
	chain := make([]*x509.Certificate, 0, len(pair.Certificate))
	for _, der := range pair.Certificate {
		c, err := x509.ParseCertificate(der)
		if err != nil {
			return nil, fmt.Errorf("load %s: %w", files.CertFile, err)
		}
		chain = append(chain, c)
	}
	pair.Leaf = chain[0]
	id, err := x509svid.IDFromCert(chain[0])
	if err != nil {
		return nil, fmt.Errorf("load %s: not an X.509 SVID: %w", files.CertFile, err)
	}
	if id.String() != identity {
		return nil, fmt.Errorf("load %s: certificate is for %s, the config's identity is %s", files.CertFile, id, identity)
	}
	bundle, err := x509bundle.Parse(id.TrustDomain(), bundlePEM)
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", files.BundleFile, err)
	}
	if bundle.Empty() {
		return nil, fmt.Errorf("load %s: no CA certificate", files.BundleFile)
	}
	if _, _, err := x509svid.Verify(chain, bundle, x509svid.WithTime(now)); err != nil {
		return nil, fmt.Errorf("load %s: the certificate does not verify with bundle %s: %w", files.CertFile, files.BundleFile, err)
	}
	m := &material{cert: &pair, leaf: chain[0], id: id, bundle: bundle}
	for _, ca := range bundle.X509Authorities() {
		if m.bundleNotAfter.IsZero() || ca.NotAfter.Before(m.bundleNotAfter) {
			m.bundleNotAfter = ca.NotAfter
		}
	}
	m.certSum = sha256.Sum256(append(append(bytes.Clone(certPEM), 0), keyPEM...))
	m.bundleSum = sha256.Sum256(bundlePEM)
	return m, nil
}

func readFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxPEMFile+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	if len(b) > maxPEMFile {
		return nil, fmt.Errorf("read %s: larger than %d bytes", path, maxPEMFile)
	}
	return b, nil
}
