package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/template"

	"github.com/spf13/cobra"

	"github.com/meshproof/meshproof/rules"
)

type initFlags struct {
	dir           string
	trustDomain   string
	rootNamespace string
	failOn        string
	cde           []string
	registries    []string
	ci            string
	paths         string
}

// ciSnippets are what init prints for each CI system.
var ciSnippets = map[string]string{
	"github": `# .github/workflows/meshproof.yml
name: meshproof
on: [push, pull_request]
permissions:
  contents: read
  security-events: write      # SARIF upload to code scanning
jobs:
  check:
    runs-on: ubuntu-latest
    steps:
    - uses: actions/checkout@v4
    - uses: meshproof/meshproof@v0.1.0   # pin a release
      with:
        paths: {{.Paths}}
`,
	"gitlab": `# .gitlab-ci.yml
meshproof:
  image: golang:1.26
  script:
  - go install github.com/meshproof/meshproof/cmd/meshproof@v0.1.0
  - meshproof check -o junit {{.Paths}} > meshproof.xml || code=$?
  - meshproof check {{.Paths}}
  artifacts:
    when: always
    reports:
      junit: meshproof.xml
`,
	"jenkins": `// Jenkinsfile
stage('meshproof') {
  steps {
    sh 'go install github.com/meshproof/meshproof/cmd/meshproof@v0.1.0'
    sh '$(go env GOPATH)/bin/meshproof check -o junit {{.Paths}} > meshproof.xml || true'
    sh '$(go env GOPATH)/bin/meshproof check {{.Paths}}'
  }
  post { always { junit 'meshproof.xml' } }
}
`,
	"pre-commit": `# .pre-commit-config.yaml
repos:
- repo: https://github.com/meshproof/meshproof
  rev: v0.1.0
  hooks:
  - id: meshproof-check
    files: ^({{.Paths}})/
`,
}

var configTemplate = template.Must(template.New("config").Parse(`# meshproof configuration (https://github.com/meshproof/meshproof).
# meshproof check finds this file by walking up from the working directory;
# flags win over it. Relative paths are relative to this file.

# SPIFFE trust domain of the mesh: identities are
# spiffe://<trustDomain>/ns/<namespace>/sa/<service account>.
trustDomain: {{.TrustDomain}}

# Istio's root namespace (meshConfig.rootNamespace): where mesh-wide
# PeerAuthentication, AuthorizationPolicy and Sidecar defaults live.
rootNamespace: {{.RootNamespace}}

# Namespace of manifests that name none (as kubectl apply -n would set).
defaultNamespace: default

# Lowest severity that fails the check: info, low, medium, high, critical.
failOn: {{.FailOn}}

# PCI DSS scope. A namespace label meshproof.dev/pci-scope: cde (or connected,
# out) declares it in the manifests; these selectors add to the labels.
scope:
  cde:
    namespaces: [{{.CDE}}]
    # workloads:                      # single workloads in shared namespaces
    # - namespace: shop
    #   matchLabels: {app: checkout}
  connected:
    namespaces: []
  out:
    namespaces: []

# Your own Rego policies (conftest conventions: deny, violation, warn).
policies: []
# data: [./policy-data]

# Accepted findings, each with an owner, a reason and an expiry date.
waivers: ./{{.Waivers}}

# Image policies of meshproof scan: where images may come from, and what no
# image may contain (package names or purl prefixes; SPDX licence IDs).
images:
  allowedRegistries: [{{.Registries}}]
  deniedPackages: []
  #  - openssh-server
  #  - pkg:npm/event-stream
  deniedLicenses: []
  #  - AGPL-3.0-only

# Built-in rules: turn some off, or re-rate them.
rules:
  disable: []
  severity: {}
  #   K8S-09: high
`))

const waiversTemplate = `# Waivers: findings accepted for a while, with who accepted them and why.
# meshproof reports a waived finding as waived; an expired waiver stops
# waiving, and a waiver that matches nothing is reported.
#
# waivers:
# - rule: K8S-09
#   resource: Deployment/payments/payments-api   # Kind/namespace/name, or:
#   # fingerprint: 3f1c...                        # a finding's fingerprint
#   owner: platform-security@example.com
#   reason: image pinned by the release pipeline, not in git
#   expires: 2027-03-31                            # last day it applies
waivers: []
`

const waiversFileName = ".meshproof-waivers.yaml"

