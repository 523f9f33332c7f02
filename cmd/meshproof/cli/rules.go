package cli

import (
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/meshproof/meshproof/reports"
	"github.com/meshproof/meshproof/reports/audit"
	"github.com/meshproof/meshproof/rules"
	"github.com/meshproof/meshproof/rules/check"
	"github.com/meshproof/meshproof/rules/engine"
)

func newRules(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "rules",
		Short: "List, show and document the built-in rules",
		Args:  cobra.NoArgs,
	}
	var output string
	list := &cobra.Command{
		Use:     "list",
		Short:   "List the built-in rules",
		Example: "  meshproof rules list\n  meshproof rules list -o json | jq '.[] | select(.severity == \"CRITICAL\") | .id'",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			rs, err := builtinRules(cmd)
			if err != nil {
				return err
			}
			switch output {
			case "json":
				enc := json.NewEncoder(e.stdout)
				enc.SetIndent("", "  ")
				enc.SetEscapeHTML(false)
				return enc.Encode(rs)
			case "table":
				tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "ID\tSEVERITY\tINPUT\tPCI DSS\tTITLE")
				for _, r := range rs {
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.ID, r.Severity, r.Input, strings.Join(r.PCI, ","), r.Title)
				}
				return tw.Flush()
			}
			return fmt.Errorf("--output: unknown format %q (want table or json)", output)
		},
	}
	list.Flags().StringVarP(&output, "output", "o", "table", "table or json")
	show := &cobra.Command{
		Use:     "show ID",
		Short:   "Show one rule: rationale, PCI DSS IDs, references and remediation",
		Example: "  meshproof rules show MTLS-01",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			rs, err := builtinRules(cmd)
			if err != nil {
				return err
			}
			for _, r := range rs {
				if strings.EqualFold(r.ID, args[0]) {
					return reports.RuleMarkdown(e.stdout, r)
				}
			}
			return fmt.Errorf("no rule %q (see meshproof rules list)", args[0])
		},
	}
	var pci bool
	doc := &cobra.Command{
		Use:     "doc",
		Short:   "Write the rule reference (docs/rules.md) or the PCI DSS mapping (docs/pci.md) in Markdown",
		Example: "  meshproof rules doc > docs/rules.md\n  meshproof rules doc --pci > docs/pci.md",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			rs, err := builtinRules(cmd)
			if err != nil {
				return err
			}
			if pci {
				return audit.MappingMarkdown(e.stdout, rs)
			}
			return reports.RulesMarkdown(e.stdout, rs)
		},
	}
	doc.Flags().BoolVar(&pci, "pci", false, "write the PCI DSS requirement mapping instead of the rule reference")
	cmd.AddCommand(list, show, doc, newRulesTest(e))
	return cmd
}

// builtinRules lists the built-in pack's rules and the schema rule, by ID.
func builtinRules(cmd *cobra.Command) ([]rules.Rule, error) {
	eng, err := engine.New(cmd.Context(), engine.Options{})
	if err != nil {
		return nil, err
	}
	return check.Rules(eng), nil
}
