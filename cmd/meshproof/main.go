// Command meshproof checks service mesh manifests against a PCI DSS and
// zero-trust rule pack. See `meshproof --help`.
package main

import (
	"os"

	"github.com/meshproof/meshproof/cmd/meshproof/cli"
)

func main() { os.Exit(cli.Main()) }
