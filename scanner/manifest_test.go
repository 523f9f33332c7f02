package scanner

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"sigs.k8s.io/yaml"
)

func TestDecodeObjects(t *testing.T) {
	const stream = `# leading comment
apiVersion: v1
kind: Namespace
metadata:
  name: payments
  labels:
    meshproof.dev/pci-scope: cde
---
# only a comment
---
apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: ServiceAccount
  metadata: {name: api, namespace: payments}
- apiVersion: v1
  kind: ServiceAccount
  metadata:
    name: db
    namespace: payments
--- # inline comment after the separator
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata:
  name: default
  namespace: payments
spec:
  mtls:
    mode: STRICT
  portLevelMtls:
    8080:
      mode: PERMISSIVE
...
`
	objs, err := Decode("s.yaml", []byte(stream), LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		Ref  string
		Line int
		Item int
	}
	var got []row
	for _, o := range objs {
		got = append(got, row{o.Ref(), o.Line, o.Item})
	}
	want := []row{
		{"Namespace/payments", 2, 0},
		{"ServiceAccount/payments/api", 14, 1},
		{"ServiceAccount/payments/db", 17, 2},
		{"PeerAuthentication/payments/default", 23, 3},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("Decode objects (-want +got):\n%s", diff)
	}
	pa := objs[3]
	if l := pa.LineOf([]string{"spec", "mtls", "mode"}); l != 30 {
		t.Errorf("LineOf(spec.mtls.mode) = %d, want 30", l)
	}
	if l := pa.LineOf([]string{"spec", "portLevelMtls", "8080", "mode"}); l != 33 {
		t.Errorf("LineOf(spec.portLevelMtls.8080.mode) = %d, want 33", l)
	}
	if l := pa.LineOf([]string{"spec", "nothing", "here"}); l != 28 {
		t.Errorf("LineOf(missing) = %d, want 28 (the deepest existing key)", l)
	}
	plm := pa.Body["spec"].(map[string]any)["portLevelMtls"].(map[string]any)
	if _, ok := plm["8080"]; !ok {
		t.Errorf("integer key 8080 not converted to the string key \"8080\": %v", plm)
	}
}

// TestDecodeErrors: everything the loader cannot read is an error with the
// file and the line, never a silent skip.
func TestDecodeErrors(t *testing.T) {
	tests := []struct {
		name  string
		input string
		opts  LoadOptions
		want  string // prefix of the error text after "f.yaml:"
	}{
		{"truncated flow", "apiVersion: v1\nkind: Pod\nmetadata: {name: [x\n", LoadOptions{}, "3: invalid YAML"},
		{"tab indentation", "apiVersion: v1\nkind: Pod\nmetadata:\n\tname: x\n", LoadOptions{}, "4: invalid YAML"},
		{"binary", "apiVersion: v1\nkind: Pod\n\x00\x01\x02", LoadOptions{}, "3: binary data"},
		{"invalid utf8", "apiVersion: v1\nkind: \xff\xfe\n", LoadOptions{}, "2: invalid UTF-8"},
		{"no kind", "apiVersion: v1\nmetadata:\n  name: x\n", LoadOptions{}, `1: missing "kind"`},
		{"no apiVersion", "---\nkind: Pod\n", LoadOptions{}, `2: missing "apiVersion"`},
		{"kind not a string", "apiVersion: v1\nkind: [Pod]\n", LoadOptions{}, `2: "kind" must be a non-empty string`},
		{"scalar document", "hello world\n", LoadOptions{}, "1: document is a string"},
		{"list document", "- a\n- b\n", LoadOptions{}, "1: document is a list"},
		{"metadata wrong type", "apiVersion: v1\nkind: Pod\nmetadata: [a]\n", LoadOptions{}, "3: metadata must be a mapping"},
		{"name wrong type", "apiVersion: v1\nkind: Pod\nmetadata:\n  name: 12\n", LoadOptions{}, "4: metadata.name must be a string"},
		{"duplicate key", "apiVersion: v1\nkind: Pod\nkind: Service\n", LoadOptions{}, `3: duplicate key "kind"`},
		{"unknown tag", "apiVersion: v1\nkind: Pod\nspec: !Ref x\n", LoadOptions{}, "3: unsupported YAML tag !Ref"},
		{"bad List item", "apiVersion: v1\nkind: List\nitems:\n- 3\n", LoadOptions{}, "4: List item 0 is a number"},
		{"second document bad", "apiVersion: v1\nkind: Pod\n---\napiVersion: v1\nkind: Pod\nmetadata: {\n", LoadOptions{}, "6: invalid YAML"},
		{"alias bomb", aliasBomb(), LoadOptions{}, "3: document expands to more than 1000000 values"},
		{"unclosed flow mapping", "apiVersion: v1\nkind: Pod\nmetadata:\n  labels: {a: b\n  name: x\n", LoadOptions{}, "4: invalid YAML"},
		{"bad indentation", "apiVersion: v1\nkind: Pod\nmetadata:\n    name: x\n  labels: {}\n", LoadOptions{}, "5: invalid YAML"},
		{"wrong types in sequence", "apiVersion: v1\nkind: Pod\nspec:\n  - a\n  b: c\n", LoadOptions{}, "4: invalid YAML"},
		{"document too large", "apiVersion: v1\nkind: ConfigMap\n---\napiVersion: v1\nkind: ConfigMap\ndata:\n  x: " + strings.Repeat("a", 2000) + "\n", LoadOptions{MaxDocumentBytes: 1000}, "4: document is 2043 bytes, over the 1000 bytes limit"},
		{"infinity", "apiVersion: v1\nkind: Pod\nx: .inf\n", LoadOptions{}, "3: .inf has no JSON form"},
		{"deep nesting", "apiVersion: v1\nkind: Pod\nx: " + strings.Repeat("[", 300) + strings.Repeat("]", 300) + "\n", LoadOptions{}, "3: nesting deeper than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			objs, err := Decode("f.yaml", []byte(tt.input), tt.opts)
			if err == nil {
				t.Fatalf("Decode = %d objects, nil error; want error %q", len(objs), tt.want)
			}
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("Decode error %v is not a *ParseError", err)
			}
			if !strings.HasPrefix(err.Error(), "f.yaml:"+tt.want) {
				t.Errorf("Decode error = %q, want prefix %q", err, "f.yaml:"+tt.want)
			}
			if objs != nil {
				t.Errorf("Decode returned %d objects with an error", len(objs))
			}
		})
	}
}

