package scanner

import (
	"encoding/base64"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"

	yaml "go.yaml.in/yaml/v3"
)

// converter turns a YAML node tree into plain Go values, resolving plain
// scalars as sigs.k8s.io/yaml (and so kubectl and the API server's YAML path)
// does, and bounding the work an input may cause.
type converter struct {
	file   string
	limit  int // values allowed in one document, aliases expanded
	budget int // values left before the document is refused
}

func (c *converter) errorf(n *yaml.Node, format string, args ...any) error {
	return &ParseError{File: c.file, Line: n.Line, Msg: fmt.Sprintf(format, args...)}
}

func (c *converter) value(n *yaml.Node, depth int) (any, error) {
	if depth > maxDepth {
		return nil, c.errorf(n, "nesting deeper than %d levels", maxDepth)
	}
	c.budget--
	if c.budget < 0 {
		return nil, c.errorf(n, "document expands to more than %d values (a YAML alias bomb?)", c.limit)
	}
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil, nil
		}
		return c.value(n.Content[0], depth)
	case yaml.AliasNode:
		if n.Alias == nil {
			return nil, c.errorf(n, "unknown alias %q", n.Value)
		}
		return c.value(n.Alias, depth+1)
	case yaml.ScalarNode:
		return c.scalar(n)
	case yaml.SequenceNode:
		if err := c.checkTag(n, "!!seq"); err != nil {
			return nil, err
		}
		out := make([]any, 0, len(n.Content))
		for _, item := range n.Content {
			v, err := c.value(item, depth+1)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	case yaml.MappingNode:
		if err := c.checkTag(n, "!!map"); err != nil {
			return nil, err
		}
		out := make(map[string]any, len(n.Content)/2)
		keyLines := make(map[string]int, len(n.Content)/2)
		var merges []*yaml.Node
		for i := 0; i+1 < len(n.Content); i += 2 {
			kn, vn := n.Content[i], n.Content[i+1]
			if kn.Kind == yaml.ScalarNode && kn.Tag == "!!merge" {
				merges = append(merges, vn)
				continue
			}
			key, err := c.key(kn)
			if err != nil {
				return nil, err
			}
			if first, dup := keyLines[key]; dup {
				return nil, c.errorf(kn, "duplicate key %q (first at line %d): parsers disagree on which wins", key, first)
			}
			keyLines[key] = kn.Line
			v, err := c.value(vn, depth+1)
			if err != nil {
				return nil, err
			}
			out[key] = v
		}
		// Merge keys (<<) fill in keys the mapping does not set itself; with a
		// list of mappings, earlier ones win, as in YAML 1.1.
		for _, m := range merges {
			if err := c.merge(out, m, depth); err != nil {
				return nil, err
			}
		}
		return out, nil
	}
	return nil, c.errorf(n, "unsupported YAML node")
}

func (c *converter) merge(out map[string]any, m *yaml.Node, depth int) error {
	target := deref(m)
	var sources []*yaml.Node
	switch target.Kind {
	case yaml.MappingNode:
		sources = []*yaml.Node{m}
	case yaml.SequenceNode:
		sources = target.Content
	default:
		return c.errorf(m, "merge key (<<) needs a mapping or a list of mappings")
	}
	for _, s := range sources {
		v, err := c.value(s, depth+1)
		if err != nil {
			return err
		}
		sm, ok := v.(map[string]any)
		if !ok {
			return c.errorf(s, "merge key (<<) needs a mapping or a list of mappings")
		}
		for k, v := range sm {
			if _, set := out[k]; !set {
				out[k] = v
			}
		}
	}
	return nil
}

func (c *converter) checkTag(n *yaml.Node, want string) error {
	if n.Tag == "" || n.Tag == want || n.Style&yaml.TaggedStyle == 0 {
		return nil
	}
	return c.errorf(n, "unsupported YAML tag %s", n.Tag)
}

// key converts a mapping key to the string JSON would use.
func (c *converter) key(n *yaml.Node) (string, error) {
	n = deref(n)
	if n.Kind != yaml.ScalarNode {
		return "", c.errorf(n, "mapping key must be a scalar, not a %s", kindName(n.Kind))
	}
	v, err := c.scalar(n)
	if err != nil {
		return "", err
	}
	switch v := v.(type) {
	case string:
		return v, nil
	case nil:
		return "", c.errorf(n, "mapping key is empty or null")
	case bool:
		return strconv.FormatBool(v), nil
	case int64:
		return strconv.FormatInt(v, 10), nil
	case float64:
		return strconv.FormatFloat(v, 'g', -1, 64), nil
	}
	return "", c.errorf(n, "unsupported mapping key")
}

