package sbom_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/meshproof/meshproof/scanner/image"
	"github.com/meshproof/meshproof/scanner/image/imagetest"
	"github.com/meshproof/meshproof/scanner/sbom"
)

// Generate catalogs a folder (here one holding a package-lock.json); an
// image source works the same way, and Encode writes CycloneDX, SPDX or
// syft JSON.
func ExampleGenerate() {
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	os.WriteFile(filepath.Join(dir, "package-lock.json"), []byte(imagetest.PackageLock), 0o644)

	src, _ := image.ParseSource("dir:" + dir)
	res, err := sbom.Generate(context.Background(), src, sbom.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, p := range res.SBOM.Packages() {
		fmt.Println(p.PURL, p.Licenses)
	}
	// Output:
	// pkg:npm/lodash@4.17.20 [MIT]
	// pkg:npm/minimist@1.2.5 [MIT]
	// pkg:npm/payments-ui@1.0.0 []
}
