package authz

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/spiffe/go-spiffe/v2/spiffeid"

	"github.com/meshproof/meshproof/proxy/config"
)

func TestMatcher(t *testing.T) {
	m, err := Compile([]config.Principal{
		{ID: "spiffe://corp.example/ns/payments/sa/api"},
		{TrustDomain: "partner.example"},
		{Pattern: "spiffe://corp.example/ns/*/sa/reporter"},
	})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		id   string
		want bool
	}{
		{"spiffe://corp.example/ns/payments/sa/api", true},
		{"spiffe://corp.example/ns/payments/sa/api2", false},
		{"spiffe://corp.example/ns/payments/sa", false},
		{"spiffe://partner.example/anything/at/all", true},
		{"spiffe://partner.example.evil/x", false},
		{"spiffe://corp.example/ns/shop/sa/reporter", true},
		{"spiffe://corp.example/ns/a/b/sa/reporter", false}, // * is one segment
		{"spiffe://other.example/ns/shop/sa/reporter", false},
		{"spiffe://corp.example/ns/shop/sa/reporter/x", false},
	}
	for _, tt := range tests {
		id := spiffeid.RequireFromString(tt.id)
		if got := m.Match(id); got != tt.want {
			t.Errorf("Match(%s) = %v, want %v", tt.id, got, tt.want)
		}
	}
	if (&Matcher{}).Match(spiffeid.RequireFromString("spiffe://corp.example/x")) {
		t.Error("empty Matcher.Match() = true, want false")
	}
	if m.Match(spiffeid.ID{}) {
		t.Error("Match(zero ID) = true, want false")
	}
}

func TestCompileErrors(t *testing.T) {
	for _, p := range []config.Principal{
		{},
		{ID: "spiffe://a/b", TrustDomain: "a"},
		{ID: "https://a/b"},
		{TrustDomain: "UPPER"},
		{Pattern: "spiffe://*/x"},
		{Pattern: "spiffe://a/[x"},
	} {
		if _, err := Compile([]config.Principal{p}); err == nil {
			t.Errorf("Compile(%+v) = nil error, want an error", p)
		}
	}
}

