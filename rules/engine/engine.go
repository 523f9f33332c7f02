// Package engine evaluates Rego policies against manifests and the mesh
// model: meshproof's built-in rule pack and the user's own policies, both
// written with conftest's conventions.
//
// It is the only package that imports OPA. It uses OPA's rego package (the
// engine conftest itself runs on) rather than conftest's policy.Engine,
// because that API loads policies only from disk paths (the pack is embedded
// in the binary), evaluates with a fresh query per file and namespace (too
// slow for the throughput meshproof promises: see docs/benchmarks.md), and
// cannot hand the mesh model to rules as their input. What users see of
// conftest is kept: deny/violation/warn rules (and their _suffix forms),
// string or {"msg": ...} results, --namespace/--all-namespaces with "main"
// as the default, and --data files merged into data.
package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/storage"
	"github.com/open-policy-agent/opa/v1/storage/inmem"

	"github.com/meshproof/meshproof/internal/parallel"
	"github.com/meshproof/meshproof/rules"
	"github.com/meshproof/meshproof/rules/mesh"
	"github.com/meshproof/meshproof/rules/pack"
	"github.com/meshproof/meshproof/scanner"
)

// DefaultNamespace is the user policy package evaluated when none is named,
// as in conftest.
const DefaultNamespace = "main"

// Options configure an Engine.
type Options struct {
	// PolicyPaths are files or folders of user .rego policies.
	PolicyPaths []string
	// Namespaces are the user packages to evaluate ("main" when empty).
	Namespaces []string
	// AllNamespaces evaluates every user package.
	AllNamespaces bool
	// DataPaths are JSON or YAML files merged into data for user policies.
	DataPaths []string
	// NoBuiltin leaves out the built-in rule pack.
	NoBuiltin bool
	// Disable lists built-in rule IDs that are not evaluated.
	Disable []string
	// Severity overrides the severity of built-in rules, by ID.
	Severity map[string]rules.Severity
	// Now decides whether annotation waivers have expired (time.Now when zero).
	Now time.Time
}

// Engine holds compiled policies. It is safe for concurrent use.
type Engine struct {
	// docCompiler holds the pack's document rules and the user's
	// policies, meshCompiler the pack's mesh rules; both hold the pack's
	// libraries.
	docCompiler  *ast.Compiler
	meshCompiler *ast.Compiler
	store        storage.Store
	rules        []rules.Rule
	byPkg        map[string]*rules.Rule
	// docRules are the pack's document rules, userRules the user's.
	docRules  []ruleRef
	meshRules []ruleRef
	userRules []ruleRef

	now time.Time
	// rerated holds the IDs whose severity the configuration overrides:
	// the user's rating then wins over one a result gives itself.
	rerated map[string]bool

	mu      sync.Mutex
	byKind  map[string]*prepared // document query per "group/kind"
	meshQry *prepared
}

// ruleRef is one deny/violation/warn rule of one package.
type ruleRef struct {
	pkg  string // "meshproof.mtls_03", "main"
	name string // "deny", "warn_foo"
	rule *rules.Rule
}

type prepared struct {
	q    rego.PreparedEvalQuery
	refs []ruleRef
}

var ruleName = regexp.MustCompile(`^(deny|violation|warn)(_[a-zA-Z0-9_]+)?$`)

