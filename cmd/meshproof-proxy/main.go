// Command meshproof-proxy is meshproof's mTLS dataplane; see package
// proxy/daemon and docs/proxy.md.
package main

import (
	"os"

	"github.com/meshproof/meshproof/proxy/daemon"
)

func main() { os.Exit(daemon.Main()) }
