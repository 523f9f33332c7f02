// Package examples embeds the shipped examples, so that `meshproof demo`
// runs on them wherever the binary is installed.
package examples

import "embed"

// Payments is examples/payments: the mesh with mistakes, the compliant
// one, and the intent gen turns into the compliant configuration.
//
//go:embed payments
var Payments embed.FS
