package intent_test

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"sigs.k8s.io/yaml"

	"github.com/meshproof/meshproof/internal/schematest"
	"github.com/meshproof/meshproof/meshgen/intent"
)

const schemaPath = "../../docs/schemas/intent.json"

func compileSchema(t *testing.T) (*jsonschema.Schema, map[string]any) {
	t.Helper()
	raw, err := os.ReadFile(schemaPath)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	return schematest.Compile(t, schemaPath), doc.(map[string]any)
}

func yamlDoc(t *testing.T, data []byte) any {
	t.Helper()
	j, err := yaml.YAMLToJSON(data)
	if err != nil {
		t.Fatal(err)
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(j))
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestSchemaAcceptsExamples: the shipped example and the test intents
// validate against docs/schemas/intent.json, and typical mistakes do not.
func TestSchemaAcceptsExamples(t *testing.T) {
	sch, _ := compileSchema(t)
	example, err := os.ReadFile(filepath.Join("..", "..", "examples", "payments", "intent.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string][]byte{"examples/payments/intent.yaml": example, "base": []byte(base)} {
		if err := sch.Validate(yamlDoc(t, data)); err != nil {
			t.Errorf("%s does not match the schema: %v", name, err)
		}
		if _, err := intent.Parse(name, data); err != nil {
			t.Errorf("Parse(%s) = %v", name, err)
		}
	}
	bad := map[string]string{
		"unknown field":  strings.Replace(base, "trustDomain:", "trustdomain:", 1),
		"bad protocol":   strings.Replace(base, "protocol: tcp", "protocol: udp", 1),
		"port range":     strings.Replace(base, "port: 9000", "port: 90000", 1),
		"no services":    "apiVersion: meshproof.dev/v1alpha1\nkind: MeshIntent\nmetadata: {name: x}\nspec: {trustDomain: x, services: []}\n",
		"wrong kind":     strings.Replace(base, "MeshIntent", "Intent", 1),
		"tls and proxy":  base + "  externals:\n  - {name: db, host: db.internal, port: 5432, protocol: tcp, tls: {caCertificates: /ca.pem}, proxy: {}}\n",
		"method":         base + "  calls:\n  - {from: frontend, to: api, methods: [get]}\n",
		"path wildcard":  base + "  calls:\n  - {from: frontend, to: api, paths: [/a*b]}\n",
		"ingress no tls": base + "  ingress:\n  - {name: shop, hosts: [shop.example.com], to: frontend}\n",
	}
	for name, data := range bad {
		if err := sch.Validate(yamlDoc(t, []byte(data))); err == nil {
			t.Errorf("schema accepts %s", name)
		}
		if _, err := intent.Parse("m.yaml", []byte(data)); err == nil {
			t.Errorf("Parse accepts %s", name)
		}
	}
}

// TestSchemaMatchesTypes keeps the JSON schema and the Go types in step:
// every field of every object has a property in the schema, and the other
// way round.
func TestSchemaMatchesTypes(t *testing.T) {
	_, doc := compileSchema(t)
	defs := doc["$defs"].(map[string]any)
	resolve := func(s map[string]any) map[string]any {
		for {
			ref, ok := s["$ref"].(string)
			if !ok {
				return s
			}
			s = defs[strings.TrimPrefix(ref, "#/$defs/")].(map[string]any)
		}
	}
	var walk func(path string, typ reflect.Type, s map[string]any)
	walk = func(path string, typ reflect.Type, s map[string]any) {
		s = resolve(s)
		for typ.Kind() == reflect.Pointer || typ.Kind() == reflect.Slice {
			if typ.Kind() == reflect.Slice {
				if items, ok := s["items"].(map[string]any); ok {
					s = resolve(items)
				}
			}
			typ = typ.Elem()
		}
		if typ.Kind() != reflect.Struct {
			return
		}
		props, _ := s["properties"].(map[string]any)
		var fields []string
		for i := 0; i < typ.NumField(); i++ {
			f := typ.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
			if !f.IsExported() || name == "" || name == "-" {
				continue
			}
			fields = append(fields, name)
			ps, ok := props[name].(map[string]any)
			if !ok {
				t.Errorf("schema: %s.%s (field %s.%s) is missing", path, name, typ.Name(), f.Name)
				continue
			}
			walk(path+"."+name, f.Type, ps)
		}
		for name := range props {
			if !slices.Contains(fields, name) {
				t.Errorf("schema: %s.%s is no field of %s", path, name, typ.Name())
			}
		}
	}
	walk("", reflect.TypeFor[intent.Intent](), doc)
}
