// Package config is the format of meshproof-proxy's configuration: what
// `meshproof gen` writes and signs, and what the proxy runs once it has
// verified the signature (see package proxy/signed).
//
// A config is one YAML document:
//
//	apiVersion: meshproof.dev/v1alpha1
//	kind: ProxyConfig
//	metadata:
//	  name: payments-db
//	spec:
//	  serial: 7                                  # only ever increases: rollback protection
//	  notBefore: "2026-11-23T00:00:00Z"
//	  notAfter: "2026-12-23T00:00:00Z"           # freeze protection: an old config stops running
//	  identity: spiffe://corp.example/vm/payments-db
//	  tls:
//	    certFile: /etc/meshproof/svid.pem        # X.509 SVID (leaf first, then intermediates)
//	    keyFile: /etc/meshproof/svid-key.pem
//	    bundleFile: /etc/meshproof/bundle.pem    # trusted CA certificates of the trust domain
//	  listeners:
//	  - name: postgres
//	    mode: inbound                            # terminate mTLS, authorize, forward
//	    listen: 0.0.0.0:15432
//	    forward: 127.0.0.1:5432
//	    protocol: tcp                            # or http
//	    proxyProtocol: true                      # tcp: PROXY v2 header with the peer's SPIFFE ID
//	    allow:
//	    - id: spiffe://corp.example/ns/payments/sa/payments-api
//	  - name: db-client
//	    mode: outbound                           # accept locally, originate mTLS
//	    listen: 127.0.0.1:5432
//	    upstream: payments-db.db.internal:15432
//	    serverID:
//	      id: spiffe://corp.example/vm/payments-db
//	  limits: {maxConnections: 1024, handshakeTimeout: 10s, idleTimeout: 5m, maxLifetime: 24h, drainTimeout: 30s}
//	  admin: {listen: "127.0.0.1:15000"}        # /metrics, /healthz, /readyz
//	  accessLog: {path: stdout}
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"path"
	"strings"
	"time"

	yaml "go.yaml.in/yaml/v3"
)

// APIVersion and Kind identify a proxy config document.
const (
	APIVersion = "meshproof.dev/v1alpha1"
	Kind       = "ProxyConfig"
)

// Listener modes and protocols.
const (
	Inbound  = "inbound"
	Outbound = "outbound"
	TCP      = "tcp"
	HTTP     = "http"
)

// Config is a proxy configuration.
type Config struct {
	APIVersion string   `yaml:"apiVersion" json:"apiVersion"`
	Kind       string   `yaml:"kind" json:"kind"`
	Metadata   Metadata `yaml:"metadata" json:"metadata"`
	Spec       Spec     `yaml:"spec" json:"spec"`
}

// Metadata names the config.
type Metadata struct {
	Name string `yaml:"name" json:"name"`
}

// Spec is what the proxy runs.
type Spec struct {
	// Serial only ever increases: the proxy refuses a config with a lower
	// serial than the last one it accepted (and an equal one with other
	// content).
	Serial uint64 `yaml:"serial" json:"serial"`
	// NotBefore and NotAfter bound when the config may run (RFC 3339).
	NotBefore time.Time `yaml:"notBefore" json:"notBefore"`
	NotAfter  time.Time `yaml:"notAfter" json:"notAfter"`
	// Identity is the SPIFFE ID the proxy presents; its certificate must
	// carry it.
	Identity  string     `yaml:"identity" json:"identity"`
	TLS       TLSFiles   `yaml:"tls" json:"tls"`
	Listeners []Listener `yaml:"listeners" json:"listeners"`
	Limits    Limits     `yaml:"limits" json:"limits"`
	Admin     Admin      `yaml:"admin" json:"admin"`
	AccessLog AccessLog  `yaml:"accessLog" json:"accessLog"`
}

// TLSFiles are the proxy's certificate, key and trust bundle, watched and
// reloaded when they change.
type TLSFiles struct {
	CertFile   string `yaml:"certFile" json:"certFile"`
	KeyFile    string `yaml:"keyFile" json:"keyFile"`
	BundleFile string `yaml:"bundleFile" json:"bundleFile"`
}

