package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	yaml "go.yaml.in/yaml/v3"
)

// action is the part of action.yml the test runs.
type action struct {
	Inputs map[string]struct {
		Default string `yaml:"default"`
	} `yaml:"inputs"`
	Outputs map[string]struct {
		Value string `yaml:"value"`
	} `yaml:"outputs"`
	Runs struct {
		Using string       `yaml:"using"`
		Steps []actionStep `yaml:"steps"`
	} `yaml:"runs"`
}

type actionStep struct {
	ID    string            `yaml:"id"`
	Name  string            `yaml:"name"`
	Uses  string            `yaml:"uses"`
	If    string            `yaml:"if"`
	Shell string            `yaml:"shell"`
	Env   map[string]string `yaml:"env"`
	Run   string            `yaml:"run"`
	With  map[string]string `yaml:"with"`
}

var expression = regexp.MustCompile(`\$\{\{\s*(.*?)\s*\}\}`)

// TestGitHubAction runs the composite action's shell steps as GitHub's
// runner would, with this repository's meshproof on PATH instead of the
// installed release: the outputs, the exit code of each step and the gate
// for a failing, a passing and an unreadable input, and --no-fail. It also
// checks that every expression names a declared input or a known context.
func TestGitHubAction(t *testing.T) {
	if testing.Short() {
		t.Skip("builds meshproof")
	}
	data, err := os.ReadFile(filepath.Join("..", "..", "action.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var a action
	if err := yaml.Unmarshal(data, &a); err != nil {
		t.Fatalf("action.yml: %v", err)
	}
	if a.Runs.Using != "composite" {
		t.Fatalf("runs.using = %q, want composite", a.Runs.Using)
	}
	bin := t.TempDir()
	if err := os.Symlink(meshproofBinary(t), filepath.Join(bin, "meshproof")); err != nil {
		t.Fatal(err)
	}
	examples, _ := filepath.Abs(filepath.Join("..", "..", "examples", "payments"))
	// A manifest without images, and a root filesystem with one Debian
	// package, for the scan; the report goes to reportDir.
	noImages := filepath.Join(t.TempDir(), "settings.yaml")
	if err := os.WriteFile(noImages, []byte("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings, namespace: shop}\ndata: {a: b}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	rootfs := t.TempDir()
	if err := os.MkdirAll(filepath.Join(rootfs, "var", "lib", "dpkg"), 0o755); err != nil {
		t.Fatal(err)
	}
	status := "Package: zlib1g\nStatus: install ok installed\nArchitecture: amd64\nSource: zlib\nVersion: 1:1.2.13.dfsg-1\nDescription: compression library\n\n"
	if err := os.WriteFile(filepath.Join(rootfs, "var", "lib", "dpkg", "status"), []byte(status), 0o644); err != nil {
		t.Fatal(err)
	}
	// An empty folder has nothing to inventory: IMG-06, a blocking finding.
	// (A folder has no image config, so IMG-03 does not apply to dir: sources.)
	emptyDir := t.TempDir()
	reportDir := filepath.Join(t.TempDir(), "report")
	broken := filepath.Join(t.TempDir(), "broken.yaml")
	if err := os.WriteFile(broken, []byte("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: [x\n"), 0o644); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name      string
		inputs    map[string]string
		checkExit int // exit code of the check step
		output    string
		gateExit  int // exit code of the gate step (-1: not reached)
		stdout    string
	}{
		{"blocking findings", map[string]string{"paths": filepath.Join(examples, "mistakes")}, 0, "1", 1, "::error file="},
		{"no-fail", map[string]string{"paths": filepath.Join(examples, "mistakes"), "no-fail": "true"}, 0, "1", 0, "FAIL"},
		{"passing", map[string]string{"paths": filepath.Join(examples, "compliant")}, 0, "0", 0, "PASS"},
		{"threshold", map[string]string{"paths": filepath.Join(examples, "mistakes"), "fail-on": "critical", "annotations": "false"}, 0, "1", 1, "FAIL"},
		{"unreadable input", map[string]string{"paths": broken}, 2, "2", -1, "::error title=meshproof::meshproof check could not check"},
		{"scan and report", map[string]string{"paths": noImages, "scan": "true", "images": "dir:" + rootfs + " dir:" + emptyDir, "report": "true", "report-dir": reportDir}, 0, "0", 1, "IMG-06"},
		{"scan that cannot reach its images", map[string]string{"paths": filepath.Join(examples, "compliant"), "scan": "true", "upload-sarif": "false"}, 0, "0", -1, "::error title=meshproof::meshproof scan could not scan every image"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inputs := map[string]string{}
			for k, v := range a.Inputs {
				inputs[k] = v.Default
			}
			for k, v := range tt.inputs {
				if _, ok := a.Inputs[k]; !ok {
					t.Fatalf("test sets undeclared input %q", k)
				}
				inputs[k] = v
			}
			temp := t.TempDir()
			outputs := map[string]map[string]string{}
			eval := func(s string) string {
				return expression.ReplaceAllStringFunc(s, func(m string) string {
					expr := expression.FindStringSubmatch(m)[1]
					switch {
					case strings.HasPrefix(expr, "inputs."):
						name := strings.TrimPrefix(expr, "inputs.")
						if _, ok := a.Inputs[name]; !ok {
							t.Errorf("expression %s names an undeclared input", m)
						}
						return inputs[name]
					case expr == "runner.temp":
						return temp
					case strings.HasPrefix(expr, "steps."):
						parts := strings.Split(expr, ".")
						if len(parts) != 4 || parts[2] != "outputs" {
							t.Errorf("unknown expression %s", m)
							return ""
						}
						return outputs[parts[1]][parts[3]]
					}
					t.Errorf("expression %s is not one this test can evaluate", m)
					return ""
				})
			}
			var log strings.Builder
			gate := -1
			for _, st := range a.Runs.Steps {
				if st.Uses != "" || st.Name == "Install meshproof" {
					continue // third-party actions, and the release install this test replaces
				}
				if st.If != "" && !evalIf(t, st.If, inputs) {
					continue
				}
				if st.Shell != "bash" {
					t.Fatalf("step %q: shell %q, want bash", st.Name, st.Shell)
				}
				ghOutput := filepath.Join(temp, "output-"+st.ID)
				// As GitHub runs a bash step: bash --noprofile --norc -eo pipefail.
				c := exec.Command("bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", st.Run)
				c.Env = append(os.Environ(), "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"), "GITHUB_OUTPUT="+ghOutput, "NO_COLOR=1")
				for k, v := range st.Env {
					c.Env = append(c.Env, k+"="+eval(v))
				}
				out, err := c.CombinedOutput()
				log.Write(out)
				code := c.ProcessState.ExitCode()
				if err != nil && code < 0 {
					t.Fatalf("step %q: %v", st.Name, err)
				}
				if st.ID != "" {
					outputs[st.ID] = readOutputs(t, ghOutput)
				}
				if st.ID == "check" {
					if code != tt.checkExit {
						t.Errorf("check step exit = %d, want %d\n%s", code, tt.checkExit, out)
					}
					if got := outputs["check"]["exit-code"]; got != tt.output {
						t.Errorf("check step output exit-code = %q, want %q", got, tt.output)
					}
					if sarif := outputs["check"]["sarif"]; tt.checkExit == 0 {
						var v map[string]any
						b, _ := os.ReadFile(sarif)
						if err := json.Unmarshal(b, &v); err != nil || v["version"] != "2.1.0" {
							t.Errorf("sarif output %s is not SARIF 2.1.0: %v", sarif, err)
						}
					}
				}
				if st.Name == "Gate" {
					gate = code
				}
				if code != 0 {
					break // the runner stops at a failing step
				}
			}
			if tt.inputs["report"] == "true" {
				for _, f := range []string{"index.html", "report.pdf", "report.json"} {
					if _, err := os.Stat(filepath.Join(tt.inputs["report-dir"], f)); err != nil {
						t.Errorf("the report step wrote no %s: %v", f, err)
					}
				}
			}
			if tt.inputs["scan"] == "true" && gate >= 0 {
				if got := outputs["scan"]["exit-code"]; got != strconv.Itoa(gate) {
					t.Errorf("scan exit-code output = %q, want %d (the gate's)", got, gate)
				}
			}
			if gate != tt.gateExit {
				t.Errorf("gate exit = %d, want %d\n%s", gate, tt.gateExit, log.String())
			}
			if !strings.Contains(log.String(), tt.stdout) {
				t.Errorf("step output lacks %q:\n%s", tt.stdout, log.String())
			}
		})
	}
	for name, o := range a.Outputs {
		if !expression.MatchString(o.Value) {
			t.Errorf("output %s = %q, want an expression", name, o.Value)
		}
	}
}

var inputIsTrue = regexp.MustCompile(`^\$\{\{\s*inputs\.([a-z-]+) == 'true'\s*\}\}$`)

// evalIf evaluates the if: of a shell step, which may only test an input.
func evalIf(t *testing.T, cond string, inputs map[string]string) bool {
	m := inputIsTrue.FindStringSubmatch(cond)
	if m == nil {
		t.Fatalf("if: %q is not of the form ${{ inputs.X == 'true' }} this test evaluates", cond)
	}
	v, ok := inputs[m[1]]
	if !ok {
		t.Fatalf("if: %q names an undeclared input", cond)
	}
	return v == "true"
}

// readOutputs parses a GITHUB_OUTPUT file of name=value lines.
func readOutputs(t *testing.T, path string) map[string]string {
	t.Helper()
	out := map[string]string{}
	data, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return out
	}
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			t.Fatalf("%s: line %q is not name=value", path, line)
		}
		out[k] = v
	}
	return out
}
