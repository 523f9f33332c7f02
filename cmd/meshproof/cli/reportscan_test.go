package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/meshproof/meshproof/internal/schematest"
	"github.com/meshproof/meshproof/reports/audit"
	"github.com/meshproof/meshproof/scanner/image/imagetest"
)

// TestReportScanScripts runs the scripts in testdata/script/reportscan:
// meshproof report and report merge with the image scan, on images built
// from real package databases (Alpine apk with an installed npm lodash
// 4.17.20; Debian dpkg) and served by go-containerregistry's in-memory
// registry on loopback ($REGISTRY), against the OSV feed each script
// writes. The command reportjson prints what report.json says, after
// validating it against docs/schemas/audit-report.json.
func TestReportScanScripts(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", "..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	schema := schematest.Compile(t, filepath.Join(root, "docs", "schemas", "audit-report.json"))
	host := imagetest.Registry(t)
	ui := imagetest.Image(t, imagetest.Config{}, imagetest.Alpine(t), imagetest.NPM(t))
	db := imagetest.Image(t, imagetest.Config{User: "999"}, imagetest.Debian(t))
	imagetest.Push(t, host+"/shop/ui:1.0", ui)
	dbDigest := imagetest.Push(t, host+"/shop/db:12", db)

	testscript.Run(t, testscript.Params{
		Dir: filepath.Join("testdata", "script", "reportscan"),
		Setup: func(e *testscript.Env) error {
			e.Setenv("REPO", root)
			e.Setenv("REGISTRY", host)
			e.Setenv("DB_DIGEST", dbDigest)
			e.Setenv("XDG_CACHE_HOME", filepath.Join(e.WorkDir, ".cache"))
			e.Setenv("DOCKER_CONFIG", filepath.Join(e.WorkDir, ".docker"))
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			// exits N|any PROGRAM ARGS... runs a program and checks its exit code.
			"exits": func(ts *testscript.TestScript, neg bool, args []string) {
				if len(args) < 2 {
					ts.Fatalf("usage: exits N|any PROGRAM ARGS...")
				}
				if args[0] == "any" {
					var xe *exec.ExitError
					if err := ts.Exec(args[1], args[2:]...); err != nil && !errors.As(err, &xe) {
						ts.Fatalf("%v", err)
					}
					return
				}
				want, err := strconv.Atoi(args[0])
				if err != nil {
					ts.Fatalf("usage: exits N|any PROGRAM ARGS...")
				}
				err = ts.Exec(args[1], args[2:]...)
				got := 0
				var xe *exec.ExitError
				if errors.As(err, &xe) {
					got = xe.ExitCode()
				} else if err != nil {
					ts.Fatalf("%v", err)
				}
				if got != want {
					ts.Fatalf("%s exited %d, want %d", args[1], got, want)
				}
			},
			// expand FILE... replaces ${VAR} in files with the script's environment.
			"expand": func(ts *testscript.TestScript, neg bool, args []string) {
				for _, f := range args {
					ts.Check(os.WriteFile(ts.MkAbs(f), []byte(os.Expand(ts.ReadFile(f), ts.Getenv)), 0o644))
				}
			},
			// reportjson FILE validates a report.json against its schema
			// and prints "status S complete B", one "image REF status=S
			// digest=B components=N types=T vulns=N sboms=P" per image (and
			// checks that each SBOM file exists beside the report and is
			// CycloneDX), one "vuln ID severity=S image=REF package=P
			// installed=V fixed=F" per vulnerability, "feed DATE", "req ID
			// STATUS checks=RULE:RESULT,..." per requirement and "finding
			// RULE RESOURCE" per finding of an image rule.
			"reportjson": func(ts *testscript.TestScript, neg bool, args []string) {
				path := ts.MkAbs(args[0])
				data := ts.ReadFile(args[0])
				v, err := jsonschema.UnmarshalJSON(strings.NewReader(data))
				ts.Check(err)
				if err := schema.Validate(v); err != nil {
					ts.Fatalf("%s does not match docs/schemas/audit-report.json: %v", args[0], err)
				}
				var r audit.Report
				ts.Check(json.Unmarshal([]byte(data), &r))
				out := ts.Stdout()
				fmt.Fprintf(out, "status %s complete %v\n", r.Status, r.Complete)
				for _, why := range r.Incomplete {
					fmt.Fprintf(out, "incomplete %s\n", why)
				}
				for _, im := range r.Inventory.Images {
					var types []string
					for k, n := range im.ByType {
						types = append(types, fmt.Sprintf("%s:%d", k, n))
					}
					slices.Sort(types)
					fmt.Fprintf(out, "image %s status=%s digest=%v components=%d types=%s vulns=%d sboms=%s\n", im.Ref, im.Status, strings.HasPrefix(im.Digest, "sha256:"), im.Components, strings.Join(types, ","), im.Vulnerabilities, strings.Join(im.SBOMs, ","))
					for _, sb := range im.SBOMs {
						b, err := os.ReadFile(filepath.Join(filepath.Dir(path), filepath.FromSlash(sb)))
						if err != nil {
							ts.Fatalf("SBOM of %s: %v", im.Ref, err)
						}
						if !strings.Contains(string(b), `"bomFormat": "CycloneDX"`) && !strings.Contains(string(b), `"bomFormat":"CycloneDX"`) {
							ts.Fatalf("SBOM %s is not CycloneDX", sb)
						}
					}
				}
				for _, vu := range r.Vulnerabilities.Items {
					fmt.Fprintf(out, "vuln %s severity=%s image=%s package=%s installed=%s fixed=%s\n", vu.ID, vu.Severity, vu.Image, vu.Package, vu.Version, vu.FixedIn)
				}
				if r.Vulnerabilities.FeedDate != "" {
					fmt.Fprintf(out, "feed %s\n", r.Vulnerabilities.FeedDate)
				}
				for _, q := range r.Requirements {
					var cs []string
					for _, c := range q.Checks {
						cs = append(cs, c.Rule+":"+c.Result)
					}
					fmt.Fprintf(out, "req %s %s checks=%s\n", q.ID, q.Status, strings.Join(cs, ","))
				}
				for _, f := range r.Findings {
					if strings.HasPrefix(f.RuleID, "IMG-") || strings.HasPrefix(f.RuleID, "SCAN-") {
						fmt.Fprintf(out, "finding %s %s\n", f.RuleID, f.Resource.String())
					}
				}
			},
		},
	})
}

// FuzzReadInventory feeds arbitrary bytes to the reader of --inventory:
// an error or an inventory whose images all have a reference, never a
// panic.
func FuzzReadInventory(f *testing.F) {
	f.Add([]byte(`{"tool":"1","scanned_at":"2026-11-20T10:00:00Z","images":[{"reference":"r/a:1","source":"registry","user":"","components":0,"packages":[],"cached":false,"uses":[],"vulnerabilities":[]}]}`))
	f.Add([]byte(`{"images":[]}`))
	f.Add([]byte(`{"images":[{"reference":""}]}`))
	f.Add([]byte(`{"shard":"1/2","images":[],"feed":{"path":"osv","advisories":1,"ecosystems":["npm"],"date":"2026-01-01T00:00:00Z","age_days":3}}`))
	f.Add([]byte(`{"images":null}`))
	f.Add([]byte(`not json`))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(dir, "inv.json")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		inv, err := readInventory(path)
		if err != nil {
			if inv != nil {
				t.Errorf("readInventory = %v with an error %v", inv, err)
			}
			return
		}
		for i, im := range inv.Images {
			if im.Reference == "" {
				t.Errorf("readInventory accepted image %d without a reference", i)
			}
		}
	})
}
