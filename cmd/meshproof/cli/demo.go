package cli

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"
	yaml "go.yaml.in/yaml/v3"

	"github.com/meshproof/meshproof/examples"
	"github.com/meshproof/meshproof/proxy"
	"github.com/meshproof/meshproof/proxy/daemon"
)

func newDemo(e *env) *cobra.Command {
	var dir string
	cmd := &cobra.Command{
		Use:   "demo [--dir DIR]",
		Short: "Run the whole path on the shipped example: check, gen, sign, proxy, report",
		Long: `Demo runs meshproof end to end on the shipped payments example, showing each
command and what it printed:

  1. check finds the mistakes in examples/payments/mistakes (exit 1);
  2. keys, ca init and ca issue make a signing key, a dev CA and the SVIDs of the
     two VM proxies;
  3. gen turns examples/payments/intent.yaml (its VM addresses moved to
     loopback) into hardened Istio manifests and signed proxy configs;
  4. check passes on the generated manifests (exit 0), and verify checks the
     signatures of the proxy configs;
  5. the two proxies start from their signed configs, and one request travels
     from a client through the settlement job's outbound proxy, over mutual TLS
     with SPIFFE identities, through the database's inbound proxy to a stand-in
     database on loopback;
  6. report writes the PCI DSS audit report of the generated configuration and
     signs it, and verify checks that signature.

Everything happens in DIR (a new temporary folder unless --dir names one) and on
127.0.0.1; nothing is downloaded. Exit 0 when every step did what it should, 1
when one did not.`,
		Example: `  meshproof demo
  meshproof demo --dir /tmp/meshproof-demo`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runDemo(cmd.Context(), e, dir) },
	}
	cmd.Flags().StringVar(&dir, "dir", "", "folder to work in (default: a new temporary folder, kept afterwards)")
	return cmd
}

// demo runs meshproof commands in-process, through the same command tree
// as the shell, and prints them as a user would see them.
type demo struct {
	ctx context.Context
	e   *env
	dir string
	w   io.Writer
}

