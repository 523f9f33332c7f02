package scanner

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	yaml "go.yaml.in/yaml/v3"
)

// StdinName is the file name given to objects read from standard input ("-").
const StdinName = "<stdin>"

// Default limits on what one input may cost. Kubernetes itself refuses objects
// over about 1.5 MiB (etcd's request limit), so these bounds only stop abuse.
const (
	DefaultMaxDocumentBytes = 8 << 20   // one YAML document
	DefaultMaxFileBytes     = 256 << 20 // one file or the whole of stdin
	DefaultMaxValues        = 1_000_000 // values in one document after alias expansion
	maxDepth                = 256       // nesting of mappings and sequences
)

// Object is one Kubernetes object read from an input.
type Object struct {
	APIVersion string
	Kind       string
	Namespace  string // metadata.namespace as written; empty when absent
	Name       string // metadata.name, or metadata.generateName when there is no name
	// Body is the whole object decoded to map[string]any, []any, string,
	// bool, int64, float64 and nil.
	Body map[string]any
	File string // as given on the command line, or StdinName
	Line int    // 1-based line of the object's first key
	// Item is the index of the object in its file (documents and List items in order).
	Item int

	node *yaml.Node // the object's mapping node, for LineOf
}

// Ref is "kind/namespace/name" (or "kind/name" for objects with no namespace).
func (o *Object) Ref() string {
	if o.Namespace == "" {
		return o.Kind + "/" + o.Name
	}
	return o.Kind + "/" + o.Namespace + "/" + o.Name
}

// Position is "file:line".
func (o *Object) Position() string { return o.File + ":" + strconv.Itoa(o.Line) }

// LineOf returns the line of the value at path (mapping keys, and decimal
// indices into sequences), or of its deepest ancestor that exists.
func (o *Object) LineOf(path []string) int {
	n := o.node
	if n == nil {
		return o.Line
	}
	line := o.Line
	for _, seg := range path {
		n = deref(n)
		var next *yaml.Node
		switch n.Kind {
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				if n.Content[i].Value == seg {
					line = n.Content[i].Line
					next = n.Content[i+1]
					break
				}
			}
		case yaml.SequenceNode:
			if i, err := strconv.Atoi(seg); err == nil && i >= 0 && i < len(n.Content) {
				next = n.Content[i]
				line = next.Line
			}
		}
		if next == nil {
			return line
		}
		n = next
	}
	return line
}

func deref(n *yaml.Node) *yaml.Node {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	return n
}

// ParseError is input that could not be read as Kubernetes objects.
type ParseError struct {
	File string
	Line int // 0 when the error is about the file as a whole
	Msg  string
}

func (e *ParseError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return e.File + ": " + e.Msg
}

// ErrNoInput is returned when the paths name no YAML or JSON file at all.
var ErrNoInput = errors.New("no YAML or JSON files found")

// LoadOptions bound and direct Load. The zero value uses the defaults.
type LoadOptions struct {
	Stdin            io.Reader // read for the path "-"
	MaxDocumentBytes int       // per document; DefaultMaxDocumentBytes when 0
	MaxFileBytes     int64     // per file; DefaultMaxFileBytes when 0
	MaxValues        int       // per document after alias expansion; DefaultMaxValues when 0
}

func (o LoadOptions) withDefaults() LoadOptions {
	if o.MaxDocumentBytes <= 0 {
		o.MaxDocumentBytes = DefaultMaxDocumentBytes
	}
	if o.MaxFileBytes <= 0 {
		o.MaxFileBytes = DefaultMaxFileBytes
	}
	if o.MaxValues <= 0 {
		o.MaxValues = DefaultMaxValues
	}
	return o
}

// manifestExts are the extensions read when walking a folder. Files named
// explicitly are read whatever their extension.
var manifestExts = map[string]bool{".yaml": true, ".yml": true, ".json": true}

