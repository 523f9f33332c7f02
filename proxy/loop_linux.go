//go:build linux

package proxy

import (
	"crypto/tls"
	"errors"
	"io"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
)

// The event loop carries established TCP connections (inbound tcp and
// outbound listeners) once the handshake, the authorization and the dial
// are done on the connection's goroutine. Why: with two goroutines per
// connection, every message costs a read that finds nothing (EAGAIN)
// before the goroutine parks, a wake-up through Go's poller and, under
// load, scheduler hand-offs between threads; a loop that owns the sockets
// reads each message once when epoll says it is there and batches the
// wake-ups of many connections into one epoll_wait. bench/proxy.sh
// measures the difference (docs/benchmarks.md).
//
// A loop is one goroutine; connections are spread over GOMAXPROCS/2
// loops (at least one). It owns duplicates of the two sockets (the
// originals are closed, which takes them out of Go's poller), drives the
// connection's crypto/tls state machine over them with non-blocking
// system calls, and closes them; terminate posts to it from elsewhere.
// Back-pressure: a side with bytes it could not write yet stops the loop
// reading the other side until they are written.

// loopCount is how many loops a server runs.
func loopCount() int { return max(1, runtime.GOMAXPROCS(0)/2) }

// errWouldBlock is what a loop-driven socket returns when it has nothing
// to read. crypto/tls keeps a partial record and returns a temporary
// net.Error to its caller unchanged, so the read can be retried later.
var errWouldBlock = wouldBlockError{}

type wouldBlockError struct{}

func (wouldBlockError) Error() string   { return "proxy: socket would block" }
func (wouldBlockError) Timeout() bool   { return true }
func (wouldBlockError) Temporary() bool { return true }

// loopSocket is one non-blocking socket a loop owns. Write never blocks:
// what the kernel does not take waits in pending for the socket to become
// writable.
type loopSocket struct {
	fd       int
	readable bool // epoll said so and no read since found it drained
	pending  []byte
	err      error // a write failed
}

func (ls *loopSocket) Read(p []byte) (int, error) {
	if !ls.readable {
		return 0, errWouldBlock
	}
	for {
		n, err := syscall.Read(ls.fd, p)
		switch {
		case err == syscall.EINTR:
			continue
		case err == syscall.EAGAIN:
			ls.readable = false
			return 0, errWouldBlock
		case err != nil:
			return 0, err
		case n == 0:
			return 0, io.EOF
		}
		// A short read drained the socket: level-triggered epoll reports
		// it again if more arrives, so the next read need not find out.
		if n < len(p) {
			ls.readable = false
		}
		return n, nil
	}
}

func (ls *loopSocket) Write(p []byte) (int, error) {
	if ls.err != nil {
		return 0, ls.err
	}
	rest := p
	if len(ls.pending) == 0 {
		n, err := writeSome(ls.fd, p)
		if err != nil {
			ls.err = err
			return 0, err
		}
		rest = p[n:]
	}
	ls.pending = append(ls.pending, rest...)
	return len(p), nil
}

// flush writes what is pending, as far as the socket takes it.
func (ls *loopSocket) flush() error {
	if ls.err != nil {
		return ls.err
	}
	n, err := writeSome(ls.fd, ls.pending)
	if err != nil {
		ls.err = err
		return err
	}
	ls.pending = append(ls.pending[:0], ls.pending[n:]...)
	return nil
}

// writeSome writes until done or the socket is full.
func writeSome(fd int, p []byte) (int, error) {
	n := 0
	for n < len(p) {
		w, err := syscall.Write(fd, p[n:])
		switch {
		case err == syscall.EINTR:
			continue
		case err == syscall.EAGAIN:
			return n, nil
		case err != nil:
			return n, err
		}
		n += w
	}
	return n, nil
}

