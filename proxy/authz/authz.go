package authz

import (
	"errors"
	"fmt"
	"net/url"
	"path"
	"strings"
	"unicode/utf8"

	"github.com/spiffe/go-spiffe/v2/spiffeid"

	"github.com/meshproof/meshproof/proxy/config"
)

// Matcher matches a peer's SPIFFE ID against a list of principals: it
// matches when any one of them does. The zero Matcher matches nothing.
type Matcher struct {
	ps []principal
}

type principal struct {
	id      spiffeid.ID          // exact
	td      spiffeid.TrustDomain // trust domain, or the pattern's
	pattern string               // path glob ("*" within one segment)
}

// Compile parses principals (see config.Principal) with go-spiffe.
func Compile(ps []config.Principal) (*Matcher, error) {
	m := &Matcher{}
	for i, p := range ps {
		if err := p.Validate(); err != nil {
			return nil, fmt.Errorf("principal %d: %w", i, err)
		}
		var c principal
		switch {
		case p.ID != "":
			id, err := spiffeid.FromString(p.ID)
			if err != nil {
				return nil, fmt.Errorf("principal %d: id %q: %w", i, p.ID, err)
			}
			c.id = id
		case p.TrustDomain != "":
			td, err := spiffeid.TrustDomainFromString(p.TrustDomain)
			if err != nil {
				return nil, fmt.Errorf("principal %d: trustDomain %q: %w", i, p.TrustDomain, err)
			}
			c.td = td
		case p.Pattern != "":
			rest, ok := strings.CutPrefix(p.Pattern, "spiffe://")
			if !ok {
				return nil, fmt.Errorf("principal %d: pattern %q is not a spiffe:// URI", i, p.Pattern)
			}
			host, pth, _ := strings.Cut(rest, "/")
			td, err := spiffeid.TrustDomainFromString(host)
			if err != nil {
				return nil, fmt.Errorf("principal %d: pattern %q: %w", i, p.Pattern, err)
			}
			c.td, c.pattern = td, "/"+pth
			if _, err := path.Match(c.pattern, "/"); err != nil {
				return nil, fmt.Errorf("principal %d: pattern %q: %w", i, p.Pattern, err)
			}
		}
		m.ps = append(m.ps, c)
	}
	return m, nil
}

// Match reports whether id matches one of the principals.
func (m *Matcher) Match(id spiffeid.ID) bool {
	if m == nil || id.IsZero() {
		return false
	}
	for _, p := range m.ps {
		switch {
		case !p.id.IsZero():
			if p.id == id {
				return true
			}
		case p.pattern != "":
			if id.MemberOf(p.td) {
				if ok, _ := path.Match(p.pattern, id.Path()); ok {
					return true
				}
			}
		default:
			if id.MemberOf(p.td) {
				return true
			}
		}
	}
	return false
}

// Empty reports whether the matcher has no principals.
func (m *Matcher) Empty() bool { return m == nil || len(m.ps) == 0 }

// HTTPPolicy holds the HTTP rules of a listener.
type HTTPPolicy struct {
	rules []httpRule
}

type httpRule struct {
	who   *Matcher
	perms []permission
}

type permission struct {
	methods []string
	paths   []string // exact, or prefix when ending in "/*" (kept without it)
	prefix  []bool
}

// CompileHTTP compiles a listener's HTTP rules.
func CompileHTTP(rules []config.HTTPRule) (*HTTPPolicy, error) {
	p := &HTTPPolicy{}
	for i, r := range rules {
		if len(r.Principals) == 0 || len(r.Permissions) == 0 {
			return nil, fmt.Errorf("http rule %d: principals and permissions are required", i)
		}
		m, err := Compile(r.Principals)
		if err != nil {
			return nil, fmt.Errorf("http rule %d: %w", i, err)
		}
		hr := httpRule{who: m}
		for _, perm := range r.Permissions {
			var cp permission
			cp.methods = append(cp.methods, perm.Methods...)
			for _, pth := range perm.Paths {
				if !strings.HasPrefix(pth, "/") {
					return nil, fmt.Errorf("http rule %d: path %q must start with /", i, pth)
				}
				base, isPrefix := strings.CutSuffix(pth, "/*")
				if strings.Contains(base, "*") {
					return nil, fmt.Errorf("http rule %d: path %q may only end in /*", i, pth)
				}
				if !isPrefix {
					// Rules are written in plain text; compare them in the
					// normalized form requests are reduced to.
					n, err := NormalizePath(pth)
					if err != nil {
						return nil, fmt.Errorf("http rule %d: path %q: %w", i, pth, err)
					}
					base = n
				} else if base != "" {
					n, err := NormalizePath(base)
					if err != nil {
						return nil, fmt.Errorf("http rule %d: path %q: %w", i, pth, err)
					}
					base = strings.TrimSuffix(n, "/")
				}
				cp.paths = append(cp.paths, base)
				cp.prefix = append(cp.prefix, isPrefix)
			}
			hr.perms = append(hr.perms, cp)
		}
		p.rules = append(p.rules, hr)
	}
	return p, nil
}

