package intent

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"reflect"
	"regexp"
	"strconv"

	yaml "go.yaml.in/yaml/v3"
)

// MaxSize bounds an intent file.
const MaxSize = 1 << 20

// maxErrors bounds how many problems one Parse reports.
const maxErrors = 50

// Error is one problem of an intent file, at a line and a path of the
// document ("spec.calls[2].to").
type Error struct {
	File string
	Line int
	Path string
	Msg  string
}

func (e *Error) Error() string {
	var b bytes.Buffer
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	b.WriteString(": ")
	if e.Path != "" {
		b.WriteString(e.Path + ": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// Parse reads an intent file strictly and returns it with its defaults
// filled in. file names it in errors. Every problem is reported as
// "file:line: path: what is wrong", all of them at once (up to 50), joined
// with newlines: unknown fields, wrong types, repeated keys, missing
// values, invalid names, duplicate names and references to names that do
// not exist. Parse never returns a partial intent with a nil error.
func Parse(file string, data []byte) (*Intent, error) {
	if len(data) > MaxSize {
		return nil, &Error{File: file, Msg: fmt.Sprintf("larger than %d bytes", MaxSize)}
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, &Error{File: file, Msg: "empty: an intent file holds one MeshIntent document"}
		}
		return nil, syntaxError(file, err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		return nil, &Error{File: file, Line: extra.Line, Msg: "a second YAML document: an intent file holds exactly one"}
	} else if !errors.Is(err, io.EOF) {
		return nil, syntaxError(file, err)
	}
	root := &doc
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		root = root.Content[0]
	}
	in := &Intent{file: file, lines: map[string]int{}}
	d := &decoder{file: file, lines: in.lines}
	if root.Kind != yaml.MappingNode {
		return nil, &Error{File: file, Line: root.Line, Msg: fmt.Sprintf("must be a mapping (a MeshIntent document), not %s", kindName(root))}
	}
	d.decode(root, reflect.ValueOf(in).Elem(), "")
	if len(d.errs) > 0 {
		return nil, joinErrors(d.errs)
	}
	v := &validator{in: in}
	v.run()
	if len(v.errs) > 0 {
		return nil, joinErrors(v.errs)
	}
	return in, nil
}

func syntaxError(file string, err error) error {
	if m := yamlLine.FindStringSubmatch(err.Error()); m != nil {
		line, _ := strconv.Atoi(m[1])
		return &Error{File: file, Line: line, Msg: "invalid YAML: " + m[2]}
	}
	return &Error{File: file, Msg: "invalid YAML: " + err.Error()}
}

func joinErrors(errs []error) error {
	if len(errs) > maxErrors {
		n := len(errs) - maxErrors
		errs = append(errs[:maxErrors:maxErrors], fmt.Errorf("and %d more problems", n))
	}
	return errors.Join(errs...)
}