// Listener is one port the proxy serves.
type Listener struct {
	Name string `yaml:"name" json:"name"`
	// Mode is inbound (terminate mTLS, forward to a local address) or
	// outbound (accept locally, originate mTLS to an upstream).
	Mode     string `yaml:"mode" json:"mode"`
	Listen   string `yaml:"listen" json:"listen"`
	Protocol string `yaml:"protocol" json:"protocol"` // tcp (default) or http

	// Inbound.
	Forward string `yaml:"forward,omitempty" json:"forward,omitempty"`
	// Allow lists the peers allowed to connect (any one matching).
	Allow []Principal `yaml:"allow,omitempty" json:"allow,omitempty"`
	// HTTPRules, for protocol http, allow requests by principal and
	// method/path (Envoy RBAC's model); a request no rule allows is denied.
	HTTPRules []HTTPRule `yaml:"httpRules,omitempty" json:"httpRules,omitempty"`
	// ProxyProtocol sends a PROXY protocol v2 header with the peer's SPIFFE
	// ID to a TCP backend.
	ProxyProtocol bool `yaml:"proxyProtocol,omitempty" json:"proxyProtocol,omitempty"`

	// Outbound.
	Upstream string `yaml:"upstream,omitempty" json:"upstream,omitempty"`
	// ServerName is the TLS SNI sent upstream (the upstream host by default).
	ServerName string `yaml:"serverName,omitempty" json:"serverName,omitempty"`
	// ServerID is the identity the upstream must present.
	ServerID *Principal `yaml:"serverID,omitempty" json:"serverID,omitempty"`
}

// Principal matches a peer's SPIFFE ID: exactly one of ID (exact match),
// TrustDomain (any ID of the domain) or Pattern (path glob, "*" matching one
// segment, within the trust domain of the pattern).
type Principal struct {
	ID          string `yaml:"id,omitempty" json:"id,omitempty"`
	TrustDomain string `yaml:"trustDomain,omitempty" json:"trustDomain,omitempty"`
	Pattern     string `yaml:"pattern,omitempty" json:"pattern,omitempty"`
}

// HTTPRule allows the principals to make the requests the permissions
// describe.
type HTTPRule struct {
	Principals  []Principal  `yaml:"principals" json:"principals"`
	Permissions []Permission `yaml:"permissions" json:"permissions"`
}

// Permission matches requests: any of Methods (empty: any) and any of Paths
// (empty: any). A path ending in "/*" matches the prefix; paths are matched
// after normalization (percent-decoding of unreserved characters, "." and
// ".." segments resolved, repeated slashes merged), case-sensitively.
type Permission struct {
	Methods []string `yaml:"methods,omitempty" json:"methods,omitempty"`
	Paths   []string `yaml:"paths,omitempty" json:"paths,omitempty"`
}

// Limits bound what clients can cost.
type Limits struct {
	MaxConnections   int      `yaml:"maxConnections" json:"maxConnections"`
	HandshakeTimeout Duration `yaml:"handshakeTimeout" json:"handshakeTimeout"`
	IdleTimeout      Duration `yaml:"idleTimeout" json:"idleTimeout"`
	MaxLifetime      Duration `yaml:"maxLifetime" json:"maxLifetime"`
	// DrainTimeout is how long connections that a new policy no longer
	// allows, or that are open at shutdown, may finish before they are closed.
	DrainTimeout Duration `yaml:"drainTimeout" json:"drainTimeout"`
}

// Admin is the local operations endpoint.
type Admin struct {
	Listen string `yaml:"listen" json:"listen"` // "" turns it off
}

// AccessLog says where JSON access logs go: stdout, stderr or a file path.
type AccessLog struct {
	Path string `yaml:"path" json:"path"`
}

// Duration is a time.Duration written as "10s" in YAML.
type Duration time.Duration

// UnmarshalYAML reads a Go duration string.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	var s string
	if err := n.Decode(&s); err != nil {
		return err
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("invalid duration %q", s)
	}
	*d = Duration(v)
	return nil
}

