package schema

import (
	"cmp"
	"encoding/base64"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"google.golang.org/genproto/googleapis/api/annotations"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/descriptorpb"
)

// MaxIssues is the most issues Validate reports for one object. When there
// are more, Validate returns the first MaxIssues in order and one more issue
// saying it stopped.
const MaxIssues = 100

// Issue is one place where an object does not match its API schema.
type Issue struct {
	// Path is the JSON path from the object root, for example
	// ["spec","mtls","mode"]; array indices are decimal strings. It names
	// the offending key itself for unknown fields, and the enclosing mapping
	// for missing required fields and conflicting oneof members.
	Path []string
	// Message says what is wrong, in lower case without trailing
	// punctuation, for example `unknown field "mdoe"`.
	Message string
}

// String formats the issue as "spec.mtls.mode: message".
func (i Issue) String() string {
	if len(i.Path) == 0 {
		return i.Message
	}
	return strings.Join(i.Path, ".") + ": " + i.Message
}

// Validate checks obj (one decoded Kubernetes object) against the API schema
// of its apiVersion and kind. known is false when the kind has no schema
// here (then issues is nil).
//
// obj holds only map[string]any, []any, string, bool, int64, float64 and
// nil, as decoded from YAML or JSON. Issues are sorted by path (array
// indices compared as numbers), then message; at most MaxIssues are
// returned, followed by one saying that Validate stopped.
func Validate(apiVersion, kind string, obj map[string]any) (issues []Issue, known bool) {
	k, ok := byKind[apiVersion+"/"+kind]
	if !ok {
		return nil, false
	}
	var w walker
	w.object(k, obj)
	return w.result(), true
}

// walker collects issues while it walks an object and its schema together.
type walker struct {
	path      []string
	issues    []Issue
	truncated bool // issues were dropped to keep the first MaxIssues
}

func (w *walker) push(seg string) { w.path = append(w.path, seg) }
func (w *walker) pop()            { w.path = w.path[:len(w.path)-1] }

func (w *walker) addf(format string, args ...any) {
	var p []string
	if len(w.path) > 0 {
		p = slices.Clone(w.path)
	}
	w.issues = append(w.issues, Issue{Path: p, Message: fmt.Sprintf(format, args...)})
	if len(w.issues) >= 4*MaxIssues {
		w.trim()
	}
}

// trim sorts the issues and keeps the first MaxIssues, so an object with a
// million bad fields costs MaxIssues issues of memory, not a million.
func (w *walker) trim() {
	slices.SortFunc(w.issues, compareIssues)
	if len(w.issues) > MaxIssues {
		clear(w.issues[MaxIssues:])
		w.issues = w.issues[:MaxIssues]
		w.truncated = true
	}
}

// mismatch reports a value of the wrong JSON type.
func (w *walker) mismatch(want string, got any) {
	w.addf("invalid type: expected %s, got %s", want, typeName(got))
}

func (w *walker) result() []Issue {
	if len(w.issues) == 0 {
		return nil
	}
	w.trim()
	if w.truncated {
		w.issues = append(w.issues, Issue{
			Message: fmt.Sprintf("too many schema issues; stopped after %d", MaxIssues),
		})
	}
	return w.issues
}

// object checks the Kubernetes envelope and the spec.
func (w *walker) object(ks *kindSpec, obj map[string]any) {
	required := []string{"apiVersion", "kind"}
	if ks.specRequired {
		required = append(required, "spec")
	}
	for _, k := range required {
		if obj[k] == nil {
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
		case "spec":
			if v != nil {
				w.message(ks.spec, v)
			}
		case "status":
			// Istio's CRDs keep any status (x-kubernetes-preserve-unknown-fields).
		default:
			w.addf("unknown field %q", k)
		}
		w.pop()
	}
}

