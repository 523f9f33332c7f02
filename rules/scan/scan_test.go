package scan

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/meshproof/meshproof/rules"
	"github.com/meshproof/meshproof/rules/engine"
	"github.com/meshproof/meshproof/scanner"
	"github.com/meshproof/meshproof/scanner/image"
	"github.com/meshproof/meshproof/scanner/image/imagetest"
	"github.com/meshproof/meshproof/scanner/inventory"
	"github.com/meshproof/meshproof/scanner/sbom"
	"github.com/meshproof/meshproof/scanner/vuln"
)

const manifest = `apiVersion: apps/v1
kind: Deployment
metadata: {name: ui, namespace: shop}
spec:
  template:
    spec:
      containers:
      - name: ui
        image: %[1]s/shop/ui:1.0
      - name: db-client
        image: %[1]s/shop/db@%[2]s
        securityContext: {runAsNonRoot: true}
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: report, namespace: shop}
spec:
  jobTemplate:
    spec:
      template:
        spec:
          initContainers:
          - name: fetch
            image: %[1]s/shop/missing:1
          containers:
          - name: report
            image: %[3]s/shop/report:1
`

// TestRun scans the images of a manifest from the in-memory registry: a tag
// and a digest reference are scanned, a missing image and an unreachable
// registry fail without stopping the others, and the image rules and the
// feed produce findings in check's shape.
func TestRun(t *testing.T) {
	ctx := context.Background()
	host := imagetest.Registry(t)
	ui := imagetest.Image(t, imagetest.Config{}, imagetest.Alpine(t), imagetest.NPM(t))
	db := imagetest.Image(t, imagetest.Config{User: "999"}, imagetest.Debian(t))
	uiDigest := imagetest.Push(t, host+"/shop/ui:1.0", ui)
	dbDigest := imagetest.Push(t, host+"/shop/db:12", db)
	closed := httptest.NewServer(http.NotFoundHandler())
	gone := strings.TrimPrefix(closed.URL, "http://")
	closed.Close()

	dir := t.TempDir()
	mf := filepath.Join(dir, "shop.yaml")
	os.WriteFile(mf, []byte(fmt.Sprintf(manifest, host, dbDigest, gone)), 0o644)
	eng, err := engine.New(ctx, engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	feed, err := vuln.LoadFeed(filepath.Join("..", "..", "scanner", "vuln", "testdata", "feed"))
	if err != nil {
		t.Fatal(err)
	}
	cache, err := sbom.OpenCache(filepath.Join(dir, "cache"))
	if err != nil {
		t.Fatal(err)
	}
	cfg := rules.DefaultConfig()
	cfg.Images.AllowedRegistries = []string{host}
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	var progress []string
	opts := Options{
		Paths: []string{mf}, Config: cfg, Engine: eng, Feed: feed, Now: now, Jobs: 2,
		SBOM:     sbom.Options{Cache: cache, Image: image.Options{Retries: -1}},
		SBOMDir:  filepath.Join(dir, "sboms"),
		Progress: func(done, total int, ref string) { progress = append(progress, fmt.Sprintf("%d/%d", done, total)) },
	}
	res, err := Run(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	if !cmp.Equal(progress, []string{"1/4", "2/4", "3/4", "4/4"}) {
		t.Errorf("progress = %v, want 1/4 ... 4/4", progress)
	}
	var failed []string
	for _, f := range res.Failed {
		failed = append(failed, f.Reference)
	}
	want0 := []string{gone + "/shop/report:1", host + "/shop/missing:1"}
	slices.Sort(want0)
	if !cmp.Equal(failed, want0) {
		t.Errorf("Failed = %v, want %v", failed, want0)
	}
	byRef := map[string]int{}
	for i, im := range res.Inventory.Images {
		byRef[im.Reference] = i
	}
	uiImg := res.Inventory.Images[byRef[host+"/shop/ui:1.0"]]
	if uiImg.Digest != uiDigest || uiImg.Components != 4 || uiImg.Distro != "alpine 3.20.3" || uiImg.SBOMFile == "" {
		t.Errorf("ui image = %+v, want digest %s, 4 components, alpine, an SBOM file", uiImg, uiDigest)
	}
	var vulnIDs []string
	for _, v := range uiImg.Vulnerabilities {
		vulnIDs = append(vulnIDs, v.ID)
	}
	if want := []string{"GHSA-35jh-r3h4-6jhm", "ALPINE-CVE-2025-26519"}; !cmp.Equal(vulnIDs, want) {
		t.Errorf("ui vulnerabilities = %v, want %v", vulnIDs, want)
	}
	dbImg := res.Inventory.Images[byRef[host+"/shop/db@"+dbDigest]]
	if dbImg.Digest != dbDigest || dbImg.User != "999" || len(dbImg.Vulnerabilities) != 1 {
		t.Errorf("db image = %+v, want digest %s, user 999, the openssl advisory", dbImg, dbDigest)
	}
	if _, err := os.Stat(uiImg.SBOMFile); err != nil {
		t.Errorf("SBOM file: %v", err)
	}
	if res.Inventory.Feed == nil || res.Inventory.Feed.AgeDays != 10 {
		t.Errorf("feed = %+v, want age 10 days", res.Inventory.Feed)
	}

	type fnd struct {
		Rule, Resource string
		Line           int
		Severity       string
		NotAssessed    bool
	}
	var got []fnd
	for _, f := range res.Report.Findings {
		got = append(got, fnd{f.RuleID, f.Resource.String(), f.Line, f.Severity.String(), f.NotAssessed != ""})
	}
	want := []fnd{
		{"IMG-01", "Image/" + host + "/shop/ui", 9, "MEDIUM", false},
		{"IMG-03", "Image/" + host + "/shop/ui", 9, "HIGH", false},
		{"IMG-07", "Image/" + host + "/shop/ui", 9, "HIGH", false},
		{"IMG-07", "Image/" + host + "/shop/ui", 9, "HIGH", false},
		{"IMG-07", "Image/" + host + "/shop/db", 11, "MEDIUM", false},
		{"SCAN-01", "Image/" + host + "/shop/missing", 24, "HIGH", true},
		{"SCAN-01", "Image/" + gone + "/shop/report", 27, "HIGH", true},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
	if res.Report.Summary.Passed {
		t.Errorf("summary passed with blocking findings")
	}

	// The second run of unchanged images comes from the cache.
	res2, err := Run(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	for _, im := range res2.Inventory.Images {
		if im.Error == "" && !im.Cached {
			t.Errorf("second run: %s not from the cache", im.Reference)
		}
	}
	if !slices.EqualFunc(res.Report.Findings, res2.Report.Findings, func(a, b rules.Finding) bool { return a.Fingerprint == b.Fingerprint }) {
		t.Errorf("cached run findings differ")
	}

	// The inventory, written out and read back as report --inventory
	// does, judged again with the manifests: the same findings.
	raw, err := json.Marshal(res.Inventory)
	if err != nil {
		t.Fatal(err)
	}
	var inv inventory.Report
	if err := json.Unmarshal(raw, &inv); err != nil {
		t.Fatal(err)
	}
	objs, err := scanner.Load(ctx, []string{mf}, scanner.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Evaluate(ctx, &inv, objs, Options{Config: cfg, Engine: eng, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	var again []fnd
	for _, f := range rep.Findings {
		again = append(again, fnd{f.RuleID, f.Resource.String(), f.Line, f.Severity.String(), f.NotAssessed != ""})
	}
	if diff := cmp.Diff(want, again); diff != "" {
		t.Errorf("Evaluate on the inventory: findings (-want +got):\n%s", diff)
	}
	if rep.Summary.Passed || rep.Summary.Resources != 4 {
		t.Errorf("Evaluate summary = %+v, want not passed, 4 images", rep.Summary)
	}
	// The containers' securityContext comes from the manifests: with ui
	// running as non-root there, IMG-03 goes.
	os.WriteFile(mf, []byte(strings.Replace(fmt.Sprintf(manifest, host, dbDigest, gone),
		"image: "+host+"/shop/ui:1.0", "image: "+host+"/shop/ui:1.0\n        securityContext: {runAsNonRoot: true}", 1)), 0o644)
	if objs, err = scanner.Load(ctx, []string{mf}, scanner.LoadOptions{}); err != nil {
		t.Fatal(err)
	}
	if rep, err = Evaluate(ctx, &inv, objs, Options{Config: cfg, Engine: eng, Now: now}); err != nil {
		t.Fatal(err)
	}
	for _, f := range rep.Findings {
		if f.RuleID == "IMG-03" {
			t.Errorf("IMG-03 on %s with runAsNonRoot in the manifest", f.Resource)
		}
	}
}

// TestRunWaiversAndImages: images named directly need no manifests, and
// waivers apply to image findings as to check's.
func TestRunWaiversAndImages(t *testing.T) {
	ctx := context.Background()
	img := imagetest.Image(t, imagetest.Config{User: "10001"})
	tar := imagetest.Archive(t, "empty:1", img)
	eng, err := engine.New(ctx, engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	src := "docker-archive:" + tar
	waivers := []rules.Waiver{{Rule: "IMG-06", Resource: "Image/" + src, Owner: "a@example.com", Reason: "scratch image", Expires: "2099-01-01"}}
	opts := Options{Images: []string{src}, Engine: eng}
	res, err := Run(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Report.Findings) != 1 || res.Report.Findings[0].RuleID != "IMG-06" || res.Report.Summary.Passed {
		t.Fatalf("findings = %+v, want one blocking IMG-06 (empty SBOM)", res.Report.Findings)
	}
	loaded := writeWaivers(t, waivers)
	opts.Waivers = loaded
	res, err = Run(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Report.Findings[0].Waived || !res.Report.Summary.Passed {
		t.Errorf("waived finding = %+v, passed %v; want it waived and the scan passing", res.Report.Findings[0], res.Report.Summary.Passed)
	}
	if _, err := Run(ctx, Options{Images: []string{"Not A Ref"}, Engine: eng}); err == nil {
		t.Errorf("Run with a malformed image succeeded")
	}
	if _, err := Run(ctx, Options{Engine: eng}); err == nil || !strings.Contains(err.Error(), "no images") {
		t.Errorf("Run without images error = %v, want no images", err)
	}
}

func writeWaivers(t *testing.T, ws []rules.Waiver) []rules.Waiver {
	var b strings.Builder
	b.WriteString("waivers:\n")
	for _, w := range ws {
		fmt.Fprintf(&b, "- {rule: %s, resource: %q, owner: %s, reason: %s, expires: %s}\n", w.Rule, w.Resource, w.Owner, w.Reason, w.Expires)
	}
	p := filepath.Join(t.TempDir(), "waivers.yaml")
	os.WriteFile(p, []byte(b.String()), 0o644)
	out, err := rules.LoadWaivers(p)
	if err != nil {
		t.Fatal(err)
	}
	return out
}