// MarshalYAML writes a Go duration string.
func (d Duration) MarshalYAML() (any, error) { return time.Duration(d).String(), nil }

// Defaults for the limits.
const (
	DefaultMaxConnections   = 1024
	DefaultHandshakeTimeout = 10 * time.Second
	DefaultIdleTimeout      = 5 * time.Minute
	DefaultMaxLifetime      = 24 * time.Hour
	DefaultDrainTimeout     = 30 * time.Second
)

// MaxSize bounds a config file.
const MaxSize = 1 << 20

// Parse reads a config strictly: unknown fields, a second document, and
// invalid values are errors (with the line). Defaults are filled in.
func Parse(data []byte) (*Config, error) {
	if len(data) > MaxSize {
		return nil, fmt.Errorf("proxy config is larger than %d bytes", MaxSize)
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var c Config
	if err := dec.Decode(&c); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, errors.New("proxy config is empty")
		}
		return nil, fmt.Errorf("proxy config: %w", err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return nil, errors.New("proxy config: more than one YAML document")
	}
	c.setDefaults()
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return &c, nil
}

func (c *Config) setDefaults() {
	l := &c.Spec.Limits
	if l.MaxConnections == 0 {
		l.MaxConnections = DefaultMaxConnections
	}
	if l.HandshakeTimeout == 0 {
		l.HandshakeTimeout = Duration(DefaultHandshakeTimeout)
	}
	if l.IdleTimeout == 0 {
		l.IdleTimeout = Duration(DefaultIdleTimeout)
	}
	if l.MaxLifetime == 0 {
		l.MaxLifetime = Duration(DefaultMaxLifetime)
	}
	if l.DrainTimeout == 0 {
		l.DrainTimeout = Duration(DefaultDrainTimeout)
	}
	for i := range c.Spec.Listeners {
		if c.Spec.Listeners[i].Protocol == "" {
			c.Spec.Listeners[i].Protocol = TCP
		}
	}
	if c.Spec.AccessLog.Path == "" {
		c.Spec.AccessLog.Path = "stdout"
	}
}

