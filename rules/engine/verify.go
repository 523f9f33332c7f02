package engine

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/storage/inmem"
	"github.com/open-policy-agent/opa/v1/tester"

	"github.com/meshproof/meshproof/rules"
	"github.com/meshproof/meshproof/rules/mesh"
	"github.com/meshproof/meshproof/scanner"
)

// TestResult is the outcome of one Rego unit test (a test_ rule).
type TestResult struct {
	Package string `json:"package"`
	Name    string `json:"name"`
	File    string `json:"file"`
	Line    int    `json:"line"`
	Passed  bool   `json:"passed"`
	// Error is set when the test could not be evaluated (not a plain fail).
	Error string `json:"error,omitempty"`
}

// RunTests runs the Rego unit tests (test_ rules in *_test.rego files) of
// the built-in pack and of the user policies in opts, as `opa test` and
// `conftest verify` do.
func RunTests(ctx context.Context, opts Options) ([]TestResult, error) {
	modules, _, err := loadModules(opts, true)
	if err != nil {
		return nil, err
	}
	data, err := loadData(opts.DataPaths)
	if err != nil {
		return nil, err
	}
	compiler := ast.NewCompiler().WithCapabilities(capabilities()).WithEnablePrintStatements(true)
	store := inmem.NewFromObject(data)
	ch, err := tester.NewRunner().
		SetCompiler(compiler).
		SetStore(store).
		SetModules(modules).
		SetDefaultRegoVersion(ast.RegoV1).
		SetTimeout(30*time.Second).
		Run(ctx, modules)
	if err != nil {
		return nil, fmt.Errorf("run Rego tests: %w", err)
	}
	var out []TestResult
	for r := range ch {
		tr := TestResult{Package: strings.TrimPrefix(r.Package, "data."), Name: r.Name, Passed: r.Pass()}
		if r.Location != nil {
			tr.File, tr.Line = r.Location.File, r.Location.Row
		}
		if r.Error != nil {
			tr.Error = r.Error.Error()
		}
		out = append(out, tr)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Package != out[j].Package {
			return out[i].Package < out[j].Package
		}
		return out[i].Name < out[j].Name
	})
	return out, nil
}

// FixtureResult is the outcome of checking one rule fixture.
type FixtureResult struct {
	Rule string `json:"rule"`
	File string `json:"file"`
	// Problem says what is wrong, "" when the fixture behaves.
	Problem string `json:"problem,omitempty"`
}

// wantMarker marks the line where a fixture expects a finding: "# want: MTLS-03".
var wantMarker = regexp.MustCompile(`#\s*want:\s*([A-Z0-9-]+(?:\s*,\s*[A-Z0-9-]+)*)`)

// CheckFixtures checks every enabled built-in rule against its fixtures in
// dir/<ID>/: each rule needs fail*.yaml and pass*.yaml; in a failing
// fixture the findings of every rule named by a "# want: ID" marker must
// fall exactly on the marked lines (a line marked twice expects two); a
// passing fixture must yield no finding of its rule. Each fixture file is
// its own whole input, checked at time now (certificate validity).
func (e *Engine) CheckFixtures(ctx context.Context, dir string, now time.Time) ([]FixtureResult, error) {
	var out []FixtureResult
	for _, r := range e.rules {
		if r.Disabled {
			continue
		}
		rdir := filepath.Join(dir, r.ID)
		fails, _ := filepath.Glob(filepath.Join(rdir, "fail*.yaml"))
		passes, _ := filepath.Glob(filepath.Join(rdir, "pass*.yaml"))
		if len(fails) == 0 || len(passes) == 0 {
			out = append(out, FixtureResult{Rule: r.ID, File: rdir, Problem: "needs fail*.yaml and pass*.yaml fixtures"})
			continue
		}
		for _, f := range fails {
			fr := FixtureResult{Rule: r.ID, File: f}
			want, err := wantLines(f)
			if err != nil {
				return nil, err
			}
			fs, err := e.evalFixture(ctx, f, now)
			if err != nil {
				return nil, err
			}
			var problems []string
			if len(want[r.ID]) == 0 {
				problems = append(problems, fmt.Sprintf("no '# want: %s' marker", r.ID))
			}
			for _, id := range slices.Sorted(mapKeys(want)) {
				if got := linesOf(fs, id); !slices.Equal(got, want[id]) {
					problems = append(problems, fmt.Sprintf("%s findings on lines %v, want %v", id, got, want[id]))
				}
			}
			fr.Problem = strings.Join(problems, "; ")
			out = append(out, fr)
		}
		for _, f := range passes {
			fs, err := e.evalFixture(ctx, f, now)
			if err != nil {
				return nil, err
			}
			fr := FixtureResult{Rule: r.ID, File: f}
			if got := linesOf(fs, r.ID); len(got) > 0 {
				fr.Problem = fmt.Sprintf("%s findings on lines %v, want none", r.ID, got)
			}
			out = append(out, fr)
		}
	}
	return out, nil
}

func mapKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

func (e *Engine) evalFixture(ctx context.Context, path string, now time.Time) ([]rules.Finding, error) {
	objs, err := scanner.Load(ctx, []string{path}, scanner.LoadOptions{})
	if err != nil {
		return nil, fmt.Errorf("fixture: %w", err)
	}
	fs, err := e.Evaluate(ctx, objs, mesh.Build(objs, mesh.Options{Now: now}))
	if err != nil {
		return nil, fmt.Errorf("fixture %s: %w", path, err)
	}
	return fs, nil
}

// wantLines reads the "# want: ID" markers of a fixture: rule ID -> lines.
func wantLines(path string) (map[string][]int, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
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
	return out, nil
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
