package image_test

import (
	"context"
	"fmt"
	"strings"

	"github.com/meshproof/meshproof/scanner"
	"github.com/meshproof/meshproof/scanner/image"
)

// References lists each image once, with every container that runs it.
func ExampleReferences() {
	objs, err := scanner.Load(context.Background(), []string{"-"}, scanner.LoadOptions{Stdin: strings.NewReader(`
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: payments}
spec:
  template:
    spec:
      initContainers: [{name: migrate, image: registry.example.com/payments/api:2.3.1}]
      containers: [{name: api, image: registry.example.com/payments/api:2.3.1}]
`)})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, r := range image.References(objs) {
		for _, u := range r.Uses {
			fmt.Printf("%s: %s container %s (%s:%d)\n", r.Image, u.Resource(), u.Container, u.File, u.Line)
		}
	}
	// Output:
	// registry.example.com/payments/api:2.3.1: Deployment/payments/api container migrate (<stdin>:8)
	// registry.example.com/payments/api:2.3.1: Deployment/payments/api container api (<stdin>:9)
}

// ParseSource reads the forms users write.
func ExampleParseSource() {
	for _, s := range []string{"registry.example.com/payments/api:2.3.1", "oci-layout:./build/oci:v2", "docker-archive:./image.tar", "dir:./rootfs"} {
		src, _ := image.ParseSource(s)
		fmt.Printf("%s path=%q ref=%q\n", src.Kind, src.Path, src.Ref)
	}
	// Output:
	// registry path="" ref="registry.example.com/payments/api:2.3.1"
	// oci-layout path="./build/oci" ref="v2"
	// docker-archive path="./image.tar" ref=""
	// dir path="./rootfs" ref=""
}
