package ca

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha1"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"net/url"
	"time"

	"github.com/spiffe/go-spiffe/v2/spiffeid"
)

// Defaults.
const (
	// DefaultTTL is the lifetime of an SVID.
	DefaultTTL = time.Hour
	// DefaultRootValidity is the lifetime of a root.
	DefaultRootValidity = 365 * 24 * time.Hour
	// Backdate starts certificates a little in the past, so that a peer
	// whose clock is behind accepts them at once.
	Backdate = time.Minute
)

// CA is a loaded root: its certificate and signing key.
type CA struct {
	Cert        *x509.Certificate
	Key         *ecdsa.PrivateKey
	TrustDomain spiffeid.TrustDomain
}

// InitOptions describe a new root.
type InitOptions struct {
	TrustDomain string
	// Validity is the root's lifetime (DefaultRootValidity when zero).
	Validity time.Duration
	// Now returns the current time (time.Now when nil).
	Now func() time.Time
}

func now(f func() time.Time) time.Time {
	if f != nil {
		return f()
	}
	return time.Now()
}

// newKey makes what every certificate here needs first: a P-256 key, a
// random 127-bit serial number, and the subject key ID (RFC 5280 method 1
// over the SubjectPublicKeyInfo, as most CAs do).
func newKey() (key *ecdsa.PrivateKey, serial *big.Int, keyID []byte, err error) {
	if key, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
		return nil, nil, nil, err
	}
	if serial, err = rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127)); err != nil {
		return nil, nil, nil, err
	}
	der, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		return nil, nil, nil, err
	}
	sum := sha1.Sum(der)
	return key, serial, sum[:], nil
}

