// Command synthmesh writes a synthetic mesh for benchmarks:
//
//	go run ./bench/cmd/synthmesh -namespaces 100 -workloads 49 -out /tmp/mesh
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/meshproof/meshproof/bench/synth"
)

func main() {
	n := flag.Int("namespaces", 100, "namespaces")
	w := flag.Int("workloads", 49, "workloads per namespace")
	out := flag.String("out", "", "folder to write (required)")
	flag.Parse()
	if *out == "" {
		fmt.Fprintln(os.Stderr, "synthmesh: -out is required")
		os.Exit(2)
	}
	docs, err := synth.Mesh{Namespaces: *n, Workloads: *w}.Write(*out)
	if err != nil {
		fmt.Fprintln(os.Stderr, "synthmesh:", err)
		os.Exit(2)
	}
	fmt.Println(docs)
}