// loopSide is one leg of a forwarded connection.
type loopSide struct {
	sock     loopSocket
	tls      *tls.Conn // the TLS leg's state; nil on the plaintext leg
	eof      bool      // its peer finished sending
	shutWR   bool      // half-close it once pending is written
	watched  bool      // registered with epoll
	interest uint32    // epoll events registered
	reset    string    // close reason when this leg fails
}

// stream is what the loop reads and writes on this side: the TLS state
// over the socket, or the socket itself.
func (sd *loopSide) stream() io.ReadWriter {
	if sd.tls != nil {
		return sd.tls
	}
	return &sd.sock
}

// closeWrite passes a half-close on to this side.
func (sd *loopSide) closeWrite() {
	if sd.tls != nil {
		sd.tls.CloseWrite() // close_notify, as the goroutine path sends
		return
	}
	sd.shutWR = true
}

// loopConn is a connection a loop forwards.
type loopConn struct {
	c        *conn
	down, up loopSide // the client's side, the other side
}

type loopCmd struct {
	add   *loopConn
	close *conn
	abort bool
	stop  bool
}

type loop struct {
	ep     int
	wake   [2]int // pipe: posts wake epoll_wait
	mu     sync.Mutex
	cmds   []loopCmd
	closed bool // stop was posted: the pipe is about to close
	byFD   map[int32]*loopConn
	byConn map[*conn]*loopConn
	buf    []byte
	done   chan struct{}
	set    *loops
}

// loops is a server's set of loops.
type loops struct {
	all  []*loop
	next atomic.Uint64
	// handed counts connections handed to a loop, waited the times a side
	// could not take all its bytes at once (tests check both paths ran).
	handed, waited atomic.Uint64
}

// loopStats reports the loops' counters (zero without loops).
func (s *Server) loopStats() (handed, waited uint64) {
	if s.loops == nil {
		return 0, 0
	}
	return s.loops.handed.Load(), s.loops.waited.Load()
}

// startLoops starts the server's event loops; without them (an error
// here, or Options.NoEventLoop) connections stay on their goroutines.
func (s *Server) startLoops() {
	if s.opts.NoEventLoop {
		return
	}
	ls := &loops{}
	for range loopCount() {
		lp, err := newLoop(ls)
		if err != nil {
			s.log.Warn("event loop unavailable: forwarding on goroutines", "err", err)
			ls.stop()
			return
		}
		ls.all = append(ls.all, lp)
		go lp.run()
	}
	s.loops = ls
}

func (ls *loops) pick() *loop {
	return ls.all[ls.next.Add(1)%uint64(len(ls.all))]
}

// stop ends every loop; Shutdown calls it once every connection finished.
func (ls *loops) stop() {
	for _, lp := range ls.all {
		lp.post(loopCmd{stop: true})
		<-lp.done
	}
}

func newLoop(set *loops) (*loop, error) {
	ep, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
	if err != nil {
		return nil, err
	}
	lp := &loop{ep: ep, byFD: map[int32]*loopConn{}, byConn: map[*conn]*loopConn{}, buf: make([]byte, 32<<10), done: make(chan struct{}), set: set}
	if err := syscall.Pipe2(lp.wake[:], syscall.O_NONBLOCK|syscall.O_CLOEXEC); err != nil {
		syscall.Close(ep)
		return nil, err
	}
	ev := syscall.EpollEvent{Events: syscall.EPOLLIN, Fd: int32(lp.wake[0])}
	if err := syscall.EpollCtl(ep, syscall.EPOLL_CTL_ADD, lp.wake[0], &ev); err != nil {
		lp.closeFDs()
		return nil, err
	}
	return lp, nil
}

func (lp *loop) closeFDs() {
	syscall.Close(lp.wake[0])
	syscall.Close(lp.wake[1])
	syscall.Close(lp.ep)
}

// post queues a command and wakes the loop; after stop it drops commands
// (there is nothing left to close).
func (lp *loop) post(cmd loopCmd) {
	lp.mu.Lock()
	if lp.closed {
		lp.mu.Unlock()
		return
	}
	lp.closed = cmd.stop
	first := len(lp.cmds) == 0
	lp.cmds = append(lp.cmds, cmd)
	lp.mu.Unlock()
	if first {
		syscall.Write(lp.wake[1], []byte{1})
	}
}