// New compiles the built-in pack and the user policies.
func New(ctx context.Context, opts Options) (*Engine, error) {
	modules, builtinFiles, err := loadModules(opts, false)
	if err != nil {
		return nil, err
	}
	docCompiler, meshCompiler, err := compileSplit(modules, builtinFiles)
	if err != nil {
		return nil, err
	}
	data, err := loadData(opts.DataPaths)
	if err != nil {
		return nil, err
	}
	e := &Engine{
		now:          opts.Now,
		docCompiler:  docCompiler,
		meshCompiler: meshCompiler,
		store:        inmem.NewFromObject(data),
		byPkg:        map[string]*rules.Rule{},
		byKind:       map[string]*prepared{},
	}

	namespaces := opts.Namespaces
	if len(namespaces) == 0 {
		namespaces = []string{DefaultNamespace}
	}
	names := slices.Sorted(func(yield func(string) bool) {
		for n := range modules {
			if !yield(n) {
				return
			}
		}
	})
	seen := map[string]bool{}
	for _, name := range names {
		m := modules[name]
		pkg := strings.TrimPrefix(m.Package.Path.String(), "data.")
		if builtinFiles[name] {
			r, err := ruleMetadata(name, m)
			if err != nil {
				return nil, err
			}
			if r == nil {
				continue
			}
			if prev, ok := e.byPkg[pkg]; ok {
				return nil, fmt.Errorf("built-in rule pack: package %s declared twice (%s)", pkg, prev.ID)
			}
			for _, other := range e.rules {
				if other.ID == r.ID {
					return nil, fmt.Errorf("built-in rule pack: rule ID %s used by %s and %s", r.ID, other.Package, pkg)
				}
			}
			e.rules = append(e.rules, *r)
			e.byPkg[pkg] = &e.rules[len(e.rules)-1]
			continue
		}
		if !opts.AllNamespaces && !slices.Contains(namespaces, pkg) {
			continue
		}
		for _, rn := range policyRules(m) {
			key := pkg + "." + rn
			if !seen[key] {
				seen[key] = true
				e.userRules = append(e.userRules, ruleRef{pkg: pkg, name: rn})
			}
		}
	}
	sort.Slice(e.rules, func(i, j int) bool { return e.rules[i].ID < e.rules[j].ID })
	if e.now.IsZero() {
		e.now = time.Now()
	}
	if err := e.configure(opts); err != nil {
		return nil, err
	}
	// Rebuild the package index: sorting moved the rules.
	for i := range e.rules {
		e.byPkg[e.rules[i].Package] = &e.rules[i]
	}
	for _, name := range names {
		if !builtinFiles[name] {
			continue
		}
		m := modules[name]
		pkg := strings.TrimPrefix(m.Package.Path.String(), "data.")
		r := e.byPkg[pkg]
		if r == nil || r.Disabled {
			continue
		}
		for _, rn := range policyRules(m) {
			ref := ruleRef{pkg: pkg, name: rn, rule: r}
			if r.Input == "mesh" {
				e.meshRules = append(e.meshRules, ref)
			} else {
				e.docRules = append(e.docRules, ref)
			}
		}
	}
	return e, nil
}

// compileSplit compiles the document rules (with the user's policies) and
// the mesh rules of the pack in two compilers at the same time. They share
// nothing but the pack's libraries, which both get. Compiling is most of
// what a one-file check costs (what a pre-commit hook pays on every commit)
// and OPA's compiler runs on one core. meshCompiler is nil when there are
// no mesh rules.
func compileSplit(modules map[string]*ast.Module, builtin map[string]bool) (doc, mesh *ast.Compiler, err error) {
	// A user's module in one of the pack's packages would change a
	// built-in rule (or a library the rules use) behind its ID.
	packPkgs := map[string]bool{}
	for name, m := range modules {
		if builtin[name] {
			packPkgs[m.Package.Path.String()] = true
		}
	}
	for _, name := range slices.Sorted(maps.Keys(modules)) {
		if pkg := modules[name].Package; !builtin[name] && packPkgs[pkg.Path.String()] {
			return nil, nil, fmt.Errorf("%s:%d: package %s belongs to the built-in rule pack: give your policy a package of its own",
				name, pkg.Location.Row, strings.TrimPrefix(pkg.Path.String(), "data."))
		}
	}
	docMods, meshMods := map[string]*ast.Module{}, map[string]*ast.Module{}
	for name, m := range modules {
		switch {
		case !builtin[name]:
			docMods[name] = m
		case len(policyRules(m)) == 0:
			docMods[name], meshMods[name] = m, m
		case moduleInput(m) == "mesh":
			meshMods[name] = m
		default:
			docMods[name] = m
		}
	}
	compile := func(mods map[string]*ast.Module) (*ast.Compiler, error) {
		c := ast.NewCompiler().WithCapabilities(capabilities()).WithEnablePrintStatements(false)
		c.Compile(mods) // copies the modules: sharing the libraries is safe
		if c.Failed() {
			return nil, fmt.Errorf("compile policies: %w", c.Errors)
		}
		return c, nil
	}
	hasMesh := false
	for name := range meshMods {
		if len(policyRules(meshMods[name])) > 0 {
			hasMesh = true
			break
		}
	}
	var meshErr error
	var wg sync.WaitGroup
	if hasMesh {
		wg.Go(func() { mesh, meshErr = compile(meshMods) })
	}
	doc, err = compile(docMods)
	wg.Wait()
	if err != nil {
		return nil, nil, err
	}
	if meshErr != nil {
		return nil, nil, meshErr
	}
	return doc, mesh, nil
}

