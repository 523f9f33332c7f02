package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/meshproof/meshproof/scanner/image/imagetest"
	"github.com/meshproof/meshproof/scanner/inventory"
)

// TestScanScripts runs the scripts in testdata/script/scan against images
// built from real package databases, served by go-containerregistry's
// in-memory registry on loopback ($REGISTRY) and written as an OCI layout
// ($WORK/oci), a docker-archive ($WORK/image.tar) and a folder ($WORK/app).
func TestScanScripts(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", "..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	host := imagetest.Registry(t)
	ui := imagetest.Image(t, imagetest.Config{}, imagetest.Alpine(t), imagetest.NPM(t))
	db := imagetest.Image(t, imagetest.Config{User: "999"}, imagetest.Debian(t))
	imagetest.Push(t, host+"/shop/ui:1.0", ui)
	imagetest.Push(t, host+"/shop/api:2.0", ui)
	dbDigest := imagetest.Push(t, host+"/shop/db:12", db)
	arm := imagetest.Image(t, imagetest.Config{Architecture: "arm64", User: "999"}, imagetest.Debian(t))
	imagetest.PushIndex(t, host+"/multi:1", imagetest.Index(t, ui, arm))
	closed := httptest.NewServer(http.NotFoundHandler())
	gone := strings.TrimPrefix(closed.URL, "http://")
	closed.Close()
	layout := imagetest.Layout(t, "1.0", ui)
	archive := imagetest.Archive(t, "shop/db:12", db)

	c := jsonschema.NewCompiler()
	c.AssertFormat()
	inventorySchema, err := c.Compile(filepath.Join(root, "docs", "schemas", "inventory.json"))
	if err != nil {
		t.Fatalf("docs/schemas/inventory.json: %v", err)
	}
	testscript.Run(t, testscript.Params{
		Dir: filepath.Join("testdata", "script", "scan"),
		Setup: func(e *testscript.Env) error {
			e.Setenv("REPO", root)
			e.Setenv("REGISTRY", host)
			e.Setenv("GONE", gone)
			e.Setenv("DB_DIGEST", dbDigest)
			e.Setenv("FEED", filepath.Join(root, "scanner", "vuln", "testdata", "feed"))
			e.Setenv("XDG_CACHE_HOME", filepath.Join(e.WorkDir, ".cache"))
			e.Setenv("DOCKER_CONFIG", filepath.Join(e.WorkDir, ".docker"))
			if err := os.CopyFS(filepath.Join(e.WorkDir, "oci"), os.DirFS(layout)); err != nil {
				return err
			}
			data, err := os.ReadFile(archive)
			if err != nil {
				return err
			}
			if err := os.WriteFile(filepath.Join(e.WorkDir, "image.tar"), data, 0o644); err != nil {
				return err
			}
			if err := os.WriteFile(filepath.Join(e.WorkDir, "corrupt.tar"), data[:len(data)/3], 0o644); err != nil {
				return err
			}
			app := filepath.Join(e.WorkDir, "app")
			if err := os.MkdirAll(app, 0o755); err != nil {
				return err
			}
			return os.WriteFile(filepath.Join(app, "package-lock.json"), []byte(imagetest.PackageLock), 0o644)
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			// exits N PROGRAM ARGS... runs a program and checks its exit code.
			"exits": func(ts *testscript.TestScript, neg bool, args []string) {
				want, err := strconv.Atoi(args[0])
				if err != nil || len(args) < 2 {
					ts.Fatalf("usage: exits N PROGRAM ARGS...")
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
			// inventory FILE prints one line per image of an inventory:
			// "reference components=N vulns=ID,ID cached=B error=B".
			"inventory": func(ts *testscript.TestScript, neg bool, args []string) {
				var inv inventory.Report
				data := ts.ReadFile(args[0])
				if err := json.Unmarshal([]byte(data), &inv); err != nil {
					ts.Fatalf("not an inventory: %v", err)
				}
				// Every inventory a script reads matches the published schema.
				doc, err := jsonschema.UnmarshalJSON(strings.NewReader(data))
				if err != nil {
					ts.Fatalf("inventory JSON: %v", err)
				}
				if err := inventorySchema.Validate(doc); err != nil {
					ts.Fatalf("%s does not match docs/schemas/inventory.json: %v", args[0], err)
				}
				if inv.Feed != nil {
					fmt.Fprintf(ts.Stdout(), "feed advisories=%d date=%s\n", inv.Feed.Advisories, inv.Feed.Date.Format("2006-01-02"))
				}
				for _, im := range inv.Images {
					var ids []string
					for _, v := range im.Vulnerabilities {
						ids = append(ids, v.ID)
					}
					fmt.Fprintf(ts.Stdout(), "%s digest=%v components=%d vulns=%s cached=%v error=%v\n", im.Reference, im.Digest != "", im.Components, strings.Join(ids, ","), im.Cached, im.Error != "")
				}
			},
		},
	})
}
