package schema

import (
	"errors"
	"fmt"
	"math"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// CRDs holds the schemas of CustomResourceDefinitions (apiextensions.k8s.io/v1),
// for kinds whose schema this package does not carry: Linkerd's, Gateway
// API's, anything a cluster installs. They come from the CRD objects the
// user supplies (in the checked input or beside it), so they match the
// versions the cluster runs.
//
// Objects are read as the API server reads them with strict field
// validation (kubectl apply --validate=strict) through the CRD's structural
// schema: an unknown field is an issue unless the schema preserves unknown
// fields there, and types, enums, required fields, oneOf/anyOf/allOf/not,
// bounds, lengths and patterns are checked. CEL rules
// (x-kubernetes-validations) and formats are not.
type CRDs struct {
	byKind map[string]*crdKind // "group/version/Kind"
}

type crdKind struct {
	name   string // metadata.name of the CRD
	schema *openAPISchema
}

// NewCRDs returns an empty set.
func NewCRDs() *CRDs { return &CRDs{byKind: map[string]*crdKind{}} }

// Len is the number of kind versions with a schema.
func (c *CRDs) Len() int { return len(c.byKind) }

// Add reads one CustomResourceDefinition object. It returns an error, and
// adds nothing, when the object is not a v1 CRD or its schema cannot be read.
func (c *CRDs) Add(obj map[string]any) error {
	if av, _ := obj["apiVersion"].(string); av != "apiextensions.k8s.io/v1" {
		return fmt.Errorf("apiVersion %q: only apiextensions.k8s.io/v1 CustomResourceDefinitions carry a usable schema", av)
	}
	spec, _ := obj["spec"].(map[string]any)
	group, _ := spec["group"].(string)
	names, _ := spec["names"].(map[string]any)
	kind, _ := names["kind"].(string)
	if group == "" || kind == "" {
		return errors.New("spec.group and spec.names.kind are required")
	}
	md, _ := obj["metadata"].(map[string]any)
	name, _ := md["name"].(string)
	versions, _ := spec["versions"].([]any)
	if len(versions) == 0 {
		return errors.New("spec.versions is empty")
	}
	add := map[string]*crdKind{}
	for i, v := range versions {
		vm, _ := v.(map[string]any)
		vname, _ := vm["name"].(string)
		if vname == "" {
			return fmt.Errorf("spec.versions[%d].name is required", i)
		}
		if served, ok := vm["served"].(bool); ok && !served {
			continue
		}
		raw, _ := getMap(vm, "schema", "openAPIV3Schema")
		if raw == nil {
			return fmt.Errorf("spec.versions[%d] (%s): no schema.openAPIV3Schema", i, vname)
		}
		s, err := parseOpenAPI(raw, 0)
		if err != nil {
			return fmt.Errorf("spec.versions[%d] (%s) schema.openAPIV3Schema: %w", i, vname, err)
		}
		add[group+"/"+vname+"/"+kind] = &crdKind{name: name, schema: s}
	}
	for k, v := range add {
		c.byKind[k] = v
	}
	return nil
}

// Validate checks obj against the schema of its apiVersion and kind from the
// CRDs; known is false when no CRD serves that version of the kind.
func (c *CRDs) Validate(apiVersion, kind string, obj map[string]any) (issues []Issue, known bool) {
	if c == nil {
		return nil, false
	}
	k, ok := c.byKind[apiVersion+"/"+kind]
	if !ok {
		return nil, false
	}
	var w walker
	w.crdObject(k.schema, obj)
	return w.result(), true
}

func getMap(m map[string]any, path ...string) (map[string]any, bool) {
	var v any = m
	for _, p := range path {
		mm, ok := v.(map[string]any)
		if !ok {
			return nil, false
		}
		v = mm[p]
	}
	out, ok := v.(map[string]any)
	return out, ok
}

// openAPISchema is the part of an OpenAPI v3 schema a CRD's structural
// schema uses.
type openAPISchema struct {
	typ             string
	properties      map[string]*openAPISchema
	additional      *openAPISchema // additionalProperties as a schema
	additionalOK    bool           // additionalProperties: true
	items           *openAPISchema
	required        []string
	enum            []any
	nullable        bool
	preserveUnknown bool
	intOrString     bool
	embedded        bool
	oneOf, anyOf    []*openAPISchema
	allOf           []*openAPISchema
	not             *openAPISchema
	minimum         *float64
	maximum         *float64
	exclusiveMin    bool
	exclusiveMax    bool
	minLength       *int64
	maxLength       *int64
	minItems        *int64
	maxItems        *int64
	minProperties   *int64
	maxProperties   *int64
	pattern         *regexp.Regexp
	patternText     string
}

// maxSchemaDepth bounds how deep a schema may nest, so that a hostile CRD
// costs bounded stack.
const maxSchemaDepth = 64

func parseOpenAPI(m map[string]any, depth int) (*openAPISchema, error) {
	if depth > maxSchemaDepth {
		return nil, fmt.Errorf("schema nests deeper than %d levels", maxSchemaDepth)
	}
	s := &openAPISchema{}
	s.typ, _ = m["type"].(string)
	s.nullable, _ = m["nullable"].(bool)
	s.preserveUnknown, _ = m["x-kubernetes-preserve-unknown-fields"].(bool)
	s.intOrString, _ = m["x-kubernetes-int-or-string"].(bool)
	s.embedded, _ = m["x-kubernetes-embedded-resource"].(bool)
	sub := func(key string, v any) (*openAPISchema, error) {
		mm, ok := v.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("%s: expected a schema mapping, got %s", key, typeName(v))
		}
		return parseOpenAPI(mm, depth+1)
	}
	if props, ok := m["properties"].(map[string]any); ok {
		s.properties = map[string]*openAPISchema{}
		for _, k := range sortedKeys(props) {
			p, err := sub("properties."+k, props[k])
			if err != nil {
				return nil, err
			}
			s.properties[k] = p
		}
	}
	switch ap := m["additionalProperties"].(type) {
	case bool:
		s.additionalOK = ap
	case map[string]any:
		p, err := sub("additionalProperties", ap)
		if err != nil {
			return nil, err
		}
		s.additional = p
	}
	if it, ok := m["items"]; ok {
		p, err := sub("items", it)
		if err != nil {
			return nil, err
		}
		s.items = p
	}
	for _, r := range listOf(m["required"]) {
		if name, ok := r.(string); ok {
			s.required = append(s.required, name)
		}
	}
	s.enum = listOf(m["enum"])
	for key, dst := range map[string]*[]*openAPISchema{"oneOf": &s.oneOf, "anyOf": &s.anyOf, "allOf": &s.allOf} {
		for i, v := range listOf(m[key]) {
			p, err := sub(fmt.Sprintf("%s[%d]", key, i), v)
			if err != nil {
				return nil, err
			}
			*dst = append(*dst, p)
		}
	}
	if n, ok := m["not"]; ok {
		p, err := sub("not", n)
		if err != nil {
			return nil, err
		}
		s.not = p
	}
	s.minimum, s.maximum = number(m["minimum"]), number(m["maximum"])
	s.exclusiveMin, _ = m["exclusiveMinimum"].(bool)
	s.exclusiveMax, _ = m["exclusiveMaximum"].(bool)
	s.minLength, s.maxLength = count(m["minLength"]), count(m["maxLength"])
	s.minItems, s.maxItems = count(m["minItems"]), count(m["maxItems"])
	s.minProperties, s.maxProperties = count(m["minProperties"]), count(m["maxProperties"])
	if p, ok := m["pattern"].(string); ok {
		// Kubernetes uses ECMA-262 patterns; those RE2 cannot compile
		// (lookarounds, backreferences) are not checked.
		if re, err := regexp.Compile(p); err == nil {
			s.pattern, s.patternText = re, p
		}
	}
	return s, nil
}

