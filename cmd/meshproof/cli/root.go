// Package cli is meshproof's command line: one file per command, a fresh
// command tree per run, so that tests run it in-process through Run.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/meshproof/meshproof/scanner/sbom"
	"golang.org/x/term"
)

// Exit codes: a CI gate must tell "no" from "could not decide".
const (
	ExitOK       = 0 // the run finished and nothing is at or above the threshold
	ExitFindings = 1 // the run finished and there are blocking findings
	ExitError    = 2 // usage or runtime error; wins over ExitFindings
)

// env is what a run reads from and writes to, so that tests can run the CLI
// in-process.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	log            *slog.Logger
	getenv         func(string) string
	// stdoutTTY is true when stdout is a terminal.
	stdoutTTY bool
	// stderrTTY is true when stderr is a terminal (progress bars go there).
	stderrTTY bool
	// level is the log level: warnings by default, errors only with
	// --quiet, debug with --verbose.
	level slog.LevelVar
	// quiet is --quiet: no progress and no warnings, only errors and the report.
	quiet bool
}

// progress reports whether long-running commands may draw progress on
// stderr: only on a terminal, never with --quiet.
func (e *env) progress() bool { return e.stderrTTY && !e.quiet }

// exitError carries an exit code up from a command.
type exitError struct{ code int }

func (e *exitError) Error() string { return fmt.Sprintf("exit %d", e.code) }

// Main runs meshproof with the process's arguments and streams.
func Main() int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	e := &env{
		stdin:     os.Stdin,
		stdout:    os.Stdout,
		stderr:    os.Stderr,
		getenv:    os.Getenv,
		stdoutTTY: term.IsTerminal(int(os.Stdout.Fd())),
		stderrTTY: term.IsTerminal(int(os.Stderr.Fd())),
	}
	// syft's process-wide logger, set once here (never from libraries); it
	// follows --quiet and --verbose through e.level.
	sbom.SetLogger(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: &e.level})))
	return run(ctx, os.Args[1:], e)
}

// Run runs meshproof with args and the given streams and returns the exit
// code. It never touches the process's own streams or environment.
func Run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return run(ctx, args, &env{stdin: stdin, stdout: stdout, stderr: stderr, getenv: func(string) string { return "" }})
}

func run(ctx context.Context, args []string, e *env) int {
	e.level.Set(slog.LevelWarn)
	e.log = slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: &e.level}))
	root := newRoot(e)
	root.SetArgs(args)
	root.SetIn(e.stdin)
	root.SetOut(e.stdout)
	root.SetErr(e.stderr)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return ExitOK
	}
	var xe *exitError
	if errors.As(err, &xe) {
		return xe.code
	}
	printError(e.stderr, err)
	return ExitError
}

// printError writes an error one problem per line, without stack traces.
func printError(w io.Writer, err error) {
	for _, line := range strings.Split(err.Error(), "\n") {
		if strings.TrimSpace(line) != "" {
			fmt.Fprintln(w, "error: "+line)
		}
	}
}

func newRoot(e *env) *cobra.Command {
	root := &cobra.Command{
		Use:   "meshproof",
		Short: "Keep a service mesh PCI DSS compliant, and prove it",
		Long: `meshproof checks Istio, Linkerd and Kubernetes manifests against a built-in
PCI DSS v4.0.1 / zero-trust rule pack (Rego, conftest conventions) and your own
policies, and exits 0 (pass), 1 (blocking findings) or 2 (could not decide).`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.CompletionOptions.HiddenDefaultCmd = true
	var verbose bool
	root.PersistentFlags().BoolVarP(&e.quiet, "quiet", "q", false, "print only the report and errors: no progress, no warnings")
	root.PersistentFlags().BoolVarP(&verbose, "verbose", "v", false, "log what is being done (debug messages on stderr)")
	root.PersistentPreRunE = func(*cobra.Command, []string) error {
		switch {
		case e.quiet && verbose:
			return errors.New("--quiet and --verbose exclude each other")
		case e.quiet:
			e.level.Set(slog.LevelError)
		case verbose:
			e.level.Set(slog.LevelDebug)
		}
		return nil
	}
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return fmt.Errorf("%w (see %s --help)", err, c.CommandPath())
	})
	root.AddCommand(newCheck(e), newReport(e), newRules(e), newVersion(e), newInit(e), newDemo(e), newKeys(e), newSign(e), newVerify(e), newGen(e), newCA(e), newSBOM(e), newScan(e))
	return root
}