func aliasBomb() string {
	var b strings.Builder
	b.WriteString("apiVersion: v1\nkind: ConfigMap\na0: &a0 [x, x, x, x, x, x, x, x, x, x]\n")
	for i := 1; i < 9; i++ {
		fmt.Fprintf(&b, "a%d: &a%d [*a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d]\n", i, i, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1)
	}
	return b.String()
}

// TestHugeDocument: a 50 MB document is refused with its line, before it is
// parsed.
func TestHugeDocument(t *testing.T) {
	var b bytes.Buffer
	b.WriteString("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ok}\n---\napiVersion: v1\nkind: ConfigMap\ndata:\n")
	line := "  k: " + strings.Repeat("v", 95) + "\n"
	for b.Len() < 50<<20 {
		b.WriteString(line)
	}
	_, err := Decode("big.yaml", b.Bytes(), LoadOptions{})
	if err == nil || !strings.HasPrefix(err.Error(), "big.yaml:5: document is ") || !strings.Contains(err.Error(), "over the 8 MiB limit") {
		t.Fatalf("Decode(50 MB) error = %v, want big.yaml:5: document is ... over the 8 MiB limit", err)
	}
}

// TestScalarsLikeKubernetes: plain scalars resolve as sigs.k8s.io/yaml
// resolves them, so that a rule sees what the API server sees.
func TestScalarsLikeKubernetes(t *testing.T) {
	values := []string{
		"yes", "No", "on", "OFF", "y", "n", "true", "False", "~", "null", "", "0777", "0x1F", "0o17", "0b101",
		"-0b101", "1_000", "1e3", "1.5", ".5", "+12", "-12", "12abc", "1.2.3", "18446744073709551615",
		"'yes'", `"0x1F"`, "!!str 12", "!!int 12", "2020-01-01T00:00:00Z", "1:20", "=", "<<x",
	}
	for _, v := range values {
		doc := "apiVersion: v1\nkind: ConfigMap\nv: " + v + "\n"
		objs, err := Decode("v.yaml", []byte(doc), LoadOptions{})
		if err != nil {
			t.Errorf("Decode(v: %s) error: %v", v, err)
			continue
		}
		got := normalize(t, objs[0].Body)
		want := reference(t, doc)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("v: %s resolves differently from sigs.k8s.io/yaml (-want +got):\n%s", v, diff)
		}
	}
}

