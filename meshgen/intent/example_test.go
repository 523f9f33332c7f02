package intent_test

import (
	"fmt"

	"github.com/meshproof/meshproof/meshgen/intent"
)

// ExampleParse reads an intent and shows the identities and the defaults
// Parse fills in.
func ExampleParse() {
	in, err := intent.Parse("mesh.yaml", []byte(`apiVersion: meshproof.dev/v1alpha1
kind: MeshIntent
metadata: {name: shop}
spec:
  trustDomain: corp.example
  services:
  - name: checkout
    namespace: shop
    ports: [{name: http, port: 8080, protocol: http}]
  - name: ledger
    namespace: payments
    cde: true
    ports: [{name: grpc, port: 9090, protocol: grpc}]
  calls:
  - {from: checkout, to: ledger, methods: [POST]}
`))
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, s := range in.Spec.Services {
		fmt.Println(s.Name, in.SPIFFEID(&s), s.Labels)
	}
	c := in.Spec.Calls[0]
	fmt.Println(c.From, "->", c.To, c.Ports, c.Methods)

	_, err = intent.Parse("mesh.yaml", []byte(`apiVersion: meshproof.dev/v1alpha1
kind: MeshIntent
metadata: {name: shop}
spec:
  trustDomain: corp.example
  services:
  - name: checkout
    namespace: shop
    ports: [{name: http, port: 8080, protocl: http}]
  calls:
  - {from: checkout, to: ledgr}
`))
	fmt.Println(err)
	// Output:
	// checkout spiffe://corp.example/ns/shop/sa/checkout map[app:checkout]
	// ledger spiffe://corp.example/ns/payments/sa/ledger map[app:ledger]
	// checkout -> ledger [9090] [POST]
	// mesh.yaml:9: spec.services[0].ports[0]: unknown field "protocl": did you mean "protocol"? (known fields: name, port, targetPort, protocol)
}
