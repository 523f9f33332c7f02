package engine

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/meshproof/meshproof/bench/synth"
	"github.com/meshproof/meshproof/rules/mesh"
	"github.com/meshproof/meshproof/scanner"
)

// BenchmarkMeshRules times each mesh rule on the model of a synthetic mesh
// of about 6,000 documents (1,500 workloads), so that a rule that grows
// quadratically with the mesh shows up by name:
//
//	go test ./rules/engine -run XXX -bench MeshRules
func BenchmarkMeshRules(b *testing.B) {
	ctx := context.Background()
	dir := b.TempDir()
	if _, err := (synth.Mesh{Namespaces: 30, Workloads: 50}).Write(dir); err != nil {
		b.Fatal(err)
	}
	objs, err := scanner.Load(ctx, []string{dir}, scanner.LoadOptions{})
	if err != nil {
		b.Fatal(err)
	}
	raw, err := json.Marshal(mesh.Build(objs, mesh.Options{}))
	if err != nil {
		b.Fatal(err)
	}
	input, err := ast.ValueFromReader(strings.NewReader(string(raw)))
	if err != nil {
		b.Fatal(err)
	}
	e := newTestEngine(b)
	for _, r := range e.meshRules {
		p, err := e.prepare(e.meshCompiler, []ruleRef{r})
		if err != nil {
			b.Fatal(err)
		}
		b.Run(r.rule.ID, func(b *testing.B) {
			for b.Loop() {
				if _, err := p.eval(ctx, input); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