func kindName(k yaml.Kind) string {
	switch k {
	case yaml.MappingNode:
		return "mapping"
	case yaml.SequenceNode:
		return "list"
	case yaml.AliasNode:
		return "alias"
	}
	return "scalar"
}

// yaml11 holds the YAML 1.1 plain scalars that are not strings, as
// sigs.k8s.io/yaml (go-yaml v2) resolves them.
var yaml11 = map[string]any{
	"": nil, "~": nil, "null": nil, "Null": nil, "NULL": nil,
	"y": true, "Y": true, "yes": true, "Yes": true, "YES": true,
	"true": true, "True": true, "TRUE": true, "on": true, "On": true, "ON": true,
	"n": false, "N": false, "no": false, "No": false, "NO": false,
	"false": false, "False": false, "FALSE": false, "off": false, "Off": false, "OFF": false,
}

// yaml11Float matches what go-yaml v2 takes as a float.
var yaml11Float = regexp.MustCompile(`^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`)

var specialFloats = map[string]bool{
	".inf": true, ".Inf": true, ".INF": true, "+.inf": true, "+.Inf": true, "+.INF": true,
	"-.inf": true, "-.Inf": true, "-.INF": true, ".nan": true, ".NaN": true, ".NAN": true,
}

func (c *converter) scalar(n *yaml.Node) (any, error) {
	tagged := n.Style&yaml.TaggedStyle != 0
	if !tagged && n.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle|yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
		return n.Value, nil
	}
	if tagged {
		switch n.Tag {
		case "!!str":
			return n.Value, nil
		case "!!binary":
			// sigs.k8s.io/yaml keeps binary data as its base64 text.
			if _, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(n.Value), "")); err != nil {
				return nil, c.errorf(n, "invalid !!binary value")
			}
			return n.Value, nil
		case "!!null", "!!bool", "!!int", "!!float":
			v, err := c.plain(n)
			if err != nil {
				return nil, err
			}
			if typeTag(v) != n.Tag {
				return nil, c.errorf(n, "value %q is not a valid %s", n.Value, n.Tag)
			}
			return v, nil
		default:
			return nil, c.errorf(n, "unsupported YAML tag %s", n.Tag)
		}
	}
	return c.plain(n)
}

func typeTag(v any) string {
	switch v.(type) {
	case nil:
		return "!!null"
	case bool:
		return "!!bool"
	case int64:
		return "!!int"
	case float64:
		return "!!float"
	}
	return "!!str"
}

// plain resolves an untagged plain scalar.
func (c *converter) plain(n *yaml.Node) (any, error) {
	s := n.Value
	if v, ok := yaml11[s]; ok {
		return v, nil
	}
	if specialFloats[s] {
		return nil, c.errorf(n, "%s has no JSON form", s)
	}
	if s == "" {
		return s, nil
	}
	switch ch := s[0]; {
	case ch >= '0' && ch <= '9', ch == '+', ch == '-', ch == '.':
	default:
		return s, nil
	}
	p := strings.ReplaceAll(s, "_", "")
	if i, err := strconv.ParseInt(p, 0, 64); err == nil {
		return i, nil
	}
	if u, err := strconv.ParseUint(p, 0, 64); err == nil {
		return float64(u), nil
	}
	if yaml11Float.MatchString(p) {
		f, err := strconv.ParseFloat(p, 64)
		if err == nil {
			if math.IsInf(f, 0) {
				return nil, c.errorf(n, "number %s is out of range", s)
			}
			return f, nil
		}
	}
	if b, ok := strings.CutPrefix(p, "0b"); ok {
		if i, err := strconv.ParseInt(b, 2, 64); err == nil {
			return i, nil
		}
	} else if b, ok := strings.CutPrefix(p, "-0b"); ok {
		if i, err := strconv.ParseInt("-"+b, 2, 64); err == nil {
			return i, nil
		}
	}
	return s, nil
}
