package vuln

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/meshproof/meshproof/scanner/inventory"
)

// MaxAdvisoryBytes bounds one advisory file (the largest osv.dev advisories
// are a few hundred KiB).
const MaxAdvisoryBytes = 8 << 20

// Advisory is one OSV advisory, with the fields matching reads.
type Advisory struct {
	SchemaVersion    string          `json:"schema_version"`
	ID               string          `json:"id"`
	Modified         time.Time       `json:"modified"`
	Published        time.Time       `json:"published"`
	Withdrawn        *time.Time      `json:"withdrawn"`
	Aliases          []string        `json:"aliases"`
	Summary          string          `json:"summary"`
	Details          string          `json:"details"`
	Severity         []Severity      `json:"severity"`
	Affected         []Affected      `json:"affected"`
	DatabaseSpecific json.RawMessage `json:"database_specific"`

	// File is where the advisory was read from (a path, or "archive.zip!entry.json").
	File string `json:"-"`
}

// Severity is one severity rating of an advisory: a CVSS vector.
type Severity struct {
	Type  string `json:"type"`
	Score string `json:"score"`
}

// Affected names a package and the versions of it the advisory affects.
type Affected struct {
	Package  AffectedPackage `json:"package"`
	Severity []Severity      `json:"severity"`
	Ranges   []Range         `json:"ranges"`
	Versions []string        `json:"versions"`
	// DatabaseSpecific may carry a rating ({"severity": "HIGH"}).
	DatabaseSpecific json.RawMessage `json:"database_specific"`
}

// AffectedPackage names a package in an ecosystem.
type AffectedPackage struct {
	Ecosystem string `json:"ecosystem"`
	Name      string `json:"name"`
	PURL      string `json:"purl"`
}

// Range is a range of affected versions.
type Range struct {
	Type   string  `json:"type"` // SEMVER, ECOSYSTEM or GIT
	Events []Event `json:"events"`
}

// Event is one bound of a range; exactly one field is set.
type Event struct {
	Introduced   string `json:"introduced,omitempty"`
	Fixed        string `json:"fixed,omitempty"`
	LastAffected string `json:"last_affected,omitempty"`
	Limit        string `json:"limit,omitempty"`
}

// ParseError is an advisory that could not be read.
type ParseError struct {
	File string
	Line int // 0 when unknown
	Msg  string
}

func (e *ParseError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return e.File + ": " + e.Msg
}

// ParseAdvisory reads one OSV advisory. It refuses documents that are not
// OSV advisories (no id, no modified time, ranges without events), so
// that a feed that is not what it seems fails loudly instead of matching
// nothing.
func ParseAdvisory(file string, data []byte) (*Advisory, error) {
	if len(data) > MaxAdvisoryBytes {
		return nil, &ParseError{File: file, Msg: fmt.Sprintf("advisory is larger than %d bytes", MaxAdvisoryBytes)}
	}
	var a Advisory
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&a); err != nil {
		return nil, jsonError(file, data, err)
	}
	if dec.More() {
		return nil, &ParseError{File: file, Line: lineAt(data, dec.InputOffset()), Msg: "more than one JSON value"}
	}
	bad := func(format string, args ...any) error {
		return &ParseError{File: file, Msg: fmt.Sprintf(format, args...)}
	}
	if a.ID == "" {
		return nil, bad("not an OSV advisory: no id")
	}
	if a.Modified.IsZero() {
		return nil, bad("advisory %s has no modified time", a.ID)
	}
	for i, af := range a.Affected {
		for j, r := range af.Ranges {
			if len(r.Events) == 0 {
				return nil, bad("advisory %s: affected[%d].ranges[%d] has no events", a.ID, i, j)
			}
			switch r.Type {
			case "SEMVER", "ECOSYSTEM", "GIT":
			default:
				return nil, bad("advisory %s: affected[%d].ranges[%d] has unknown type %q", a.ID, i, j, r.Type)
			}
			for k, e := range r.Events {
				n := 0
				for _, s := range []string{e.Introduced, e.Fixed, e.LastAffected, e.Limit} {
					if s != "" {
						n++
					}
				}
				if n != 1 {
					return nil, bad("advisory %s: affected[%d].ranges[%d].events[%d] must set exactly one of introduced, fixed, last_affected, limit", a.ID, i, j, k)
				}
			}
		}
	}
	a.File = file
	return &a, nil
}

func jsonError(file string, data []byte, err error) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return &ParseError{File: file, Line: lineAt(data, se.Offset), Msg: "not JSON: " + se.Error()}
	case errors.As(err, &te):
		return &ParseError{File: file, Line: lineAt(data, te.Offset), Msg: fmt.Sprintf("field %s: want %s, got JSON %s", te.Field, te.Type, te.Value)}
	case errors.Is(err, io.EOF):
		return &ParseError{File: file, Msg: "empty file"}
	}
	return &ParseError{File: file, Msg: err.Error()}
}

func lineAt(data []byte, off int64) int {
	off = min(max(off, 0), int64(len(data)))
	return bytes.Count(data[:off], []byte("\n")) + 1
}

