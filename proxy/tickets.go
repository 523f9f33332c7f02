package proxy

import (
	"bytes"
	"crypto/tls"
)

// Session tickets and cached client sessions carry a tag of the trust
// bundle they were verified under (in SessionState.Extra). A session whose
// tag is not the current bundle's is not resumed: the peer makes a full
// handshake and presents its current certificate, so that a CA rollover
// never fails a client because of a session from before it. (Policy
// changes need no tag: VerifyConnection authorizes resumed sessions too.)

const ticketTagPrefix = "meshproof-bundle:"

func (s *Server) bundleTag() []byte {
	sum := s.mat.Load().bundleSum
	return append([]byte(ticketTagPrefix), sum[:12]...)
}

func hasTag(extra [][]byte, tag []byte) bool {
	for _, e := range extra {
		if bytes.Equal(e, tag) {
			return true
		}
	}
	return false
}

// tagTickets makes a server config tag the tickets it issues and resume
// only those of the current bundle.
func (s *Server) tagTickets(c *tls.Config) {
	c.WrapSession = func(cs tls.ConnectionState, ss *tls.SessionState) ([]byte, error) {
		ss.Extra = append(ss.Extra, s.bundleTag())
		return c.EncryptTicket(cs, ss)
	}
	c.UnwrapSession = func(identity []byte, cs tls.ConnectionState) (*tls.SessionState, error) {
		ss, err := c.DecryptTicket(identity, cs)
		if err != nil || ss == nil || !hasTag(ss.Extra, s.bundleTag()) {
			return nil, nil // not resumed: a full handshake
		}
		return ss, nil
	}
}

// sessionCache is an outbound listener's client session cache with the
// same rule.
type sessionCache struct {
	s   *Server
	lru tls.ClientSessionCache
}

func (c *sessionCache) Put(key string, cs *tls.ClientSessionState) {
	if cs == nil {
		c.lru.Put(key, nil)
		return
	}
	ticket, st, err := cs.ResumptionState()
	if err != nil || st == nil {
		return
	}
	st.Extra = append(st.Extra, c.s.bundleTag())
	ns, err := tls.NewResumptionState(ticket, st)
	if err != nil {
		return
	}
	c.lru.Put(key, ns)
}

func (c *sessionCache) Get(key string) (*tls.ClientSessionState, bool) {
	cs, ok := c.lru.Get(key)
	if !ok || cs == nil {
		return nil, false
	}
	_, st, err := cs.ResumptionState()
	if err != nil || st == nil || !hasTag(st.Extra, c.s.bundleTag()) {
		return nil, false
	}
	return cs, true
}