func (lp *loop) run() {
	defer close(lp.done)
	defer lp.closeFDs()
	evs := make([]syscall.EpollEvent, 128)
	for batch := 1; ; batch++ {
		// A goroutine that never passes through the scheduler looks stuck
		// to the runtime: every 10 ms sysmon would preempt it, take its P
		// away and wake another thread, and go back to polling every 20 us.
		// Yielding now and then shows it is not.
		if batch%16 == 0 {
			runtime.Gosched()
		}
		n, err := syscall.EpollWait(lp.ep, evs, -1)
		if err != nil {
			if err == syscall.EINTR {
				continue
			}
			panic("proxy: epoll_wait: " + err.Error()) // EBADF or EINVAL: a bug, not an input
		}
		woken := false
		for _, ev := range evs[:n] {
			if int(ev.Fd) == lp.wake[0] {
				woken = true
				continue
			}
			if lc := lp.byFD[ev.Fd]; lc != nil {
				lp.event(lc, int(ev.Fd), ev.Events)
			}
		}
		// Commands run after the batch: a connection added now may have
		// taken the descriptor number of one closed in this batch, whose
		// remaining events in the batch must not reach it.
		if woken && lp.commands() {
			return
		}
	}
}

// commands runs what was posted; it reports a stop.
func (lp *loop) commands() bool {
	var b [64]byte
	for {
		if n, _ := syscall.Read(lp.wake[0], b[:]); n <= 0 {
			break
		}
	}
	lp.mu.Lock()
	cmds := lp.cmds
	lp.cmds = nil
	lp.mu.Unlock()
	stop := false
	for _, cmd := range cmds {
		switch {
		case cmd.add != nil:
			lp.add(cmd.add)
		case cmd.close != nil:
			if lc := lp.byConn[cmd.close]; lc != nil {
				lp.close(lc, cmd.abort)
			}
		case cmd.stop:
			stop = true
		}
	}
	return stop
}

func (lp *loop) add(lc *loopConn) {
	for _, sd := range []*loopSide{&lc.down, &lc.up} {
		sd.interest = syscall.EPOLLIN
		ev := syscall.EpollEvent{Events: sd.interest, Fd: int32(sd.sock.fd)}
		if err := syscall.EpollCtl(lp.ep, syscall.EPOLL_CTL_ADD, sd.sock.fd, &ev); err != nil {
			lc.c.s.log.Warn("event loop: epoll_ctl", "err", err)
			lc.c.markDone(closeClientReset)
			lp.close(lc, true)
			return
		}
		sd.watched = true
		lp.byFD[int32(sd.sock.fd)] = lc
	}
	lp.byConn[lc.c] = lc
	// The TLS leg may hold bytes read with the handshake: look at both.
	lc.down.sock.readable, lc.up.sock.readable = true, true
	if lp.pumpBoth(lc) {
		lp.settle(lc)
	}
}