func listOf(v any) []any {
	l, _ := v.([]any)
	return l
}

func number(v any) *float64 {
	switch n := v.(type) {
	case int64:
		f := float64(n)
		return &f
	case float64:
		return &n
	}
	return nil
}

func count(v any) *int64 {
	switch n := v.(type) {
	case int64:
		return &n
	case float64:
		if n == math.Trunc(n) {
			i := int64(n)
			return &i
		}
	}
	return nil
}

// crdObject checks a custom resource: the Kubernetes envelope, then every
// other top-level field against the root schema.
func (w *walker) crdObject(s *openAPISchema, obj map[string]any) {
	for _, k := range []string{"apiVersion", "kind"} {
		if obj[k] == nil {
			w.addf("missing required field %q", k)
		}
	}
	for _, k := range s.required {
		if k != "apiVersion" && k != "kind" && k != "metadata" && obj[k] == nil {
			w.addf("missing required field %q", k)
		}
	}
	for _, k := range sortedKeys(obj) {
		v := obj[k]
		w.push(k)
		switch k {
		case "apiVersion", "kind":
			if v != nil {
				w.str(v)
			}
		case "metadata":
			w.metadata(v)
		default:
			if p := s.properties[k]; p != nil {
				w.openAPI(p, v)
			} else if !s.preserveUnknown {
				w.addf("unknown field %q", k)
			}
		}
		w.pop()
	}
}