func runDemo(ctx context.Context, e *env, dir string) error {
	if dir == "" {
		var err error
		if dir, err = os.MkdirTemp("", "meshproof-demo-"); err != nil {
			return err
		}
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if entries, err := os.ReadDir(dir); err != nil {
		return err
	} else if len(entries) > 0 {
		return fmt.Errorf("--dir %s is not empty: the demo needs a folder of its own", dir)
	}
	d := &demo{ctx: ctx, e: e, dir: dir, w: e.stdout}
	if err := d.steps(); err != nil {
		fmt.Fprintf(d.w, "\nDEMO FAILED: %v\nfiles are in %s\n", err, dir)
		return &exitError{code: ExitFindings}
	}
	fmt.Fprintf(d.w, "\nDEMO PASSED: every step did what it should. Files are in %s\n", dir)
	return nil
}

func (d *demo) path(p ...string) string { return filepath.Join(append([]string{d.dir}, p...)...) }

func (d *demo) title(n int, s string) { fmt.Fprintf(d.w, "\n==> %d. %s\n", n, s) }

// run runs `meshproof args...` and checks its exit code; it prints the
// last tail lines of its output (all of them when tail is 0).
func (d *demo) run(want int, tail int, args ...string) (string, error) {
	shown := make([]string, len(args))
	for i, a := range args {
		shown[i] = strings.ReplaceAll(a, d.dir+string(filepath.Separator), "")
	}
	fmt.Fprintf(d.w, "$ meshproof %s\n", strings.Join(shown, " "))
	var out bytes.Buffer
	sub := &env{stdin: strings.NewReader(""), stdout: &out, stderr: &out, getenv: func(string) string { return "" }}
	code := run(d.ctx, args, sub)
	text := strings.ReplaceAll(out.String(), d.dir+string(filepath.Separator), "")
	lines := strings.Split(strings.TrimRight(text, "\n"), "\n")
	if tail > 0 && len(lines) > tail {
		fmt.Fprintf(d.w, "    ... (%d lines)\n", len(lines)-tail)
		lines = lines[len(lines)-tail:]
	}
	for _, l := range lines {
		fmt.Fprintf(d.w, "    %s\n", l)
	}
	if code != want {
		return out.String(), fmt.Errorf("meshproof %s exited %d, want %d", shown[0], code, want)
	}
	return out.String(), nil
}

func (d *demo) steps() error {
	// The shipped example, written out so that the demo runs anywhere.
	if err := fs.WalkDir(examples.Payments, ".", func(p string, de fs.DirEntry, err error) error {
		if err != nil || de.IsDir() {
			return err
		}
		data, err := examples.Payments.ReadFile(p)
		if err != nil {
			return err
		}
		dst := d.path("examples", p)
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		return os.WriteFile(dst, data, 0o644)
	}); err != nil {
		return fmt.Errorf("write the example: %w", err)
	}
	fmt.Fprintf(d.w, "meshproof demo in %s\n", d.dir)

	d.title(1, "check finds the mistakes in the shipped example")
	if _, err := d.run(ExitFindings, 3, "check", "--no-color", d.path("examples", "payments", "mistakes")); err != nil {
		return err
	}

	d.title(2, "a signing key, a dev CA, and the SVIDs of the two VM proxies")
	if _, err := d.run(ExitOK, 0, "keys", "generate", "--no-password", "--out", d.path("signing")); err != nil {
		return err
	}
	in, err := readIntent(d.path("examples", "payments", "intent.yaml"))
	if err != nil {
		return err
	}
	td, _ := in.spec["trustDomain"].(string)
	if _, err := d.run(ExitOK, 0, "ca", "init", "--trust-domain", td, "--out", d.path("ca")); err != nil {
		return err
	}
	for _, p := range in.proxies {
		if _, err := d.run(ExitOK, 0, "ca", "issue", "--ca", d.path("ca"), "--spiffe-id", p.identity, "--out", d.path("certs", p.name)); err != nil {
			return err
		}
	}

	d.title(3, "gen: hardened Istio manifests and signed proxy configs from the intent")
	addrs, err := in.toLoopback(d.dir)
	if err != nil {
		return err
	}
	intentPath := d.path("intent.yaml")
	if err := in.write(intentPath); err != nil {
		return err
	}
	fmt.Fprintf(d.w, "(intent.yaml is examples/payments/intent.yaml with the VMs moved to 127.0.0.1)\n")
	if _, err := d.run(ExitOK, 0, "gen", "--intent", intentPath, "--key", d.path("signing.key"), "--out", d.path("out")); err != nil {
		return err
	}

	d.title(4, "check passes on what gen wrote; verify checks the proxy configs' signatures")
	if _, err := d.run(ExitOK, 2, "check", "--no-color", d.path("out", "istio")); err != nil {
		return err
	}
	var configs []string
	for _, p := range in.proxies {
		configs = append(configs, d.path("out", "proxy", p.name+".yaml"))
	}
	if _, err := d.run(ExitOK, 0, append([]string{"verify", "--key", d.path("signing.pub")}, configs...)...); err != nil {
		return err
	}

	d.title(5, "one request over mutual TLS: client -> settlement proxy -> payments-db proxy -> database")
	if err := d.request(in, addrs); err != nil {
		return err
	}

	d.title(6, "the PCI DSS audit report of the generated configuration, signed")
	if _, err := d.run(ExitOK, 0, "report", "--out", d.path("report"), "--key", d.path("signing.key"), d.path("out", "istio")); err != nil {
		return err
	}
	if _, err := d.run(ExitOK, 0, "verify", "--key", d.path("signing.pub"), d.path("report", "report.json")); err != nil {
		return err
	}
	return nil
}

// request starts the database stand-in and both proxies from their signed
// configs (as meshproof-proxy would: through its own argument parsing),
// sends one request and checks the answer and the access log.
func (d *demo) request(in *demoIntent, a demoAddrs) error {
	ctx, cancel := context.WithCancel(d.ctx)
	defer cancel()
	db, err := net.Listen("tcp", a.database)
	if err != nil {
		return fmt.Errorf("database stand-in: %w", err)
	}
	defer db.Close()
	go serveDatabase(db)

	var wg sync.WaitGroup
	defer wg.Wait()
	defer cancel()
	logs := map[string]*syncBuffer{}
	if err := os.MkdirAll(d.path("state"), 0o700); err != nil {
		return err
	}
	for _, p := range in.proxies {
		started := make(chan *proxy.Server, 1)
		out := &syncBuffer{}
		logs[p.name] = out
		args := []string{
			"--config", d.path("out", "proxy", p.name+".yaml"),
			"--trust-key", d.path("signing.pub"),
			"--state", d.path("state", p.name+".json"),
			"--watch-interval", "0",
		}
		fmt.Fprintf(d.w, "$ meshproof-proxy %s &\n", strings.ReplaceAll(strings.Join(args, " "), d.dir+string(filepath.Separator), ""))
		code := make(chan int, 1)
		wg.Add(1)
		go func() {
			defer wg.Done()
			code <- daemon.Run(ctx, args, daemon.Env{Stdout: out, Stderr: out, Signals: make(chan os.Signal), Started: func(s *proxy.Server) { started <- s }})
		}()
		select {
		case <-started:
		case c := <-code:
			return fmt.Errorf("meshproof-proxy %s exited %d:\n%s", p.name, c, out.String())
		case <-time.After(20 * time.Second):
			return fmt.Errorf("meshproof-proxy %s did not start:\n%s", p.name, out.String())
		}
	}

	query := "SELECT count(*) FROM charges;"
	host, port, _ := net.SplitHostPort(a.client)
	fmt.Fprintf(d.w, "$ echo %q | nc %s %s    # the settlement job's client, in plaintext on loopback\n", query, host, port)
	c, err := net.DialTimeout("tcp", a.client, 10*time.Second)
	if err != nil {
		return fmt.Errorf("dial the settlement proxy: %w", err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(20 * time.Second))
	if _, err := io.WriteString(c, query+"\n"); err != nil {
		return err
	}
	answer, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return fmt.Errorf("read the answer: %w (payments-db proxy log:\n%s)", err, logs[in.proxies[0].name].String())
	}
	fmt.Fprintf(d.w, "    %s", answer)
	if want := "payments-db: " + query; strings.TrimSpace(answer) != want {
		return fmt.Errorf("answer %q, want %q", strings.TrimSpace(answer), want)
	}
	c.Close()
	// The inbound proxy's access log names the caller's verified identity.
	var line string
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		for _, l := range strings.Split(logs[in.database].String(), "\n") {
			if strings.Contains(l, in.client) && strings.Contains(l, `"decision"`) {
				line = l
			}
		}
		if line != "" {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if line == "" {
		return fmt.Errorf("the payments-db proxy logged no connection from %s:\n%s", in.client, logs[in.database].String())
	}
	fmt.Fprintf(d.w, "payments-db proxy access log:\n    %s\n", line)
	return nil
}

// serveDatabase answers each line it reads with "payments-db: <line>".
func serveDatabase(l net.Listener) {
	for {
		c, err := l.Accept()
		if err != nil {
			return
		}
		go func() {
			defer c.Close()
			c.SetDeadline(time.Now().Add(30 * time.Second))
			line, err := bufio.NewReader(c).ReadString('\n')
			if err != nil {
				return
			}
			io.WriteString(c, "payments-db: "+line)
		}()
	}
}

// syncBuffer is a bytes.Buffer safe for a proxy's log writes while the
// demo reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// demoIntent is the shipped intent, read as plain YAML so that the demo can
// move its VMs to loopback without knowing every field.
type demoIntent struct {
	doc  map[string]any
	spec map[string]any
	// proxies are the meshproof proxies the intent implies, the inbound one
	// of the database first.
	proxies  []demoProxy
	database string // name of the external with a proxy
	client   string // identity of the client that calls it
}

type demoProxy struct{ name, identity string }

type demoAddrs struct {
	database string // the database stand-in
	client   string // the client's outbound listener
}

func readIntent(path string) (*demoIntent, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	in := &demoIntent{}
	if err := yaml.Unmarshal(data, &in.doc); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	in.spec, _ = in.doc["spec"].(map[string]any)
	td, _ := in.spec["trustDomain"].(string)
	for _, x := range list(in.spec["externals"]) {
		ext, _ := x.(map[string]any)
		if p, ok := ext["proxy"].(map[string]any); ok {
			name, _ := ext["name"].(string)
			id, _ := p["identity"].(string)
			in.database = name
			in.proxies = append(in.proxies, demoProxy{name, firstNonEmpty(id, "spiffe://"+td+"/vm/"+name)})
			break
		}
	}
	for _, x := range list(in.spec["clients"]) {
		cl, _ := x.(map[string]any)
		name, _ := cl["name"].(string)
		id, _ := cl["identity"].(string)
		in.client = firstNonEmpty(id, "spiffe://"+td+"/vm/"+name)
		in.proxies = append(in.proxies, demoProxy{name, in.client})
		break
	}
	if len(in.proxies) != 2 {
		return nil, errors.New("the demo needs an intent with one external behind a proxy and one client")
	}
	return in, nil
}

// toLoopback moves the proxies and the database to free loopback ports, and
// points the proxies at the demo's certificates.
func (in *demoIntent) toLoopback(dir string) (demoAddrs, error) {
	ports, err := freePorts(5)
	if err != nil {
		return demoAddrs{}, err
	}
	a := demoAddrs{database: loopback(ports[0]), client: loopback(ports[2])}
	tls := func(name string) map[string]any {
		d := filepath.Join(dir, "certs", name)
		return map[string]any{"certFile": filepath.Join(d, "svid.pem"), "keyFile": filepath.Join(d, "svid-key.pem"), "bundleFile": filepath.Join(d, "bundle.pem")}
	}
	for _, x := range list(in.spec["externals"]) {
		ext, _ := x.(map[string]any)
		if ext["name"] != in.database {
			continue
		}
		ext["address"] = "127.0.0.1"
		p := ext["proxy"].(map[string]any)
		p["port"], p["listen"], p["forward"], p["admin"], p["tls"] = ports[1], "127.0.0.1", a.database, loopback(ports[3]), tls(in.database)
	}
	for _, x := range list(in.spec["clients"]) {
		cl, _ := x.(map[string]any)
		if cl["name"] != in.proxies[1].name {
			continue
		}
		cl["admin"], cl["tls"] = loopback(ports[4]), tls(in.proxies[1].name)
	}
	for _, x := range list(in.spec["calls"]) {
		call, _ := x.(map[string]any)
		if call["from"] == in.proxies[1].name && call["to"] == in.database {
			call["listen"] = a.client
		}
	}
	return a, nil
}

func (in *demoIntent) write(path string) error {
	data, err := yaml.Marshal(in.doc)
	if err != nil {
		return err
	}
	return os.WriteFile(path, data, 0o644)
}

func list(v any) []any {
	l, _ := v.([]any)
	return l
}

func loopback(port int) string { return net.JoinHostPort("127.0.0.1", fmt.Sprint(port)) }

// freePorts finds n free loopback ports.
func freePorts(n int) ([]int, error) {
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	var out []int
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		ls = append(ls, l)
		out = append(out, l.Addr().(*net.TCPAddr).Port)
	}
	return out, nil
}
