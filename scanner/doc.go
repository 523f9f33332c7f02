// Package scanner reads what meshproof checks: Kubernetes, Istio and Linkerd
// manifests from files, folders and standard input.
//
// Load turns YAML and JSON streams into Objects that remember the file and
// line they came from. It refuses what it cannot read: a compliance gate that
// passes on input it could not parse is a hole, so every unparsable document,
// every document without apiVersion or kind, and every input over the size and
// expansion limits is a ParseError with the file and line.
//
// Plain scalars are resolved the way Kubernetes tooling resolves them
// (sigs.k8s.io/yaml, that is YAML 1.1 rules: yes/no/on/off are booleans,
// 0x and leading-zero integers are numbers), so a rule sees the value the API
// server would see. Duplicate mapping keys and unknown YAML tags are errors,
// because parsers disagree on them.
package scanner
