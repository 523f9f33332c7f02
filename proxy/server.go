package proxy

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/meshproof/meshproof/proxy/authz"
	"github.com/meshproof/meshproof/proxy/config"
)

// Options are the settings of a Server beyond its config.
type Options struct {
	// Logger receives diagnostics (reloads, refusals of a new config or
	// certificate); nil discards them. Access logs go elsewhere.
	Logger *slog.Logger
	// AccessLog, when set, receives the JSON access log instead of the
	// config's accessLog.path.
	AccessLog io.Writer
	// LoadConfig returns the config to run, verified (see proxy/signed),
	// when the server reloads; nil means the config never changes (the
	// certificate, key and bundle files are still reloaded).
	LoadConfig func() (*config.Config, error)
	// WatchFiles are files whose change triggers a reload besides the TLS
	// files the config names (the daemon passes the config and its bundle).
	WatchFiles []string
	// WatchInterval is how often the watched files are polled: 0 means one
	// second, a negative value turns polling off (Reload still works).
	WatchInterval time.Duration
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
	// NoEventLoop keeps every connection on its own goroutines instead of
	// handing established TCP connections to the event loops (Linux).
	NoEventLoop bool
}

// Server runs a config's listeners. Create it with New, then Start it;
// Reload applies changed files; Shutdown drains it.
type Server struct {
	opts   Options
	log    *slog.Logger
	access *accessLog
	met    *serverMetrics

	mu        sync.Mutex // serializes Start, Reload and Shutdown
	cfg       atomic.Pointer[config.Config]
	mat       atomic.Pointer[material]
	listeners map[string]*listener
	admin     *http.Server
	adminAddr net.Addr
	started   bool
	expiry    *time.Timer
	watchStop chan struct{}
	watchDone chan struct{}
	watchSeen [32]byte

	// epoch changes whenever the trust bundle, a policy or the config's
	// validity changes: connections verified at an older epoch are checked
	// again.
	epoch    atomic.Uint64
	draining atomic.Bool

	connMu sync.Mutex
	conns  map[*conn]struct{}
	active atomic.Int64
	wg     sync.WaitGroup
	loops  *loops // nil: no event loop
}

// New prepares a server for a verified config: it loads the certificate,
// key and bundle and compiles the policies, but binds nothing yet.
func New(cfg *config.Config, opts Options) (*Server, error) {
	if cfg == nil {
		return nil, errors.New("new proxy: no config")
	}
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("new proxy: %w", err)
	}
	s := &Server{opts: opts, log: opts.Logger, listeners: map[string]*listener{}, conns: map[*conn]struct{}{}}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	m, err := loadMaterial(cfg.Spec.TLS, cfg.Spec.Identity, s.now())
	if err != nil {
		return nil, fmt.Errorf("new proxy: %w", err)
	}
	for _, lc := range cfg.Spec.Listeners {
		if _, err := compilePolicy(lc); err != nil {
			return nil, fmt.Errorf("new proxy: listener %s: %w", lc.Name, err)
		}
	}
	w := opts.AccessLog
	if w == nil {
		if w, err = openAccessLog(cfg.Spec.AccessLog.Path); err != nil {
			return nil, fmt.Errorf("new proxy: %w", err)
		}
	}
	s.access = &accessLog{w: w}
	s.cfg.Store(cfg)
	s.mat.Store(m)
	s.met = newServerMetrics(s)
	return s, nil
}

func (s *Server) now() time.Time {
	if s.opts.Now != nil {
		return s.opts.Now()
	}
	return time.Now()
}

// Start binds every listener and the admin endpoint and starts serving;
// it fails without serving anything when one cannot be bound.
func (s *Server) Start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.started {
		return errors.New("start proxy: already started")
	}
	cfg := s.cfg.Load()
	var bound []*listener
	for _, lc := range cfg.Spec.Listeners {
		l, err := s.newListener(lc, nil)
		if err != nil {
			for _, b := range bound {
				b.discard()
			}
			return fmt.Errorf("start proxy: %w", err)
		}
		bound = append(bound, l)
	}
	if cfg.Spec.Admin.Listen != "" {
		ln, err := net.Listen("tcp", cfg.Spec.Admin.Listen)
		if err != nil {
			for _, b := range bound {
				b.discard()
			}
			return fmt.Errorf("start proxy: admin: %w", err)
		}
		s.adminAddr = ln.Addr()
		s.admin = &http.Server{Handler: s.adminHandler(), ReadHeaderTimeout: 10 * time.Second}
		go s.admin.Serve(ln)
	}
	s.startLoops()
	for _, l := range bound {
		s.listeners[l.name] = l
		l.serve()
	}
	s.armExpiry(cfg)
	s.started = true
	if s.opts.WatchInterval >= 0 {
		s.watchSeen = s.watchSum()
		s.watchStop, s.watchDone = make(chan struct{}), make(chan struct{})
		go s.watch()
	}
	s.log.Info("proxy started", "config", cfg.Metadata.Name, "serial", cfg.Spec.Serial, "identity", cfg.Spec.Identity)
	return nil
}