// moduleInput is what a pack module's rules read, from its package
// METADATA (custom.input): "mesh" or "document". ruleMetadata checks the
// value.
func moduleInput(m *ast.Module) string {
	for _, a := range m.Annotations {
		if a.Scope == "package" {
			if in, _ := a.Custom["input"].(string); in == "mesh" {
				return in
			}
		}
	}
	return "document"
}

// configure applies the rule settings: disabled rules and severity
// overrides. Unknown rule IDs are errors, so that a typo cannot leave a rule
// on (or off) unnoticed.
func (e *Engine) configure(opts Options) error {
	find := func(id string) (*rules.Rule, error) {
		for i := range e.rules {
			if strings.EqualFold(e.rules[i].ID, id) {
				return &e.rules[i], nil
			}
		}
		return nil, fmt.Errorf("unknown rule ID %q (see meshproof rules list)", id)
	}
	for _, id := range opts.Disable {
		r, err := find(id)
		if err != nil {
			return fmt.Errorf("disable rules: %w", err)
		}
		r.Disabled = true
	}
	e.rerated = map[string]bool{}
	for id, sev := range opts.Severity {
		r, err := find(id)
		if err != nil {
			return fmt.Errorf("rule severities: %w", err)
		}
		r.Severity = sev
		e.rerated[r.ID] = true
	}
	return nil
}

// loadModules parses the built-in pack (unless opts.NoBuiltin) and the user
// policies; with tests, the *_test.rego files too. builtin names the
// modules of the pack.
func loadModules(opts Options, tests bool) (modules map[string]*ast.Module, builtin map[string]bool, err error) {
	modules, builtin = map[string]*ast.Module{}, map[string]bool{}
	popts := ast.ParserOptions{ProcessAnnotation: true, RegoVersion: ast.RegoV1}
	want := func(p string) bool { return isPolicyFile(p) || tests && strings.HasSuffix(p, "_test.rego") }
	if !opts.NoBuiltin {
		var files []string
		err := fs.WalkDir(pack.FS, ".", func(p string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() && want(p) {
				files = append(files, p)
			}
			return err
		})
		if err != nil {
			return nil, nil, err
		}
		// Parsing is a quarter of what building an engine costs, which a
		// one-file check pays at every start: parse on every core.
		parsed := make([]*ast.Module, len(files))
		errs := make([]error, len(files))
		parallel.For(context.Background(), len(files), runtime.GOMAXPROCS(0), func(i int) {
			src, err := pack.FS.ReadFile(files[i])
			if err == nil {
				parsed[i], err = ast.ParseModuleWithOpts("builtin/"+files[i], string(src), popts)
			}
			errs[i] = err
		})
		for i, p := range files {
			if errs[i] != nil {
				return nil, nil, fmt.Errorf("built-in rule pack: %w", errs[i])
			}
			modules["builtin/"+p] = parsed[i]
			builtin["builtin/"+p] = true
		}
	}
	for _, p := range opts.PolicyPaths {
		if err := loadUserPolicies(p, popts, modules, want); err != nil {
			return nil, nil, err
		}
	}
	if len(opts.PolicyPaths) > 0 && len(modules) == len(builtin) {
		return nil, nil, fmt.Errorf("load policies %s: no .rego files found", strings.Join(opts.PolicyPaths, ", "))
	}
	return modules, builtin, nil
}

func isPolicyFile(p string) bool {
	return strings.HasSuffix(p, ".rego") && !strings.HasSuffix(p, "_test.rego")
}

