package rules

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	yaml "go.yaml.in/yaml/v3"
)

// ConfigFileName is the configuration file found by walking up from the
// working directory.
const ConfigFileName = ".meshproof.yaml"

// Defaults of the configuration.
const (
	DefaultTrustDomain      = "cluster.local"
	DefaultRootNamespace    = "istio-system"
	DefaultDefaultNamespace = "default"
	DefaultFailOn           = Low
)

// Config is the content of .meshproof.yaml. Relative paths in it are
// relative to the folder of the file.
type Config struct {
	// TrustDomain of the SPIFFE IDs (spiffe://<trustDomain>/ns/<ns>/sa/<sa>).
	TrustDomain string `yaml:"trustDomain"`
	// RootNamespace is Istio's root namespace (meshConfig.rootNamespace).
	RootNamespace string `yaml:"rootNamespace"`
	// DefaultNamespace is the namespace of objects that name none.
	DefaultNamespace string `yaml:"defaultNamespace"`
	// FailOn is the lowest severity that fails the check.
	FailOn string `yaml:"failOn"`
	// Policies are folders of user Rego policies (conftest conventions).
	Policies []string `yaml:"policies"`
	// Namespaces are the user policy packages to evaluate (default "main").
	Namespaces []string `yaml:"namespaces"`
	// Data are JSON or YAML files loaded under data for user policies.
	Data []string `yaml:"data"`
	// Waivers is the waivers file.
	Waivers string `yaml:"waivers"`
	// CRDs are files or folders of CustomResourceDefinitions that validate
	// the kinds meshproof has no built-in schema for (Linkerd's).
	CRDs []string `yaml:"crds"`
	// Scope declares the PCI scope beyond namespace labels.
	Scope ScopeConfig `yaml:"scope"`
	// Rules turns built-in rules off and overrides their severities.
	Rules RuleSettings `yaml:"rules"`
	// Images are the image policies of meshproof scan.
	Images ImageSettings `yaml:"images"`

	// File is the path the configuration was read from ("" for defaults).
	File string `yaml:"-"`
}

// ScopeConfig assigns workloads to the PCI scopes. A namespace label
// meshproof.dev/pci-scope (cde, connected, out) does the same from the
// manifests themselves; the configuration wins over labels.
type ScopeConfig struct {
	CDE       ScopeSelector `yaml:"cde"`
	Connected ScopeSelector `yaml:"connected"`
	Out       ScopeSelector `yaml:"out"`
}

// ScopeSelector selects namespaces by name and workloads by labels.
type ScopeSelector struct {
	Namespaces []string           `yaml:"namespaces"`
	Workloads  []WorkloadSelector `yaml:"workloads"`
}

// WorkloadSelector selects the workloads whose pod-template labels include
// MatchLabels, in Namespace (any namespace when empty).
type WorkloadSelector struct {
	Namespace   string            `yaml:"namespace"`
	MatchLabels map[string]string `yaml:"matchLabels"`
}

// ImageSettings are the image policies of meshproof scan (rules IMG-02,
// IMG-04 and IMG-05).
type ImageSettings struct {
	// AllowedRegistries are the registries (registry.example.com) or
	// registry/path prefixes (ghcr.io/example-org) images may come from.
	AllowedRegistries []string `yaml:"allowedRegistries"`
	// DeniedPackages are package names (openssh-server) or package URL
	// prefixes (pkg:npm/event-stream) no image may contain.
	DeniedPackages []string `yaml:"deniedPackages"`
	// DeniedLicenses are SPDX licence IDs no package of an image may carry.
	DeniedLicenses []string `yaml:"deniedLicenses"`
}

// RuleSettings tune the built-in rules.
type RuleSettings struct {
	// Disable lists rule IDs that are not evaluated.
	Disable []string `yaml:"disable"`
	// Severity overrides severities by rule ID (info ... critical).
	Severity map[string]string `yaml:"severity"`
}

// Severities parses the severity overrides.
func (r RuleSettings) Severities() (map[string]Severity, error) {
	out := make(map[string]Severity, len(r.Severity))
	for id, name := range r.Severity {
		s, err := ParseSeverity(name)
		if err != nil {
			return nil, fmt.Errorf("rules.severity.%s: %w", id, err)
		}
		out[id] = s
	}
	return out, nil
}

// DefaultConfig is the configuration used when there is no file.
func DefaultConfig() *Config {
	c := &Config{}
	c.setDefaults()
	return c
}

func (c *Config) setDefaults() {
	if c.TrustDomain == "" {
		c.TrustDomain = DefaultTrustDomain
	}
	if c.RootNamespace == "" {
		c.RootNamespace = DefaultRootNamespace
	}
	if c.DefaultNamespace == "" {
		c.DefaultNamespace = DefaultDefaultNamespace
	}
	if c.FailOn == "" {
		c.FailOn = strings.ToLower(DefaultFailOn.String())
	}
}

