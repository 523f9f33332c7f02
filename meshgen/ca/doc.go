// Package ca is a small development CA for a SPIFFE trust domain: a root
// that can only sign identities of its trust domain, and X.509 SVIDs for
// workloads and proxies.
//
// Init makes an ECDSA P-256 root: a CA certificate with path length 0 (it
// signs leaves only) and name constraints, marked critical, that permit
// URI names of the trust domain alone (not of its subdomains, which are
// other trust domains), DNS names under it, and no IP addresses. A
// certificate it signed for another trust domain fails verification
// wherever name constraints are enforced (the tests check Go's crypto/x509
// and OpenSSL).
//
// Issue makes an X.509 SVID as the SPIFFE X.509-SVID specification asks:
// exactly one URI SAN with the SPIFFE ID, not a CA, key usage digital
// signature, extended key usages TLS server and client (one certificate
// for both ends of mutual TLS), and a short lifetime (DefaultTTL, one hour).
//
// The dev CA is for tests, demos and small setups; in production the proxy
// reads the certificate files a real CA writes (cert-manager, SPIRE's
// helper), with the same file layout.
package ca