// metadata checks a Kubernetes ObjectMeta.
func (w *walker) metadata(v any) {
	if v == nil {
		return
	}
	m, ok := v.(map[string]any)
	if !ok {
		w.mismatch("mapping", v)
		return
	}
	for _, k := range sortedKeys(m) {
		v := m[k]
		w.push(k)
		switch {
		case v == nil:
			// Unset.
		case k == "name" || k == "generateName" || k == "namespace" || k == "selfLink" ||
			k == "uid" || k == "resourceVersion":
			w.str(v)
		case k == "generation" || k == "deletionGracePeriodSeconds":
			w.integer(v, protoreflect.Int64Kind)
		case k == "creationTimestamp" || k == "deletionTimestamp":
			w.timestamp(v)
		case k == "labels" || k == "annotations":
			w.stringMap(v)
		case k == "finalizers":
			w.list(v, func(v any) { w.str(v) })
		case k == "ownerReferences":
			w.list(v, w.ownerReference)
		case k == "managedFields":
			// Written by the API server; any list of mappings.
			w.list(v, func(v any) {
				if _, ok := v.(map[string]any); !ok {
					w.mismatch("mapping", v)
				}
			})
		default:
			w.addf("unknown field %q", k)
		}
		w.pop()
	}
}

func (w *walker) ownerReference(v any) {
	m, ok := v.(map[string]any)
	if !ok {
		w.mismatch("mapping", v)
		return
	}
	for _, k := range sortedKeys(m) {
		v := m[k]
		w.push(k)
		switch {
		case v == nil:
		case k == "apiVersion" || k == "kind" || k == "name" || k == "uid":
			w.str(v)
		case k == "controller" || k == "blockOwnerDeletion":
			if _, ok := v.(bool); !ok {
				w.mismatch("boolean", v)
			}
		default:
			w.addf("unknown field %q", k)
		}
		w.pop()
	}
}

// stringMap checks labels and annotations. A null value is read as the
// empty string, as the API server's ObjectMeta decoding does.
func (w *walker) stringMap(v any) {
	m, ok := v.(map[string]any)
	if !ok {
		w.mismatch("mapping", v)
		return
	}
	for _, k := range sortedKeys(m) {
		if m[k] == nil {
			continue
		}
		w.push(k)
		w.str(m[k])
		w.pop()
	}
}

// list checks that v is a list and calls elem on each element.
func (w *walker) list(v any, elem func(any)) {
	l, ok := v.([]any)
	if !ok {
		w.mismatch("list", v)
		return
	}
	for i, e := range l {
		w.push(strconv.Itoa(i))
		elem(e)
		w.pop()
	}
}

func (w *walker) str(v any) {
	if _, ok := v.(string); !ok {
		w.mismatch("string", v)
	}
}

// message checks v against a protobuf message in its proto3 JSON form, as
// Istio's CRD schemas describe it.
func (w *walker) message(md protoreflect.MessageDescriptor, v any) {
	if w.wellKnown(md, v) {
		return
	}
	m, ok := v.(map[string]any)
	if !ok {
		w.mismatch("mapping", v)
		return
	}
	info := infoOf(md)
	set := make(map[protoreflect.FieldNumber]bool)
	for _, k := range sortedKeys(m) {
		w.push(k)
		fd, ok := info.byJSON[k]
		switch {
		case !ok:
			if fd := md.Fields().ByName(protoreflect.Name(k)); fd != nil {
				w.addf("unknown field %q, did you mean %q", k, fd.JSONName())
			} else {
				w.addf("unknown field %q", k)
			}
		case m[k] == nil:
			// Null is unset: protojson reads it so, and the API server
			// prunes nulls of fields that are not nullable.
		default:
			if set[fd.Number()] {
				// Only with altNames; sorted keys put the JSON name first,
				// and Istio reads the JSON name.
				w.addf("field %q is also set as %q, which takes precedence", k, fd.JSONName())
			}
			set[fd.Number()] = true
			w.field(fd, m[k])
		}
		w.pop()
	}
	for _, members := range info.oneofs {
		var names []string
		for _, fd := range members {
			if set[fd.Number()] {
				names = append(names, strconv.Quote(fd.JSONName()))
			}
		}
		if len(names) > 1 {
			w.addf("fields %s and %s are mutually exclusive", strings.Join(names[:len(names)-1], ", "), names[len(names)-1])
		}
	}
	for _, fd := range info.required {
		if !set[fd.Number()] {
			w.addf("missing required field %q", fd.JSONName())
		}
	}
}

