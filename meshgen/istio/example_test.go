package istio_test

import (
	"fmt"
	"strings"

	"github.com/meshproof/meshproof/meshgen/intent"
	"github.com/meshproof/meshproof/meshgen/istio"
)

// ExampleGenerate writes the manifests of a two-service intent and lists
// the objects of the CDE namespace.
func ExampleGenerate() {
	in, err := intent.Parse("mesh.yaml", []byte(`apiVersion: meshproof.dev/v1alpha1
kind: MeshIntent
metadata: {name: shop}
spec:
  trustDomain: corp.example
  services:
  - {name: checkout, namespace: shop, ports: [{name: http, port: 8080, protocol: http}]}
  - {name: ledger, namespace: payments, cde: true, ports: [{name: grpc, port: 9090, protocol: grpc}]}
  calls:
  - {from: checkout, to: ledger, methods: [POST]}
`))
	if err != nil {
		fmt.Println(err)
		return
	}
	files, err := istio.Generate(in)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, f := range files {
		fmt.Println(f.Name)
		if f.Name != "ns-payments.yaml" {
			continue
		}
		var kind string
		for _, line := range strings.Split(string(f.Data), "\n") {
			if k, ok := strings.CutPrefix(line, "kind: "); ok {
				kind = k
			}
			if n, ok := strings.CutPrefix(line, "  name: "); ok && kind != "" {
				fmt.Printf("  %s %s\n", kind, n)
				kind = ""
			}
		}
	}
	// Output:
	// mesh.yaml
	// namespaces.yaml
	// ns-payments.yaml
	//   ServiceAccount ledger
	//   AuthorizationPolicy deny-all
	//   AuthorizationPolicy ledger
	//   Sidecar default
	//   NetworkPolicy default-deny
	//   NetworkPolicy mesh-control-plane
	//   NetworkPolicy ledger
	// ns-shop.yaml
}