func TestNormalizePath(t *testing.T) {
	tests := []struct {
		in, want string
		refused  bool
	}{
		{in: "/", want: "/"},
		{in: "/a/b", want: "/a/b"},
		{in: "/a/b/", want: "/a/b/"},
		{in: "//admin", want: "/admin"},
		{in: "/a//b///c", want: "/a/b/c"},
		{in: "/a/../admin", want: "/admin"},
		{in: "/a/./b", want: "/a/b"},
		{in: "/../../etc/passwd", want: "/etc/passwd"},
		{in: "/a/b/..", want: "/a/"},
		{in: "/a/.", want: "/a/"},
		{in: "/%2e%2e/admin", want: "/admin"},
		{in: "/public/%2E%2E/admin", want: "/admin"},
		{in: "/public/%2e./admin", want: "/admin"},
		{in: "/public/.%2e/admin", want: "/admin"},
		{in: "/%61dmin", want: "/admin"},
		{in: "/a%7eb", want: "/a~b"},
		{in: "/a%20b", want: "/a%20b"},
		{in: "/a%3fb", want: "/a%3Fb"},
		{in: "/a%25252e", want: "/a%25252e"}, // no double decoding
		{in: "/Admin", want: "/Admin"},       // case is kept: matching is case-sensitive
		{in: "/public/..%2fadmin", refused: true},
		{in: "/public/..%2Fadmin", refused: true},
		{in: "/public/..%5cadmin", refused: true},
		{in: `/public\..\admin`, refused: true},
		{in: "/a%00b", refused: true},
		{in: "/a\x00b", refused: true},
		{in: "/a%0d%0aX: y", refused: true},
		{in: "/a%zz", refused: true},
		{in: "/a%2", refused: true},
		{in: "a/b", refused: true},
		{in: "/public/..;/admin", refused: true},
		{in: "/public/.;x/admin", refused: true},
		{in: "/public/%2e%2e;/admin", refused: true},
		{in: "/public/%c0%ae%c0%ae/admin", refused: true},
		{in: "/public/%ff", refused: true},
		{in: "/x;jsessionid=1", want: "/x;jsessionid=1"},
		{in: "/caf%C3%A9", want: "/caf%C3%A9"},
		{in: "", refused: true},
		{in: "*", refused: true},
	}
	for _, tt := range tests {
		got, err := NormalizePath(tt.in)
		if tt.refused {
			if err == nil || !errors.Is(err, ErrPath) {
				t.Errorf("NormalizePath(%q) = %q, %v, want an ErrPath error", tt.in, got, err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("NormalizePath(%q) = %q, %v, want %q", tt.in, got, err, tt.want)
		}
	}
}

func TestHTTPPolicy(t *testing.T) {
	p, err := CompileHTTP([]config.HTTPRule{
		{
			Principals: []config.Principal{{ID: "spiffe://corp.example/ns/shop/sa/web"}},
			Permissions: []config.Permission{
				{Methods: []string{"GET", "HEAD"}, Paths: []string{"/public/*", "/status"}},
				{Methods: []string{"POST"}, Paths: []string{"/orders"}},
			},
		},
		{
			Principals:  []config.Principal{{Pattern: "spiffe://corp.example/ns/ops/sa/*"}},
			Permissions: []config.Permission{{Paths: []string{"/*"}}},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	web := spiffeid.RequireFromString("spiffe://corp.example/ns/shop/sa/web")
	ops := spiffeid.RequireFromString("spiffe://corp.example/ns/ops/sa/admin")
	other := spiffeid.RequireFromString("spiffe://corp.example/ns/shop/sa/other")
	tests := []struct {
		id     spiffeid.ID
		method string
		path   string // raw, normalized first
		want   bool
	}{
		{web, "GET", "/public/x", true},
		{web, "GET", "/public", true},
		{web, "HEAD", "/public/a/b", true},
		{web, "GET", "/publicity", false},
		{web, "GET", "/status", true},
		{web, "GET", "/status/x", false},
		{web, "POST", "/orders", true},
		{web, "GET", "/orders", false},
		{web, "DELETE", "/public/x", false},
		{web, "get", "/public/x", false},
		{web, "GET", "/admin", false},
		{web, "GET", "/public/../admin", false},
		{web, "GET", "/public/%2e%2e/admin", false},
		{web, "GET", "//admin", false},
		{web, "GET", "/PUBLIC/x", false},
		{web, "GET", "/public/./x", true},
		{web, "GET", "//public//x", true},
		{ops, "DELETE", "/anything", true},
		{ops, "GET", "/", true},
		{other, "GET", "/public/x", false},
	}
	for _, tt := range tests {
		n, err := NormalizePath(tt.path)
		if err != nil {
			t.Fatalf("NormalizePath(%q): %v", tt.path, err)
		}
		if got := p.Allows(tt.id, tt.method, n); got != tt.want {
			t.Errorf("Allows(%s, %s, %q) = %v, want %v", tt.id, tt.method, tt.path, got, tt.want)
		}
	}
	if !p.MayConnect(web) || !p.MayConnect(ops) || p.MayConnect(other) {
		t.Errorf("MayConnect(web, ops, other) = %v %v %v, want true true false", p.MayConnect(web), p.MayConnect(ops), p.MayConnect(other))
	}
}

func FuzzNormalizePath(f *testing.F) {
	for _, s := range []string{"/", "/a/../b", "//x", "/%2e%2e/", "/a%2fb", "/a\\b", "/%zz", "/public/./x/"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out, err := NormalizePath(in)
		if err != nil {
			if !errors.Is(err, ErrPath) {
				t.Fatalf("NormalizePath(%q) error %v does not wrap ErrPath", in, err)
			}
			return
		}
		// A normalized path is a fixed point, starts with one slash and
		// holds no dot segments or empty segments.
		again, err := NormalizePath(out)
		if err != nil || again != out {
			t.Fatalf("NormalizePath(%q) = %q, then %q, %v: not a fixed point", in, out, again, err)
		}
		if !strings.HasPrefix(out, "/") || strings.Contains(out, "//") {
			t.Fatalf("NormalizePath(%q) = %q", in, out)
		}
		for _, seg := range strings.Split(out, "/") {
			if seg == "." || seg == ".." {
				t.Fatalf("NormalizePath(%q) = %q keeps a dot segment", in, out)
			}
		}
	})
}

func ExampleNormalizePath() {
	for _, p := range []string{"/public/%2e%2e/admin", "//admin", "/public/..%2fadmin"} {
		n, err := NormalizePath(p)
		fmt.Printf("%s -> %q %v\n", p, n, err != nil)
	}
	// Output:
	// /public/%2e%2e/admin -> "/admin" false
	// //admin -> "/admin" false
	// /public/..%2fadmin -> "" true
}

func ExampleMatcher() {
	m, _ := Compile([]config.Principal{{Pattern: "spiffe://corp.example/ns/*/sa/reporter"}})
	fmt.Println(m.Match(spiffeid.RequireFromString("spiffe://corp.example/ns/shop/sa/reporter")))
	fmt.Println(m.Match(spiffeid.RequireFromString("spiffe://corp.example/ns/shop/sa/api")))
	// Output:
	// true
	// false
}