// Files expands paths into the list of files Load reads: files as given,
// folders walked recursively (skipping hidden folders) for .yaml, .yml and
// .json files, "-" for standard input. The order is deterministic.
func Files(paths []string) ([]string, error) {
	var out []string
	var errs []error
	seen := map[string]bool{}
	add := func(p string) {
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	for _, p := range paths {
		if p == "-" {
			add(p)
			continue
		}
		info, err := os.Stat(p)
		if err != nil {
			errs = append(errs, &ParseError{File: p, Msg: statReason(err)})
			continue
		}
		if !info.IsDir() {
			add(p)
			continue
		}
		found := false
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() {
				if path != p && strings.HasPrefix(d.Name(), ".") {
					return filepath.SkipDir
				}
				return nil
			}
			if manifestExts[strings.ToLower(filepath.Ext(path))] {
				found = true
				add(path)
			}
			return nil
		})
		if err != nil {
			errs = append(errs, &ParseError{File: p, Msg: "read folder: " + err.Error()})
			continue
		}
		if !found {
			errs = append(errs, &ParseError{File: p, Msg: ErrNoInput.Error() + " in this folder"})
		}
	}
	if len(out) == 0 && len(errs) == 0 {
		return nil, ErrNoInput
	}
	return out, errors.Join(errs...)
}

func statReason(err error) string {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "no such file or folder"
	case errors.Is(err, fs.ErrPermission):
		return "permission denied"
	}
	return err.Error()
}

// Load reads every object from paths (see Files). It reads every file even
// after an error so that all problems are reported at once; the returned
// error joins one *ParseError per problem, and objects are only returned when
// there is no error.
func Load(ctx context.Context, paths []string, opts LoadOptions) ([]*Object, error) {
	opts = opts.withDefaults()
	files, ferr := Files(paths)
	if len(files) == 0 {
		return nil, ferr
	}
	type result struct {
		objs []*Object
		err  error
	}
	results := make([]result, len(files))
	var wg sync.WaitGroup
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	for i, f := range files {
		if f == "-" {
			// stdin is read here, once, in order.
			data, err := readLimited(StdinName, opts.Stdin, opts.MaxFileBytes)
			if err != nil {
				results[i].err = err
				continue
			}
			results[i].objs, results[i].err = Decode(StdinName, data, opts)
			continue
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			results[i].objs, results[i].err = loadFile(f, opts)
		}()
	}
	wg.Wait()
	var objs []*Object
	var errs []error
	if ferr != nil {
		errs = append(errs, ferr)
	}
	for _, r := range results {
		if r.err != nil {
			errs = append(errs, r.err)
			continue
		}
		objs = append(objs, r.objs...)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return objs, nil
}

func loadFile(name string, opts LoadOptions) ([]*Object, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, &ParseError{File: name, Msg: statReason(err)}
	}
	defer f.Close()
	data, err := readLimited(name, f, opts.MaxFileBytes)
	if err != nil {
		return nil, err
	}
	return Decode(name, data, opts)
}

func readLimited(name string, r io.Reader, limit int64) ([]byte, error) {
	if r == nil {
		return nil, &ParseError{File: name, Msg: "no standard input to read"}
	}
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, &ParseError{File: name, Msg: "read: " + err.Error()}
	}
	if int64(len(data)) > limit {
		return nil, &ParseError{File: name, Msg: fmt.Sprintf("input is larger than the %s limit", formatBytes(limit))}
	}
	return data, nil
}

func formatBytes(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// Decode reads every object in data, a YAML or JSON stream from the file
// name. Empty documents (only comments, or an explicit null) are skipped;
// everything else must be a Kubernetes object or a List of them.
func Decode(name string, data []byte, opts LoadOptions) ([]*Object, error) {
	opts = opts.withDefaults()
	if int64(len(data)) > opts.MaxFileBytes {
		return nil, &ParseError{File: name, Msg: fmt.Sprintf("input is larger than the %s limit", formatBytes(opts.MaxFileBytes))}
	}
	if i := bytes.IndexByte(data, 0); i >= 0 {
		return nil, &ParseError{File: name, Line: 1 + bytes.Count(data[:i], []byte("\n")), Msg: "binary data (NUL byte), not YAML or JSON"}
	}
	if !utf8.Valid(data) {
		bad := firstInvalidUTF8(data)
		return nil, &ParseError{File: name, Line: 1 + bytes.Count(data[:bad], []byte("\n")), Msg: "invalid UTF-8, not YAML or JSON text"}
	}
	var objs []*Object
	for _, c := range splitDocuments(data) {
		if len(c.text) > opts.MaxDocumentBytes {
			return nil, &ParseError{File: name, Line: c.line, Msg: fmt.Sprintf("document is %d bytes, over the %s limit per document", len(c.text), formatBytes(int64(opts.MaxDocumentBytes)))}
		}
		dec := yaml.NewDecoder(bytes.NewReader(c.text))
		for {
			var doc yaml.Node
			err := dec.Decode(&doc)
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return nil, yamlError(name, c, err)
			}
			shiftLines(&doc, c.line-1)
			got, err := documentObjects(name, &doc, opts, len(objs))
			if err != nil {
				return nil, err
			}
			objs = append(objs, got...)
		}
	}
	return objs, nil
}