// Init makes a root for a trust domain and returns its certificate and
// private key (PKCS #8) in PEM.
func Init(opts InitOptions) (certPEM, keyPEM []byte, err error) {
	td, err := spiffeid.TrustDomainFromString(opts.TrustDomain)
	if err != nil {
		return nil, nil, fmt.Errorf("init CA: trust domain %q: %w", opts.TrustDomain, err)
	}
	validity := opts.Validity
	if validity == 0 {
		validity = DefaultRootValidity
	}
	if validity < 0 {
		return nil, nil, errors.New("init CA: validity must be positive")
	}
	key, sn, ski, err := newKey()
	if err != nil {
		return nil, nil, fmt.Errorf("init CA: %w", err)
	}
	t := now(opts.Now)
	_, all4, _ := net.ParseCIDR("0.0.0.0/0")
	_, all6, _ := net.ParseCIDR("::/0")
	tmpl := &x509.Certificate{
		SerialNumber:          sn,
		Subject:               pkix.Name{Organization: []string{"meshproof dev CA"}, CommonName: "meshproof dev CA for " + td.Name()},
		NotBefore:             t.Add(-Backdate),
		NotAfter:              t.Add(validity),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLen:            0,
		MaxPathLenZero:        true,
		SubjectKeyId:          ski,
		// Only identities of the trust domain (and DNS names under it).
		PermittedDNSDomainsCritical: true,
		PermittedURIDomains:         []string{td.Name()},
		// A URI constraint also matches subdomains for some verifiers;
		// x.corp.example is another trust domain.
		ExcludedURIDomains:  []string{"." + td.Name()},
		PermittedDNSDomains: []string{td.Name()},
		ExcludedIPRanges:    []*net.IPNet{all4, all6},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, fmt.Errorf("init CA: %w", err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, nil, fmt.Errorf("init CA: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), nil
}

// Load reads a root written by Init: its certificate and its key, which
// must belong together; the trust domain is taken from the certificate's
// URI name constraint.
func Load(certPEM, keyPEM []byte) (*CA, error) {
	b, rest := pem.Decode(certPEM)
	if b == nil || b.Type != "CERTIFICATE" || len(bytes.TrimSpace(rest)) > 0 {
		return nil, errors.New("load CA: the certificate file must hold one PEM CERTIFICATE")
	}
	cert, err := x509.ParseCertificate(b.Bytes)
	if err != nil {
		return nil, fmt.Errorf("load CA: %w", err)
	}
	if !cert.IsCA || cert.KeyUsage&x509.KeyUsageCertSign == 0 {
		return nil, errors.New("load CA: the certificate is not a CA certificate")
	}
	if len(cert.PermittedURIDomains) != 1 {
		return nil, errors.New("load CA: the certificate has no URI name constraint naming one trust domain (not made by meshproof ca init)")
	}
	td, err := spiffeid.TrustDomainFromString(cert.PermittedURIDomains[0])
	if err != nil {
		return nil, fmt.Errorf("load CA: name constraint %q: %w", cert.PermittedURIDomains[0], err)
	}
	kb, rest := pem.Decode(keyPEM)
	if kb == nil || kb.Type != "PRIVATE KEY" || len(bytes.TrimSpace(rest)) > 0 {
		return nil, errors.New("load CA: the key file must hold one PEM PRIVATE KEY (PKCS #8)")
	}
	k, err := x509.ParsePKCS8PrivateKey(kb.Bytes)
	if err != nil {
		return nil, fmt.Errorf("load CA: %w", err)
	}
	key, ok := k.(*ecdsa.PrivateKey)
	if !ok || key.Curve != elliptic.P256() {
		return nil, errors.New("load CA: the key is not an ECDSA P-256 key")
	}
	pub, ok := cert.PublicKey.(*ecdsa.PublicKey)
	if !ok || !pub.Equal(&key.PublicKey) {
		return nil, errors.New("load CA: the key does not belong to the certificate")
	}
	return &CA{Cert: cert, Key: key, TrustDomain: td}, nil
}

// IssueOptions describe an SVID.
type IssueOptions struct {
	// SPIFFEID is the identity, in the CA's trust domain.
	SPIFFEID string
	// TTL is the certificate's lifetime (DefaultTTL when zero).
	TTL time.Duration
	// Now returns the current time (time.Now when nil).
	Now func() time.Time
}

// Issue makes an X.509 SVID and its private key (PKCS #8), in PEM.
func (c *CA) Issue(opts IssueOptions) (certPEM, keyPEM []byte, err error) {
	id, err := spiffeid.FromString(opts.SPIFFEID)
	if err != nil {
		return nil, nil, fmt.Errorf("issue SVID: %q: %w", opts.SPIFFEID, err)
	}
	if id.Path() == "" {
		return nil, nil, fmt.Errorf("issue SVID: %s names a trust domain, not a workload (add a path)", id)
	}
	if !id.MemberOf(c.TrustDomain) {
		return nil, nil, fmt.Errorf("issue SVID: %s is outside the CA's trust domain %s", id, c.TrustDomain.Name())
	}
	ttl := opts.TTL
	if ttl == 0 {
		ttl = DefaultTTL
	}
	if ttl < 0 {
		return nil, nil, errors.New("issue SVID: the TTL must be positive")
	}
	t := now(opts.Now)
	notAfter := t.Add(ttl)
	if notAfter.After(c.Cert.NotAfter) {
		return nil, nil, fmt.Errorf("issue SVID: it would outlive the CA (valid until %s)", c.Cert.NotAfter.UTC().Format(time.RFC3339))
	}
	if t.Before(c.Cert.NotBefore) {
		return nil, nil, errors.New("issue SVID: the CA is not valid yet")
	}
	key, sn, ski, err := newKey()
	if err != nil {
		return nil, nil, fmt.Errorf("issue SVID: %w", err)
	}
	u, err := url.Parse(id.String())
	if err != nil {
		return nil, nil, fmt.Errorf("issue SVID: %w", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          sn,
		Subject:               pkix.Name{Organization: []string{"SPIFFE"}},
		NotBefore:             t.Add(-Backdate),
		NotAfter:              notAfter,
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		BasicConstraintsValid: true,
		IsCA:                  false,
		SubjectKeyId:          ski,
		AuthorityKeyId:        c.Cert.SubjectKeyId,
		URIs:                  []*url.URL{u},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, c.Cert, &key.PublicKey, c.Key)
	if err != nil {
		return nil, nil, fmt.Errorf("issue SVID: %w", err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, nil, fmt.Errorf("issue SVID: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), nil
}

// Bundle is the trust bundle for the CA's trust domain: its certificate in
// PEM, what proxies read as bundleFile.
func (c *CA) Bundle() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Cert.Raw})
}
