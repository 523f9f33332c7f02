package vuln_test

import (
	"fmt"
	"path/filepath"

	"github.com/meshproof/meshproof/scanner/vuln"
)

// LoadFeed reads an OSV folder; Match compares installed packages with it.
func ExampleFeed_Match() {
	feed, err := vuln.LoadFeed(filepath.Join("testdata", "feed"))
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, v := range feed.Match([]vuln.Package{
		{Name: "lodash", Version: "4.17.20", PURL: "pkg:npm/lodash@4.17.20"},
		{Name: "lodash", Version: "4.17.21", PURL: "pkg:npm/lodash@4.17.21"},
	}) {
		fmt.Println(v.ID, v.Package, v.Installed, "fixed in", v.Fixed, v.Severity, v.CVSS)
	}
	// Output:
	// GHSA-35jh-r3h4-6jhm lodash 4.17.20 fixed in 4.17.21 HIGH 7.2
}