func (lp *loop) event(lc *loopConn, fd int, events uint32) {
	sd, other := &lc.down, &lc.up
	if fd == lc.up.sock.fd {
		sd, other = other, sd
	}
	handled := false
	if events&(syscall.EPOLLIN|syscall.EPOLLHUP|syscall.EPOLLERR) != 0 && sd.interest&syscall.EPOLLIN != 0 {
		handled = true
		sd.sock.readable = true
		if !lp.pump(lc, sd, other) {
			return
		}
	}
	if events&(syscall.EPOLLOUT|syscall.EPOLLHUP|syscall.EPOLLERR) != 0 && len(sd.sock.pending) > 0 {
		handled = true
		if err := sd.sock.flush(); err != nil {
			lp.fail(lc, sd.reset)
			return
		}
		// Written out: the other side may be read again, and may still
		// hold decrypted bytes no epoll event will announce.
		if len(sd.sock.pending) == 0 && !lp.pump(lc, other, sd) {
			return
		}
	}
	if !handled && events&syscall.EPOLLERR != 0 {
		// An error on a side the loop is neither reading nor writing: its
		// peer reset the connection.
		lp.fail(lc, sd.reset)
		return
	}
	if !handled && events&syscall.EPOLLHUP != 0 {
		// A hang-up without an error: the peer finished and the loop has
		// half-closed the socket, but the peer's last bytes may still be
		// unread, held back until the other side takes more. epoll repeats
		// a hang-up whatever the interest: stop watching the socket until
		// the loop wants to read it again (want registers it anew).
		lp.unwatch(sd)
	}
	lp.settle(lc)
}

func (lp *loop) unwatch(sd *loopSide) {
	if sd.watched {
		syscall.EpollCtl(lp.ep, syscall.EPOLL_CTL_DEL, sd.sock.fd, nil)
		sd.watched, sd.interest = false, 0
	}
}

// pumpBoth moves whatever either side has; false when the connection was
// closed.
func (lp *loop) pumpBoth(lc *loopConn) bool {
	return lp.pump(lc, &lc.down, &lc.up) && lp.pump(lc, &lc.up, &lc.down)
}

// pump moves bytes from src to dst until src has nothing more or dst is
// full; at src's end of stream it half-closes dst. It returns false when
// it closed the connection.
func (lp *loop) pump(lc *loopConn, src, dst *loopSide) bool {
	c := lc.c
	n, ctr := &c.in, c.l.met.bytesIn
	if src == &lc.up {
		n, ctr = &c.out, c.l.met.bytesOut
	}
	for !src.eof && len(dst.sock.pending) == 0 {
		nr, err := src.stream().Read(lp.buf)
		if nr > 0 {
			c.touch()
			if _, werr := dst.stream().Write(lp.buf[:nr]); werr != nil {
				lp.fail(lc, dst.reset)
				return false
			}
			n.Add(uint64(nr))
			ctr.Add(uint64(nr))
		}
		switch {
		case err == nil:
		case errors.Is(err, errWouldBlock):
			return true
		case errors.Is(err, io.EOF):
			src.eof = true
			dst.closeWrite()
		default:
			lp.fail(lc, src.reset)
			return false
		}
	}
	return true
}

// settle half-closes what is due, closes a connection finished both ways
// and registers what the loop waits for on each side.
func (lp *loop) settle(lc *loopConn) {
	for _, sd := range []*loopSide{&lc.down, &lc.up} {
		if sd.shutWR && len(sd.sock.pending) == 0 {
			sd.shutWR = false
			if err := syscall.Shutdown(sd.sock.fd, syscall.SHUT_WR); err != nil {
				lp.fail(lc, sd.reset)
				return
			}
		}
	}
	if lc.down.eof && lc.up.eof && len(lc.down.sock.pending) == 0 && len(lc.up.sock.pending) == 0 {
		lc.c.markDone(closeDone)
		lp.close(lc, false)
		return
	}
	lp.want(&lc.down, &lc.up)
	lp.want(&lc.up, &lc.down)
}

// want registers sd's events: readable while the other side can take
// more, writable while sd has bytes pending.
func (lp *loop) want(sd, other *loopSide) {
	var ev uint32
	if !sd.eof && len(other.sock.pending) == 0 {
		ev |= syscall.EPOLLIN
	}
	if len(sd.sock.pending) > 0 {
		ev |= syscall.EPOLLOUT
	}
	if ev == sd.interest && (sd.watched || ev == 0) {
		return
	}
	if ev&syscall.EPOLLOUT != 0 && sd.interest&syscall.EPOLLOUT == 0 {
		lp.set.waited.Add(1)
	}
	op := syscall.EPOLL_CTL_MOD
	if !sd.watched {
		op = syscall.EPOLL_CTL_ADD
	}
	sd.interest, sd.watched = ev, true
	e := syscall.EpollEvent{Events: ev, Fd: int32(sd.sock.fd)}
	syscall.EpollCtl(lp.ep, op, sd.sock.fd, &e)
}

