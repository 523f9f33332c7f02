package vuln

import (
	"fmt"
	"net/url"
	"strings"
)

// PURL is a parsed package URL (https://github.com/package-url/purl-spec).
type PURL struct {
	Type       string
	Namespace  string
	Name       string
	Version    string
	Qualifiers map[string]string
}

// ParsePURL reads "pkg:type/namespace/name@version?qualifiers#subpath".
func ParsePURL(s string) (PURL, error) {
	rest, ok := strings.CutPrefix(s, "pkg:")
	if !ok {
		return PURL{}, fmt.Errorf("package URL %q: does not start with pkg:", s)
	}
	rest, _, _ = strings.Cut(rest, "#")
	rest, query, _ := strings.Cut(rest, "?")
	p := PURL{Qualifiers: map[string]string{}}
	if query != "" {
		q, err := url.ParseQuery(query)
		if err != nil {
			return PURL{}, fmt.Errorf("package URL %q: qualifiers: %w", s, err)
		}
		for k, v := range q {
			p.Qualifiers[strings.ToLower(k)] = v[0]
		}
	}
	rest = strings.Trim(rest, "/")
	typ, path, ok := strings.Cut(rest, "/")
	if !ok || typ == "" || path == "" {
		return PURL{}, fmt.Errorf("package URL %q: want pkg:type/name", s)
	}
	p.Type = strings.ToLower(typ)
	if i := strings.LastIndex(path, "@"); i >= 0 {
		v, err := url.PathUnescape(path[i+1:])
		if err != nil {
			return PURL{}, fmt.Errorf("package URL %q: version: %w", s, err)
		}
		p.Version, path = v, path[:i]
	}
	segs := strings.Split(path, "/")
	for i, seg := range segs {
		u, err := url.PathUnescape(seg)
		if err != nil {
			return PURL{}, fmt.Errorf("package URL %q: %w", s, err)
		}
		segs[i] = u
	}
	p.Name = segs[len(segs)-1]
	p.Namespace = strings.Join(segs[:len(segs)-1], "/")
	if p.Name == "" {
		return PURL{}, fmt.Errorf("package URL %q: no name", s)
	}
	return p, nil
}
