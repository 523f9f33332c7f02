package main

import (
	"os/exec"
	"strings"
	"testing"
)

// TestDependencyBoundaries keeps heavy dependencies behind one package
// each, as the design says: only rules/engine imports OPA or conftest, only
// scanner/sbom imports syft (and stereoscope), only the CLI imports cobra,
// and the libraries users embed (scanner, rules, reports) link neither.
func TestDependencyBoundaries(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	const mod = "github.com/meshproof/meshproof/"
	forbidden := map[string][]string{
		// scanner/sbom links cobra only through syft (syft/internal/bus
		// imports anchore/clio); the other scanner packages link none of it.
		"scanner/...":    {"github.com/open-policy-agent/"},
		"scanner":        {"github.com/spf13/cobra"},
		"scanner/schema": {"github.com/spf13/cobra"},
		"rules":          {"github.com/open-policy-agent/", "github.com/spf13/cobra", "istio.io/api"},
		"rules/mesh":     {"github.com/open-policy-agent/", "github.com/spf13/cobra"},
		"reports/...":    {"github.com/open-policy-agent/", "github.com/spf13/cobra", "github.com/anchore/"},
		"rules/engine":   {"github.com/spf13/cobra"},
		"rules/check":    {"github.com/spf13/cobra"},
		// Image references, vulnerability matching and scan results stay
		// light: consumers of the inventory must not link syft.
		"scanner/image":     {"github.com/anchore/", "github.com/spf13/cobra"},
		"scanner/vuln":      {"github.com/anchore/", "github.com/google/go-containerregistry", "github.com/spf13/cobra"},
		"scanner/inventory": {"github.com/anchore/", "github.com/google/go-containerregistry", "github.com/google/osv-scalibr"},
		// The proxy stays small: none of the heavy dependencies, no gRPC.
		"proxy/...": {"github.com/open-policy-agent/", "github.com/spf13/cobra", "github.com/anchore/",
			"github.com/google/go-containerregistry", "google.golang.org/grpc", "github.com/prometheus/", "istio.io/"},
		"cmd/meshproof-proxy": {"github.com/open-policy-agent/", "github.com/spf13/cobra", "github.com/anchore/",
			"github.com/google/go-containerregistry", "google.golang.org/grpc", "github.com/prometheus/", "istio.io/",
			"github.com/meshproof/meshproof/meshgen", "github.com/meshproof/meshproof/rules", "github.com/meshproof/meshproof/scanner"},
	}
	for pkg, bad := range forbidden {
		out, err := exec.Command("go", "list", "-deps", "-test=false", mod+pkg).CombinedOutput()
		if err != nil {
			t.Fatalf("go list -deps %s: %v\n%s", pkg, err, out)
		}
		for _, dep := range strings.Fields(string(out)) {
			for _, b := range bad {
				if strings.HasPrefix(dep, b) {
					t.Errorf("%s depends on %s", pkg, dep)
				}
			}
		}
	}
	// Only rules/engine may import OPA directly.
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}} {{join .Imports " "}}`, mod+"...").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Fields(line)
		for _, imp := range fields[1:] {
			if strings.HasPrefix(imp, "github.com/open-policy-agent/") && fields[0] != mod+"rules/engine" {
				t.Errorf("%s imports %s; only rules/engine may", fields[0], imp)
			}
			if strings.HasPrefix(imp, "github.com/anchore/") && fields[0] != mod+"scanner/sbom" {
				t.Errorf("%s imports %s; only scanner/sbom may", fields[0], imp)
			}
			if imp == "github.com/spf13/cobra" && !strings.HasPrefix(fields[0], mod+"cmd/") {
				t.Errorf("%s imports cobra; only the CLI may", fields[0])
			}
		}
	}
}
