package schema

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.yaml.in/yaml/v3"

	"github.com/meshproof/meshproof/scanner"
)

// yamlTree decodes YAML into the tree types Validate takes (int64 integers).
func yamlTree(t testing.TB, text string) map[string]any {
	t.Helper()
	var v any
	if err := yaml.Unmarshal([]byte(text), &v); err != nil {
		t.Fatalf("yaml: %v", err)
	}
	m, _ := normalizeYAML(v).(map[string]any)
	return m
}

func normalizeYAML(v any) any {
	switch v := v.(type) {
	case map[string]any:
		for k, e := range v {
			v[k] = normalizeYAML(e)
		}
		return v
	case []any:
		for i, e := range v {
			v[i] = normalizeYAML(e)
		}
		return v
	case int:
		return int64(v)
	}
	return v
}

// A CRD written for these tests (a policy kind shaped like the ones service
// meshes install), exercising every keyword the validator reads.
const gateCRD = `
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: gates.policy.example.dev}
spec:
  group: policy.example.dev
  names: {kind: Gate, plural: gates}
  scope: Namespaced
  versions:
  - name: v1alpha1
    served: false
    storage: false
    schema:
      openAPIV3Schema: {type: object}
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        required: [spec]
        properties:
          apiVersion: {type: string}
          kind: {type: string}
          metadata: {type: object}
          spec:
            type: object
            required: [port]
            oneOf:
            - required: [podSelector]
            - required: [workloadSelector]
            properties:
              port:
                x-kubernetes-int-or-string: true
              accessPolicy:
                type: string
                enum: [deny, audit, allow]
              podSelector:
                type: object
                properties:
                  matchLabels:
                    type: object
                    x-kubernetes-preserve-unknown-fields: true
              workloadSelector:
                type: object
                additionalProperties: {type: string}
              weight: {type: integer, minimum: 0, maximum: 100}
              ratio: {type: number, minimum: 0, exclusiveMinimum: true}
              name: {type: string, minLength: 1, maxLength: 8, pattern: '^[a-z]+$'}
              hosts:
                type: array
                minItems: 1
                items: {type: string}
              rules:
                type: array
                items:
                  type: object
                  properties:
                    action: {type: string}
                  anyOf:
                  - required: [action]
                  - properties:
                      action: {enum: [log]}
              template:
                type: object
                x-kubernetes-embedded-resource: true
                properties:
                  spec: {type: object, x-kubernetes-preserve-unknown-fields: true}
              enabled: {type: boolean}
          status:
            type: object
            x-kubernetes-preserve-unknown-fields: true
`

func gateCRDs(t *testing.T) *CRDs {
	t.Helper()
	c := NewCRDs()
	if err := c.Add(yamlTree(t, gateCRD)); err != nil {
		t.Fatalf("Add(gate CRD) = %v", err)
	}
	return c
}