func loadUserPolicies(root string, popts ast.ParserOptions, modules map[string]*ast.Module, want func(string) bool) error {
	info, err := os.Stat(root)
	if err != nil {
		return fmt.Errorf("load policies %q: %w", root, err)
	}
	var files []string
	if info.IsDir() {
		err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() && p != root && strings.HasPrefix(d.Name(), ".") {
				return filepath.SkipDir
			}
			if !d.IsDir() && want(p) {
				files = append(files, p)
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("load policies %q: %w", root, err)
		}
	} else {
		files = []string{root}
	}
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			return fmt.Errorf("load policies: %w", err)
		}
		m, err := ast.ParseModuleWithOpts(f, string(src), popts)
		if err != nil {
			return fmt.Errorf("load policies: %w", err)
		}
		modules[f] = m
	}
	return nil
}

// policyRules lists a module's deny/violation/warn rule names, sorted.
func policyRules(m *ast.Module) []string {
	var out []string
	for _, r := range m.Rules {
		n := r.Head.Name.String()
		if len(r.Head.Reference) > 0 {
			n = r.Head.Reference[0].Value.(ast.Var).String()
		}
		if ruleName.MatchString(n) && !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out
}

// capabilities are OPA's defaults without the built-ins that reach the
// network: a policy check must not download anything or leak the manifests.
func capabilities() *ast.Capabilities {
	caps := ast.CapabilitiesForThisVersion()
	blocked := map[string]bool{"http.send": true, "net.lookup_ip_addr": true, "opa.runtime": true}
	kept := caps.Builtins[:0:0]
	for _, b := range caps.Builtins {
		if !blocked[b.Name] {
			kept = append(kept, b)
		}
	}
	caps.Builtins = kept
	return caps
}

func loadData(paths []string) (map[string]any, error) {
	data := map[string]any{}
	for _, p := range paths {
		objs, err := dataFiles(p)
		if err != nil {
			return nil, err
		}
		for _, f := range objs {
			if err := mergeData(data, f.value, f.name); err != nil {
				return nil, err
			}
		}
	}
	return data, nil
}

type dataFile struct {
	name  string
	value map[string]any
}

func dataFiles(root string) ([]dataFile, error) {
	info, err := os.Stat(root)
	if err != nil {
		return nil, fmt.Errorf("load data %q: %w", root, err)
	}
	var files []string
	if info.IsDir() {
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				switch strings.ToLower(filepath.Ext(p)) {
				case ".json", ".yaml", ".yml":
					files = append(files, p)
				}
			}
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("load data %q: %w", root, err)
		}
	} else {
		files = []string{root}
	}
	var out []dataFile
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("load data: %w", err)
		}
		v, err := scanner.DecodeValue(f, src)
		if err != nil {
			return nil, fmt.Errorf("load data: %w", err)
		}
		m, ok := v.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("load data %s: the document must be a mapping", f)
		}
		out = append(out, dataFile{f, m})
	}
	return out, nil
}

func mergeData(dst, src map[string]any, file string) error {
	for k, v := range src {
		cur, ok := dst[k]
		if !ok {
			dst[k] = v
			continue
		}
		cm, ok1 := cur.(map[string]any)
		vm, ok2 := v.(map[string]any)
		if !ok1 || !ok2 {
			return fmt.Errorf("load data %s: key %q conflicts with another data file", file, k)
		}
		if err := mergeData(cm, vm, file); err != nil {
			return err
		}
	}
	return nil
}

// Rules lists the built-in rules, sorted by ID.
func (e *Engine) Rules() []rules.Rule { return slices.Clone(e.rules) }

// byID returns the built-in rule with an ID, or nil.
func (e *Engine) byID(id string) *rules.Rule {
	for i := range e.rules {
		if e.rules[i].ID == id {
			return &e.rules[i]
		}
	}
	return nil
}

