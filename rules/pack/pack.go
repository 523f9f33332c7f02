// Package pack embeds meshproof's built-in rule pack: Rego files written with
// conftest's conventions (deny/warn rules returning objects with msg), one
// package per rule, with the rule's metadata in a METADATA annotation on the
// package. The same folder runs under the plain conftest CLI:
//
//	conftest test --all-namespaces -p rules/pack manifest.yaml
//
// Document rules see one Kubernetes object as input, exactly as under
// conftest. Mesh rules see meshproof's mesh model instead; they check
// lib.is_model first, so under conftest (where input is a manifest) they
// report nothing.
package pack

import "embed"

// FS holds the rule pack's .rego files (rules, the shared library, and the
// Rego unit tests in *_test.rego).
//
//go:embed *.rego
var FS embed.FS