// Validate checks a config's values.
func (c *Config) Validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if c.APIVersion != APIVersion || c.Kind != Kind {
		bad("apiVersion/kind must be %s/%s, got %s/%s", APIVersion, Kind, c.APIVersion, c.Kind)
	}
	if c.Metadata.Name == "" {
		bad("metadata.name is required")
	}
	s := &c.Spec
	if s.Serial == 0 {
		bad("spec.serial is required and must be positive")
	}
	if s.NotBefore.IsZero() || s.NotAfter.IsZero() || !s.NotAfter.After(s.NotBefore) {
		bad("spec.notBefore and spec.notAfter are required, notAfter after notBefore")
	}
	if err := checkSPIFFEID(s.Identity); err != nil {
		bad("spec.identity: %v", err)
	}
	if s.TLS.CertFile == "" || s.TLS.KeyFile == "" || s.TLS.BundleFile == "" {
		bad("spec.tls: certFile, keyFile and bundleFile are required")
	}
	if len(s.Listeners) == 0 {
		bad("spec.listeners: at least one listener is required")
	}
	names := map[string]bool{}
	for i, l := range s.Listeners {
		at := fmt.Sprintf("spec.listeners[%d] (%s)", i, l.Name)
		if l.Name == "" || names[l.Name] {
			bad("%s: name is required and must be unique", at)
		}
		names[l.Name] = true
		if _, _, err := net.SplitHostPort(l.Listen); err != nil {
			bad("%s: listen %q: %v", at, l.Listen, err)
		}
		if l.Protocol != TCP && l.Protocol != HTTP {
			bad("%s: protocol must be tcp or http", at)
		}
		switch l.Mode {
		case Inbound:
			if _, _, err := net.SplitHostPort(l.Forward); err != nil {
				bad("%s: forward %q: %v", at, l.Forward, err)
			}
			if len(l.Allow) == 0 && len(l.HTTPRules) == 0 {
				bad("%s: an inbound listener needs allow or httpRules (nothing is allowed by default)", at)
			}
			if len(l.HTTPRules) > 0 && l.Protocol != HTTP {
				bad("%s: httpRules need protocol http", at)
			}
			if l.ProxyProtocol && l.Protocol != TCP {
				bad("%s: proxyProtocol is for tcp listeners", at)
			}
			if l.Upstream != "" || l.ServerID != nil {
				bad("%s: upstream and serverID are for outbound listeners", at)
			}
			for j, p := range l.Allow {
				if err := p.Validate(); err != nil {
					bad("%s: allow[%d]: %v", at, j, err)
				}
			}
			for j, r := range l.HTTPRules {
				if len(r.Principals) == 0 || len(r.Permissions) == 0 {
					bad("%s: httpRules[%d]: principals and permissions are required", at, j)
				}
				for _, p := range r.Principals {
					if err := p.Validate(); err != nil {
						bad("%s: httpRules[%d]: %v", at, j, err)
					}
				}
				for _, perm := range r.Permissions {
					for _, p := range perm.Paths {
						if !strings.HasPrefix(p, "/") || strings.Contains(strings.TrimSuffix(p, "/*"), "*") {
							bad("%s: httpRules[%d]: path %q must start with / and may only end in /*", at, j, p)
						}
					}
				}
			}
		case Outbound:
			if _, _, err := net.SplitHostPort(l.Upstream); err != nil {
				bad("%s: upstream %q: %v", at, l.Upstream, err)
			}
			if l.ServerID == nil {
				bad("%s: an outbound listener needs serverID (the upstream's identity is always verified)", at)
			} else if err := l.ServerID.Validate(); err != nil {
				bad("%s: serverID: %v", at, err)
			}
			if l.Forward != "" || len(l.Allow) > 0 || len(l.HTTPRules) > 0 || l.ProxyProtocol {
				bad("%s: forward, allow, httpRules and proxyProtocol are for inbound listeners", at)
			}
		default:
			bad("%s: mode must be inbound or outbound", at)
		}
	}
	if s.Admin.Listen != "" {
		if _, _, err := net.SplitHostPort(s.Admin.Listen); err != nil {
			bad("spec.admin.listen %q: %v", s.Admin.Listen, err)
		}
	}
	if s.Limits.MaxConnections < 0 {
		bad("spec.limits.maxConnections must not be negative")
	}
	return errors.Join(errs...)
}

// Validate checks that exactly one matcher is set and well formed.
func (p Principal) Validate() error {
	n := 0
	for _, s := range []string{p.ID, p.TrustDomain, p.Pattern} {
		if s != "" {
			n++
		}
	}
	if n != 1 {
		return errors.New("set exactly one of id, trustDomain, pattern")
	}
	switch {
	case p.ID != "":
		return checkSPIFFEID(p.ID)
	case p.Pattern != "":
		if err := checkSPIFFEID(strings.ReplaceAll(p.Pattern, "*", "x")); err != nil {
			return fmt.Errorf("pattern %q: %v", p.Pattern, err)
		}
		u, _ := url.Parse(p.Pattern)
		if strings.Contains(u.Host, "*") {
			return fmt.Errorf("pattern %q: the trust domain cannot be a wildcard", p.Pattern)
		}
		if _, err := path.Match(u.Path, "/"); err != nil {
			return fmt.Errorf("pattern %q: %v", p.Pattern, err)
		}
	case p.TrustDomain != "":
		if strings.ContainsAny(p.TrustDomain, "/:*") || p.TrustDomain != strings.ToLower(p.TrustDomain) {
			return fmt.Errorf("trustDomain %q is not a trust domain name", p.TrustDomain)
		}
	}
	return nil
}

// checkSPIFFEID does the cheap syntax check of a SPIFFE ID; the proxy parses
// IDs with go-spiffe.
func checkSPIFFEID(id string) error {
	u, err := url.Parse(id)
	if err != nil || u.Scheme != "spiffe" || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil || u.Port() != "" {
		return fmt.Errorf("%q is not a SPIFFE ID (spiffe://trust-domain/path)", id)
	}
	return nil
}

// Marshal writes a config as YAML, deterministically.
func Marshal(c *Config) ([]byte, error) {
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(c); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
