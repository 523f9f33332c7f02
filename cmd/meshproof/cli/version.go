package cli

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// version is set at release time with -ldflags "-X .../cli.version=v1.2.3".
var version = ""

// Version is meshproof's version: the release version, the module version
// when installed with go install, or "devel" with the VCS revision.
func Version() string {
	if version != "" {
		return version
	}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "0.0.0-devel"
	}
	if v := bi.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	// Numeric first, as tools that compare versions (SARIF viewers) expect.
	for _, s := range bi.Settings {
		if s.Key == "vcs.revision" && len(s.Value) >= 12 {
			return "0.0.0-devel+" + s.Value[:12]
		}
	}
	return "0.0.0-devel"
}

func depVersion(path string) string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	for _, d := range bi.Deps {
		if d.Path == path {
			return d.Version
		}
	}
	return "unknown"
}

func newVersion(e *env) *cobra.Command {
	return &cobra.Command{
		Use:     "version",
		Short:   "Print meshproof's version and the versions it is built with",
		Example: "  meshproof version",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := fmt.Fprintf(e.stdout, "meshproof %s\ngo %s\nopa %s\n", Version(), runtime.Version(), depVersion("github.com/open-policy-agent/opa"))
			return err
		},
	}
}
