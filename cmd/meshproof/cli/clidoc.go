package cli

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
)

// writeCLIReference writes the command reference in Markdown (docs/cli.md)
// from the command tree itself: every command's usage, description,
// examples and flags, as --help shows them.
func writeCLIReference(w io.Writer) error {
	root := newRoot(&env{stdout: io.Discard, stderr: io.Discard, getenv: func(string) string { return "" }})
	bw := bufio.NewWriter(w)
	bw.WriteString("# Command reference\n\n<!-- Generated from the command tree (go test ./cmd/meshproof/cli -run TestGeneratedDocsCurrent -update); do not edit. -->\n\n")
	bw.WriteString("Every command prints the same with `--help`. Global flags: `--quiet` (`-q`), `--verbose` (`-v`).\n")
	bw.WriteString("Exit codes everywhere: 0 done and nothing blocking, 1 blocking findings (or a verification that failed), 2 could not be done.\n\n")
	var cmds []*cobra.Command
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		if c.Hidden || c.Name() == "help" || c.Name() == "completion" {
			return
		}
		cmds = append(cmds, c)
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
	for _, c := range cmds[1:] {
		fmt.Fprintf(bw, "- [`%s`](#%s): %s\n", c.CommandPath(), anchorOf(c), c.Short)
	}
	fmt.Fprintf(bw, "- `meshproof completion bash|zsh|fish|powershell`: shell completion scripts\n")
	for _, c := range cmds[1:] {
		fmt.Fprintf(bw, "\n## %s\n\n%s.\n\n", c.CommandPath(), strings.TrimSuffix(c.Short, "."))
		fmt.Fprintf(bw, "```\n%s\n```\n\n", c.UseLine())
		if c.Long != "" {
			fmt.Fprintf(bw, "```text\n%s\n```\n\n", strings.TrimRight(c.Long, "\n"))
		}
		if c.Example != "" {
			fmt.Fprintf(bw, "Examples:\n\n```sh\n%s\n```\n\n", strings.TrimRight(c.Example, "\n"))
		}
		if fl := c.NonInheritedFlags(); fl.HasAvailableFlags() {
			fmt.Fprintf(bw, "Flags:\n\n```text\n%s```\n", fl.FlagUsagesWrapped(100))
		}
		if subs := c.Commands(); len(subs) > 0 {
			bw.WriteString("\nSubcommands:")
			for _, s := range subs {
				if !s.Hidden && s.Name() != "help" {
					fmt.Fprintf(bw, " [`%s`](#%s)", s.Name(), anchorOf(s))
				}
			}
			bw.WriteString("\n")
		}
	}
	return bw.Flush()
}

// anchorOf is the Markdown heading anchor of a command's section.
func anchorOf(c *cobra.Command) string {
	return strings.ReplaceAll(strings.ToLower(c.CommandPath()), " ", "-")
}
