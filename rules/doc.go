// Package rules holds what meshproof's checks produce and are configured
// with: findings and severities, rule metadata, waivers, the .meshproof.yaml
// configuration and the summary that decides the exit code.
//
// The pieces that do the work live in subpackages: rules/mesh computes the
// cross-resource mesh model, rules/engine evaluates the embedded Rego rule
// pack (rules/pack) and user policies with OPA, and rules/check ties loading,
// schema validation, the model, the engine and waivers into one call.
package rules