// field checks the non-null value v of field fd.
func (w *walker) field(fd protoreflect.FieldDescriptor, v any) {
	switch {
	case fd.IsMap():
		m, ok := v.(map[string]any)
		if !ok {
			w.mismatch("mapping", v)
			return
		}
		for _, k := range sortedKeys(m) {
			w.push(k)
			w.mapKey(fd.MapKey(), k)
			w.single(fd.MapValue(), m[k])
			w.pop()
		}
	case fd.IsList():
		w.list(v, func(v any) { w.single(fd, v) })
	default:
		w.single(fd, v)
	}
}

// mapKey checks a map key: proto3 JSON writes integer and bool keys as
// strings.
func (w *walker) mapKey(fd protoreflect.FieldDescriptor, k string) {
	switch fd.Kind() {
	case protoreflect.BoolKind:
		if k != "true" && k != "false" {
			w.addf("invalid key %s: must be true or false", quote(k))
		}
	case protoreflect.StringKind:
	default:
		b := boundsOf(fd.Kind())
		if b.min < 0 {
			if i, err := strconv.ParseInt(k, 10, 64); err == nil && i >= b.min && i <= int64(b.max) {
				return
			}
		} else if u, err := strconv.ParseUint(k, 10, 64); err == nil && u <= b.max {
			return
		}
		w.addf("invalid key %s: must be a decimal integer between %d and %d", quote(k), b.min, b.max)
	}
}

// single checks one value (a field, a list element, or a map value) of the
// type of fd. Null is reported: only fields can be unset.
func (w *walker) single(fd protoreflect.FieldDescriptor, v any) {
	if v == nil && (fd.Message() == nil || fd.Message().FullName() != "google.protobuf.Value") {
		w.addf("invalid value: must not be null")
		return
	}
	switch fd.Kind() {
	case protoreflect.MessageKind, protoreflect.GroupKind:
		w.message(fd.Message(), v)
	case protoreflect.EnumKind:
		w.enum(fd.Enum(), v)
	case protoreflect.StringKind:
		w.str(v)
	case protoreflect.BytesKind:
		s, ok := v.(string)
		if !ok {
			w.mismatch("string", v)
			return
		}
		// The CRDs declare bytes as format: byte, which the API server
		// checks is standard base64.
		if _, err := base64.StdEncoding.DecodeString(s); err != nil {
			w.addf("invalid value %s: must be base64", quote(s))
		}
	case protoreflect.BoolKind:
		if _, ok := v.(bool); !ok {
			w.mismatch("boolean", v)
		}
	case protoreflect.FloatKind, protoreflect.DoubleKind:
		switch n := v.(type) {
		case int64, int:
		case float64:
			if math.IsInf(n, 0) || math.IsNaN(n) {
				w.addf("invalid value %v: must be a finite number", n)
			}
		default:
			w.mismatch("number", v)
		}
	default:
		w.integer(v, fd.Kind())
	}
}

func (w *walker) enum(ed protoreflect.EnumDescriptor, v any) {
	s, ok := v.(string)
	if !ok {
		w.mismatch("string", v)
		return
	}
	if ed.Values().ByName(protoreflect.Name(s)) != nil {
		return
	}
	names := make([]string, ed.Values().Len())
	for i := range names {
		names[i] = string(ed.Values().Get(i).Name())
	}
	w.addf("invalid value %s: must be one of %s", quote(s), strings.Join(names, ", "))
}

// bounds is the range of an integer kind.
type bounds struct {
	min int64
	max uint64
}