// Addr returns the bound address of the named listener, or nil.
func (s *Server) Addr(name string) net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	if l := s.listeners[name]; l != nil {
		return l.ln.Addr()
	}
	return nil
}

// AdminAddr returns the admin endpoint's address, or nil.
func (s *Server) AdminAddr() net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.adminAddr
}

// Config returns the running config.
func (s *Server) Config() *config.Config { return s.cfg.Load() }

// Ready reports whether the proxy can serve: a certificate valid now, a
// trust bundle, a verified config valid now, listeners bound and no
// shutdown in progress. It returns the reason when it is not.
func (s *Server) Ready() (bool, string) {
	now := s.now()
	m, cfg := s.mat.Load(), s.cfg.Load()
	switch {
	case s.draining.Load():
		return false, "shutting down"
	case !s.isStarted():
		return false, "not started"
	case now.Before(m.leaf.NotBefore) || !now.Before(m.leaf.NotAfter):
		return false, "certificate not valid now"
	case m.bundle.Empty():
		return false, "empty trust bundle"
	case now.Before(cfg.Spec.NotBefore) || !now.Before(cfg.Spec.NotAfter):
		return false, "config not valid now"
	}
	return true, ""
}

func (s *Server) isStarted() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.started
}

// armExpiry makes the running config stop allowing anything when it
// expires: connections are checked again then (and drained).
func (s *Server) armExpiry(cfg *config.Config) {
	if s.expiry != nil {
		s.expiry.Stop()
	}
	d := cfg.Spec.NotAfter.Sub(s.now())
	s.expiry = time.AfterFunc(d, func() {
		s.log.Warn("config expired: refusing new connections and draining open ones", "config", cfg.Metadata.Name, "notAfter", cfg.Spec.NotAfter)
		s.policyChanged()
	})
}

// Reload reads the config (through Options.LoadConfig) and the certificate,
// key and bundle files again and applies what changed, all or nothing: a
// refused config or unusable files leave the running state as it was (the
// error says why). Connections that the new state no longer allows are
// closed after the drain timeout.
func (s *Server) Reload() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.started || s.draining.Load() {
		return errors.New("reload: proxy is not running")
	}
	old := s.cfg.Load()
	cfg := old
	var errs []error
	if s.opts.LoadConfig != nil {
		nc, err := s.opts.LoadConfig()
		switch {
		case err != nil:
			s.met.reload("config", "rejected")
			s.log.Error("config reload refused, keeping the running config", "serial", old.Spec.Serial, "err", err)
			errs = append(errs, fmt.Errorf("reload config: %w", err))
		case nc.Spec.Serial != old.Spec.Serial:
			cfg = nc
		}
	}
	m, err := loadMaterial(cfg.Spec.TLS, cfg.Spec.Identity, s.now())
	if err != nil {
		kind := "certs"
		if cfg != old {
			kind = "config"
		}
		s.met.reload(kind, "rejected")
		s.log.Error("reload refused, keeping the running certificate, bundle and config", "err", err)
		return errors.Join(append(errs, fmt.Errorf("reload: %w", err))...)
	}
	oldMat := s.mat.Load()
	if cfg != old {
		if err := s.applyConfig(cfg, m); err != nil {
			s.met.reload("config", "rejected")
			s.log.Error("config reload refused, keeping the running config", "serial", cfg.Spec.Serial, "err", err)
			return errors.Join(append(errs, fmt.Errorf("reload config: %w", err))...)
		}
		s.met.reload("config", "ok")
		s.log.Info("config reloaded", "config", cfg.Metadata.Name, "serial", cfg.Spec.Serial, "previous", old.Spec.Serial)
	} else if m.certSum != oldMat.certSum || m.bundleSum != oldMat.bundleSum {
		s.mat.Store(m)
		if m.bundleSum != oldMat.bundleSum {
			s.bundleChanged()
		}
		s.met.reload("certs", "ok")
		s.log.Info("certificate and bundle reloaded", "notAfter", m.leaf.NotAfter, "serialNumber", m.leaf.SerialNumber.String())
	}
	return errors.Join(errs...)
}

