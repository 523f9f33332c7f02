// Package audit builds meshproof's PCI DSS audit report from a check, the
// mesh model and (optionally) an image scan, and writes it as JSON (schema:
// docs/schemas/audit-report.json), as one self-contained HTML page with the
// segmentation graph drawn as SVG, and as PDF.
//
// The report maps every finding and every passing check to PCI DSS v4.0.1
// requirement IDs, derives the CDE scope from the allowed-call graph
// (rules/mesh), measures mTLS and authorization coverage, lists waivers and
// the expired ones, and ties itself to its inputs with their SHA-256
// digests, the rule pack's digest, the tool version and the time.
package audit
