//go:build tools

// Package tools pins the syft CLI for bench/sbom.sh.
package tools

import _ "github.com/anchore/syft/cmd/syft"