// DecodeValue reads one YAML or JSON document (a data file, not a
// Kubernetes object) with the same rules and limits as Decode.
func DecodeValue(name string, data []byte) (any, error) {
	opts := LoadOptions{}.withDefaults()
	if len(data) > opts.MaxDocumentBytes {
		return nil, &ParseError{File: name, Msg: fmt.Sprintf("file is larger than the %s limit", formatBytes(int64(opts.MaxDocumentBytes)))}
	}
	if !utf8.Valid(data) || bytes.IndexByte(data, 0) >= 0 {
		return nil, &ParseError{File: name, Msg: "not YAML or JSON text"}
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, yamlError(name, chunk{text: data, line: 1}, err)
	}
	if doc.Kind == 0 {
		return nil, nil
	}
	c := &converter{file: name, limit: opts.MaxValues, budget: opts.MaxValues}
	return c.value(&doc, 0)
}

func firstInvalidUTF8(b []byte) int {
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size <= 1 {
			return i
		}
		i += size
	}
	return len(b)
}

type chunk struct {
	text []byte
	line int // 1-based line of the chunk's first line in the file
}

// splitDocuments cuts a stream at lines that are exactly "---" (plus trailing
// blanks), as Kubernetes' own YAML reader does, so that each document can be
// size-checked before it is parsed. Other separators ("--- # c", "--- {a: 1}")
// stay inside a chunk and are handled by the YAML decoder, so no document is
// ever lost.
func splitDocuments(data []byte) []chunk {
	var out []chunk
	start, startLine, line := 0, 1, 1
	for i := 0; i < len(data); {
		end := bytes.IndexByte(data[i:], '\n')
		next := len(data)
		if end >= 0 {
			next = i + end + 1
		}
		text := bytes.TrimRight(data[i:next], " \t\r\n")
		if bytes.Equal(text, []byte("---")) {
			if i > start {
				out = append(out, chunk{data[start:i], startLine})
			}
			start, startLine = next, line+1
		}
		i = next
		line++
	}
	if start < len(data) {
		out = append(out, chunk{data[start:], startLine})
	}
	return out
}

func shiftLines(n *yaml.Node, by int) {
	if by == 0 || n == nil {
		return
	}
	n.Line += by
	for _, c := range n.Content {
		shiftLines(c, by)
	}
}

// yamlError turns a go-yaml error into a ParseError with the file line.
func yamlError(name string, c chunk, err error) error {
	msg := err.Error()
	msg = strings.TrimPrefix(msg, "yaml: ")
	base := c.line
	line := base
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		if n, after, ok := strings.Cut(rest, ":"); ok {
			if l, err := strconv.Atoi(n); err == nil {
				msg = strings.TrimSpace(after)
				line = base + l - 1
				if parserPhase(msg) {
					line++
				}
				// An error at the end of input names the line after the last one.
				last := base + bytes.Count(bytes.TrimRight(c.text, " \t\r\n"), []byte("\n"))
				line = min(line, last)
			}
		}
	}
	if lines := bytes.Split(c.text, []byte("\n")); line-base >= 0 && line-base < len(lines) {
		text := lines[line-base]
		if indent := text[:len(text)-len(bytes.TrimLeft(text, " \t"))]; bytes.IndexByte(indent, '\t') >= 0 {
			msg = "found a tab character in indentation (YAML indents with spaces only)"
		}
	}
	return &ParseError{File: name, Line: line, Msg: "invalid YAML: " + msg}
}

// parserPhase reports whether a go-yaml v3 message comes from its parser
// rather than its scanner: for those it prints the 0-based line of the
// construct that was left open (its scanner errors are 1-based).
func parserPhase(msg string) bool {
	for _, p := range []string{
		"did not find expected <document start>", "did not find expected key", "did not find expected node content",
		"did not find expected '-' indicator", "did not find expected ',' or ']'", "did not find expected ',' or '}'",
		"found duplicate %YAML directive", "found incompatible YAML document", "found duplicate %TAG directive",
	} {
		if strings.Contains(msg, p) {
			return true
		}
	}
	return false
}