// Feed is a loaded vulnerability feed, indexed for matching.
type Feed struct {
	// Info describes the feed (path, advisory count, ecosystems, date).
	Info inventory.Feed
	// byName indexes affected entries by ecosystem (without release) and
	// normalized package name.
	byName map[string]map[string][]entry
}

type entry struct {
	adv *Advisory
	af  *Affected
}

// LoadFeed reads every *.json advisory and every *.zip archive of
// advisories (as osv.dev publishes them per ecosystem) under dir. Any
// unreadable advisory is an error naming its file; so is a folder with no
// advisories at all.
func LoadFeed(dir string) (*Feed, error) {
	info, err := os.Stat(dir)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("load vulnerability feed %s: no such folder", dir)
		}
		return nil, fmt.Errorf("load vulnerability feed: %w", err)
	}
	if !info.IsDir() {
		return nil, fmt.Errorf("load vulnerability feed %s: not a folder (want a folder of OSV JSON files or all.zip archives)", dir)
	}
	f := &Feed{Info: inventory.Feed{Path: dir, Ecosystems: []string{}}, byName: map[string]map[string][]entry{}}
	var errs []error
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if p != dir && strings.HasPrefix(d.Name(), ".") {
				return filepath.SkipDir
			}
			return nil
		}
		switch strings.ToLower(filepath.Ext(p)) {
		case ".json":
			data, err := readLimited(p)
			if err != nil {
				errs = append(errs, err)
				return nil
			}
			f.addFile(p, data, &errs)
		case ".zip":
			errs = append(errs, f.addZip(p)...)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("load vulnerability feed %s: %w", dir, err)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	if f.Info.Advisories == 0 {
		return nil, fmt.Errorf("load vulnerability feed %s: no OSV advisories found (want *.json files or osv.dev all.zip archives)", dir)
	}
	slices.Sort(f.Info.Ecosystems)
	return f, nil
}

func readLimited(p string) ([]byte, error) {
	fh, err := os.Open(p)
	if err != nil {
		return nil, fmt.Errorf("load vulnerability feed: %w", err)
	}
	defer fh.Close()
	data, err := io.ReadAll(io.LimitReader(fh, MaxAdvisoryBytes+1))
	if err != nil {
		return nil, fmt.Errorf("load vulnerability feed %s: %w", p, err)
	}
	return data, nil
}

func (f *Feed) addZip(p string) []error {
	zr, err := zip.OpenReader(p)
	if err != nil {
		return []error{&ParseError{File: p, Msg: "not a readable zip archive: " + err.Error()}}
	}
	defer zr.Close()
	var errs []error
	for _, zf := range zr.File {
		if zf.FileInfo().IsDir() || !strings.EqualFold(filepath.Ext(zf.Name), ".json") {
			continue
		}
		name := p + "!" + zf.Name
		rc, err := zf.Open()
		if err != nil {
			errs = append(errs, &ParseError{File: name, Msg: err.Error()})
			continue
		}
		data, err := io.ReadAll(io.LimitReader(rc, MaxAdvisoryBytes+1))
		rc.Close()
		if err != nil {
			errs = append(errs, &ParseError{File: name, Msg: err.Error()})
			continue
		}
		f.addFile(name, data, &errs)
	}
	return errs
}

func (f *Feed) addFile(name string, data []byte, errs *[]error) {
	a, err := ParseAdvisory(name, data)
	if err != nil {
		*errs = append(*errs, err)
		return
	}
	f.Add(a)
}

// Add indexes one advisory (withdrawn advisories are skipped).
func (f *Feed) Add(a *Advisory) {
	if a.Withdrawn != nil && !a.Withdrawn.IsZero() {
		return
	}
	f.Info.Advisories++
	if a.Modified.After(f.Info.Date) {
		f.Info.Date = a.Modified
	}
	for i := range a.Affected {
		af := &a.Affected[i]
		base, _, _ := strings.Cut(af.Package.Ecosystem, ":")
		if base == "" || af.Package.Name == "" {
			continue
		}
		if !slices.Contains(f.Info.Ecosystems, base) {
			f.Info.Ecosystems = append(f.Info.Ecosystems, base)
		}
		m := f.byName[base]
		if m == nil {
			m = map[string][]entry{}
			f.byName[base] = m
		}
		n := normalizeName(base, af.Package.Name)
		m[n] = append(m[n], entry{adv: a, af: af})
	}
}

// Age is how old the feed is at now, in whole days.
func (f *Feed) Age(now time.Time) int {
	if f.Info.Date.IsZero() || now.Before(f.Info.Date) {
		return 0
	}
	return int(now.Sub(f.Info.Date) / (24 * time.Hour))
}

// normalizeName folds names the way an ecosystem considers equal: PyPI
// names are case-insensitive and treat runs of -, _ and . alike (PEP 503).
func normalizeName(ecosystem, name string) string {
	if ecosystem != "PyPI" {
		return name
	}
	var b strings.Builder
	sep := false
	for _, r := range strings.ToLower(name) {
		if r == '-' || r == '_' || r == '.' {
			sep = true
			continue
		}
		if sep && b.Len() > 0 {
			b.WriteByte('-')
		}
		sep = false
		b.WriteRune(r)
	}
	return b.String()
}
