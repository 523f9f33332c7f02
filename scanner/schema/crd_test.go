package schema

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.yaml.in/yaml/v3"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// istioCRDs reads kubernetes/customresourcedefinitions.gen.yaml of the
// istio.io/api module this package is built with: the CRDs Istio installs,
// generated from the same protobuf messages.
func istioCRDs(t *testing.T) []map[string]any {
	t.Helper()
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "istio.io/api").Output()
	if err != nil {
		t.Skipf("locate istio.io/api with go list: %v", err)
	}
	name := filepath.Join(strings.TrimSpace(string(out)), "kubernetes", "customresourcedefinitions.gen.yaml")
	data, err := os.ReadFile(name)
	if err != nil {
		t.Skipf("read Istio CRDs: %v", err)
	}
	var crds []map[string]any
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var doc map[string]any
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("decode %s: %v", name, err)
		}
		if doc != nil {
			crds = append(crds, doc)
		}
	}
	if len(crds) == 0 {
		t.Fatalf("no CRDs in %s", name)
	}
	return crds
}

func get(m any, keys ...string) any {
	for _, k := range keys {
		mm, ok := m.(map[string]any)
		if !ok {
			return nil
		}
		m = mm[k]
	}
	return m
}

// TestKindsMatchCRDs checks that Kinds lists exactly the kinds and served
// versions of Istio's CRDs.
func TestKindsMatchCRDs(t *testing.T) {
	var want []string
	for _, crd := range istioCRDs(t) {
		group, _ := get(crd, "spec", "group").(string)
		kind, _ := get(crd, "spec", "names", "kind").(string)
		versions, _ := get(crd, "spec", "versions").([]any)
		for _, v := range versions {
			if served, _ := get(v, "served").(bool); served {
				want = append(want, group+"/"+get(v, "name").(string)+"/"+kind)
			}
		}
	}
	slices.Sort(want)
	if diff := cmp.Diff(want, Kinds()); diff != "" {
		t.Errorf("Kinds() differs from the served versions of Istio's CRDs (-crds +Kinds):\n%s", diff)
	}
}

// TestDescriptorsMatchCRDs walks every served version of every Istio CRD
// together with the message Validate uses for its spec, and checks that they
// agree on field names, JSON types, enum values, required fields and oneofs:
// the properties this package derives from the descriptors are the ones the
// API server enforces.
func TestDescriptorsMatchCRDs(t *testing.T) {
	for _, crd := range istioCRDs(t) {
		group, _ := get(crd, "spec", "group").(string)
		kind, _ := get(crd, "spec", "names", "kind").(string)
		versions, _ := get(crd, "spec", "versions").([]any)
		for _, v := range versions {
			apiVersion := group + "/" + get(v, "name").(string)
			t.Run(apiVersion+"/"+kind, func(t *testing.T) {
				md, ok := SpecMessage(apiVersion, kind)
				if !ok {
					t.Fatalf("SpecMessage(%q, %q) = _, false, want a message", apiVersion, kind)
				}
				top := get(v, "schema", "openAPIV3Schema")
				wantRequired := slices.Contains(asList(get(top, "required")), any("spec"))
				if got := byKind[apiVersion+"/"+kind].specRequired; got != wantRequired {
					t.Errorf("specRequired = %v, want %v", got, wantRequired)
				}
				spec := get(top, "properties", "spec")
				if spec == nil {
					t.Fatalf("CRD has no spec schema")
				}
				c := crdChecker{t: t}
				c.message(md, spec, "spec")
			})
		}
	}
}

type crdChecker struct {
	t *testing.T
}

func (c crdChecker) errorf(path, format string, args ...any) {
	c.t.Helper()
	c.t.Errorf("%s: %s", path, fmt.Sprintf(format, args...))
}

func (c crdChecker) message(md protoreflect.MessageDescriptor, s any, path string) {
	c.t.Helper()
	if c.wellKnown(md, s, path) {
		return
	}
	if typ := get(s, "type"); typ != "object" {
		c.errorf(path, "message %s has CRD type %v, want object", md.FullName(), typ)
		return
	}
	props, _ := get(s, "properties").(map[string]any)
	info := infoOf(md)
	var fromCRD, fromProto []string
	for k := range props {
		fromCRD = append(fromCRD, k)
	}
	for k := range info.byJSON {
		fromProto = append(fromProto, k)
	}
	slices.Sort(fromCRD)
	slices.Sort(fromProto)
	if diff := cmp.Diff(fromCRD, fromProto); diff != "" {
		c.errorf(path, "fields of %s (-crd +descriptor):\n%s", md.FullName(), diff)
	}

	var crdRequired, protoRequired []string
	for _, r := range asList(get(s, "required")) {
		crdRequired = append(crdRequired, r.(string))
	}
	for _, fd := range info.required {
		protoRequired = append(protoRequired, fd.JSONName())
	}
	slices.Sort(crdRequired)
	slices.Sort(protoRequired)
	if diff := cmp.Diff(crdRequired, protoRequired); diff != "" {
		c.errorf(path, "required fields of %s (-crd +descriptor):\n%s", md.FullName(), diff)
	}

	crdOneofs := oneofGroups(s)
	var protoOneofs [][]string
	for _, members := range info.oneofs {
		var g []string
		for _, fd := range members {
			g = append(g, fd.JSONName())
		}
		slices.Sort(g)
		protoOneofs = append(protoOneofs, g)
	}
	slices.SortFunc(protoOneofs, slices.Compare)
	if diff := cmp.Diff(crdOneofs, protoOneofs); diff != "" {
		c.errorf(path, "oneofs of %s (-crd +descriptor):\n%s", md.FullName(), diff)
	}

	for name, fd := range info.byJSON {
		fs, ok := props[name]
		if !ok {
			continue
		}
		c.field(fd, fs, path+"."+name)
	}
}

