package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/meshproof/meshproof/rules/engine"
)

func newRulesTest(e *env) *cobra.Command {
	var (
		policies []string
		data     []string
		fixtures string
		noBuilt  bool
		output   string
	)
	cmd := &cobra.Command{
		Use:   "test",
		Short: "Run the Rego unit tests of the rule pack and your policies, and the rule fixtures",
		Long: `Test runs every test_ rule in *_test.rego files of the built-in pack and of your
policies (as opa test and conftest verify do), then checks each built-in rule
against its fixtures: FIXTURES/<ID>/fail*.yaml must yield findings exactly on the
lines marked "# want: <ID>", pass*.yaml none. Exit 1 when a test or fixture fails.`,
		Example: `  meshproof rules test
  meshproof rules test --policy ./policy --no-builtin
  meshproof rules test --fixtures testdata/rules -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			opts := engine.Options{PolicyPaths: policies, DataPaths: data, NoBuiltin: noBuilt, AllNamespaces: true}
			tests, err := engine.RunTests(ctx, opts)
			if err != nil {
				return err
			}
			var fixtureResults []engine.FixtureResult
			if fixtures != "" && !noBuilt {
				if _, err := os.Stat(fixtures); err != nil {
					if !cmd.Flags().Changed("fixtures") && errors.Is(err, fs.ErrNotExist) {
						fixtures = ""
					} else {
						return fmt.Errorf("--fixtures: %w", err)
					}
				}
			}
			if fixtures != "" && !noBuilt {
				eng, err := engine.New(ctx, engine.Options{})
				if err != nil {
					return err
				}
				if fixtureResults, err = eng.CheckFixtures(ctx, fixtures, time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)); err != nil {
					return err
				}
			}
			failed := 0
			for _, t := range tests {
				if !t.Passed {
					failed++
				}
			}
			for _, f := range fixtureResults {
				if f.Problem != "" {
					failed++
				}
			}
			switch output {
			case "json":
				enc := json.NewEncoder(e.stdout)
				enc.SetIndent("", "  ")
				if err := enc.Encode(map[string]any{"tests": tests, "fixtures": fixtureResults, "failed": failed}); err != nil {
					return err
				}
			case "text":
				printTestResults(e, tests, fixtureResults, fixtures)
			default:
				return fmt.Errorf("--output: unknown format %q (want text or json)", output)
			}
			if failed > 0 {
				return &exitError{code: ExitFindings}
			}
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringArrayVarP(&policies, "policy", "p", nil, "folder or file of your own policies and their tests; repeatable")
	fl.StringArrayVarP(&data, "data", "d", nil, "JSON or YAML data for the tests; repeatable")
	fl.StringVar(&fixtures, "fixtures", "testdata/rules", "folder of rule fixtures (<ID>/fail*.yaml, pass*.yaml); skipped when the default does not exist")
	fl.BoolVar(&noBuilt, "no-builtin", false, "test only your own policies")
	fl.StringVarP(&output, "output", "o", "text", "text or json")
	return cmd
}

func printTestResults(e *env, tests []engine.TestResult, fixtures []engine.FixtureResult, dir string) {
	passed, failed := 0, 0
	for _, t := range tests {
		if t.Passed {
			passed++
			continue
		}
		failed++
		detail := ""
		if t.Error != "" {
			detail = ": " + t.Error
		}
		fmt.Fprintf(e.stdout, "FAIL %s.%s (%s:%d)%s\n", t.Package, t.Name, t.File, t.Line, detail)
	}
	fmt.Fprintf(e.stdout, "Rego tests: %d passed, %d failed\n", passed, failed)
	if dir == "" {
		return
	}
	bad := 0
	for _, f := range fixtures {
		if f.Problem != "" {
			bad++
			fmt.Fprintf(e.stdout, "FAIL %s %s: %s\n", f.Rule, f.File, f.Problem)
		}
	}
	fmt.Fprintf(e.stdout, "Fixtures (%s): %d checked, %d failed\n", dir, len(fixtures), bad)
}