// fail closes the connection abortively for reason (unless it was already
// terminated for another).
func (lp *loop) fail(lc *loopConn, reason string) {
	lc.c.markDone(reason)
	lp.close(lc, true)
}

// close closes both sockets (abort: with a reset) and ends the connection.
func (lp *loop) close(lc *loopConn, abort bool) {
	for _, sd := range []*loopSide{&lc.down, &lc.up} {
		if lp.byFD[int32(sd.sock.fd)] == lc {
			delete(lp.byFD, int32(sd.sock.fd))
		}
		lp.unwatch(sd)
		if abort {
			syscall.SetsockoptLinger(sd.sock.fd, syscall.SOL_SOCKET, syscall.SO_LINGER, &syscall.Linger{Onoff: 1})
		}
		syscall.Close(sd.sock.fd)
	}
	delete(lp.byConn, lc.c)
	lc.c.finish()
}

// dupSocket duplicates a connection's socket for a loop: non-blocking,
// close-on-exec.
func dupSocket(sc syscall.Conn) (int, error) {
	rc, err := sc.SyscallConn()
	if err != nil {
		return -1, err
	}
	nfd, derr := -1, error(nil)
	if err := rc.Control(func(fd uintptr) {
		r, _, e := syscall.Syscall(syscall.SYS_FCNTL, fd, syscall.F_DUPFD_CLOEXEC, 0)
		if e != 0 {
			derr = e
			return
		}
		nfd = int(r)
	}); err != nil {
		return -1, err
	}
	if derr != nil {
		return -1, derr
	}
	if err := syscall.SetNonblock(nfd, true); err != nil {
		syscall.Close(nfd)
		return -1, err
	}
	return nfd, nil
}

// handOff moves an established connection onto a loop. down and up are
// the two legs' sockets; downTLS or upTLS is the TLS state over one of
// them (the other nil). It reports true once the loop owns the connection
// (the loop ends it, finish included), and false when it stays on its
// goroutine: no loop, the sockets could not be taken over, or it was
// terminated meanwhile (the goroutine then finds its sockets closed).
func (c *conn) handOff(down, up *rawConn, downTLS, upTLS *tls.Conn) (handed bool) {
	ls := c.s.loops
	if ls == nil {
		return false
	}
	dfd, err := dupSocket(down.TCPConn)
	if err != nil {
		return false
	}
	ufd, err := dupSocket(up.TCPConn)
	if err != nil {
		syscall.Close(dfd)
		return false
	}
	lp := ls.pick()
	lc := &loopConn{c: c}
	lc.down = loopSide{sock: loopSocket{fd: dfd}, tls: downTLS, reset: resetReason(true)}
	lc.up = loopSide{sock: loopSocket{fd: ufd}, tls: upTLS, reset: resetReason(false)}
	// The TLS state now reads and writes the duplicate.
	if downTLS != nil {
		down.via = &lc.down.sock
	}
	if upTLS != nil {
		up.via = &lc.up.sock
	}
	// The originals leave Go's poller; the duplicates keep the sockets open.
	down.TCPConn.Close()
	up.TCPConn.Close()
	c.mu.Lock()
	if c.done {
		c.mu.Unlock()
		down.via, up.via = nil, nil
		syscall.Close(dfd)
		syscall.Close(ufd)
		return false
	}
	c.loop = lp
	c.mu.Unlock()
	ls.handed.Add(1)
	lp.post(loopCmd{add: lc})
	return true
}

// terminateOnLoop hands a termination to the connection's loop.
func (c *conn) terminateOnLoop(lp *loop, abort bool) {
	lp.post(loopCmd{close: c, abort: abort})
}
