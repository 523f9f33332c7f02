package audit

import (
	"cmp"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/meshproof/meshproof/rules"
	"github.com/meshproof/meshproof/rules/mesh"
	"github.com/meshproof/meshproof/scanner"
	"github.com/meshproof/meshproof/scanner/inventory"
)

// FormatVersion names the JSON format of the report.
const FormatVersion = "meshproof.dev/audit-report/v1"

// Requirement statuses.
const (
	StatusPass          = "pass"
	StatusFail          = "fail"
	StatusNotAssessed   = "not_assessed"
	StatusNotApplicable = "not_applicable"
	// StatusIncomplete is the report's status when nothing fails but part
	// of the input could not be assessed.
	StatusIncomplete = "incomplete"
)

// Report is the PCI audit report (schema: docs/schemas/audit-report.json).
type Report struct {
	Format string `json:"format"`
	Title  string `json:"title"`
	// Status is fail when a requirement fails, else incomplete when the
	// report could not assess everything it was asked to (see
	// Incomplete), else pass.
	Status string `json:"status"`
	// Complete is false when part of the input could not be assessed (an
	// image that could not be scanned); Incomplete says what.
	Complete        bool            `json:"complete"`
	Incomplete      []string        `json:"incomplete"`
	Summary         Summary         `json:"summary"`
	Scope           Scope           `json:"scope"`
	Segmentation    Segmentation    `json:"segmentation"`
	Requirements    []Requirement   `json:"requirements"`
	Coverage        Coverage        `json:"coverage"`
	Inventory       Inventory       `json:"inventory"`
	Vulnerabilities Vulnerabilities `json:"vulnerabilities"`
	Waivers         []Waiver        `json:"waivers"`
	Findings        []rules.Finding `json:"findings"`
	Statements      []Statement     `json:"statements"`
	Integrity       Integrity       `json:"integrity"`
}

// Summary counts what the report shows.
type Summary struct {
	Findings int `json:"findings"`
	// BySeverity counts findings that are neither waived nor not assessed.
	BySeverity    map[string]int `json:"by_severity"`
	ByRequirement map[string]int `json:"by_requirement"`
	ByNamespace   map[string]int `json:"by_namespace"`
	Waived        int            `json:"waived"`
	NotAssessed   int            `json:"not_assessed"`
	// Requirements counts requirements by status.
	Requirements map[string]int `json:"requirements"`
	Resources    int            `json:"resources"`
	Files        int            `json:"files"`
	Rules        int            `json:"rules"`
}

// Scope is the PCI scope: as declared and as the policies imply.
type Scope struct {
	CDE       []ScopedWorkload `json:"cde"`
	Connected []ScopedWorkload `json:"connected"`
	Out       []ScopedWorkload `json:"out"`
	// Conflicts counts workloads declared out of scope that policy links
	// with the CDE.
	Conflicts  int              `json:"conflicts"`
	Namespaces []ScopeNamespace `json:"namespaces"`
}

// ScopedWorkload is one workload's scope with the calls behind it.
type ScopedWorkload struct {
	Workload  string `json:"workload"`
	Namespace string `json:"namespace"`
	SPIFFEID  string `json:"spiffe_id"`
	Declared  string `json:"declared"`
	Derived   string `json:"derived"`
	Reason    string `json:"reason"`
	Conflict  bool   `json:"conflict"`
	// Via lists the allowed calls that link it with the CDE.
	Via []string `json:"via"`
}

// ScopeNamespace is a namespace's declared scope.
type ScopeNamespace struct {
	Name   string `json:"name"`
	Scope  string `json:"scope"`
	Source string `json:"source"`
}

// Segmentation is the allowed-call graph.
type Segmentation struct {
	Nodes []*mesh.GraphNode `json:"nodes"`
	Edges []*mesh.Edge      `json:"edges"`
}

