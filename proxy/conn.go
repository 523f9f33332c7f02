package proxy

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/spiffe/go-spiffe/v2/spiffeid"

	"github.com/meshproof/meshproof/proxy/config"
	"github.com/meshproof/meshproof/proxy/metrics"
	"github.com/meshproof/meshproof/proxy/proxyproto"
)

// Close reasons, as access logs and metrics label them.
const (
	closeDone            = "done" // both sides finished (half-close each way)
	closeClientReset     = "client_reset"
	closeBackendReset    = "backend_reset"
	closeIdle            = "idle_timeout"
	closeLifetime        = "max_lifetime"
	closePolicyRevoked   = "policy_revoked"
	closeListenerRemoved = "listener_removed"
	closeShutdown        = "shutdown"
	closeDenied          = "denied"
)

// conn is one accepted connection and, once allowed, its other leg.
type conn struct {
	s      *Server
	l      *listener
	start  time.Time
	remote string
	raw    *rawConn     // accepted socket
	down   net.Conn     // the client's side: TLS (inbound) or raw (outbound)
	up     net.Conn     // the other side: backend TCP (inbound) or TLS (outbound)
	upRaw  *net.TCPConn // the other side's socket
	idle   time.Duration
	life   time.Duration

	peerCerts []*x509.Certificate
	peerID    spiffeid.ID
	resumed   bool
	checked   atomic.Uint64 // epoch at which the peer was last authorized
	in, out   atomic.Uint64 // bytes from the client, and to it
	last      atomic.Int64  // time since start of the last activity (ns)

	mu          sync.Mutex
	established bool
	done        bool
	reason      string // close reason
	decision    string // allow or deny
	denyReason  string
	revoked     string // why a policy change withdrew the permission
	removed     bool   // its listener is gone: the drain cannot be cancelled
	drainTimer  *time.Timer
	watchdog    *time.Timer
	loop        *loop // the event loop carrying it, once handed off
}

// accept takes a new socket: the connection limit, then a goroutine.
func (s *Server) accept(l *listener, tc *net.TCPConn) {
	lim := s.cfg.Load().Spec.Limits
	c := &conn{s: s, l: l, start: time.Now(), raw: &rawConn{TCPConn: tc}, remote: tc.RemoteAddr().String(),
		idle: time.Duration(lim.IdleTimeout), life: time.Duration(lim.MaxLifetime)}
	l.met.accepted.Inc()
	if n := s.active.Add(1); n > int64(lim.MaxConnections) {
		s.active.Add(-1)
		tc.SetLinger(0)
		tc.Close()
		l.met.closedBy(ReasonMaxConnections).Inc()
		s.access.conn(c, "deny", ReasonMaxConnections, ReasonMaxConnections)
		return
	}
	l.met.active.Add(1)
	s.connMu.Lock()
	s.conns[c] = struct{}{}
	s.connMu.Unlock()
	s.wg.Add(1)
	if l.mode == config.Inbound {
		go c.inbound(lim)
	} else {
		go c.outbound(lim)
	}
}

// finish untracks the connection and writes its access log record; it
// runs once, when everything about the connection is over.
func (c *conn) finish() {
	c.mu.Lock()
	if c.watchdog != nil {
		c.watchdog.Stop()
	}
	if c.drainTimer != nil {
		c.drainTimer.Stop()
	}
	reason, decision, deny := c.reason, c.decision, c.denyReason
	c.mu.Unlock()
	s := c.s
	s.connMu.Lock()
	delete(s.conns, c)
	s.connMu.Unlock()
	s.active.Add(-1)
	c.l.met.active.Add(-1)
	c.l.met.closedBy(reason).Inc()
	s.access.conn(c, decision, deny, reason)
	s.wg.Done()
}

// markDone records the close reason (the first one wins) and stops the
// timers; it reports whether this call was the first, and the event loop
// carrying the connection, if any.
func (c *conn) markDone(reason string) (first bool, lp *loop) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.done {
		return false, c.loop
	}
	c.done = true
	c.reason = reason
	if c.watchdog != nil {
		c.watchdog.Stop()
	}
	if c.drainTimer != nil {
		c.drainTimer.Stop()
	}
	return true, c.loop
}

// terminate closes both legs now (first reason wins); abort sends a reset
// instead of a FIN, to pass an abortive close on.
func (c *conn) terminate(reason string, abort bool) {
	first, lp := c.markDone(reason)
	if !first {
		return
	}
	if lp != nil {
		c.terminateOnLoop(lp, abort)
		return
	}
	if abort {
		c.raw.SetLinger(0)
		if c.upRaw != nil {
			c.upRaw.SetLinger(0)
		}
	}
	c.raw.Close()
	if c.upRaw != nil {
		c.upRaw.Close()
	}
}

// deny refuses the connection before anything reached the other side.
func (c *conn) deny(reason string, authzDenial bool) {
	c.mu.Lock()
	c.decision, c.denyReason = "deny", reason
	c.mu.Unlock()
	if authzDenial {
		c.l.met.denied(reason).Inc()
	} else {
		c.l.met.handshakeFailed(reason).Inc()
	}
	c.terminate(closeDenied, false)
}

