// Package daemon is the meshproof-proxy command: flags (standard library
// flag package), verification of the signed config at start-up and on
// every reload, signals (SIGHUP reloads, SIGTERM and SIGINT drain and
// stop), and exit codes: 0 after a clean stop, 1 when the config's
// signature, validity or serial is refused at start-up, 2 for usage and
// runtime errors (unreadable files, an unusable certificate, a port that
// cannot be bound).
package daemon

import (
	"context"
	"crypto"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/meshproof/meshproof/proxy"
	"github.com/meshproof/meshproof/proxy/config"
	"github.com/meshproof/meshproof/proxy/signed"
)

// Env is what Run talks to besides its arguments.
type Env struct {
	Stdout, Stderr io.Writer
	// Signals delivers SIGHUP, SIGTERM and SIGINT; nil subscribes to the
	// process's own.
	Signals <-chan os.Signal
	// Started, when set, is called with the running server (tests use it
	// to learn the bound addresses).
	Started func(*proxy.Server)
}

// Main runs the command with the process's arguments and returns the exit
// code.
func Main() int {
	return Run(context.Background(), os.Args[1:], Env{Stdout: os.Stdout, Stderr: os.Stderr})
}

const usage = `meshproof-proxy: the meshproof mTLS dataplane.

Usage:
  meshproof-proxy --config /etc/meshproof/db.yaml --trust-key /etc/meshproof/signing.pub

The config must carry a Sigstore bundle beside it (<config>.sigstore.json)
signed by one of the trusted keys; it is verified before it is parsed, at
start-up and on every reload (SIGHUP, or when the config, its bundle, the
certificate, key or bundle files change). A refused reload keeps the
running config.

Flags:
`

// Run runs the command until ctx is done or a SIGTERM/SIGINT arrives.
func Run(ctx context.Context, args []string, env Env) int {
	fs := flag.NewFlagSet("meshproof-proxy", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	var keyFiles []string
	configPath := fs.String("config", "", "the signed proxy config (required)")
	fs.Func("trust-key", "a PEM public key that may sign configs (repeat for two keys during a rotation; required)", func(s string) error {
		keyFiles = append(keyFiles, s)
		return nil
	})
	statePath := fs.String("state", "", "rollback state file (default /var/lib/meshproof-proxy/<config name>.state.json)")
	watch := fs.Duration("watch-interval", time.Second, "how often watched files are polled (0 turns polling off; SIGHUP still reloads)")
	check := fs.Bool("check", false, "verify the config (and its certificate files) and exit: 0 valid, 1 refused")
	logLevel := fs.String("log-level", "info", "diagnostics level: debug, info, warn, error")
	fs.Usage = func() {
		fmt.Fprint(env.Stderr, usage)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(env.Stderr, "meshproof-proxy: unexpected arguments %q\n", fs.Args())
		return 2
	}
	if *configPath == "" || len(keyFiles) == 0 {
		fmt.Fprintln(env.Stderr, "meshproof-proxy: --config and --trust-key are required")
		return 2
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		fmt.Fprintf(env.Stderr, "meshproof-proxy: --log-level %q: %v\n", *logLevel, err)
		return 2
	}
	log := slog.New(slog.NewJSONHandler(env.Stderr, &slog.HandlerOptions{Level: level}))

	keys, err := loadKeys(keyFiles)
	if err != nil {
		fmt.Fprintf(env.Stderr, "meshproof-proxy: %v\n", err)
		return 2
	}
	if *statePath == "" {
		name := strings.TrimSuffix(filepath.Base(*configPath), filepath.Ext(*configPath))
		*statePath = filepath.Join("/var/lib/meshproof-proxy", name+".state.json")
	}
	opts := signed.Options{StatePath: *statePath}
	if *check {
		// A check must not advance the rollback state of a running proxy.
		opts.StatePath = ""
	}
	load := func() (*config.Config, error) { return signed.LoadFile(*configPath, keys, opts) }
	cfg, err := load()
	if err != nil {
		if r := signed.Reason(err); r == "error" || r == "state" { // could not decide
			fmt.Fprintf(env.Stderr, "meshproof-proxy: %v\n", err)
			return 2
		}
		fmt.Fprintf(env.Stderr, "meshproof-proxy: config refused: %v\n", err)
		return 1
	}
	popts := proxy.Options{
		Logger:        log,
		LoadConfig:    load,
		WatchFiles:    []string{*configPath, *configPath + signed.BundleSuffix},
		WatchInterval: *watch,
	}
	// The access log's stdout and stderr are the command's own streams.
	switch cfg.Spec.AccessLog.Path {
	case "", "stdout":
		popts.AccessLog = env.Stdout
	case "stderr":
		popts.AccessLog = env.Stderr
	}
	if *watch == 0 {
		popts.WatchInterval = -1
	}
	srv, err := proxy.New(cfg, popts)
	if err != nil {
		fmt.Fprintf(env.Stderr, "meshproof-proxy: %v\n", err)
		return 2
	}
	if *check {
		fmt.Fprintf(env.Stdout, "%s: valid, serial %d, identity %s, until %s\n", *configPath, cfg.Spec.Serial, cfg.Spec.Identity, cfg.Spec.NotAfter.Format(time.RFC3339))
		return 0
	}
	sigs := env.Signals
	if sigs == nil {
		ch := make(chan os.Signal, 4)
		signal.Notify(ch, syscall.SIGHUP, syscall.SIGTERM, syscall.SIGINT)
		defer signal.Stop(ch)
		sigs = ch
	}
	if err := srv.Start(); err != nil {
		fmt.Fprintf(env.Stderr, "meshproof-proxy: %v\n", err)
		return 2
	}
	if env.Started != nil {
		env.Started(srv)
	}
	for {
		select {
		case <-ctx.Done():
			return shutdown(srv, log)
		case sig := <-sigs:
			if sig == syscall.SIGHUP {
				log.Info("SIGHUP: reloading")
				srv.Reload() // logs its own refusals
				continue
			}
			log.Info("draining", "signal", sig.String())
			return shutdown(srv, log)
		}
	}
}

func shutdown(srv *proxy.Server, log *slog.Logger) int {
	srv.Shutdown(context.Background())
	log.Info("stopped")
	return 0
}

func loadKeys(files []string) ([]crypto.PublicKey, error) {
	var keys []crypto.PublicKey
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("trust key: %w", err)
		}
		k, err := signed.ParsePublicKeys(b)
		if err != nil {
			return nil, fmt.Errorf("trust key %s: %w", f, err)
		}
		keys = append(keys, k...)
	}
	return keys, nil
}