// Requirement is one PCI DSS requirement's status with what decided it.
type Requirement struct {
	ID     string `json:"id"`
	Title  string `json:"title"`
	How    string `json:"how"`
	Status string `json:"status"`
	// Reason says why a requirement is not assessed or not applicable.
	Reason string  `json:"reason,omitempty"`
	Checks []Check `json:"checks"`
	// Findings are the fingerprints of the findings counted against it.
	Findings []string `json:"findings"`
	// Evidence says what was checked and found right.
	Evidence []string `json:"evidence"`
	Notes    []string `json:"notes"`
}

// Check is one rule behind a requirement and its result.
type Check struct {
	Rule  string `json:"rule"`
	Title string `json:"title"`
	// Result is pass, fail, waived (only waived findings), not_assessed,
	// or no_subject (nothing in the input that the rule looks at).
	Result   string `json:"result"`
	Findings int    `json:"findings"`
	Subjects int    `json:"subjects"`
}

// Coverage is the share of workload ports under STRICT mTLS and of
// workloads under authorization.
type Coverage struct {
	MTLS          MTLSCoverage  `json:"mtls"`
	Authorization AuthzCoverage `json:"authorization"`
}

// MTLSCoverage counts workload ports by effective mTLS mode.
type MTLSCoverage struct {
	Ports  int            `json:"ports"`
	Strict int            `json:"strict"`
	Share  float64        `json:"share"`
	ByMode map[string]int `json:"by_mode"`
	// CDE counts the CDE's ports only.
	CDEPorts  int      `json:"cde_ports"`
	CDEStrict int      `json:"cde_strict"`
	CDEShare  float64  `json:"cde_share"`
	Weak      []string `json:"weak"` // "workload:port MODE" of CDE ports not STRICT
}

// AuthzCoverage counts workloads that an ALLOW policy protects (requests it
// does not allow are denied).
type AuthzCoverage struct {
	Workloads   int      `json:"workloads"`
	Covered     int      `json:"covered"`
	Share       float64  `json:"share"`
	CDE         int      `json:"cde"`
	CDECovered  int      `json:"cde_covered"`
	CDEShare    float64  `json:"cde_share"`
	Uncovered   []string `json:"uncovered"` // CDE workloads open by default
	AllowAll    []string `json:"allow_all"`
	NoProxyCDE  []string `json:"no_proxy_cde"`
	DeniedByAll []string `json:"deny_all"`
}

// Inventory is the software inventory (6.3.2) from an image scan.
type Inventory struct {
	// Status is assessed or not_assessed.
	Status string `json:"status"`
	Reason string `json:"reason,omitempty"`
	// ScannedAt is when the scan ran (RFC 3339).
	ScannedAt string  `json:"scanned_at,omitempty"`
	Images    []Image `json:"images"`
}

// Image is one image the manifests run (or the scan was given), as the
// scan found it.
type Image struct {
	Ref string `json:"ref"`
	// Status is scanned, failed (the scan could not read it) or missing
	// (the manifests run it, the inventory does not hold it).
	Status   string `json:"status"`
	Error    string `json:"error,omitempty"`
	Digest   string `json:"digest"`
	Platform string `json:"platform,omitempty"`
	Distro   string `json:"distro,omitempty"`
	// Components counts the SBOM's packages, ByType by package type.
	Components int            `json:"components"`
	ByType     map[string]int `json:"by_type"`
	// Vulnerabilities counts the image's known vulnerabilities.
	Vulnerabilities int `json:"vulnerabilities"`
	// Uses are the workloads that run it ("Kind/namespace/name").
	Uses []string `json:"uses"`
	// SBOMs are paths, relative to the report, of the SBOM files written
	// beside it.
	SBOMs []string `json:"sboms"`
}

// Image statuses.
const (
	ImageScanned = "scanned"
	ImageFailed  = "failed"
	ImageMissing = "missing"
)

// Vulnerabilities are the known vulnerabilities (6.3.3) from an image scan.
type Vulnerabilities struct {
	Status string `json:"status"`
	Reason string `json:"reason,omitempty"`
	// FeedDate is the date of the feed's newest advisory (YYYY-MM-DD).
	FeedDate string `json:"feed_date,omitempty"`
	// Feed is the feed's path, Advisories how many it holds.
	Feed       string          `json:"feed,omitempty"`
	Advisories int             `json:"advisories,omitempty"`
	BySeverity map[string]int  `json:"by_severity"`
	Items      []Vulnerability `json:"items"`
}