func boundsOf(k protoreflect.Kind) bounds {
	switch k {
	case protoreflect.Int32Kind, protoreflect.Sint32Kind, protoreflect.Sfixed32Kind:
		return bounds{math.MinInt32, math.MaxInt32}
	case protoreflect.Uint32Kind, protoreflect.Fixed32Kind:
		return bounds{0, math.MaxUint32}
	case protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
		return bounds{0, math.MaxUint64}
	default:
		return bounds{math.MinInt64, math.MaxInt64}
	}
}

// integer checks an integer field. Istio's CRDs declare every integer field,
// 64-bit ones included, as type: integer, so a string is rejected even
// though protojson would read one.
func (w *walker) integer(v any, k protoreflect.Kind) {
	b := boundsOf(k)
	switch n := v.(type) {
	case int64:
		if n >= b.min && (n < 0 || uint64(n) <= b.max) {
			return
		}
		w.addf("invalid value %d: must be between %d and %d", n, b.min, b.max)
	case int:
		w.integer(int64(n), k)
	case float64:
		if n != math.Trunc(n) || math.IsInf(n, 0) {
			w.mismatch("integer", v)
			return
		}
		// float64(b.max)+1 rounds to the next power of two for 64-bit
		// bounds, which is the exclusive upper limit wanted.
		if n >= float64(b.min) && n < float64(b.max)+1 {
			return
		}
		w.addf("invalid value %s: must be between %d and %d", strconv.FormatFloat(n, 'g', -1, 64), b.min, b.max)
	default:
		w.mismatch("integer", v)
	}
}

func (w *walker) duration(v any) {
	s, ok := v.(string)
	if !ok {
		w.mismatch("string", v)
		return
	}
	// Istio's CRDs check durations with CEL's duration(), and Istio reads
	// them with github.com/golang/protobuf/jsonpb: both use
	// time.ParseDuration.
	if _, err := time.ParseDuration(s); err != nil {
		w.addf(`invalid duration %s: must be a number with a unit (h, m, s, ms, us, ns), like "10s" or "1m30s"`, quote(s))
	}
}

func (w *walker) timestamp(v any) {
	s, ok := v.(string)
	if !ok {
		w.mismatch("string", v)
		return
	}
	if _, err := time.Parse(time.RFC3339Nano, s); err != nil {
		w.addf(`invalid timestamp %s: must be RFC 3339, like "2006-01-02T15:04:05Z"`, quote(s))
	}
}

// wellKnown checks v when md is a well-known type that proto3 JSON writes
// in a special form, and reports whether it was one.
func (w *walker) wellKnown(md protoreflect.MessageDescriptor, v any) bool {
	switch md.FullName() {
	case "google.protobuf.Duration":
		w.duration(v)
	case "google.protobuf.Timestamp":
		w.timestamp(v)
	case "google.protobuf.FieldMask":
		w.str(v)
	case "google.protobuf.BoolValue", "google.protobuf.BytesValue",
		"google.protobuf.DoubleValue", "google.protobuf.FloatValue",
		"google.protobuf.Int32Value", "google.protobuf.Int64Value",
		"google.protobuf.StringValue", "google.protobuf.UInt32Value",
		"google.protobuf.UInt64Value":
		// Wrappers take the bare value.
		w.single(md.Fields().ByName("value"), v)
	case "google.protobuf.Struct":
		if _, ok := v.(map[string]any); !ok {
			w.mismatch("mapping", v)
		}
	case "google.protobuf.ListValue":
		if _, ok := v.([]any); !ok {
			w.mismatch("list", v)
		}
	case "google.protobuf.Value", "google.protobuf.Any", "google.protobuf.Empty":
		// Any JSON.
	default:
		return false
	}
	return true
}

// messageInfo is what message needs from a descriptor, computed once.
type messageInfo struct {
	byJSON   map[string]protoreflect.FieldDescriptor // accepted names
	oneofs   [][]protoreflect.FieldDescriptor        // members of each real oneof
	required []protoreflect.FieldDescriptor          // fields with field_behavior REQUIRED
}