func TestCRDValidate(t *testing.T) {
	c := gateCRDs(t)
	tests := []struct {
		name string
		obj  string
		want []string
	}{
		{"valid", `{apiVersion: policy.example.dev/v1, kind: Gate, metadata: {name: g, labels: {a: b}}, spec: {port: 8080, podSelector: {matchLabels: {app: x, any: thing}}, accessPolicy: deny, weight: 100, ratio: 0.5, name: abc, hosts: [a], rules: [{action: allow}], template: {apiVersion: v1, kind: Pod, metadata: {name: p}, spec: {x: 1}}, enabled: true}, status: {anything: [1]}}`, nil},
		{"named port", `{apiVersion: policy.example.dev/v1, kind: Gate, spec: {port: http, workloadSelector: {app: x}}}`, nil},
		{"unknown fields", `{apiVersion: policy.example.dev/v1, kind: Gate, spec: {port: 1, podSelector: {matchLabel: {}}, acessPolicy: deny}, extra: 1}`,
			[]string{`extra: unknown field "extra"`, `spec.acessPolicy: unknown field "acessPolicy"`, `spec.podSelector.matchLabel: unknown field "matchLabel"`}},
		{"bad enum", `{apiVersion: policy.example.dev/v1, kind: Gate, spec: {port: 1, podSelector: {}, accessPolicy: denny}}`,
			[]string{`spec.accessPolicy: invalid value "denny": must be one of "deny", "audit", "allow"`}},
		{"types", `{apiVersion: policy.example.dev/v1, kind: Gate, spec: {port: [1], podSelector: x, weight: "5", enabled: "yes", hosts: {}, workloadSelector: {a: 1}}}`,
			[]string{
				"spec: invalid value: must satisfy exactly one of {required: podSelector} | {required: workloadSelector}, satisfies 2",
				"spec.enabled: invalid type: expected boolean, got string",
				"spec.hosts: invalid type: expected list, got mapping",
				"spec.podSelector: invalid type: expected mapping, got string",
				"spec.port: invalid type: expected integer or string, got list",
				"spec.weight: invalid type: expected integer, got string",
				"spec.workloadSelector.a: invalid type: expected string, got integer",
			}},
		{"required and oneOf", `{apiVersion: policy.example.dev/v1, kind: Gate, spec: {podSelector: {}, workloadSelector: {}}}`,
			[]string{
				`spec: invalid value: must satisfy exactly one of {required: podSelector} | {required: workloadSelector}, satisfies 2`,
				`spec: missing required field "port"`,
			}},
		{"no spec", `{apiVersion: policy.example.dev/v1, kind: Gate, metadata: {name: g}}`, []string{`missing required field "spec"`}},
		{"bounds", `{apiVersion: policy.example.dev/v1, kind: Gate, spec: {port: 1, podSelector: {}, weight: 101, ratio: 0, name: "toolongname", hosts: []}}`,
			[]string{
				"spec.hosts: invalid value: must have at least 1 items",
				`spec.name: invalid value "toolongname": must be at most 8 characters`,
				"spec.ratio: invalid value 0: must be greater than 0",
				"spec.weight: invalid value 101: must be at most 100",
			}},
		{"pattern", `{apiVersion: policy.example.dev/v1, kind: Gate, spec: {port: 1, podSelector: {}, name: "Ab1"}}`,
			[]string{`spec.name: invalid value "Ab1": must match "^[a-z]+$"`}},
		{"anyOf in items", `{apiVersion: policy.example.dev/v1, kind: Gate, spec: {port: 1, podSelector: {}, rules: [{action: deny}, {}, {action: log}]}}`, nil},
		{"metadata", `{apiVersion: policy.example.dev/v1, kind: Gate, metadata: {name: g, lables: {}}, spec: {port: 1, podSelector: {}}}`,
			[]string{`metadata.lables: unknown field "lables"`}},
		{"null is unset", `{apiVersion: policy.example.dev/v1, kind: Gate, spec: {port: 1, podSelector: {}, weight: null, accessPolicy: null}}`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			obj := yamlTree(t, tt.obj)
			issues, known := c.Validate(obj["apiVersion"].(string), obj["kind"].(string), obj)
			if !known {
				t.Fatal("known = false, want true")
			}
			var got []string
			for _, is := range issues {
				got = append(got, is.String())
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Validate(%s) issues (-want +got):\n%s", tt.obj, diff)
			}
		})
	}
	for _, av := range []string{"policy.example.dev/v1alpha1", "policy.example.dev/v2", "other.dev/v1"} {
		if _, known := c.Validate(av, "Gate", map[string]any{}); known {
			t.Errorf("Validate(%s Gate) known = true: that version is not served", av)
		}
	}
}