// Vulnerability is one known vulnerability in one image's component.
type Vulnerability struct {
	// ID is the advisory, Aliases its other IDs (CVEs).
	ID       string   `json:"id"`
	Aliases  []string `json:"aliases"`
	Severity string   `json:"severity"`
	Image    string   `json:"image"`
	Package  string   `json:"package"`
	// Version is the installed version, FixedIn the first fixed one.
	Version string `json:"version"`
	FixedIn string `json:"fixed_in,omitempty"`
}

// Scan is the optional input from an image scan: what rules/scan found
// (or an inventory that meshproof scan --inventory wrote earlier).
type Scan struct {
	Inventory *inventory.Report
	// SBOMs are, for each image of Inventory.Images, the paths relative to
	// the report of its SBOM files written beside it.
	SBOMs [][]string
	// Findings are the scan's findings (image policies IMG-*, images that
	// could not be scanned SCAN-01), Rules the rules it applied beyond the
	// check's, Waivers what became of the waivers in the scan.
	Findings []rules.Finding
	Rules    []rules.Rule
	Waivers  []rules.WaiverStatus
	// Missing lists images the manifests run that the scan does not hold.
	Missing []inventory.Image
}

// Waiver is a waiver or compensating control and what became of it.
type Waiver struct {
	rules.Waiver
	// Status is in_force, expired, unused or invalid.
	Status  string `json:"status"`
	Matched int    `json:"matched"`
}

// Statement is a statement the report makes whatever it finds.
type Statement struct {
	ID   string `json:"id"`
	Text string `json:"text"`
}

// Integrity ties the report to its inputs.
type Integrity struct {
	Tool      string            `json:"tool"`
	Generated string            `json:"generated"`
	RulePack  string            `json:"rule_pack"`
	Inputs    []rules.InputFile `json:"inputs"`
	// Shards lists the shards merged into the report ("i/n").
	Shards []string `json:"shards,omitempty"`
}

// Input is what Build makes a report from.
type Input struct {
	Check   *rules.Report
	Model   *mesh.Model
	Objects []*scanner.Object
	Inputs  []rules.InputFile
	// RulePack is the digest of the policies (check.PackDigest).
	RulePack string
	// Scan is nil when no image scan was run.
	Scan   *Scan
	Tool   string
	Now    time.Time
	Shards []string
}

// NoScan is the reason inventory and vulnerabilities are not assessed
// without an image scan.
const NoScan = "no image scan was run"