// openAPI checks v against s and adds an issue for each problem.
func (w *walker) openAPI(s *openAPISchema, v any) {
	if v == nil {
		return // null is an unset field
	}
	if !w.openAPIType(s, v) {
		return
	}
	if len(s.enum) > 0 && !slices.ContainsFunc(s.enum, func(e any) bool { return jsonEqual(e, v) }) {
		var names []string
		for _, e := range s.enum {
			names = append(names, enumString(e))
		}
		w.addf("invalid value %s: must be one of %s", enumString(v), strings.Join(names, ", "))
	}
	w.openAPIBounds(s, v)
	w.combinators(s, v)
	switch v := v.(type) {
	case map[string]any:
		for _, k := range s.required {
			if v[k] == nil {
				w.addf("missing required field %q", k)
			}
		}
		for _, k := range sortedKeys(v) {
			w.push(k)
			switch {
			case s.properties[k] != nil:
				w.openAPI(s.properties[k], v[k])
			case s.additional != nil:
				w.openAPI(s.additional, v[k])
			case s.additionalOK || s.preserveUnknown:
			case s.embedded && (k == "apiVersion" || k == "kind"):
				w.str(v[k])
			case s.embedded && k == "metadata":
				w.metadata(v[k])
			default:
				w.addf("unknown field %q", k)
			}
			w.pop()
		}
	case []any:
		if s.items != nil {
			for i, e := range v {
				w.push(strconv.Itoa(i))
				w.openAPI(s.items, e)
				w.pop()
			}
		}
	}
}

// openAPIType checks the value's JSON type; false when it does not match
// (then nothing below it is checked).
func (w *walker) openAPIType(s *openAPISchema, v any) bool {
	if s.intOrString {
		switch v.(type) {
		case string, int64:
			return true
		case float64:
			if f := v.(float64); f == math.Trunc(f) {
				return true
			}
		}
		w.mismatch("integer or string", v)
		return false
	}
	ok := true
	switch s.typ {
	case "":
		return true
	case "object":
		_, ok = v.(map[string]any)
		if !ok {
			w.mismatch("mapping", v)
		}
	case "array":
		_, ok = v.([]any)
		if !ok {
			w.mismatch("list", v)
		}
	case "string":
		_, ok = v.(string)
		if !ok {
			w.mismatch("string", v)
		}
	case "boolean":
		_, ok = v.(bool)
		if !ok {
			w.mismatch("boolean", v)
		}
	case "integer":
		switch n := v.(type) {
		case int64:
		case float64:
			ok = n == math.Trunc(n) && !math.IsInf(n, 0)
		default:
			ok = false
		}
		if !ok {
			w.mismatch("integer", v)
		}
	case "number":
		switch v.(type) {
		case int64, float64:
		default:
			ok = false
			w.mismatch("number", v)
		}
	}
	return ok
}

func (w *walker) openAPIBounds(s *openAPISchema, v any) {
	switch v := v.(type) {
	case string:
		n := int64(utf8.RuneCountInString(v))
		if s.minLength != nil && n < *s.minLength {
			w.addf("invalid value %s: must be at least %d characters", quote(v), *s.minLength)
		}
		if s.maxLength != nil && n > *s.maxLength {
			w.addf("invalid value %s: must be at most %d characters", quote(v), *s.maxLength)
		}
		if s.pattern != nil && !s.pattern.MatchString(v) {
			w.addf("invalid value %s: must match %s", quote(v), quote(s.patternText))
		}
	case int64, float64:
		f := *number(v)
		if s.minimum != nil && (f < *s.minimum || s.exclusiveMin && f == *s.minimum) {
			w.addf("invalid value %s: must be %s %s", formatNumber(v), cmpWord(s.exclusiveMin, "greater than", "at least"), formatNumber(*s.minimum))
		}
		if s.maximum != nil && (f > *s.maximum || s.exclusiveMax && f == *s.maximum) {
			w.addf("invalid value %s: must be %s %s", formatNumber(v), cmpWord(s.exclusiveMax, "less than", "at most"), formatNumber(*s.maximum))
		}
	case []any:
		n := int64(len(v))
		if s.minItems != nil && n < *s.minItems {
			w.addf("invalid value: must have at least %d items", *s.minItems)
		}
		if s.maxItems != nil && n > *s.maxItems {
			w.addf("invalid value: must have at most %d items", *s.maxItems)
		}
	case map[string]any:
		n := int64(len(v))
		if s.minProperties != nil && n < *s.minProperties {
			w.addf("invalid value: must have at least %d fields", *s.minProperties)
		}
		if s.maxProperties != nil && n > *s.maxProperties {
			w.addf("invalid value: must have at most %d fields", *s.maxProperties)
		}
	}
}