func (c *conn) inbound(lim config.Limits) {
	handedOff := false
	defer func() {
		if !handedOff {
			c.finish()
		}
	}()
	l := c.l
	c.checked.Store(c.s.epoch.Load())
	tc := tls.Server(c.raw, l.serverTLS.Load())
	c.down = tc
	c.raw.SetDeadline(time.Now().Add(time.Duration(lim.HandshakeTimeout)))
	if err := tc.Handshake(); err != nil {
		reason, az := handshakeReason(err, c.raw)
		cs := tc.ConnectionState()
		c.mu.Lock()
		c.resumed = cs.DidResume
		if id, err := spiffeidFromCerts(cs.PeerCertificates); err == nil {
			c.peerID = id
		}
		c.mu.Unlock()
		c.deny(reason, az)
		return
	}
	c.raw.SetDeadline(time.Time{})
	cs := tc.ConnectionState()
	id, _ := spiffeidFromCerts(cs.PeerCertificates)
	if !c.establish(cs, id) {
		return
	}
	p := l.pol.Load()
	if l.front != nil {
		handedOff = true
		c.serveHTTP(tc)
		return
	}
	d := net.Dialer{Timeout: time.Duration(lim.HandshakeTimeout)}
	bc, err := d.Dial("tcp", p.spec.Forward)
	if err != nil {
		c.s.log.Warn("backend unreachable", "listener", l.name, "forward", p.spec.Forward, "err", err)
		l.met.upstreamFailed(ReasonBackend).Inc()
		// A reset, not a close: an empty stream that ends cleanly (a TLS
		// client takes a bare FIN at a record boundary as the end) would
		// pass for an answer.
		c.terminate(ReasonBackend, true)
		return
	}
	btc := bc.(*net.TCPConn)
	c.setUp(btc, btc)
	if p.spec.ProxyProtocol {
		h := proxyproto.Header{
			Source:      proxyproto.AddrPort(c.raw.RemoteAddr()),
			Destination: proxyproto.AddrPort(c.raw.LocalAddr()),
			SPIFFEID:    id.String(),
			TLSVersion:  "TLSv1.3",
		}
		if _, err := btc.Write(h.Append(nil)); err != nil {
			c.terminate(closeBackendReset, true)
			return
		}
	}
	if c.handOff(c.raw, &rawConn{TCPConn: btc}, tc, nil) {
		handedOff = true
		return
	}
	c.pipe()
}

func (c *conn) outbound(lim config.Limits) {
	handedOff := false
	defer func() {
		if !handedOff {
			c.finish()
		}
	}()
	l := c.l
	p := l.pol.Load()
	c.checked.Store(c.s.epoch.Load())
	c.down = c.raw
	d := net.Dialer{Timeout: time.Duration(lim.HandshakeTimeout)}
	uc, err := d.Dial("tcp", p.spec.Upstream)
	if err != nil {
		c.s.log.Warn("upstream unreachable", "listener", l.name, "upstream", p.spec.Upstream, "err", err)
		l.met.upstreamFailed(ReasonUpstream).Inc()
		c.mu.Lock()
		c.decision, c.denyReason = "deny", ReasonUpstream
		c.mu.Unlock()
		c.terminate(ReasonUpstream, true) // a reset, as for an unreachable backend
		return
	}
	utc := uc.(*net.TCPConn)
	urc := &rawConn{TCPConn: utc}
	tc := tls.Client(urc, l.clientTLS(p))
	c.setUp(tc, utc)
	utc.SetDeadline(time.Now().Add(time.Duration(lim.HandshakeTimeout)))
	err = tc.Handshake()
	if err != nil && tc.ConnectionState().DidResume {
		// A session resumed across a bundle change may no longer verify:
		// nothing was sent yet, so try once more with a full handshake.
		utc.Close()
		if uc, err = d.Dial("tcp", p.spec.Upstream); err == nil {
			utc = uc.(*net.TCPConn)
			cfg := l.clientTLS(p)
			cfg.ClientSessionCache = nil
			urc = &rawConn{TCPConn: utc}
			tc = tls.Client(urc, cfg)
			c.setUp(tc, utc)
			utc.SetDeadline(time.Now().Add(time.Duration(lim.HandshakeTimeout)))
			err = tc.Handshake()
		}
	}
	if err != nil {
		reason, az := handshakeReason(err, nil)
		c.s.log.Warn("upstream handshake failed", "listener", l.name, "upstream", p.spec.Upstream, "reason", reason, "err", err)
		c.deny(reason, az)
		return
	}
	utc.SetDeadline(time.Time{})
	cs := tc.ConnectionState()
	id, _ := spiffeidFromCerts(cs.PeerCertificates)
	if !c.establish(cs, id) {
		return
	}
	if c.handOff(c.raw, urc, nil, tc) {
		handedOff = true
		return
	}
	c.pipe()
}

