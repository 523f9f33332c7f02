package scan_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/meshproof/meshproof/rules/engine"
	"github.com/meshproof/meshproof/rules/scan"
	"github.com/meshproof/meshproof/scanner/sbom"
)

// Run scans the images of manifests (here a folder named directly, with a
// package-lock.json) and reports findings in check's shape and the
// inventory.
func ExampleRun() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	os.WriteFile(filepath.Join(dir, "package-lock.json"), []byte(`{"lockfileVersion": 3, "packages": {
	  "": {"name": "ui", "version": "1.0.0"},
	  "node_modules/lodash": {"version": "4.17.20", "license": "MIT"}}}`), 0o644)
	eng, err := engine.New(ctx, engine.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	res, err := scan.Run(ctx, scan.Options{Images: []string{"dir:" + dir}, Engine: eng, SBOM: sbom.Options{}})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, im := range res.Inventory.Images {
		fmt.Println(strings.TrimPrefix(im.Reference, "dir:"+dir), im.Source, im.Components)
	}
	for _, f := range res.Report.Findings {
		fmt.Println(f.RuleID, f.Severity, strings.ReplaceAll(f.Message, dir, "DIR"))
	}
	fmt.Println("passed:", res.Report.Summary.Passed)
	// Output:
	//  dir 2
	// passed: true
}