// FindConfig walks up from dir to the first folder holding .meshproof.yaml
// and returns its path, or "" when there is none.
func FindConfig(dir string) (string, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for {
		p := filepath.Join(dir, ConfigFileName)
		if _, err := os.Stat(p); err == nil {
			return p, nil
		} else if !errors.Is(err, fs.ErrNotExist) {
			return "", fmt.Errorf("find config: %w", err)
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", nil
		}
		dir = parent
	}
}

var (
	dnsLabel    = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)
	trustDomain = regexp.MustCompile(`^[a-z0-9._-]+$`)
)

// LoadConfig reads a configuration file strictly: unknown keys and bad
// values are errors with the file and line.
func LoadConfig(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	var root yaml.Node
	c := &Config{}
	if err := decodeStrict(path, data, c, &root); err != nil {
		return nil, err
	}
	c.File = path
	c.setDefaults()
	at := func(keys ...string) int { return nodeLine(&root, keys...) }
	bad := func(line int, format string, args ...any) error {
		return &ConfigError{File: path, Line: line, Msg: fmt.Sprintf(format, args...)}
	}
	if _, err := ParseSeverity(c.FailOn); err != nil {
		return nil, bad(at("failOn"), "failOn: %v", err)
	}
	if !trustDomain.MatchString(c.TrustDomain) {
		return nil, bad(at("trustDomain"), "trustDomain %q is not a valid SPIFFE trust domain (lower-case letters, digits, '.', '-', '_')", c.TrustDomain)
	}
	for key, ns := range map[string]string{"rootNamespace": c.RootNamespace, "defaultNamespace": c.DefaultNamespace} {
		if !dnsLabel.MatchString(ns) {
			return nil, bad(at(key), "%s %q is not a valid namespace name", key, ns)
		}
	}
	for _, r := range c.Images.AllowedRegistries {
		if r == "" || strings.Contains(r, "://") || strings.ContainsAny(r, " @") {
			return nil, bad(nodeLine(&root, "images", "allowedRegistries"), "images.allowedRegistries: %q is not a registry (host[:port]) or registry/path prefix", r)
		}
	}
	for i, p := range c.Images.DeniedPackages {
		if strings.TrimSpace(p) == "" {
			return nil, bad(nodeLine(&root, "images", "deniedPackages"), "images.deniedPackages: entry %d is empty", i)
		}
	}
	if _, err := c.Rules.Severities(); err != nil {
		return nil, bad(at("rules", "severity"), "%v", err)
	}
	dir := filepath.Dir(path)
	for i, p := range c.Policies {
		c.Policies[i] = resolve(dir, p)
	}
	for i, p := range c.Data {
		c.Data[i] = resolve(dir, p)
	}
	for i, p := range c.CRDs {
		c.CRDs[i] = resolve(dir, p)
	}
	if c.Waivers != "" {
		c.Waivers = resolve(dir, c.Waivers)
	}
	return c, nil
}

func resolve(dir, p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(dir, p)
}

// ConfigError is a bad configuration or waivers file.
type ConfigError struct {
	File string
	Line int
	Msg  string
}

func (e *ConfigError) Error() string {
	if e.Line > 0 {
		return e.File + ":" + strconv.Itoa(e.Line) + ": " + e.Msg
	}
	return e.File + ": " + e.Msg
}

// decodeStrict decodes the single YAML document in data into v and into
// root (for line lookups), refusing unknown fields.
func decodeStrict(path string, data []byte, v any, root *yaml.Node) error {
	if err := yaml.Unmarshal(data, root); err != nil {
		return yamlConfigError(path, err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(v); err != nil && !errors.Is(err, io.EOF) {
		return yamlConfigError(path, err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return &ConfigError{File: path, Line: extra.Line, Msg: "more than one YAML document"}
	}
	return nil
}

// nodeLine is the line of the value at the mapping keys, or 0.
func nodeLine(root *yaml.Node, keys ...string) int {
	n := root
	if n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	line := 0
	for _, k := range keys {
		if n.Kind != yaml.MappingNode {
			return line
		}
		var next *yaml.Node
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == k {
				next = n.Content[i+1]
				line = next.Line
				break
			}
		}
		if next == nil {
			return line
		}
		n = next
	}
	return line
}

func yamlConfigError(path string, err error) error {
	var te *yaml.TypeError
	if errors.As(err, &te) && len(te.Errors) > 0 {
		errs := make([]error, 0, len(te.Errors))
		for _, e := range te.Errors {
			errs = append(errs, lineError(path, e))
		}
		return errors.Join(errs...)
	}
	return lineError(path, strings.TrimPrefix(err.Error(), "yaml: "))
}

var notFound = regexp.MustCompile(`^field (\S+) not found in type \S+$`)

// lineError splits go-yaml's "line N: msg" into a ConfigError.
func lineError(path, msg string) error {
	line := 0
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		if n, after, ok := strings.Cut(rest, ":"); ok {
			if l, err := strconv.Atoi(n); err == nil {
				line, msg = l, strings.TrimSpace(after)
			}
		}
	}
	if m := notFound.FindStringSubmatch(msg); m != nil {
		msg = fmt.Sprintf("unknown field %q", m[1])
	}
	return &ConfigError{File: path, Line: line, Msg: msg}
}
