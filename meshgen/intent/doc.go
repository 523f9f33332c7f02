// Package intent is the schema of meshproof's intent files: a short,
// versioned YAML document (apiVersion meshproof.dev/v1alpha1, kind
// MeshIntent) that says which services a mesh runs, under which
// identities, who may call whom (down to HTTP methods and paths), what the
// ingress gateway publishes, and which resources outside the cluster are
// reached, with or without a meshproof proxy in front of them. Package
// meshgen turns an intent into Istio manifests and proxy configs.
//
// Parse reads an intent strictly, since a typo in a security policy must
// not be dropped silently: unknown fields, wrong types, repeated keys and
// YAML aliases are errors, and so are invalid names, duplicate names and
// references to names the intent does not define. Every error carries the
// file and line ("mesh.yaml:14: spec.calls[2].to: ..."). Parse then fills
// in the defaults, so that generators read one resolved intent.
//
// docs/gen.md is the reference of the format; docs/schemas/intent.json is
// its JSON schema, for editors.
package intent