// Evaluate runs every rule: the pack's document rules and the user's policies
// on each object, the pack's mesh rules once on the model. Findings come back
// sorted, with severities, CDE raises and fingerprints set; waivers are not
// applied here.
func (e *Engine) Evaluate(ctx context.Context, objs []*scanner.Object, model *mesh.Model) ([]rules.Finding, error) {
	cde := cdeObjects(model)
	type out struct {
		fs  []rules.Finding
		err error
	}
	results := make([]out, len(objs))
	parallel.For(ctx, len(objs), runtime.GOMAXPROCS(0), func(i int) {
		results[i].fs, results[i].err = e.evalDocument(ctx, objs[i], i, cde)
	})
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var findings []rules.Finding
	var errs []error
	for _, r := range results {
		if r.err != nil {
			errs = append(errs, r.err)
		}
		findings = append(findings, r.fs...)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	if model != nil && len(e.meshRules) > 0 {
		fs, err := e.evalModel(ctx, objs, model, cde)
		if err != nil {
			return nil, err
		}
		findings = append(findings, fs...)
	}
	rules.SortFindings(findings)
	return dedupe(findings), nil
}

// dedupe drops findings identical in rule, resource, key and message (a rule
// may reach one fact by two paths).
func dedupe(fs []rules.Finding) []rules.Finding {
	out := fs[:0]
	seen := map[string]bool{}
	for _, f := range fs {
		k := f.Fingerprint + "\x00" + f.Message + "\x00" + strconv.Itoa(f.Line)
		if seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, f)
	}
	return out
}

// cdeObjects lists the object IDs in the CDE: workloads in scope, and every
// object of a CDE namespace.
func cdeObjects(m *mesh.Model) func(o *scanner.Object, id int) bool {
	if m == nil {
		return func(*scanner.Object, int) bool { return false }
	}
	ids := map[int]bool{}
	for _, w := range m.Workloads {
		if w.Scope == mesh.ScopeCDE {
			ids[w.Ref.ID] = true
		}
	}
	return func(o *scanner.Object, id int) bool {
		if ids[id] {
			return true
		}
		if o.Kind == "Namespace" && mesh.Group(o.APIVersion) == "" {
			n := m.Namespaces[o.Name]
			return n != nil && n.Scope == mesh.ScopeCDE
		}
		ns := o.Namespace
		if ns == "" {
			return false
		}
		n := m.Namespaces[ns]
		return n != nil && n.Scope == mesh.ScopeCDE
	}
}

func (e *Engine) docQuery(kind string) (*prepared, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if p, ok := e.byKind[kind]; ok {
		return p, nil
	}
	var refs []ruleRef
	_, k, _ := strings.Cut(kind, "/")
	for _, r := range e.docRules {
		if slices.Contains(r.rule.Kinds, k) || slices.Contains(r.rule.Kinds, "*") {
			refs = append(refs, r)
		}
	}
	refs = append(refs, e.userRules...)
	p, err := e.prepare(e.docCompiler, refs)
	if err != nil {
		return nil, err
	}
	e.byKind[kind] = p
	return p, nil
}

// prepare builds one query that collects the results of every rule in refs:
// an array whose element i is the array of results of refs[i]. Each element
// is a comprehension, so a rule that is undefined yields [] instead of making
// the whole query undefined.
func (e *Engine) prepare(c *ast.Compiler, refs []ruleRef) (*prepared, error) {
	if len(refs) == 0 {
		return &prepared{}, nil
	}
	var b strings.Builder
	b.WriteString("[")
	for i, r := range refs {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "[x | some x in %s]", dataRef(r.pkg, r.name))
	}
	b.WriteString("]")
	q, err := rego.New(
		rego.Query(b.String()),
		rego.Compiler(c),
		rego.Store(e.store),
		rego.SetRegoVersion(ast.RegoV1),
	).PrepareForEval(context.Background())
	if err != nil {
		return nil, fmt.Errorf("prepare policy query: %w", err)
	}
	return &prepared{q: q, refs: refs}, nil
}

// dataRef writes data.<pkg>.<rule> with every segment quoted, so that
// package names with any characters work.
func dataRef(pkg, rule string) string {
	var b strings.Builder
	b.WriteString("data")
	for _, seg := range strings.Split(pkg, ".") {
		b.WriteString("[")
		b.WriteString(strconv.Quote(seg))
		b.WriteString("]")
	}
	b.WriteString(".")
	b.WriteString(rule)
	return b.String()
}