func cmpWord(exclusive bool, strict, loose string) string {
	if exclusive {
		return strict
	}
	return loose
}

func formatNumber(v any) string {
	switch n := v.(type) {
	case int64:
		return strconv.FormatInt(n, 10)
	case float64:
		return strconv.FormatFloat(n, 'g', -1, 64)
	}
	return fmt.Sprint(v)
}

// combinators checks oneOf, anyOf, allOf and not. In a structural schema
// they only constrain (they declare no fields), so a value satisfies an
// alternative when checking it against the alternative alone finds nothing.
func (w *walker) combinators(s *openAPISchema, v any) {
	holds := func(alt *openAPISchema) bool {
		var sub walker
		sub.openAPIConstraints(alt, v)
		return len(sub.issues) == 0
	}
	if len(s.oneOf) > 0 {
		n := 0
		for _, alt := range s.oneOf {
			if holds(alt) {
				n++
			}
		}
		if n != 1 {
			w.addf("invalid value: must satisfy exactly one of %s, satisfies %d", describeAlternatives(s.oneOf), n)
		}
	}
	if len(s.anyOf) > 0 && !slices.ContainsFunc(s.anyOf, holds) {
		w.addf("invalid value: must satisfy at least one of %s", describeAlternatives(s.anyOf))
	}
	for _, alt := range s.allOf {
		if !holds(alt) {
			w.addf("invalid value: must satisfy %s", describeAlternatives([]*openAPISchema{alt}))
		}
	}
	if s.not != nil && holds(s.not) {
		w.addf("invalid value: must not satisfy %s", describeAlternatives([]*openAPISchema{s.not}))
	}
}

// openAPIConstraints checks v against an alternative: its constraints,
// without reporting fields it does not declare.
func (w *walker) openAPIConstraints(s *openAPISchema, v any) {
	if v == nil {
		return
	}
	if s.typ != "" || s.intOrString {
		if !w.openAPIType(s, v) {
			return
		}
	}
	if len(s.enum) > 0 && !slices.ContainsFunc(s.enum, func(e any) bool { return jsonEqual(e, v) }) {
		w.addf("invalid value: not in enum")
	}
	w.openAPIBounds(s, v)
	w.combinators(s, v)
	if m, ok := v.(map[string]any); ok {
		for _, k := range s.required {
			if m[k] == nil {
				w.addf("missing required field %q", k)
			}
		}
		for k, p := range s.properties {
			if m[k] != nil {
				w.openAPIConstraints(p, m[k])
			}
		}
	}
	if l, ok := v.([]any); ok && s.items != nil {
		for _, e := range l {
			w.openAPIConstraints(s.items, e)
		}
	}
}

// describeAlternatives summarizes alternatives for a message, by what they
// require where that is all they say.
func describeAlternatives(alts []*openAPISchema) string {
	var parts []string
	for _, a := range alts {
		switch {
		case len(a.required) > 0:
			parts = append(parts, "{required: "+strings.Join(a.required, ", ")+"}")
		case len(a.enum) > 0:
			var names []string
			for _, e := range a.enum {
				names = append(names, enumString(e))
			}
			parts = append(parts, "{one of: "+strings.Join(names, ", ")+"}")
		case a.typ != "":
			parts = append(parts, "{type: "+a.typ+"}")
		default:
			parts = append(parts, "{...}")
		}
	}
	return strings.Join(parts, " | ")
}

func enumString(v any) string {
	switch v := v.(type) {
	case string:
		return quote(v)
	case nil:
		return "null"
	case int64, float64:
		return formatNumber(v)
	}
	return fmt.Sprint(v)
}

// jsonEqual compares decoded JSON values, numbers by value.
func jsonEqual(a, b any) bool {
	if fa := number(a); fa != nil {
		fb := number(b)
		return fb != nil && *fa == *fb
	}
	return reflect.DeepEqual(a, b)
}
