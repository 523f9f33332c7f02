package engine

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/meshproof/meshproof/rules/pack"
	"github.com/meshproof/meshproof/scanner"
)

// fixtureDir holds one folder per rule ID with fail*.yaml and pass*.yaml.
var fixtureDir = filepath.Join("..", "..", "testdata", "rules")

// fixtureNow is the time fixtures are checked at (certificate validity).
var fixtureNow = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

func newTestEngine(t testing.TB) *Engine {
	t.Helper()
	e, err := New(context.Background(), Options{})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return e
}

// TestRuleFixtures: every enabled rule has failing and passing fixtures,
// and they behave (see Engine.CheckFixtures). One subtest per rule.
func TestRuleFixtures(t *testing.T) {
	e := newTestEngine(t)
	results, err := e.CheckFixtures(context.Background(), fixtureDir, fixtureNow)
	if err != nil {
		t.Fatal(err)
	}
	byRule := map[string][]FixtureResult{}
	for _, r := range results {
		byRule[r.Rule] = append(byRule[r.Rule], r)
	}
	for _, r := range e.Rules() {
		t.Run(r.ID, func(t *testing.T) {
			if n := len(byRule[r.ID]); n < 2 {
				t.Errorf("%d fixtures checked, want at least a failing and a passing one", n)
			}
			for _, fr := range byRule[r.ID] {
				if fr.Problem != "" {
					t.Errorf("%s: %s", fr.File, fr.Problem)
				}
			}
		})
	}
}

// TestFixtureFoldersNameRules: no fixture folder is left for a rule that
// does not exist (a renamed rule would silently lose its tests).
func TestFixtureFoldersNameRules(t *testing.T) {
	e := newTestEngine(t)
	var ids []string
	for _, r := range e.Rules() {
		ids = append(ids, r.ID)
	}
	entries, err := os.ReadDir(fixtureDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range entries {
		if d.IsDir() && !slices.Contains(ids, d.Name()) {
			t.Errorf("fixture folder %s names no rule", d.Name())
		}
	}
}

// TestMeshRulesSilentOnDocuments: mesh rules report nothing when their input
// is a manifest, which is what they see under the plain conftest CLI.
func TestMeshRulesSilentOnDocuments(t *testing.T) {
	e := newTestEngine(t)
	p, err := e.prepare(e.meshCompiler, e.meshRules)
	if err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(fixtureDir, "*", "*.yaml"))
	if len(files) == 0 {
		t.Fatal("no fixtures")
	}
	for _, f := range files {
		objs, err := scanner.Load(context.Background(), []string{f}, scanner.LoadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range objs {
			res, err := p.eval(context.Background(), toValue(o.Body))
			if err != nil {
				t.Fatal(err)
			}
			for i, r := range res {
				if len(r) > 0 {
					t.Errorf("mesh rule %s reports on a plain document %s (%s): %v", p.refs[i].rule.ID, o.Ref(), f, r)
				}
			}
		}
	}
}

// TestPackStrict compiles the pack in OPA's strict mode (unused variables
// and arguments, shadowed imports, deprecated built-ins are errors).
func TestPackStrict(t *testing.T) {
	modules := map[string]*ast.Module{}
	err := fs.WalkDir(pack.FS, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !isPolicyFile(p) {
			return err
		}
		src, err := pack.FS.ReadFile(p)
		if err != nil {
			return err
		}
		m, err := ast.ParseModuleWithOpts(p, string(src), ast.ParserOptions{ProcessAnnotation: true, RegoVersion: ast.RegoV1})
		if err != nil {
			return err
		}
		modules[p] = m
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	c := ast.NewCompiler().WithStrict(true).WithCapabilities(capabilities())
	if c.Compile(modules); c.Failed() {
		t.Errorf("rule pack fails strict compilation:\n%v", c.Errors)
	}
}

// TestRegoUnitTests runs the pack's Rego unit tests (what `meshproof rules
// test` and `conftest verify` run).
func TestRegoUnitTests(t *testing.T) {
	results, err := RunTests(context.Background(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(results) == 0 {
		t.Fatal("no Rego unit tests found in the pack")
	}
	tested := map[string]int{}
	for _, r := range results {
		tested[r.Package]++
		if !r.Passed {
			t.Errorf("%s.%s (%s:%d) failed %s", r.Package, r.Name, r.File, r.Line, r.Error)
		}
	}
	// Every rule of the pack has unit tests in <package>_test.
	for _, r := range newTestEngine(t).Rules() {
		if tested[r.Package+"_test"] == 0 {
			t.Errorf("rule %s (package %s) has no Rego unit tests: add %s_test.rego", r.ID, r.Package, strings.TrimPrefix(r.Package, "meshproof."))
		}
	}
}

// TestPackRulesReadOnlyTheirCompiler guards the split of the pack into two
// compilers (see compileSplit): a rule that read another rule's package
// would find it undefined in its own compiler, silently, since a data
// reference is not a compile error. Every reference into data.meshproof
// must name the module's own package or a library, and each compiler must
// hold the rules it is asked for.
func TestPackRulesReadOnlyTheirCompiler(t *testing.T) {
	e := newTestEngine(t)
	lib := ast.MustParseRef("data.meshproof.lib")
	root := ast.MustParseRef("data.meshproof")
	checked := 0
	for name, c := range map[string]*ast.Compiler{"document": e.docCompiler, "mesh": e.meshCompiler} {
		for file, m := range c.Modules {
			own := m.Package.Path
			if own.HasPrefix(lib) {
				continue
			}
			checked++
			ast.WalkRefs(m, func(r ast.Ref) bool {
				if r.HasPrefix(root) && !r.HasPrefix(lib) && !r.HasPrefix(own) {
					t.Errorf("%s (%s compiler): %v reads another rule's package", file, name, r)
				}
				return false
			})
		}
		refs := e.docRules
		if name == "mesh" {
			refs = e.meshRules
		}
		for _, r := range refs {
			if len(c.GetRulesExact(ast.MustParseRef(dataRef(r.pkg, r.name)))) == 0 {
				t.Errorf("%s %s.%s is not in the %s compiler", r.rule.ID, r.pkg, r.name, name)
			}
		}
	}
	if want := len(e.rules); checked != want {
		t.Errorf("checked %d rule modules, the pack has %d rules", checked, want)
	}
}
