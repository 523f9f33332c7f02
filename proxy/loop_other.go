//go:build !linux

package proxy

import "crypto/tls"

// Without Linux's epoll every connection stays on its goroutines.

type loop struct{}

type loops struct{}

func (s *Server) startLoops() {}

func (ls *loops) stop() {}

func (c *conn) handOff(down, up *rawConn, downTLS, upTLS *tls.Conn) bool { return false }

func (c *conn) terminateOnLoop(lp *loop, abort bool) {}

func (s *Server) loopStats() (handed, waited uint64) { return 0, 0 }
