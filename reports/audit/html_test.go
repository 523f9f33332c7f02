package audit

import (
	"bytes"
	"context"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

// TestHTMLSelfContained parses the HTML report and checks that it is
// self-contained: no script, no stylesheet link, no src or href that
// leaves the page (http, https, protocol-relative, data or file), and
// that it has every section and the graph with the CDE highlighted.
func TestHTMLSelfContained(t *testing.T) {
	rep := Build(exampleInput(t, "mistakes"))
	var buf bytes.Buffer
	if err := WriteHTML(context.Background(), &buf, rep); err != nil {
		t.Fatal(err)
	}
	doc, err := html.Parse(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]bool{}
	svgs, cdeNodes, edges := 0, 0, 0
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			switch n.Data {
			case "script", "link", "iframe", "object", "embed", "img":
				t.Errorf("the report has a <%s> element", n.Data)
			case "svg":
				svgs++
			}
			for _, a := range n.Attr {
				v := strings.ToLower(strings.TrimSpace(a.Val))
				switch a.Key {
				case "src", "href", "xlink:href", "action", "srcset":
					if !strings.HasPrefix(v, "#") && (strings.Contains(v, ":") || strings.HasPrefix(v, "//")) {
						t.Errorf("<%s %s=%q> refers outside the page", n.Data, a.Key, a.Val)
					}
				case "id":
					ids[a.Val] = true
				case "class":
					if strings.Contains(v, "scope-cde") {
						cdeNodes++
					}
					if strings.HasPrefix(v, "edge ") {
						edges++
					}
				case "style":
					if strings.Contains(v, "url(") {
						t.Errorf("style %q loads a URL", a.Val)
					}
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	if strings.Contains(buf.String(), "@import") || strings.Contains(buf.String(), "url(") {
		t.Error("the report's CSS imports or loads a URL")
	}
	for _, id := range []string{"summary", "scope", "segmentation", "requirements", "coverage", "inventory", "vulnerabilities", "waivers", "findings", "statements", "integrity", "req-11.4.5", "req-12.5.2"} {
		if !ids[id] {
			t.Errorf("the report has no element with id %q", id)
		}
	}
	if svgs != 1 || cdeNodes != 2 || edges == 0 {
		t.Errorf("graph: %d svg, %d CDE nodes, %d edges; want 1 svg, 2 CDE nodes, some edges", svgs, cdeNodes, edges)
	}
	for _, want := range []string{"does not replace the penetration test", "open, public networks only", "no image scan was run", "scope review pending", "expired"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("the report does not say %q", want)
		}
	}
}

// chromiumArgs are the flags for a headless Chromium that stays off the
// network and leaves no state behind.
func chromiumArgs(profile string, extra ...string) []string {
	return append([]string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
		"--disable-component-update", "--disable-sync", "--no-first-run", "--user-data-dir=" + profile}, extra...)
}

// TestHTMLInChromium opens the HTML report from a file in headless Chromium
// (Debian's package): the rendered DOM has every section and the graph, a
// screenshot is written under the test's temp dir and is not blank, and the
// page prints to PDF.
func TestHTMLInChromium(t *testing.T) {
	chromium, err := exec.LookPath("chromium")
	if err != nil {
		t.Skip("chromium not installed (Debian package chromium; .ci/run installs it)")
	}
	dir := t.TempDir()
	rep := Build(exampleInput(t, "mistakes"))
	page := filepath.Join(dir, "index.html")
	f, err := os.Create(page)
	if err != nil {
		t.Fatal(err)
	}
	if err := WriteHTML(context.Background(), f, rep); err != nil {
		t.Fatal(err)
	}
	f.Close()
	url := "file://" + page
	run := func(args ...string) []byte {
		t.Helper()
		cmd := exec.Command(chromium, chromiumArgs(filepath.Join(dir, "profile"), args...)...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("chromium %v: %v\n%s", args, err, stderr.String())
		}
		return out
	}
	dom := string(run("--dump-dom", url))
	for _, want := range []string{`id="scope"`, `id="segmentation"`, `id="requirements"`, `id="integrity"`, "<svg", `class="node scope-cde"`, "payments-api"} {
		if !strings.Contains(dom, want) {
			t.Errorf("rendered DOM lacks %q", want)
		}
	}
	shot := filepath.Join(dir, "report.png")
	run("--window-size=1200,3000", "--screenshot="+shot, url)
	sf, err := os.Open(shot)
	if err != nil {
		t.Fatal(err)
	}
	defer sf.Close()
	img, err := png.Decode(sf)
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	b := img.Bounds()
	colored := 0
	for y := b.Min.Y; y < b.Max.Y; y += 4 {
		for x := b.Min.X; x < b.Max.X; x += 4 {
			r, g, bl, _ := img.At(x, y).RGBA()
			if r != g || g != bl { // a coloured pixel: statuses, graph
				colored++
			}
		}
	}
	if b.Dx() != 1200 || colored < 100 {
		t.Errorf("screenshot %s: %dx%d with %d coloured samples; want 1200 wide and coloured content", shot, b.Dx(), b.Dy(), colored)
	}
	t.Logf("screenshot: %s", shot)
	pdf := filepath.Join(dir, "print.pdf")
	run("--print-to-pdf="+pdf, "--no-pdf-header-footer", url)
	if st, err := os.Stat(pdf); err != nil || st.Size() < 10000 {
		t.Errorf("print to PDF: %v", err)
	}
	if pdftotext, err := exec.LookPath("pdftotext"); err == nil {
		out, err := exec.Command(pdftotext, "-layout", pdf, "-").Output()
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(out), "Segmentation graph") || !strings.Contains(string(out), "12.5.2") {
			t.Errorf("the printed page lacks its sections:\n%.2000s", out)
		}
	}
}
