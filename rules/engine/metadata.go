package engine

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/meshproof/meshproof/rules"
)

var (
	ruleID = regexp.MustCompile(`^[A-Z][A-Z0-9]*-[0-9]{2,3}$`)
	pciID  = regexp.MustCompile(`^[0-9]{1,2}(\.[0-9]{1,2}){1,3}$`)
)

// ruleMetadata reads a pack module's package METADATA annotation into a
// Rule. Modules without one (the shared library) return nil. Missing or
// malformed metadata is an error: every rule ships with its ID, title,
// severity, PCI DSS IDs and remediation.
func ruleMetadata(file string, m *ast.Module) (*rules.Rule, error) {
	var a *ast.Annotations
	for _, an := range m.Annotations {
		if an.Scope == "package" {
			a = an
		}
	}
	if a == nil {
		if len(policyRules(m)) > 0 {
			return nil, fmt.Errorf("built-in rule pack %s: rules without a package METADATA annotation", file)
		}
		return nil, nil
	}
	bad := func(format string, args ...any) error {
		return fmt.Errorf("built-in rule pack %s: %s", file, fmt.Sprintf(format, args...))
	}
	c := a.Custom
	r := &rules.Rule{
		Title:     a.Title,
		Rationale: strings.TrimSpace(a.Description),
		Package:   strings.TrimPrefix(m.Package.Path.String(), "data."),
	}
	r.ID, _ = c["id"].(string)
	if !ruleID.MatchString(r.ID) {
		return nil, bad("custom.id %q is not a rule ID like MTLS-01", r.ID)
	}
	if r.Title == "" || r.Rationale == "" {
		return nil, bad("%s: title and description are required", r.ID)
	}
	sev, _ := c["severity"].(string)
	s, err := rules.ParseSeverity(sev)
	if err != nil {
		return nil, bad("%s: %v", r.ID, err)
	}
	r.Severity = s
	if r.PCI, err = stringList(c["pci"]); err != nil || len(r.PCI) == 0 {
		return nil, bad("%s: custom.pci must list PCI DSS requirement IDs", r.ID)
	}
	for _, id := range r.PCI {
		if !pciID.MatchString(id) {
			return nil, bad("%s: %q is not a PCI DSS requirement ID", r.ID, id)
		}
	}
	if r.Refs, err = stringList(c["refs"]); err != nil {
		return nil, bad("%s: custom.refs: %v", r.ID, err)
	}
	r.Remediation, _ = c["remediation"].(string)
	r.Remediation = strings.TrimSpace(r.Remediation)
	if r.Remediation == "" {
		return nil, bad("%s: custom.remediation is required", r.ID)
	}
	r.Input, _ = c["input"].(string)
	switch r.Input {
	case "":
		r.Input = "document"
	case "document", "mesh":
	default:
		return nil, bad("%s: custom.input must be document or mesh", r.ID)
	}
	if r.Kinds, err = stringList(c["kinds"]); err != nil {
		return nil, bad("%s: custom.kinds: %v", r.ID, err)
	}
	if r.Input == "document" && len(r.Kinds) == 0 {
		return nil, bad("%s: a document rule lists the kinds it reads in custom.kinds", r.ID)
	}
	if v, ok := c["cde_raise"]; ok {
		b, ok := v.(bool)
		if !ok {
			return nil, bad("%s: custom.cde_raise must be true or false", r.ID)
		}
		r.CDERaise = b
	}
	r.Istioctl, _ = c["istioctl"].(string)
	return r, nil
}

func stringList(v any) ([]string, error) {
	if v == nil {
		return nil, nil
	}
	l, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("want a list of strings")
	}
	out := make([]string, 0, len(l))
	for _, e := range l {
		switch e := e.(type) {
		case string:
			out = append(out, e)
		case float64:
			return nil, fmt.Errorf("%v is a number: quote it (1.10 would read as 1.1)", e)
		default:
			return nil, fmt.Errorf("want a list of strings")
		}
	}
	return out, nil
}

// toValue converts a decoded object (see scanner.Object.Body) to an OPA
// value without a JSON round trip.
func toValue(v any) ast.Value {
	switch v := v.(type) {
	case nil:
		return ast.Null{}
	case bool:
		return ast.Boolean(v)
	case string:
		return ast.String(v)
	case int64:
		return ast.Number(strconv.FormatInt(v, 10))
	case float64:
		return ast.Number(strconv.FormatFloat(v, 'g', -1, 64))
	case []any:
		terms := make([]*ast.Term, len(v))
		for i, e := range v {
			terms[i] = ast.NewTerm(toValue(e))
		}
		return ast.NewArray(terms...)
	case map[string]any:
		items := make([][2]*ast.Term, 0, len(v))
		for k, e := range v {
			items = append(items, [2]*ast.Term{ast.StringTerm(k), ast.NewTerm(toValue(e))})
		}
		return ast.NewObject(items...)
	}
	// Not produced by the loader; convert the slow way rather than fail.
	if val, err := ast.InterfaceToValue(v); err == nil {
		return val
	}
	return ast.Null{}
}
