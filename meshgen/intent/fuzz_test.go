package intent_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	yaml "go.yaml.in/yaml/v3"

	"github.com/meshproof/meshproof/meshgen/intent"
)

// FuzzParse feeds arbitrary bytes to Parse (seed corpus in
// testdata/fuzz/FuzzParse). It must never panic; every error line names
// the file; and an intent it accepts, written back as YAML, parses again
// to the same intent (the defaults are a fixed point).
func FuzzParse(f *testing.F) {
	example, err := os.ReadFile(filepath.Join("..", "..", "examples", "payments", "intent.yaml"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(example)
	f.Add([]byte(base))
	f.Add([]byte(base + "  calls:\n  - {from: frontend, to: api, methods: [GET], paths: [/a/*]}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		in, err := intent.Parse("f.yaml", data)
		if err != nil {
			if in != nil {
				t.Fatalf("Parse() returned an intent and %v", err)
			}
			for _, line := range strings.Split(err.Error(), "\n") {
				if !strings.HasPrefix(line, "f.yaml") && !strings.HasPrefix(line, "and ") {
					t.Fatalf("error line %q does not name the file", line)
				}
			}
			return
		}
		out, err := yaml.Marshal(in)
		if err != nil {
			t.Fatalf("yaml.Marshal(accepted intent) = %v", err)
		}
		again, err := intent.Parse("f.yaml", out)
		if err != nil {
			t.Fatalf("Parse(accepted intent written back) = %v\n%s", err, out)
		}
		if diff := cmp.Diff(in.Spec, again.Spec); diff != "" {
			t.Fatalf("accepted intent changed when parsed again (-first +second):\n%s", diff)
		}
	})
}