// documentObjects turns one parsed document into objects: nothing for an
// empty document, the items of a List, or the object itself.
func documentObjects(name string, doc *yaml.Node, opts LoadOptions, item int) ([]*Object, error) {
	if doc.Kind == 0 || len(doc.Content) == 0 {
		return nil, nil
	}
	root := doc.Content[0]
	c := &converter{file: name, limit: opts.MaxValues, budget: opts.MaxValues}
	v, err := c.value(root, 0)
	if err != nil {
		return nil, err
	}
	if v == nil {
		return nil, nil
	}
	body, ok := v.(map[string]any)
	if !ok {
		return nil, &ParseError{File: name, Line: root.Line, Msg: fmt.Sprintf("document is %s, not a Kubernetes object (a mapping with apiVersion and kind)", describe(v))}
	}
	obj, err := newObject(name, body, deref(root), item)
	if err != nil {
		return nil, err
	}
	if !isList(obj) {
		return []*Object{obj}, nil
	}
	items, _ := body["items"].([]any)
	itemsNode := valueNode(deref(root), "items")
	var out []*Object
	for i, it := range items {
		var n *yaml.Node
		if itemsNode != nil && i < len(itemsNode.Content) {
			n = deref(itemsNode.Content[i])
		}
		line := obj.Line
		if n != nil {
			line = n.Line
		}
		m, ok := it.(map[string]any)
		if !ok {
			return nil, &ParseError{File: name, Line: line, Msg: fmt.Sprintf("List item %d is %s, not a Kubernetes object", i, describe(it))}
		}
		o, err := newObject(name, m, n, item+len(out))
		if err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, nil
}

// isList reports whether obj is a v1 List (kind List or any *List kind with items).
func isList(o *Object) bool {
	if !strings.HasSuffix(o.Kind, "List") {
		return false
	}
	_, ok := o.Body["items"].([]any)
	return ok || o.Body["items"] == nil && o.Kind == "List"
}

func valueNode(m *yaml.Node, key string) *yaml.Node {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return deref(m.Content[i+1])
		}
	}
	return nil
}

func newObject(name string, body map[string]any, n *yaml.Node, item int) (*Object, error) {
	line := 1
	if n != nil {
		line = n.Line
		if len(n.Content) > 0 {
			line = n.Content[0].Line
		}
	}
	at := func(key string) int {
		if v := valueNode(n, key); v != nil {
			return v.Line
		}
		return line
	}
	str := func(key string) (string, error) {
		v, ok := body[key]
		if !ok || v == nil {
			return "", &ParseError{File: name, Line: line, Msg: fmt.Sprintf("missing %q: not a Kubernetes object", key)}
		}
		s, ok := v.(string)
		if !ok || s == "" {
			return "", &ParseError{File: name, Line: at(key), Msg: fmt.Sprintf("%q must be a non-empty string, got %s", key, describe(v))}
		}
		return s, nil
	}
	apiVersion, err := str("apiVersion")
	if err != nil {
		return nil, err
	}
	kind, err := str("kind")
	if err != nil {
		return nil, err
	}
	o := &Object{APIVersion: apiVersion, Kind: kind, Body: body, File: name, Line: line, Item: item, node: n}
	if md, ok := body["metadata"]; ok && md != nil {
		m, ok := md.(map[string]any)
		if !ok {
			return nil, &ParseError{File: name, Line: at("metadata"), Msg: fmt.Sprintf("metadata must be a mapping, got %s", describe(md))}
		}
		mdNode := valueNode(n, "metadata")
		for _, key := range []string{"name", "generateName", "namespace"} {
			v, ok := m[key]
			if !ok || v == nil {
				continue
			}
			s, ok := v.(string)
			if !ok {
				l := line
				if vn := valueNode(mdNode, key); vn != nil {
					l = vn.Line
				}
				return nil, &ParseError{File: name, Line: l, Msg: fmt.Sprintf("metadata.%s must be a string, got %s", key, describe(v))}
			}
			switch key {
			case "name":
				o.Name = s
			case "generateName":
				if o.Name == "" {
					o.Name = s
				}
			case "namespace":
				o.Namespace = s
			}
		}
	}
	return o, nil
}

func describe(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case int64, float64:
		return "a number"
	case []any:
		return "a list"
	case map[string]any:
		return "a mapping"
	default:
		return fmt.Sprintf("%T", v)
	}
}

// SortObjects orders objects by file, then position in the file.
func SortObjects(objs []*Object) {
	sort.SliceStable(objs, func(i, j int) bool {
		if objs[i].File != objs[j].File {
			return objs[i].File < objs[j].File
		}
		return objs[i].Item < objs[j].Item
	})
}