// applyConfig switches to a new config: new listeners are bound first (a
// failure undoes them), then policies of kept listeners are swapped, and
// removed listeners stop accepting and drain.
func (s *Server) applyConfig(cfg *config.Config, m *material) error {
	old := s.cfg.Load()
	policies := map[string]*policy{}
	var added []*listener
	undo := func() {
		for _, l := range added {
			l.discard()
		}
	}
	kept := map[string]bool{}
	for _, lc := range cfg.Spec.Listeners {
		if l := s.listeners[lc.Name]; l != nil && l.sameSocket(lc) {
			kept[lc.Name] = true
		}
	}
	taken := map[*listener]bool{} // running listeners whose socket a new one takes
	for _, lc := range cfg.Spec.Listeners {
		if kept[lc.Name] {
			p, err := compilePolicy(lc)
			if err != nil {
				undo()
				return fmt.Errorf("listener %s: %w", lc.Name, err)
			}
			policies[lc.Name] = p
			continue
		}
		// A listener the config drops, on the address this one wants (a
		// rename, or a new mode or protocol): take its socket over.
		var from *listener
		for _, o := range s.listeners {
			if !kept[o.name] && !taken[o] && o.addr == lc.Listen {
				from = o
				break
			}
		}
		l, err := s.newListener(lc, from)
		if err != nil {
			undo()
			return err
		}
		if from != nil {
			taken[from] = true
		}
		added = append(added, l)
	}
	if old.Spec.Admin.Listen != cfg.Spec.Admin.Listen {
		s.log.Warn("admin.listen changed: it applies at the next start", "running", old.Spec.Admin.Listen, "config", cfg.Spec.Admin.Listen)
	}
	if old.Spec.AccessLog.Path != cfg.Spec.AccessLog.Path {
		s.log.Warn("accessLog.path changed: it applies at the next start", "running", old.Spec.AccessLog.Path, "config", cfg.Spec.AccessLog.Path)
	}
	oldMat := s.mat.Load()
	s.mat.Store(m)
	s.cfg.Store(cfg)
	for name, l := range s.listeners {
		if p, ok := policies[name]; ok {
			l.pol.Store(p)
			continue
		}
		delete(s.listeners, name)
		l.stop(taken[l])
		if !slices.ContainsFunc(added, func(a *listener) bool { return a.name == name }) {
			s.met.removeListener(name)
		}
	}
	for _, l := range added {
		s.listeners[l.name] = l
		l.serve()
	}
	s.armExpiry(cfg)
	if m.bundleSum != oldMat.bundleSum {
		s.bundleChanged()
	} else {
		s.policyChanged()
	}
	return nil
}

// bundleChanged makes every listener forget session tickets and cached
// sessions (they hold chains verified against the old bundle) and checks
// open connections again.
func (s *Server) bundleChanged() {
	for _, l := range s.listeners {
		l.resetTLS()
	}
	s.policyChanged()
}

// policyChanged checks every open connection against the current bundle,
// policy and config validity; those no longer allowed are closed after the
// drain timeout.
func (s *Server) policyChanged() {
	s.epoch.Add(1)
	s.connMu.Lock()
	all := make([]*conn, 0, len(s.conns))
	for c := range s.conns {
		all = append(all, c)
	}
	s.connMu.Unlock()
	drain := time.Duration(s.cfg.Load().Spec.Limits.DrainTimeout)
	n := 0
	for _, c := range all {
		if c.recheck(drain) {
			n++
		}
	}
	if n > 0 {
		s.log.Info("connections no longer allowed: draining", "connections", n, "drainTimeout", drain.String())
	}
}

// Shutdown stops accepting, lets open connections finish until ctx is done
// or the config's drain timeout passes, then closes what is left.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	if !s.started || s.draining.Swap(true) {
		s.mu.Unlock()
		return nil
	}
	stop := s.watchStop
	s.mu.Unlock()
	if stop != nil { // outside mu: the watcher may be waiting in Reload
		close(stop)
		<-s.watchDone
	}
	s.mu.Lock()
	if s.expiry != nil {
		s.expiry.Stop()
	}
	for _, l := range s.listeners {
		l.closeListener()
	}
	drain := time.Duration(s.cfg.Load().Spec.Limits.DrainTimeout)
	s.mu.Unlock()

	ctx, cancel := context.WithTimeout(ctx, drain)
	defer cancel()
	for _, l := range s.listeners {
		l.shutdownHTTP(ctx)
	}
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
wait:
	for s.active.Load() > 0 {
		select {
		case <-ctx.Done():
			break wait
		case <-tick.C:
		}
	}
	s.connMu.Lock()
	left := make([]*conn, 0, len(s.conns))
	for c := range s.conns {
		left = append(left, c)
	}
	s.connMu.Unlock()
	for _, c := range left {
		c.terminate(closeShutdown, false)
	}
	s.wg.Wait()
	if s.loops != nil {
		s.loops.stop()
	}
	if s.admin != nil {
		s.admin.Close()
	}
	s.access.close()
	if len(left) > 0 {
		s.log.Warn("drain timeout: closed open connections", "connections", len(left))
	}
	return nil
}

// compilePolicy compiles what a listener enforces.
func compilePolicy(lc config.Listener) (*policy, error) {
	p := &policy{spec: lc}
	var err error
	if p.allow, err = authz.Compile(lc.Allow); err != nil {
		return nil, err
	}
	if len(lc.HTTPRules) > 0 {
		if p.http, err = authz.CompileHTTP(lc.HTTPRules); err != nil {
			return nil, err
		}
	}
	if lc.ServerID != nil {
		if p.server, err = authz.Compile([]config.Principal{*lc.ServerID}); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// openAccessLog opens the access log destination.
func openAccessLog(path string) (io.Writer, error) {
	switch path {
	case "", "stdout":
		return os.Stdout, nil
	case "stderr":
		return os.Stderr, nil
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o640)
	if err != nil {
		return nil, fmt.Errorf("open access log: %w", err)
	}
	return f, nil
}