func (p *prepared) eval(ctx context.Context, input ast.Value) ([][]any, error) {
	if len(p.refs) == 0 {
		return nil, nil
	}
	rs, err := p.q.Eval(ctx, rego.EvalParsedInput(input))
	if err != nil {
		return nil, err
	}
	if len(rs) != 1 || len(rs[0].Expressions) != 1 {
		return nil, fmt.Errorf("policy query returned %d results", len(rs))
	}
	outer, ok := rs[0].Expressions[0].Value.([]any)
	if !ok || len(outer) != len(p.refs) {
		return nil, fmt.Errorf("policy query returned %T", rs[0].Expressions[0].Value)
	}
	res := make([][]any, len(outer))
	for i, v := range outer {
		res[i], _ = v.([]any)
	}
	return res, nil
}

func (e *Engine) evalDocument(ctx context.Context, o *scanner.Object, id int, cde func(*scanner.Object, int) bool) ([]rules.Finding, error) {
	p, err := e.docQuery(mesh.Group(o.APIVersion) + "/" + o.Kind)
	if err != nil {
		return nil, err
	}
	if len(p.refs) == 0 {
		return nil, nil
	}
	res, err := p.eval(ctx, toValue(o.Body))
	if err != nil {
		return nil, fmt.Errorf("%s: evaluate policies: %w", o.Position(), err)
	}
	var out []rules.Finding
	inCDE := cde(o, id)
	for i, results := range res {
		for _, r := range results {
			f, err := e.finding(p.refs[i], r, o, inCDE)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", o.Position(), err)
			}
			out = append(out, f)
		}
	}
	return out, nil
}

func (e *Engine) evalModel(ctx context.Context, objs []*scanner.Object, m *mesh.Model, cde func(*scanner.Object, int) bool) ([]rules.Finding, error) {
	e.mu.Lock()
	if e.meshQry == nil {
		p, err := e.prepare(e.meshCompiler, e.meshRules)
		if err != nil {
			e.mu.Unlock()
			return nil, err
		}
		e.meshQry = p
	}
	p := e.meshQry
	e.mu.Unlock()
	raw, err := json.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("encode mesh model: %w", err)
	}
	input, err := ast.ValueFromReader(strings.NewReader(string(raw)))
	if err != nil {
		return nil, fmt.Errorf("encode mesh model: %w", err)
	}
	res, err := p.eval(ctx, input)
	if err != nil {
		return nil, fmt.Errorf("evaluate mesh rules: %w", err)
	}
	var out []rules.Finding
	for i, results := range res {
		ref := p.refs[i]
		for _, r := range results {
			obj, ok := r.(map[string]any)
			if !ok {
				return nil, fmt.Errorf("rule %s: mesh rules must return objects with resource", ref.rule.ID)
			}
			rm, _ := obj["resource"].(map[string]any)
			idn, _ := rm["id"].(json.Number)
			id, err := idn.Int64()
			if err != nil || id < 0 || int(id) >= len(objs) {
				return nil, fmt.Errorf("rule %s: result has no valid resource.id", ref.rule.ID)
			}
			o := objs[id]
			f, err := e.finding(ref, r, o, cde(o, int(id)))
			if err != nil {
				return nil, err
			}
			// The model knows the namespace an object without one lands in.
			if ns, _ := rm["namespace"].(string); ns != "" && o.Kind != "Namespace" {
				f.Resource.Namespace = ns
				f.Fingerprint = rules.Fingerprint(f.RuleID, f.Resource, f.Key)
			}
			out = append(out, f)
		}
	}
	return out, nil
}