// Build makes the audit report.
func Build(in Input) *Report {
	rep := &Report{
		Format:     FormatVersion,
		Title:      "PCI DSS v4.0.1 audit report: service mesh",
		Statements: statements,
		Integrity: Integrity{
			Tool:      in.Tool,
			Generated: in.Now.UTC().Format(time.RFC3339),
			RulePack:  in.RulePack,
			Inputs:    nonNil(in.Inputs),
			Shards:    in.Shards,
		},
	}
	rep.Inventory, rep.Vulnerabilities, rep.Incomplete = buildScan(in.Scan)
	rep.Complete = len(rep.Incomplete) == 0
	in = withScan(in)
	rep.Findings = nonNil(in.Check.Findings)
	g := in.Model.CallGraph()
	rep.Segmentation = Segmentation{Nodes: g.Nodes, Edges: g.Edges}
	rep.Scope = buildScope(in.Model, g)
	rep.Coverage = buildCoverage(in.Model)
	rep.Waivers = buildWaivers(in.Check)
	rep.Requirements = buildRequirements(in, rep)
	rep.Summary = buildSummary(in, rep)
	switch {
	case rep.Summary.Requirements[StatusFail] > 0:
		rep.Status = StatusFail
	case !rep.Complete:
		rep.Status = StatusIncomplete
	default:
		rep.Status = StatusPass
	}
	return rep
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// EdgeString describes an edge: "shop/frontend -> payments/api:8080 HTTP STRICT (ALLOW payments/api)".
func EdgeString(e *mesh.Edge) string {
	s := fmt.Sprintf("%s -> %s:%s %s %s", e.From, e.To, portString(e.Port), e.Protocol, e.MTLS)
	switch {
	case e.Policy != nil:
		s += fmt.Sprintf(" (%s by %s/%s)", e.Action, e.Policy.Namespace, e.Policy.Name)
	default:
		s += " (" + e.Action + ")"
	}
	if !e.Encrypted {
		s += " plaintext"
	}
	if e.Restricted {
		s += ", some requests only"
	}
	if e.Conditional {
		s += ", conditional"
	}
	return s
}

func portString(p int) string {
	if p == 0 {
		return "*"
	}
	return fmt.Sprint(p)
}

func buildScope(m *mesh.Model, g *mesh.Graph) Scope {
	s := Scope{CDE: []ScopedWorkload{}, Connected: []ScopedWorkload{}, Out: []ScopedWorkload{}, Namespaces: []ScopeNamespace{}}
	for _, ws := range g.Scope(m) {
		w := m.Workloads[ws.Workload]
		sw := ScopedWorkload{Workload: ws.Node, Namespace: w.Namespace, SPIFFEID: w.SPIFFEID, Declared: ws.Declared, Derived: ws.Derived, Reason: ws.Reason, Conflict: ws.Conflict, Via: []string{}}
		for _, ei := range ws.Edges {
			sw.Via = append(sw.Via, EdgeString(g.Edges[ei]))
		}
		switch ws.Derived {
		case mesh.ScopeCDE:
			s.CDE = append(s.CDE, sw)
		case mesh.ScopeConnected:
			s.Connected = append(s.Connected, sw)
		default:
			s.Out = append(s.Out, sw)
		}
		if ws.Conflict {
			s.Conflicts++
		}
	}
	for _, n := range m.Namespaces {
		s.Namespaces = append(s.Namespaces, ScopeNamespace{Name: n.Name, Scope: n.Scope, Source: n.ScopeSource})
	}
	slices.SortFunc(s.Namespaces, func(a, b ScopeNamespace) int { return strings.Compare(a.Name, b.Name) })
	for _, l := range [][]ScopedWorkload{s.CDE, s.Connected, s.Out} {
		slices.SortFunc(l, func(a, b ScopedWorkload) int { return strings.Compare(a.Workload, b.Workload) })
	}
	return s
}

func share(n, d int) float64 {
	if d == 0 {
		return 0
	}
	return float64(int(float64(n)/float64(d)*1000+0.5)) / 1000
}

func buildCoverage(m *mesh.Model) Coverage {
	c := Coverage{
		MTLS:          MTLSCoverage{ByMode: map[string]int{}, Weak: []string{}},
		Authorization: AuthzCoverage{Uncovered: []string{}, AllowAll: []string{}, NoProxyCDE: []string{}, DeniedByAll: []string{}},
	}
	for _, w := range m.Workloads {
		id := mesh.WorkloadNodeID(w)
		cde := w.Scope == mesh.ScopeCDE
		for _, p := range m.PortModes(w) {
			c.MTLS.Ports++
			c.MTLS.ByMode[p.Mode]++
			strict := p.Mode == mesh.ModeStrict
			if strict {
				c.MTLS.Strict++
			}
			if cde {
				c.MTLS.CDEPorts++
				if strict {
					c.MTLS.CDEStrict++
				} else {
					c.MTLS.Weak = append(c.MTLS.Weak, fmt.Sprintf("%s:%s %s", id, portString(p.Port), p.Mode))
				}
			}
		}
		a := &c.Authorization
		a.Workloads++
		proxy := w.Mesh == "istio" || w.Mesh == "ambient" || w.Mesh == "linkerd"
		covered := proxy && w.Authorization.HasAllow && !w.Authorization.AllowAll
		if w.Mesh == "linkerd" {
			covered = m.LinkerdProtected(w)
		}
		if covered {
			a.Covered++
		}
		if w.Authorization.DenyAll {
			a.DeniedByAll = append(a.DeniedByAll, id)
		}
		if !cde {
			continue
		}
		a.CDE++
		switch {
		case covered:
			a.CDECovered++
		case !proxy:
			a.NoProxyCDE = append(a.NoProxyCDE, id)
		case w.Authorization.AllowAll:
			a.AllowAll = append(a.AllowAll, id)
		default:
			a.Uncovered = append(a.Uncovered, id)
		}
	}
	c.MTLS.Share = share(c.MTLS.Strict, c.MTLS.Ports)
	c.MTLS.CDEShare = share(c.MTLS.CDEStrict, c.MTLS.CDEPorts)
	c.Authorization.Share = share(c.Authorization.Covered, c.Authorization.Workloads)
	c.Authorization.CDEShare = share(c.Authorization.CDECovered, c.Authorization.CDE)
	return c
}

func buildWaivers(c *rules.Report) []Waiver {
	out := []Waiver{}
	seen := map[string]bool{}
	key := func(w rules.Waiver) string {
		return w.Rule + "\x00" + w.Resource + "\x00" + w.Fingerprint + "\x00" + w.Source
	}
	for _, ws := range c.Waivers {
		out = append(out, Waiver{Waiver: ws.Waiver, Status: ws.Status, Matched: ws.Matched})
		seen[key(ws.Waiver)] = true
	}
	counts := map[string]int{}
	byKey := map[string]rules.Waiver{}
	for _, f := range c.Findings {
		if f.Waiver == nil {
			continue
		}
		w := *f.Waiver
		if f.Waiver.Annotation {
			w.Resource = f.Resource.String()
		}
		k := key(w)
		counts[k]++
		byKey[k] = w
	}
	for k, w := range byKey {
		if seen[k] {
			continue
		}
		status := "in_force"
		switch {
		case w.Invalid != "":
			status = "invalid"
		case w.Expired:
			status = "expired"
		}
		out = append(out, Waiver{Waiver: w, Status: status, Matched: counts[k]})
	}
	slices.SortFunc(out, func(a, b Waiver) int {
		return cmp.Or(strings.Compare(a.Rule, b.Rule), strings.Compare(a.Resource, b.Resource), strings.Compare(a.Source, b.Source))
	})
	return out
}

// publicKinds are the kinds on a path across open, public networks: only
// findings on them count against 4.2.1.
var publicKinds = map[string]bool{"Gateway": true, "ServiceEntry": true, "RequestAuthentication": true, "VirtualService": true}

// counts42 reports whether a finding counts against 4.2.1: it must be about
// traffic over open, public networks, not in-cluster mTLS.
func counts42(f rules.Finding, m *mesh.Model) bool {
	if publicKinds[f.Resource.Kind] {
		return true
	}
	if f.Resource.Kind == "DestinationRule" {
		for _, dr := range m.DestinationRules {
			if dr.Ref.Name == f.Resource.Name && dr.Namespace == f.Resource.Namespace {
				return len(dr.Services) == 0 && !strings.HasSuffix(dr.Host, ".svc.cluster.local") && strings.Contains(dr.Host, ".")
			}
		}
	}
	return false
}

// publicPath reports whether the input has traffic over open, public
// networks: a Gateway, an external ServiceEntry or a RequestAuthentication
// fetching keys.
func publicPath(m *mesh.Model) bool {
	if len(m.Gateways) > 0 || len(m.RequestAuthentications) > 0 {
		return true
	}
	for _, se := range m.ServiceEntries {
		if se.Location != "MESH_INTERNAL" {
			return true
		}
	}
	return false
}

// subjects counts the input objects a rule looks at.
func subjects(r rules.Rule, in Input, rep *Report) int {
	switch {
	case imageRule(r) && r.Input == "image" && len(r.Kinds) == 0:
		return len(rep.Inventory.Images) // every image, scanned or not
	case imageRule(r):
		return scannedImages(rep)
	}
	if len(r.Kinds) == 0 {
		if r.Input == "schema" {
			n := 0
			for _, o := range in.Objects {
				if strings.Contains(mesh.Group(o.APIVersion), "istio.io") || strings.Contains(mesh.Group(o.APIVersion), "linkerd.io") {
					n++
				}
			}
			return n
		}
		return len(in.Model.Workloads) + len(in.Model.Namespaces)
	}
	n := 0
	for _, o := range in.Objects {
		if slices.Contains(r.Kinds, o.Kind) {
			n++
		}
	}
	return n
}

func buildRequirements(in Input, rep *Report) []Requirement {
	m := in.Model
	byRule := map[string][]rules.Finding{}
	for _, f := range in.Check.Findings {
		byRule[f.RuleID] = append(byRule[f.RuleID], f)
	}
	var out []Requirement
	for _, cr := range catalog {
		r := Requirement{ID: cr.ID, Title: cr.Title, How: cr.How, Checks: []Check{}, Findings: []string{}, Evidence: []string{}, Notes: []string{}}
		var notAssessed []string
		anyPass, anyFail := false, false
		excluded := 0
		for _, rule := range in.Check.Rules {
			if !slices.Contains(rule.PCI, cr.ID) {
				continue
			}
			ch := Check{Rule: rule.ID, Title: rule.Title, Subjects: subjects(rule, in, rep)}
			failing, waived, na := 0, 0, 0
			for _, f := range byRule[rule.ID] {
				if cr.ID == "4.2.1" && !counts42(f, m) {
					excluded++
					continue
				}
				ch.Findings++
				r.Findings = append(r.Findings, f.Fingerprint)
				switch {
				case f.NotAssessed != "":
					na++
					if !slices.Contains(notAssessed, f.NotAssessed) {
						notAssessed = append(notAssessed, f.NotAssessed)
					}
				case f.Waived:
					waived++
				case f.Severity > rules.Info:
					failing++
				}
			}
			switch {
			case failing > 0:
				ch.Result = StatusFail
				anyFail = true
			case na > 0:
				ch.Result = StatusNotAssessed
			case waived > 0:
				ch.Result = "waived"
				anyPass = true
				r.Evidence = append(r.Evidence, fmt.Sprintf("%s %s: %d finding(s) waived with owner, reason and expiry (see Waivers)", rule.ID, rule.Title, waived))
			case ch.Subjects == 0:
				ch.Result = "no_subject"
			default:
				ch.Result = StatusPass
				anyPass = true
				r.Evidence = append(r.Evidence, fmt.Sprintf("%s %s: checked %s, no finding", rule.ID, rule.Title, subjectText(rule, ch.Subjects)))
			}
			r.Checks = append(r.Checks, ch)
		}
		if excluded > 0 {
			r.Notes = append(r.Notes, fmt.Sprintf("%d finding(s) of these rules are about in-cluster traffic and are counted under 1.3.x and 2.2.5, not 4.2.1.", excluded))
		}
		extraRequirement(cr.ID, in, rep, &r, &anyPass, &anyFail, &notAssessed)
		if cr.Scan && rep.Inventory.Status == StatusNotAssessed && anyFail {
			r.Notes = append(r.Notes, "Not fully assessed: "+NoScan+"; the status comes from the manifests alone.")
		}
		unscanned := 0
		for _, im := range rep.Inventory.Images {
			if im.Status != ImageScanned {
				unscanned++
			}
		}
		switch {
		case anyFail:
			r.Status = StatusFail
		case cr.Scan && unscanned > 0:
			r.Status, r.Reason = StatusNotAssessed, fmt.Sprintf("%d of %d image(s) could not be scanned (see Software inventory)", unscanned, len(rep.Inventory.Images))
		case cr.Process != "":
			r.Status, r.Reason = StatusNotAssessed, cr.Process
		case (cr.ID == "4.2.1" || cr.ID == "4.2.1.1") && !publicPath(m):
			r.Status, r.Reason = StatusNotApplicable, "no traffic in the input crosses open, public networks (no Gateway, no external ServiceEntry, no RequestAuthentication)"
		case cr.Scan && rep.Inventory.Status == StatusNotAssessed:
			r.Status, r.Reason = StatusNotAssessed, NoScan
		case anyPass:
			r.Status = StatusPass
		case len(notAssessed) > 0:
			r.Status, r.Reason = StatusNotAssessed, strings.Join(notAssessed, "; ")
		case len(r.Checks) == 0:
			r.Status, r.Reason = StatusNotAssessed, "no check of the rule pack covers it"
		default:
			r.Status, r.Reason = StatusNotAssessed, "nothing in the input that its checks look at"
		}
		for _, st := range statements {
			if st.ID == cr.ID {
				r.Notes = append(r.Notes, st.Text)
			}
		}
		out = append(out, r)
	}
	return out
}

func subjectText(r rules.Rule, n int) string {
	switch {
	case r.Input == "schema":
		return fmt.Sprintf("%d mesh resource(s) against their API schemas", n)
	case len(r.Kinds) == 0:
		return fmt.Sprintf("the mesh model (%d workload(s) and namespace(s))", n)
	}
	return fmt.Sprintf("%d %s object(s)", n, strings.Join(r.Kinds, "/"))
}

// extraRequirement adds what the report itself assesses beyond the rules:
// the scope (12.5.2), the segmentation graph (11.4.5, 1.2.3), coverage
// (1.3.1, 7.3.1) and the image scan (6.3.x, 11.3.1).
func extraRequirement(id string, in Input, rep *Report, r *Requirement, pass, fail *bool, na *[]string) {
	sc := rep.Scope
	switch id {
	case "12.5.2", "12.5.1":
		r.Checks = append(r.Checks, Check{Rule: "SCOPE-DERIVED", Title: "Scope derived from the allowed-call graph", Result: StatusPass, Subjects: len(in.Model.Workloads)})
		r.Evidence = append(r.Evidence, fmt.Sprintf("scope derived from the policies: %d CDE, %d connected-to, %d out-of-scope workload(s)", len(sc.CDE), len(sc.Connected), len(sc.Out)))
		if id == "12.5.2" && sc.Conflicts > 0 {
			r.Checks[len(r.Checks)-1].Result = StatusFail
			r.Checks[len(r.Checks)-1].Findings = sc.Conflicts
			r.Notes = append(r.Notes, fmt.Sprintf("%d workload(s) declared out of scope are linked with the CDE by policy (see Scope).", sc.Conflicts))
			*fail = true
		} else {
			*pass = true
		}
		if len(sc.CDE) == 0 {
			r.Notes = append(r.Notes, "No workload is declared CDE: label namespaces meshproof.dev/pci-scope=cde or set scope.cde in .meshproof.yaml.")
		}
	case "11.4.5", "1.2.3":
		r.Evidence = append(r.Evidence, fmt.Sprintf("segmentation graph: %d allowed call(s) between %d node(s), derived from AuthorizationPolicy and PeerAuthentication", len(rep.Segmentation.Edges), len(rep.Segmentation.Nodes)))
	case "1.3.1":
		cv := rep.Coverage
		if cv.MTLS.CDEPorts > 0 {
			r.Evidence = append(r.Evidence, fmt.Sprintf("mTLS: %d of %d CDE workload port(s) STRICT", cv.MTLS.CDEStrict, cv.MTLS.CDEPorts))
		}
		if cv.Authorization.CDE > 0 {
			r.Evidence = append(r.Evidence, fmt.Sprintf("authorization: %d of %d CDE workload(s) deny what no ALLOW rule allows", cv.Authorization.CDECovered, cv.Authorization.CDE))
		}
	case "7.3.1":
		cv := rep.Coverage.Authorization
		if cv.CDE > 0 {
			r.Evidence = append(r.Evidence, fmt.Sprintf("authorization covers %d of %d CDE workload(s)", cv.CDECovered, cv.CDE))
		}
	case "6.3.2":
		inv := rep.Inventory
		if inv.Status != StatusNotAssessed {
			missing, scanned := 0, 0
			for _, im := range inv.Images {
				if im.Status != ImageScanned {
					continue
				}
				scanned++
				if len(im.SBOMs) == 0 {
					missing++
				}
			}
			r.Checks = append(r.Checks, Check{Rule: "SCAN-SBOM", Title: "An SBOM for every image", Subjects: scanned, Findings: missing, Result: StatusPass})
			switch {
			case missing > 0:
				r.Checks[len(r.Checks)-1].Result = StatusFail
				r.Notes = append(r.Notes, fmt.Sprintf("%d scanned image(s) have no SBOM file beside the report (an inventory written without --sbom-dir names none).", missing))
				*fail = true
			case scanned > 0:
				*pass = true
				r.Evidence = append(r.Evidence, fmt.Sprintf("an SBOM for each of %d scanned image(s), written beside the report (CycloneDX)", scanned))
			default:
				r.Checks[len(r.Checks)-1].Result = "no_subject"
			}
		}
	case "6.3.1", "6.3.3", "11.3.1":
		v := rep.Vulnerabilities
		switch {
		case v.Status == StatusNotAssessed && rep.Inventory.Status != StatusNotAssessed:
			*na = append(*na, v.Reason)
		case v.Status != StatusNotAssessed:
			bad := v.BySeverity["CRITICAL"] + v.BySeverity["HIGH"]
			ch := Check{Rule: "SCAN-VULN", Title: "No known critical or high vulnerability", Subjects: scannedImages(rep), Findings: bad, Result: StatusPass}
			if bad > 0 && id == "6.3.3" {
				ch.Result = StatusFail
				*fail = true
			} else {
				*pass = true
				r.Evidence = append(r.Evidence, fmt.Sprintf("%d image(s) matched against the vulnerability feed of %s: %d known vulnerability(ies), %d critical or high", scannedImages(rep), v.FeedDate, len(v.Items), bad))
			}
			r.Checks = append(r.Checks, ch)
		}
	}
}

// reportCheck names the checks the report makes itself, beyond the rules.
var reportCheck = map[string]bool{"SCOPE-DERIVED": true, "SCAN-SBOM": true, "SCAN-VULN": true}

func buildSummary(in Input, rep *Report) Summary {
	s := Summary{
		BySeverity:    map[string]int{},
		ByRequirement: map[string]int{},
		ByNamespace:   map[string]int{},
		Requirements:  map[string]int{StatusPass: 0, StatusFail: 0, StatusNotAssessed: 0, StatusNotApplicable: 0},
		Resources:     len(in.Objects),
		Rules:         len(in.Check.Rules),
	}
	for _, sev := range rules.Severities() {
		s.BySeverity[sev.String()] = 0
	}
	files := map[string]bool{}
	for _, o := range in.Objects {
		files[o.File] = true
	}
	s.Files = len(files)
	for _, f := range in.Check.Findings {
		s.Findings++
		switch {
		case f.NotAssessed != "":
			s.NotAssessed++
			continue
		case f.Waived:
			s.Waived++
			continue
		}
		s.BySeverity[f.Severity.String()]++
		ns := f.Resource.Namespace
		switch {
		case f.Resource.Kind == imageKind && ns == "":
			ns = "(images)"
		case ns == "":
			ns = "(cluster)"
		}
		s.ByNamespace[ns]++
	}
	for _, r := range rep.Requirements {
		s.Requirements[r.Status]++
		if r.Status == StatusFail {
			s.ByRequirement[r.ID] = 0
		}
	}
	fp := map[string]rules.Finding{}
	for _, f := range in.Check.Findings {
		fp[f.Fingerprint] = f
	}
	for _, r := range rep.Requirements {
		n := 0
		for _, id := range r.Findings {
			if f, ok := fp[id]; ok && f.NotAssessed == "" && !f.Waived {
				n++
			}
		}
		// The report's own failing checks (scope conflicts, vulnerable
		// images, images without an SBOM) count what they found.
		for _, c := range r.Checks {
			if c.Result == StatusFail && reportCheck[c.Rule] {
				n += c.Findings
			}
		}
		if n > 0 {
			s.ByRequirement[r.ID] = n
		}
	}
	return s
}

// sortedKeys lists a map's keys in order.
func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
