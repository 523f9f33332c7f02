// Package schematest compiles the JSON schemas the tests validate output
// against (docs/schemas, reports/testdata/schemas). Only tests import it.
package schematest

import (
	"path/filepath"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// Compile compiles the JSON schema in the file at path, failing the test
// when it cannot be read or is not a valid schema.
func Compile(t testing.TB, path string) *jsonschema.Schema {
	t.Helper()
	abs, err := filepath.Abs(path)
	if err != nil {
		t.Fatal(err)
	}
	s, err := jsonschema.NewCompiler().Compile(abs)
	if err != nil {
		t.Fatalf("compile %s: %v", path, err)
	}
	return s
}