func (c *conn) setUp(up net.Conn, raw *net.TCPConn) {
	c.mu.Lock()
	c.up, c.upRaw = up, raw
	done := c.done
	c.mu.Unlock()
	if done { // terminated while dialing
		raw.Close()
	}
}

// establish records the verified peer and starts the watchdog; it returns
// false when the connection was terminated meanwhile.
func (c *conn) establish(cs tls.ConnectionState, id spiffeid.ID) bool {
	c.mu.Lock()
	if c.done {
		c.mu.Unlock()
		return false
	}
	c.peerCerts, c.peerID, c.resumed = cs.PeerCertificates, id, cs.DidResume
	c.established, c.decision = true, "allow"
	c.touch()
	c.watchdog = time.AfterFunc(min(c.idle, c.life), c.watch)
	c.mu.Unlock()
	// A policy change may have raced the handshake's check: check again.
	if c.checked.Load() != c.s.epoch.Load() {
		c.recheck(time.Duration(c.s.cfg.Load().Spec.Limits.DrainTimeout))
	}
	return true
}

func spiffeidFromCerts(certs []*x509.Certificate) (spiffeid.ID, error) {
	if len(certs) == 0 {
		return spiffeid.ID{}, errors.New("no certificate")
	}
	return idFromCert(certs[0])
}

func (c *conn) touch() { c.last.Store(int64(time.Since(c.start))) }

// watch enforces the idle timeout (extended by any byte in either
// direction) and the maximum lifetime.
func (c *conn) watch() {
	el := time.Since(c.start)
	idleFor := el - time.Duration(c.last.Load())
	switch {
	case idleFor >= c.idle:
		c.terminate(closeIdle, false)
		return
	case el >= c.life:
		c.terminate(closeLifetime, false)
		return
	}
	next := min(c.idle-idleFor, c.life-el)
	c.mu.Lock()
	if !c.done {
		c.watchdog.Reset(next)
	}
	c.mu.Unlock()
}

// recheck authorizes an open connection again after a change; one that is
// no longer allowed is closed after drain. It reports whether it started
// a drain.
func (c *conn) recheck(drain time.Duration) bool {
	e := c.s.epoch.Load()
	if c.checked.Swap(e) == e {
		return false
	}
	c.mu.Lock()
	if !c.established || c.done {
		c.mu.Unlock()
		return false
	}
	certs := c.peerCerts
	c.mu.Unlock()
	var d *denial
	if c.l.mode == config.Inbound {
		_, d = c.l.checkInbound(certs)
	} else {
		_, d = c.l.checkServer(certs)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.done || c.removed {
		return false
	}
	if d == nil {
		if c.drainTimer != nil && c.revoked != "" {
			c.drainTimer.Stop()
			c.drainTimer, c.revoked = nil, ""
		}
		return false
	}
	if c.drainTimer != nil {
		return false
	}
	c.revoked = d.reason
	c.drainTimer = time.AfterFunc(drain, func() { c.terminate(closePolicyRevoked, false) })
	return true
}

// startDrain closes the connection after drain (a removed listener).
func (c *conn) startDrain(drain time.Duration, reason string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.done {
		return
	}
	if c.drainTimer != nil {
		c.drainTimer.Stop()
	}
	c.revoked, c.removed = reason, true
	c.drainTimer = time.AfterFunc(drain, func() { c.terminate(reason, false) })
}

// revokedReason says why the connection is draining ("" when it is not).
func (c *conn) revokedReason() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.revoked
}

var bufPool = sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}

// pipe copies both ways until both sides have finished, passing a
// half-close on in each direction and a reset on to the other side.
func (c *conn) pipe() {
	done := make(chan struct{})
	go func() {
		c.copy(c.up, c.down, &c.in, c.l.met.bytesIn, true)
		close(done)
	}()
	c.copy(c.down, c.up, &c.out, c.l.met.bytesOut, false)
	<-done
	c.terminate(closeDone, false)
}

// copy moves bytes from src to dst; at src's EOF it half-closes dst. An
// error terminates the connection abortively.
func (c *conn) copy(dst, src net.Conn, n *atomic.Uint64, ctr *metrics.Counter, fromClient bool) {
	bp := bufPool.Get().(*[]byte)
	defer bufPool.Put(bp)
	buf := *bp
	for {
		nr, rerr := src.Read(buf)
		if nr > 0 {
			c.touch()
			nw, werr := dst.Write(buf[:nr])
			n.Add(uint64(nw))
			ctr.Add(uint64(nw))
			if werr != nil {
				c.terminate(resetReason(!fromClient), true)
				return
			}
		}
		if rerr != nil {
			if errors.Is(rerr, io.EOF) {
				closeWrite(dst)
				return
			}
			c.terminate(resetReason(fromClient), true)
			return
		}
	}
}

func resetReason(client bool) string {
	if client {
		return closeClientReset
	}
	return closeBackendReset
}

func closeWrite(c net.Conn) {
	if cw, ok := c.(interface{ CloseWrite() error }); ok {
		cw.CloseWrite()
	}
}

// isReset reports whether err is a connection reset by the peer.
func isReset(err error) bool { return errors.Is(err, syscall.ECONNRESET) }