// Allows reports whether a request by id with method and normPath (the
// result of NormalizePath) is allowed.
func (p *HTTPPolicy) Allows(id spiffeid.ID, method, normPath string) bool {
	if p == nil {
		return false
	}
	for _, r := range p.rules {
		if !r.who.Match(id) {
			continue
		}
		for _, perm := range r.perms {
			if perm.allows(method, normPath) {
				return true
			}
		}
	}
	return false
}

// MayConnect reports whether id is a principal of at least one rule, the
// connection-level check of an HTTP listener.
func (p *HTTPPolicy) MayConnect(id spiffeid.ID) bool {
	if p == nil {
		return false
	}
	for _, r := range p.rules {
		if r.who.Match(id) {
			return true
		}
	}
	return false
}

func (perm permission) allows(method, p string) bool {
	if len(perm.methods) > 0 {
		ok := false
		for _, m := range perm.methods {
			if m == method {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	if len(perm.paths) == 0 {
		return true
	}
	for i, want := range perm.paths {
		if perm.prefix[i] {
			if want == "" || p == want || strings.HasPrefix(p, want+"/") {
				return true
			}
		} else if p == want {
			return true
		}
	}
	return false
}

// ErrPath is wrapped by NormalizePath's errors: the path is refused.
var ErrPath = errors.New("path refused")

// NormalizePath returns the normalized form of an escaped request path (the
// part of the request target before "?"): percent-encoded unreserved
// characters (letters, digits, "-", ".", "_", "~") decoded, other escapes
// kept with upper-case hex, repeated slashes merged, "." and ".." segments
// resolved (".." never climbs above "/"). A path that does not start with
// "/", holds a bad escape, an encoded "/" or "\", a backslash, a NUL or
// another control character, invalid UTF-8 once decoded (overlong forms of
// "." and "/"), or a dot segment with path parameters ("..;") is refused
// with an error wrapping ErrPath.
func NormalizePath(escaped string) (string, error) {
	if !strings.HasPrefix(escaped, "/") {
		return "", fmt.Errorf("%q does not start with /: %w", escaped, ErrPath)
	}
	var dec strings.Builder
	dec.Grow(len(escaped))
	for i := 0; i < len(escaped); i++ {
		c := escaped[i]
		switch {
		case c == '%':
			if i+2 >= len(escaped) || !isHex(escaped[i+1]) || !isHex(escaped[i+2]) {
				return "", fmt.Errorf("bad escape in %q: %w", escaped, ErrPath)
			}
			b := unhex(escaped[i+1])<<4 | unhex(escaped[i+2])
			i += 2
			switch {
			case b == '/' || b == '\\':
				return "", fmt.Errorf("encoded %q in %q: %w", b, escaped, ErrPath)
			case b < 0x20 || b == 0x7f:
				return "", fmt.Errorf("encoded control character in %q: %w", escaped, ErrPath)
			case isUnreserved(b):
				dec.WriteByte(b)
			default:
				dec.WriteByte('%')
				dec.WriteByte(upperHex[b>>4])
				dec.WriteByte(upperHex[b&15])
			}
		case c == '\\':
			return "", fmt.Errorf("backslash in %q: %w", escaped, ErrPath)
		case c < 0x20 || c == 0x7f:
			return "", fmt.Errorf("control character in %q: %w", escaped, ErrPath)
		default:
			dec.WriteByte(c)
		}
	}
	p := dec.String()
	if raw, err := url.PathUnescape(p); err != nil || !utf8.ValidString(raw) {
		// Overlong or broken UTF-8 (%c0%ae...) is what old servers read as
		// dots and slashes.
		return "", fmt.Errorf("%q is not valid UTF-8 once decoded: %w", escaped, ErrPath)
	}
	for _, seg := range strings.Split(p, "/") {
		// "..;x" is ".." to servlet containers, which drop path
		// parameters: a dot segment with parameters is refused.
		if name, _, ok := strings.Cut(seg, ";"); ok && (name == "." || name == "..") {
			return "", fmt.Errorf("dot segment with parameters in %q: %w", escaped, ErrPath)
		}
	}
	return removeDotSegments(p), nil
}

// removeDotSegments merges slashes and resolves "." and ".." in p, which
// starts with "/"; a trailing slash (or a final "." or "..") leaves a
// trailing slash, as RFC 3986 section 5.2.4 does.
func removeDotSegments(p string) string {
	segs := strings.Split(p[1:], "/")
	out := make([]string, 0, len(segs))
	trailing := false
	for i, s := range segs {
		last := i == len(segs)-1
		switch s {
		case "", ".":
			trailing = last
		case "..":
			if len(out) > 0 {
				out = out[:len(out)-1]
			}
			trailing = last
		default:
			out = append(out, s)
			trailing = false
		}
	}
	r := "/" + strings.Join(out, "/")
	if trailing && len(out) > 0 {
		r += "/"
	}
	return r
}

const upperHex = "0123456789ABCDEF"

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case '0' <= c && c <= '9':
		return c - '0'
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10
	default:
		return c - 'A' + 10
	}
}

func isUnreserved(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		c == '-' || c == '.' || c == '_' || c == '~'
}
