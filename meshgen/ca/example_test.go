package ca_test

import (
	"crypto/x509"
	"encoding/pem"
	"fmt"

	"github.com/meshproof/meshproof/meshgen/ca"
)

// Example makes a root for a trust domain and issues an SVID for a proxy.
func Example() {
	rootPEM, rootKeyPEM, err := ca.Init(ca.InitOptions{TrustDomain: "corp.example"})
	if err != nil {
		fmt.Println(err)
		return
	}
	authority, err := ca.Load(rootPEM, rootKeyPEM)
	if err != nil {
		fmt.Println(err)
		return
	}
	certPEM, _, err := authority.Issue(ca.IssueOptions{SPIFFEID: "spiffe://corp.example/vm/payments-db"})
	if err != nil {
		fmt.Println(err)
		return
	}
	b, _ := pem.Decode(certPEM)
	cert, _ := x509.ParseCertificate(b.Bytes)
	fmt.Println(cert.URIs[0], cert.NotAfter.Sub(cert.NotBefore)-ca.Backdate)

	_, _, err = authority.Issue(ca.IssueOptions{SPIFFEID: "spiffe://other.example/vm/x"})
	fmt.Println(err)
	// Output:
	// spiffe://corp.example/vm/payments-db 1h0m0s
	// issue SVID: spiffe://other.example/vm/x is outside the CA's trust domain corp.example
}