func newInit(e *env) *cobra.Command {
	f := initFlags{trustDomain: rules.DefaultTrustDomain, rootNamespace: rules.DefaultRootNamespace, failOn: "high", ci: "github"}
	cmd := &cobra.Command{
		Use:   "init [flags]",
		Short: "Write a commented .meshproof.yaml and an empty waivers file, and print the CI snippet",
		Long: `Init writes a commented .meshproof.yaml (trust domain, root namespace,
threshold, PCI scope, policies, waivers, image policies with the allowed
registries, rule settings) and an empty
` + waiversFileName + ` into --dir, then prints the snippet that runs meshproof
in your CI system (--ci: github, gitlab, jenkins or pre-commit).

It never overwrites: when either file exists, it writes nothing and exits 2.`,
		Example: `  meshproof init
  meshproof init --cde payments --cde vault --trust-domain corp.example --registry registry.corp.example
  meshproof init --ci gitlab --paths deploy/k8s`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runInit(e, &f) },
	}
	fl := cmd.Flags()
	fl.StringVar(&f.dir, "dir", ".", "folder to write the files into (the root of your repository)")
	fl.StringVar(&f.trustDomain, "trust-domain", f.trustDomain, "SPIFFE trust domain of the mesh")
	fl.StringVar(&f.rootNamespace, "root-namespace", f.rootNamespace, "Istio's root namespace")
	fl.StringVar(&f.failOn, "fail-on", f.failOn, "lowest severity that fails the check")
	fl.StringArrayVar(&f.cde, "cde", nil, "namespace in the cardholder data environment; repeatable")
	fl.StringArrayVar(&f.registries, "registry", nil, "registry (or registry/path prefix) images may come from; repeatable")
	fl.StringVar(&f.paths, "paths", "k8s", "folder of your manifests, for the CI snippet")
	fl.StringVar(&f.ci, "ci", f.ci, "CI system to print the snippet for: "+strings.Join(ciNames(), ", "))
	return cmd
}

func ciNames() []string {
	names := make([]string, 0, len(ciSnippets))
	for n := range ciSnippets {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

func runInit(e *env, f *initFlags) error {
	snippet, ok := ciSnippets[f.ci]
	if !ok {
		return fmt.Errorf("--ci %q: want one of %s", f.ci, strings.Join(ciNames(), ", "))
	}
	if _, err := rules.ParseSeverity(f.failOn); err != nil {
		return fmt.Errorf("--fail-on: %w", err)
	}
	var cfg strings.Builder
	if err := configTemplate.Execute(&cfg, map[string]string{
		"TrustDomain":   f.trustDomain,
		"RootNamespace": f.rootNamespace,
		"FailOn":        strings.ToLower(f.failOn),
		"CDE":           strings.Join(f.cde, ", "),
		"Registries":    strings.Join(f.registries, ", "),
		"Waivers":       waiversFileName,
	}); err != nil {
		return err
	}
	cfgPath := filepath.Join(f.dir, rules.ConfigFileName)
	waiversPath := filepath.Join(f.dir, waiversFileName)
	for _, p := range []string{cfgPath, waiversPath} {
		if _, err := os.Lstat(p); err == nil {
			return fmt.Errorf("%s exists: init does not overwrite (edit it, or remove it first)", p)
		} else if !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	// Validate what is about to be written with the loader check uses, so
	// that a bad flag value never leaves a file check would refuse.
	tmp, err := os.CreateTemp(f.dir, ".meshproof-init-*.yaml")
	if err != nil {
		return err
	}
	_, werr := tmp.WriteString(cfg.String())
	tmp.Close()
	defer os.Remove(tmp.Name())
	if werr != nil {
		return werr
	}
	if _, err := rules.LoadConfig(tmp.Name()); err != nil {
		var ce *rules.ConfigError
		if errors.As(err, &ce) {
			return fmt.Errorf("the flags give an invalid configuration: %s", ce.Msg)
		}
		return fmt.Errorf("the flags give an invalid configuration: %w", err)
	}
	if err := createNewFile(cfgPath, []byte(cfg.String()), 0o644); err != nil {
		return err
	}
	if err := createNewFile(waiversPath, []byte(waiversTemplate), 0o644); err != nil {
		os.Remove(cfgPath)
		return err
	}
	var out strings.Builder
	if err := template.Must(template.New("ci").Parse(snippet)).Execute(&out, map[string]string{"Paths": f.paths}); err != nil {
		return err
	}
	_, err = fmt.Fprintf(e.stdout, "wrote %s and %s\n\nTo run meshproof in CI (%s):\n\n%s", cfgPath, waiversPath, f.ci, out.String())
	return err
}
