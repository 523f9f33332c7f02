package proxy

import (
	"encoding/json"
	"io"
	"sync"
	"time"
)

// accessLog writes one JSON object per line.
type accessLog struct {
	mu sync.Mutex
	w  io.Writer
}

// connRecord is the access log record of a connection.
type connRecord struct {
	Type       string  `json:"type"` // "connection"
	Time       string  `json:"time"`
	Listener   string  `json:"listener"`
	Mode       string  `json:"mode"`
	Remote     string  `json:"remote"`
	Peer       string  `json:"peer,omitempty"` // the client's (inbound) or upstream's (outbound) SPIFFE ID
	Decision   string  `json:"decision"`       // allow or deny
	Reason     string  `json:"reason,omitempty"`
	Resumed    bool    `json:"resumed,omitempty"`
	BytesIn    uint64  `json:"bytes_in"`  // from the client
	BytesOut   uint64  `json:"bytes_out"` // to the client
	DurationMS float64 `json:"duration_ms"`
	Close      string  `json:"close"`
}

// requestRecord is the access log record of an HTTP request.
type requestRecord struct {
	Type       string  `json:"type"` // "request"
	Time       string  `json:"time"`
	Listener   string  `json:"listener"`
	Remote     string  `json:"remote"`
	Peer       string  `json:"peer"`
	Decision   string  `json:"decision"`
	Reason     string  `json:"reason,omitempty"`
	Method     string  `json:"method"`
	Path       string  `json:"path"` // as normalized (and forwarded); the raw target when refused
	Status     int     `json:"status"`
	BytesIn    uint64  `json:"bytes_in"`
	BytesOut   uint64  `json:"bytes_out"`
	DurationMS float64 `json:"duration_ms"`
}

func (a *accessLog) write(v any) {
	b, err := json.Marshal(v)
	if err != nil {
		return
	}
	b = append(b, '\n')
	a.mu.Lock()
	a.w.Write(b)
	a.mu.Unlock()
}

func (a *accessLog) conn(c *conn, decision, reason, closeReason string) {
	if decision == "" {
		decision = "deny"
	}
	r := connRecord{
		Type: "connection", Time: time.Now().UTC().Format(time.RFC3339Nano), Listener: c.l.name, Mode: c.l.mode,
		Remote: c.remote, Decision: decision, Reason: reason, Resumed: c.resumed,
		BytesIn: c.in.Load(), BytesOut: c.out.Load(),
		DurationMS: float64(time.Since(c.start).Microseconds()) / 1000, Close: closeReason,
	}
	if !c.peerID.IsZero() {
		r.Peer = c.peerID.String()
	}
	a.write(r)
}

func (a *accessLog) close() {
	a.mu.Lock()
	defer a.mu.Unlock()
	if f, ok := a.w.(interface {
		Name() string
		Close() error
	}); ok && f.Name() != "/dev/stdout" && f.Name() != "/dev/stderr" {
		f.Close()
	}
}