// normalize passes a decoded body through JSON, as the reference does.
func normalize(t testing.TB, v any) any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("marshal: %v", err)
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func reference(t testing.TB, doc string) any {
	t.Helper()
	j, err := yaml.YAMLToJSON([]byte(doc))
	if err != nil {
		t.Fatalf("sigs.k8s.io/yaml: %v", err)
	}
	var out any
	if err := json.Unmarshal(j, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestLoadPaths(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	write("b/ns.yaml", "apiVersion: v1\nkind: Namespace\nmetadata: {name: b}\n")
	write("a/sa.yml", "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: a}\n")
	write("a/cm.json", `{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "j"}}`)
	write("a/README.md", "# not read when walking\n")
	write(".git/x.yaml", "not: [valid\n")
	objs, err := Load(context.Background(), []string{dir, "-"}, LoadOptions{Stdin: strings.NewReader("apiVersion: v1\nkind: Secret\nmetadata: {name: s}\n")})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, o := range objs {
		got = append(got, strings.TrimPrefix(o.File, dir+"/")+" "+o.Ref())
	}
	want := []string{"a/cm.json ConfigMap/j", "a/sa.yml ServiceAccount/a", "b/ns.yaml Namespace/b", "<stdin> Secret/s"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Load (-want +got):\n%s", diff)
	}

	// Every problem is reported, and nothing is returned.
	bad1 := write("bad1.yaml", "kind: Pod\n")
	bad2 := write("bad2.yaml", "apiVersion: v1\nkind: Pod\nx: [\n")
	objs, err = Load(context.Background(), []string{bad1, bad2, filepath.Join(dir, "missing.yaml"), filepath.Join(dir, "a")}, LoadOptions{})
	if objs != nil {
		t.Errorf("Load with errors returned %d objects", len(objs))
	}
	msg := fmt.Sprint(err)
	for _, want := range []string{bad1 + `:1: missing "apiVersion"`, bad2 + ":3: invalid YAML", filepath.Join(dir, "missing.yaml") + ": no such file or folder"} {
		if !strings.Contains(msg, want) {
			t.Errorf("Load error %q does not contain %q", msg, want)
		}
	}

	empty := filepath.Join(dir, "empty")
	if err := os.Mkdir(empty, 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(context.Background(), []string{empty}, LoadOptions{}); err == nil || !strings.Contains(err.Error(), "no YAML or JSON files found") {
		t.Errorf("Load(empty folder) error = %v, want no YAML or JSON files found", err)
	}
}

// FuzzDecode: no input panics, every error is a *ParseError with a line
// inside the input, and whatever is accepted means the same as it does to
// sigs.k8s.io/yaml.
func FuzzDecode(f *testing.F) {
	f.Add([]byte("apiVersion: v1\nkind: Pod\nmetadata: {name: a}\n"))
	f.Add([]byte("apiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: Pod}\n"))
	f.Add([]byte("a: &a [1, 2]\nb: *a\napiVersion: v1\nkind: X\n<<: {c: 1}\n"))
	f.Add([]byte("---\n--- # c\napiVersion: v1\nkind: Pod\n...\n"))
	f.Add([]byte(`{"apiVersion":"v1","kind":"Pod","spec":{"x":0x10}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		watchdog := time.AfterFunc(3*time.Second, func() { panic(fmt.Sprintf("Decode hung on %q", data)) })
		defer watchdog.Stop()
		objs, err := Decode("z.yaml", data, LoadOptions{MaxValues: 10000})
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error %v is not a *ParseError", err)
			}
			if lines := bytes.Count(data, []byte("\n")) + bytes.Count(data, []byte("\r")) + 1; pe.Line < 0 || pe.Line > lines+1 {
				t.Fatalf("error line %d outside the input's %d lines: %v", pe.Line, lines, err)
			}
			return
		}
		// Single documents only: the reference reads only the first document.
		if len(objs) != 1 || bytes.Contains(data, []byte("---")) || bytes.Contains(data, []byte("...")) {
			return
		}
		j, rerr := yaml.YAMLToJSON(data)
		if rerr != nil {
			t.Fatalf("Decode accepted what sigs.k8s.io/yaml rejects (%v): %q", rerr, data)
		}
		var want any
		if err := json.Unmarshal(j, &want); err != nil {
			t.Fatal(err)
		}
		if m, ok := want.(map[string]any); ok && strings.HasSuffix(fmt.Sprint(m["kind"]), "List") {
			return // the object is a List item, not the document
		}
		if diff := cmp.Diff(want, normalize(t, objs[0].Body)); diff != "" {
			t.Fatalf("Decode differs from sigs.k8s.io/yaml on %q (-want +got):\n%s", data, diff)
		}
	})
}