func TestCRDAddErrors(t *testing.T) {
	tests := []struct {
		crd, want string
	}{
		{`{apiVersion: apiextensions.k8s.io/v1beta1, kind: CustomResourceDefinition, spec: {group: g, names: {kind: K}}}`, "only apiextensions.k8s.io/v1"},
		{`{apiVersion: apiextensions.k8s.io/v1, kind: CustomResourceDefinition, spec: {names: {kind: K}, versions: [{name: v1}]}}`, "spec.group and spec.names.kind are required"},
		{`{apiVersion: apiextensions.k8s.io/v1, kind: CustomResourceDefinition, spec: {group: g, names: {kind: K}}}`, "spec.versions is empty"},
		{`{apiVersion: apiextensions.k8s.io/v1, kind: CustomResourceDefinition, spec: {group: g, names: {kind: K}, versions: [{name: v1, served: true}]}}`, "no schema.openAPIV3Schema"},
		{`{apiVersion: apiextensions.k8s.io/v1, kind: CustomResourceDefinition, spec: {group: g, names: {kind: K}, versions: [{name: v1, schema: {openAPIV3Schema: {properties: {a: 5}}}}]}}`, "properties.a: expected a schema mapping, got integer"},
	}
	for _, tt := range tests {
		c := NewCRDs()
		err := c.Add(yamlTree(t, tt.crd))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Add(%s) = %v, want an error containing %q", tt.crd, err, tt.want)
		}
		if c.Len() != 0 {
			t.Errorf("Add(%s) failed but added %d kinds", tt.crd, c.Len())
		}
	}
	// A schema nested deeper than the bound is refused, not walked.
	deep := `{type: object}`
	for i := 0; i < maxSchemaDepth+2; i++ {
		deep = `{type: object, properties: {a: ` + deep + `}}`
	}
	crd := `{apiVersion: apiextensions.k8s.io/v1, kind: CustomResourceDefinition, spec: {group: g, names: {kind: K}, versions: [{name: v1, schema: {openAPIV3Schema: ` + deep + `}}]}}`
	if err := NewCRDs().Add(yamlTree(t, crd)); err == nil || !strings.Contains(err.Error(), "nests deeper than") {
		t.Errorf("Add(deep schema) = %v, want the depth bound", err)
	}
}