// altNames are the fields whose proto name Istio's CRDs accept besides the
// JSON name. They come from "+kubebuilder:altName" comments in the .proto
// files, which the compiled descriptors do not carry; TestDescriptorsMatchCRDs
// fails when this list and the CRDs disagree.
var altNames = map[protoreflect.FullName]bool{
	"istio.networking.v1alpha3.HTTPRoute.mirror_percent": true,
	"istio.security.v1beta1.JWTRule.jwks_uri":            true,
}

var infos sync.Map // protoreflect.FullName -> *messageInfo

func infoOf(md protoreflect.MessageDescriptor) *messageInfo {
	if v, ok := infos.Load(md.FullName()); ok {
		return v.(*messageInfo)
	}
	info := &messageInfo{byJSON: make(map[string]protoreflect.FieldDescriptor)}
	fields := md.Fields()
	for i := range fields.Len() {
		fd := fields.Get(i)
		info.byJSON[fd.JSONName()] = fd
		if altNames[fd.FullName()] {
			info.byJSON[string(fd.Name())] = fd
		}
		if isRequired(fd) {
			info.required = append(info.required, fd)
		}
	}
	oneofs := md.Oneofs()
	for i := range oneofs.Len() {
		od := oneofs.Get(i)
		if od.IsSynthetic() {
			continue
		}
		var members []protoreflect.FieldDescriptor
		for j := range od.Fields().Len() {
			members = append(members, od.Fields().Get(j))
		}
		info.oneofs = append(info.oneofs, members)
	}
	v, _ := infos.LoadOrStore(md.FullName(), info)
	return v.(*messageInfo)
}

// isRequired reports whether fd carries (google.api.field_behavior) = REQUIRED,
// which Istio's CRD generator turns into the parent's required list.
func isRequired(fd protoreflect.FieldDescriptor) bool {
	opts, ok := fd.Options().(*descriptorpb.FieldOptions)
	if !ok || opts == nil {
		return false
	}
	fb, _ := proto.GetExtension(opts, annotations.E_FieldBehavior).([]annotations.FieldBehavior)
	return slices.Contains(fb, annotations.FieldBehavior_REQUIRED)
}

func typeName(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "string"
	case bool:
		return "boolean"
	case int64, int:
		return "integer"
	case float64:
		return "number"
	case []any:
		return "list"
	case map[string]any:
		return "mapping"
	default:
		return fmt.Sprintf("%T", v)
	}
}

// quote quotes s for a message, shortened to 64 runes.
func quote(s string) string {
	const limit = 64
	if utf8.RuneCountInString(s) <= limit {
		return strconv.Quote(s)
	}
	r := []rune(s)
	return strconv.Quote(string(r[:limit])) + "..."
}

func sortedKeys(m map[string]any) []string {
	return slices.SortedFunc(maps.Keys(m), compareSegments)
}

// compareSegments orders path segments: decimal numbers (array indices,
// integer map keys) by value, before any other segment, which sort as
// strings.
func compareSegments(a, b string) int {
	an, bn := isDecimal(a), isDecimal(b)
	switch {
	case an && bn:
		if c := cmp.Compare(len(strings.TrimLeft(a, "0")), len(strings.TrimLeft(b, "0"))); c != 0 {
			return c
		}
		if c := strings.Compare(strings.TrimLeft(a, "0"), strings.TrimLeft(b, "0")); c != 0 {
			return c
		}
	case an:
		return -1
	case bn:
		return 1
	}
	return strings.Compare(a, b)
}

func isDecimal(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

func compareIssues(a, b Issue) int {
	for i := 0; i < len(a.Path) && i < len(b.Path); i++ {
		if c := compareSegments(a.Path[i], b.Path[i]); c != 0 {
			return c
		}
	}
	if c := cmp.Compare(len(a.Path), len(b.Path)); c != 0 {
		return c
	}
	return strings.Compare(a.Message, b.Message)
}
