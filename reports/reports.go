// Package reports renders check results: text for people, JSON for machines,
// and (in later formats) SARIF, JUnit, GitHub annotations and Markdown for CI
// systems. Each format lives in its own file behind the Formatter interface.
package reports

import (
	"fmt"
	"io"
	"sort"

	"github.com/meshproof/meshproof/rules"
)

// Formatter writes a report in one format.
type Formatter interface {
	Format(w io.Writer, r *rules.Report) error
}

// Options tune formatters that have choices.
type Options struct {
	// Color turns on ANSI colours in the text format.
	Color bool
}

var formats = map[string]func(Options) Formatter{
	"text":     func(o Options) Formatter { return Text{Color: o.Color} },
	"json":     func(Options) Formatter { return JSON{} },
	"sarif":    func(Options) Formatter { return SARIF{} },
	"junit":    func(Options) Formatter { return JUnit{} },
	"github":   func(Options) Formatter { return GitHub{} },
	"markdown": func(Options) Formatter { return Markdown{} },
}

// Names lists the output formats, sorted.
func Names() []string {
	out := make([]string, 0, len(formats))
	for n := range formats {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// ForName returns the formatter for a format name.
func ForName(name string, o Options) (Formatter, error) {
	f, ok := formats[name]
	if !ok {
		return nil, fmt.Errorf("unknown output format %q (want one of %v)", name, Names())
	}
	return f(o), nil
}