// TestCRDSchemasAgreeWithDescriptors validates Istio objects twice: with
// this package's protobuf descriptors and with the OpenAPI schemas of
// Istio's own CRDs (generated from the same messages), and checks that both
// find the same unknown fields and invalid enum values. It is a
// differential test of the OpenAPI validator against a real schema source.
func TestCRDSchemasAgreeWithDescriptors(t *testing.T) {
	c := NewCRDs()
	for _, crd := range istioCRDs(t) {
		if err := c.Add(normalizeYAML(crd).(map[string]any)); err != nil {
			t.Fatalf("Add(Istio CRD %v): %v", crd["metadata"], err)
		}
	}
	objs := []string{
		`{apiVersion: security.istio.io/v1, kind: PeerAuthentication, metadata: {name: x}, spec: {mtls: {mode: STRICTT}, portLevelMtls: {"8080": {mdoe: DISABLE}}, selector: {matchLabels: {app: a}}}}`,
		`{apiVersion: security.istio.io/v1, kind: AuthorizationPolicy, metadata: {name: x}, spec: {action: ALLOWW, rules: [{from: [{source: {principal: [a]}}], to: [{operation: {methods: [GET]}}]}]}}`,
		`{apiVersion: networking.istio.io/v1, kind: DestinationRule, metadata: {name: x}, spec: {host: h, trafficPolicy: {tls: {mode: SIMPLEE, insecureSkipVerify: true}, connectionPool: {tcp: {maxConections: 1}}}}}`,
		`{apiVersion: networking.istio.io/v1, kind: Gateway, metadata: {name: x}, spec: {selector: {istio: ingressgateway}, servers: [{port: {number: 443, name: https, protocol: HTTPS}, hosts: [a], tls: {mode: SIMPLE, minProtocolVersion: TLSV1_9, credentialName: c}}]}}`,
		`{apiVersion: networking.istio.io/v1, kind: ServiceEntry, metadata: {name: x}, spec: {hosts: [a.example], location: MESH_EXTERNALL, resolution: DNS, ports: [{number: 5432, name: pg, protocol: TCP}]}}`,
		`{apiVersion: networking.istio.io/v1, kind: Sidecar, metadata: {name: x}, spec: {egress: [{hosts: ["./*"]}], outboundTrafficPolicy: {mode: REGISTRY_ONLY}}}`,
	}
	key := func(is Issue) string {
		switch {
		case strings.HasPrefix(is.Message, "unknown field"):
			return strings.Join(is.Path, ".") + " unknown"
		case strings.Contains(is.Message, "must be one of"):
			return strings.Join(is.Path, ".") + " enum"
		}
		return ""
	}
	// And every Istio object of the rule fixtures and the shipped examples.
	var inputs []map[string]any
	for _, text := range objs {
		inputs = append(inputs, yamlTree(t, text))
	}
	files, _ := filepath.Glob(filepath.Join("..", "..", "testdata", "rules", "*", "*.yaml"))
	more, _ := filepath.Glob(filepath.Join("..", "..", "examples", "*", "*", "*.yaml"))
	for _, file := range append(files, more...) {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		decoded, err := scanner.Decode(file, data, scanner.LoadOptions{})
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		for _, o := range decoded {
			if _, known := Validate(o.APIVersion, o.Kind, o.Body); known {
				inputs = append(inputs, o.Body)
			}
		}
	}
	if len(inputs) < 100 {
		t.Fatalf("only %d Istio objects to compare", len(inputs))
	}
	for _, obj := range inputs {
		av, kind := obj["apiVersion"].(string), obj["kind"].(string)
		fromDescriptors, known := Validate(av, kind, obj)
		if !known {
			t.Fatalf("Validate(%s %s): not known", av, kind)
		}
		fromCRD, known := c.Validate(av, kind, obj)
		if !known {
			t.Fatalf("CRDs.Validate(%s %s): no Istio CRD", av, kind)
		}
		var want, got []string
		for _, is := range fromDescriptors {
			if k := key(is); k != "" {
				want = append(want, k)
			}
		}
		for _, is := range fromCRD {
			if k := key(is); k != "" {
				got = append(got, k)
			}
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s %s %v: unknown fields and enum errors differ (-descriptors +CRD schema):\n%s\nCRD issues: %v", av, kind, obj["metadata"], diff, fromCRD)
		}
	}
}

func FuzzCRDValidate(f *testing.F) {
	f.Add([]byte(`{"apiVersion":"policy.example.dev/v1","kind":"Gate","spec":{"port":[1],"podSelector":{},"workloadSelector":{"a":1},"rules":[{"action":5}]}}`))
	f.Add([]byte(`{"apiVersion":"policy.example.dev/v1","kind":"Gate","metadata":{"labels":[]},"spec":{"name":"` + strings.Repeat("é", 20) + `","ratio":-1e308}}`))
	c := NewCRDs()
	var crd any
	if err := yaml.Unmarshal([]byte(gateCRD), &crd); err != nil {
		f.Fatal(err)
	}
	if err := c.Add(normalizeYAML(crd).(map[string]any)); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := decodeJSON(data)
		if err != nil {
			return
		}
		obj, ok := v.(map[string]any)
		if !ok {
			return
		}
		issues, known := c.Validate("policy.example.dev/v1", "Gate", obj)
		if !known {
			t.Fatal("known = false")
		}
		if len(issues) > MaxIssues+1 {
			t.Fatalf("%d issues, want at most %d", len(issues), MaxIssues+1)
		}
		for _, is := range issues {
			if is.Message == "" || strings.ToLower(is.Message[:1]) != is.Message[:1] {
				t.Errorf("issue message %q: want non-empty, lower case", is.Message)
			}
		}
	})
}