// finding turns one rule result into a Finding.
func (e *Engine) finding(ref ruleRef, r any, o *scanner.Object, inCDE bool) (rules.Finding, error) {
	f := rules.Finding{
		Resource: rules.Resource{APIVersion: o.APIVersion, Kind: o.Kind, Namespace: o.Namespace, Name: o.Name},
		File:     o.File,
		Line:     o.Line,
		CDE:      inCDE,
	}
	var obj map[string]any
	switch v := r.(type) {
	case string:
		f.Message = v
	case map[string]any:
		obj = v
		msg, ok := v["msg"].(string)
		if !ok {
			return f, fmt.Errorf("policy %s.%s returned an object without a string msg", ref.pkg, ref.name)
		}
		f.Message = msg
		if p, ok := v["path"].([]any); ok {
			path := make([]string, 0, len(p))
			for _, s := range p {
				switch s := s.(type) {
				case string:
					path = append(path, s)
				case json.Number:
					path = append(path, s.String())
				}
			}
			f.Line = o.LineOf(path)
		}
		f.Key, _ = v["key"].(string)
		f.NotAssessed, _ = v["not_assessed"].(string)
	default:
		return f, fmt.Errorf("policy %s.%s returned %T; want a string or an object with msg", ref.pkg, ref.name, r)
	}
	if rule := ref.rule; rule != nil {
		f.RuleID, f.Title, f.Severity = rule.ID, rule.Title, rule.Severity
		f.PCI, f.Refs, f.Remediation = rule.PCI, rule.Refs, rule.Remediation
		f.Source = "builtin"
		if inCDE && rule.CDERaise {
			f.Severity = f.Severity.Raise()
		}
		// A result may rate itself (IMG-07 takes the advisory's CVSS
		// rating), unless the configuration re-rates the rule.
		if sev, err := rules.ParseSeverity(fmt.Sprint(obj["severity"])); obj != nil && err == nil && !e.rerated[rule.ID] {
			f.Severity = sev
		}
	} else {
		userFinding(&f, ref, obj)
	}
	if w := rules.AnnotationWaiver(annotations(o), f.RuleID, e.now); w != nil {
		w.Resource = f.Resource.String()
		w.Source = fmt.Sprintf("%s:%d", o.File, o.LineOf([]string{"metadata", "annotations", rules.WaiveAnnotation}))
		f.Waiver = w
		f.Waived = w.Invalid == "" && !w.Expired
	}
	if f.PCI == nil {
		f.PCI = []string{}
	}
	if f.Refs == nil {
		f.Refs = []string{}
	}
	f.Fingerprint = rules.Fingerprint(f.RuleID, f.Resource, cmpOr(f.Key, f.Message))
	return f, nil
}

// annotations returns the object's metadata.annotations with string values.
func annotations(o *scanner.Object) map[string]string {
	md, _ := o.Body["metadata"].(map[string]any)
	raw, _ := md["annotations"].(map[string]any)
	out := make(map[string]string, len(raw))
	for k, v := range raw {
		if s, ok := v.(string); ok {
			out[k] = s
		}
	}
	return out
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// userFinding fills a finding from a user policy's result: rule ID, title,
// severity, PCI IDs and remediation may come from the result object;
// otherwise deny and violation are HIGH, warn is INFO (it does not fail the
// default threshold, as a conftest warning does not fail the run).
func userFinding(f *rules.Finding, ref ruleRef, obj map[string]any) {
	f.Source = "policy:" + ref.pkg
	f.RuleID = ref.pkg + "." + ref.name
	f.Severity = rules.High
	if strings.HasPrefix(ref.name, "warn") {
		f.Severity = rules.Info
	}
	f.Title = f.Message
	if obj == nil {
		return
	}
	for _, k := range []string{"rule_id", "id"} {
		if s, ok := obj[k].(string); ok && s != "" {
			f.RuleID = s
			break
		}
	}
	if s, ok := obj["severity"].(string); ok {
		if sev, err := rules.ParseSeverity(s); err == nil {
			f.Severity = sev
		}
	}
	if s, ok := obj["title"].(string); ok && s != "" {
		f.Title = s
	}
	if s, ok := obj["remediation"].(string); ok {
		f.Remediation = s
	}
	for _, k := range []string{"pci", "refs"} {
		l, _ := obj[k].([]any)
		var out []string
		for _, v := range l {
			if s, ok := v.(string); ok {
				out = append(out, s)
			}
		}
		if k == "pci" {
			f.PCI = out
		} else {
			f.Refs = out
		}
	}
}
