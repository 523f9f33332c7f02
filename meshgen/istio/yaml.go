package istio

import (
	"bytes"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"

	yaml "go.yaml.in/yaml/v3"
)

// The manifests are built as YAML node trees, so that keys keep the order
// Kubernetes users expect (apiVersion, kind, metadata, spec) and the bytes
// are the same on every run.

// yaml11 matches plain scalars that a YAML 1.1 reader (Kubernetes tooling)
// would not read as strings: booleans, nulls and numbers. Such strings are
// written quoted.
var yaml11 = regexp.MustCompile(`^(?i:y|yes|n|no|true|false|on|off|null|~)$|^[-+]?(\.[0-9]+|[0-9][0-9_]*(\.[0-9_]*)?)([eE][-+]?[0-9]+)?$|^0[xXoObB][0-9a-fA-F_]+$|^[-+]?\.(inf|Inf|INF|nan|NaN|NAN)$|^[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+(\.[0-9_]*)?$`)

func str(s string) *yaml.Node {
	n := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s}
	if yaml11.MatchString(s) || s == "" {
		n.Style = yaml.DoubleQuotedStyle
	}
	return n
}

func node(v any) *yaml.Node {
	switch v := v.(type) {
	case *yaml.Node:
		return v
	case string:
		return str(v)
	case int:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: strconv.Itoa(v)}
	case bool:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: strconv.FormatBool(v)}
	case []string:
		l := seq()
		for _, s := range v {
			l.Content = append(l.Content, str(s))
		}
		return l
	case []*yaml.Node:
		l := seq()
		l.Content = append(l.Content, v...)
		return l
	case map[string]string:
		m := mapping()
		for _, k := range slices.Sorted(maps.Keys(v)) {
			m.Content = append(m.Content, str(k), str(v[k]))
		}
		return m
	}
	panic(fmt.Sprintf("istio: cannot write %T", v))
}

func mapping() *yaml.Node { return &yaml.Node{Kind: yaml.MappingNode} }
func seq() *yaml.Node     { return &yaml.Node{Kind: yaml.SequenceNode} }

// m builds a mapping from key, value pairs; nil values are left out.
func m(kv ...any) *yaml.Node {
	n := mapping()
	for i := 0; i+1 < len(kv); i += 2 {
		if isEmpty(kv[i+1]) {
			continue
		}
		n.Content = append(n.Content, str(kv[i].(string)), node(kv[i+1]))
	}
	return n
}

// l builds a list.
func l(items ...*yaml.Node) *yaml.Node {
	n := seq()
	n.Content = items
	return n
}

func isEmpty(v any) bool {
	switch v := v.(type) {
	case nil:
		return true
	case *yaml.Node:
		return v == nil
	case []string:
		return v == nil
	case []*yaml.Node:
		return v == nil
	case map[string]string:
		return v == nil
	}
	return false
}

// emptyMap is {} (a field that must be present and empty).
func emptyMap() *yaml.Node { return &yaml.Node{Kind: yaml.MappingNode, Style: yaml.FlowStyle} }

// encode writes documents separated by ---, with a head comment.
func encode(head string, docs []*yaml.Node) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString(head)
	for i, d := range docs {
		if i > 0 {
			b.WriteString("---\n")
		}
		enc := yaml.NewEncoder(&b)
		enc.SetIndent(2)
		if err := enc.Encode(d); err != nil {
			return nil, err
		}
		if err := enc.Close(); err != nil {
			return nil, err
		}
	}
	return b.Bytes(), nil
}