// oneofGroups reads the oneof groups Istio's generator writes: a oneOf of
// "none of them" and "exactly this one", alone or under allOf when there
// are several.
func oneofGroups(s any) [][]string {
	var lists []any
	if o := get(s, "oneOf"); o != nil {
		lists = append(lists, o)
	}
	for _, a := range asList(get(s, "allOf")) {
		if o := get(a, "oneOf"); o != nil {
			lists = append(lists, o)
		}
	}
	var groups [][]string
	for _, l := range lists {
		var g []string
		for _, alt := range asList(l) {
			for _, r := range asList(get(alt, "required")) {
				g = append(g, r.(string))
			}
		}
		slices.Sort(g)
		groups = append(groups, g)
	}
	slices.SortFunc(groups, slices.Compare)
	return groups
}

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}

func (c crdChecker) field(fd protoreflect.FieldDescriptor, s any, path string) {
	c.t.Helper()
	switch {
	case fd.IsMap():
		if typ := get(s, "type"); typ != "object" {
			c.errorf(path, "map has CRD type %v, want object", typ)
			return
		}
		c.single(fd.MapValue(), get(s, "additionalProperties"), path+".*")
	case fd.IsList():
		if typ := get(s, "type"); typ != "array" {
			c.errorf(path, "repeated field has CRD type %v, want array", typ)
			return
		}
		c.single(fd, get(s, "items"), path+"[]")
	default:
		c.single(fd, s, path)
	}
}

func (c crdChecker) single(fd protoreflect.FieldDescriptor, s any, path string) {
	c.t.Helper()
	want := ""
	switch fd.Kind() {
	case protoreflect.MessageKind, protoreflect.GroupKind:
		c.message(fd.Message(), s, path)
		return
	case protoreflect.EnumKind:
		var names []any
		for i := range fd.Enum().Values().Len() {
			names = append(names, string(fd.Enum().Values().Get(i).Name()))
		}
		if diff := cmp.Diff(names, get(s, "enum")); diff != "" {
			c.errorf(path, "enum values of %s (-descriptor +crd):\n%s", fd.Enum().FullName(), diff)
		}
		want = "string"
	case protoreflect.StringKind:
		want = "string"
	case protoreflect.BytesKind:
		want = "string"
		if f := get(s, "format"); f != "byte" {
			c.errorf(path, "bytes field has CRD format %v, want byte", f)
		}
	case protoreflect.BoolKind:
		want = "boolean"
	case protoreflect.FloatKind, protoreflect.DoubleKind:
		want = "number"
	default:
		want = "integer"
		if get(s, "x-kubernetes-int-or-string") == true {
			c.errorf(path, "integer field is int-or-string in the CRD")
		}
	}
	if typ := get(s, "type"); typ != want {
		c.errorf(path, "%s field has CRD type %v, want %s", fd.Kind(), typ, want)
	}
}

func (c crdChecker) wellKnown(md protoreflect.MessageDescriptor, s any, path string) bool {
	c.t.Helper()
	var want string
	switch md.FullName() {
	case "google.protobuf.Duration", "google.protobuf.Timestamp", "google.protobuf.FieldMask":
		want = "string"
	case "google.protobuf.BoolValue", "google.protobuf.BytesValue",
		"google.protobuf.DoubleValue", "google.protobuf.FloatValue",
		"google.protobuf.Int32Value", "google.protobuf.Int64Value",
		"google.protobuf.StringValue", "google.protobuf.UInt32Value",
		"google.protobuf.UInt64Value":
		c.single(md.Fields().ByName("value"), s, path)
		return true
	case "google.protobuf.Struct":
		want = "object"
	case "google.protobuf.ListValue":
		want = "array"
	case "google.protobuf.Value", "google.protobuf.Any", "google.protobuf.Empty":
		if get(s, "x-kubernetes-preserve-unknown-fields") != true {
			c.errorf(path, "%s does not preserve unknown fields in the CRD", md.FullName())
		}
		return true
	default:
		return false
	}
	if typ := get(s, "type"); typ != want {
		c.errorf(path, "%s has CRD type %v, want %s", md.FullName(), typ, want)
	}
	return true
}
