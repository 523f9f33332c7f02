package schema_test

import (
	"fmt"

	"github.com/meshproof/meshproof/scanner/schema"
)

func ExampleValidate() {
	// One object as the loader decodes it from YAML.
	obj := map[string]any{
		"apiVersion": "security.istio.io/v1",
		"kind":       "PeerAuthentication",
		"metadata":   map[string]any{"name": "default", "namespace": "istio-system"},
		"spec": map[string]any{
			"mtls": map[string]any{"mode": "STRICTT"},
			"portLevelMtls": map[string]any{
				"8080": map[string]any{"mdoe": "DISABLE"},
			},
		},
	}
	issues, known := schema.Validate("security.istio.io/v1", "PeerAuthentication", obj)
	fmt.Println("known:", known)
	for _, issue := range issues {
		fmt.Println(issue)
	}

	_, known = schema.Validate("v1", "ConfigMap", map[string]any{})
	fmt.Println("ConfigMap known:", known)
	// Output:
	// known: true
	// spec.mtls.mode: invalid value "STRICTT": must be one of UNSET, DISABLE, PERMISSIVE, STRICT
	// spec.portLevelMtls.8080.mdoe: unknown field "mdoe"
	// ConfigMap known: false
}
