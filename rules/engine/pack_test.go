package engine

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/meshproof/meshproof/rules"
	"github.com/meshproof/meshproof/rules/mesh"
	"github.com/meshproof/meshproof/rules/pack"
	"github.com/meshproof/meshproof/scanner"
)

// fixtureDir holds one folder per rule ID with fail*.yaml and pass*.yaml.
var fixtureDir = filepath.Join("..", "..", "testdata", "rules")

// fixtureNow is the time fixtures are checked at (certificate validity).
var fixtureNow = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

// wantMarker marks the line where a fixture expects a finding: "# want: MTLS-03".
var wantMarker = regexp.MustCompile(`#\s*want:\s*([A-Z0-9-]+(?:\s*,\s*[A-Z0-9-]+)*)`)

func newTestEngine(t testing.TB) *Engine {
	t.Helper()
	e, err := New(context.Background(), Options{})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return e
}

// evalFile runs the pack on one fixture file, as check does (without schema
// validation), with the fixture's folder as the only input.
func evalFile(t *testing.T, e *Engine, path string) []rules.Finding {
	t.Helper()
	objs, err := scanner.Load(context.Background(), []string{path}, scanner.LoadOptions{})
	if err != nil {
		t.Fatalf("load %s: %v", path, err)
	}
	model := mesh.Build(objs, mesh.Options{Now: fixtureNow})
	fs, err := e.Evaluate(context.Background(), objs, model)
	if err != nil {
		t.Fatalf("evaluate %s: %v", path, err)
	}
	return fs
}

// wantLines reads the "# want: ID" markers of a fixture: rule ID -> lines.
func wantLines(t *testing.T, path string) map[string][]int {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]int{}
	for i, line := range strings.Split(string(data), "\n") {
		if m := wantMarker.FindStringSubmatch(line); m != nil {
			for _, id := range strings.Split(m[1], ",") {
				id = strings.TrimSpace(id)
				out[id] = append(out[id], i+1)
			}
		}
	}
	return out
}

func linesOf(fs []rules.Finding, id string) []int {
	var out []int
	for _, f := range fs {
		if f.RuleID == id {
			out = append(out, f.Line)
		}
	}
	sort.Ints(out)
	return out
}

// TestRuleFixtures: every rule has at least one failing and one passing
// fixture; a failing fixture yields findings of its rule exactly on the lines
// marked "# want: ID" (and of no rule on lines marked for another); a passing
// fixture yields none of its rule.
func TestRuleFixtures(t *testing.T) {
	e := newTestEngine(t)
	for _, r := range e.Rules() {
		t.Run(r.ID, func(t *testing.T) {
			dir := filepath.Join(fixtureDir, r.ID)
			fails, _ := filepath.Glob(filepath.Join(dir, "fail*.yaml"))
			passes, _ := filepath.Glob(filepath.Join(dir, "pass*.yaml"))
			if len(fails) == 0 || len(passes) == 0 {
				t.Fatalf("rule %s needs fail*.yaml and pass*.yaml fixtures in %s", r.ID, dir)
			}
			for _, f := range fails {
				want := wantLines(t, f)
				if len(want[r.ID]) == 0 {
					t.Errorf("%s: no '# want: %s' marker", f, r.ID)
				}
				fs := evalFile(t, e, f)
				for id, lines := range want {
					if got := linesOf(fs, id); !cmp.Equal(got, lines) {
						t.Errorf("%s: %s findings on lines %v, want %v\nall findings:\n%s", f, id, got, lines, dump(fs))
					}
				}
			}
			for _, f := range passes {
				fs := evalFile(t, e, f)
				if got := linesOf(fs, r.ID); len(got) > 0 {
					t.Errorf("%s: %s findings on lines %v, want none\n%s", f, r.ID, got, dump(fs))
				}
			}
		})
	}
}

func dump(fs []rules.Finding) string {
	var b strings.Builder
	for _, f := range fs {
		fmt.Fprintf(&b, "  %d %s %s: %s\n", f.Line, f.RuleID, f.Resource, f.Message)
	}
	return b.String()
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
	p, err := e.prepare(e.meshRules)
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
