package intent

import "fmt"

// APIVersion and Kind identify an intent document.
const (
	APIVersion = "meshproof.dev/v1alpha1"
	Kind       = "MeshIntent"
)

// Protocols of service ports and external resources.
const (
	HTTP  = "http"
	HTTP2 = "http2"
	GRPC  = "grpc"
	TCP   = "tcp"
	TLS   = "tls"
)

// Defaults filled in by Parse.
const (
	DefaultClusterDomain   = "cluster.local"
	DefaultRootNamespace   = "istio-system"
	DefaultMinTLSVersion   = "1.2"
	DefaultProxyPortOffset = 10000
	DefaultTLSPort         = 443
	DefaultCertFile        = "/etc/meshproof/svid.pem"
	DefaultKeyFile         = "/etc/meshproof/svid-key.pem"
	DefaultBundleFile      = "/etc/meshproof/bundle.pem"
	DefaultAdminListen     = "127.0.0.1:15000"
)

// Intent says what a mesh is for: its services and their identities, who
// may call whom, what is published at the edge and which resources outside
// the cluster are reached. meshgen turns it into Istio manifests and proxy
// configs.
type Intent struct {
	APIVersion string   `yaml:"apiVersion" json:"apiVersion"`
	Kind       string   `yaml:"kind" json:"kind"`
	Metadata   Metadata `yaml:"metadata" json:"metadata"`
	Spec       Spec     `yaml:"spec" json:"spec"`

	file  string
	lines map[string]int
}

// Metadata names the intent.
type Metadata struct {
	Name string `yaml:"name" json:"name"`
}

// Spec is the content of an intent.
type Spec struct {
	// TrustDomain is the SPIFFE trust domain of the mesh (required):
	// identities are spiffe://<trustDomain>/ns/<namespace>/sa/<account>.
	TrustDomain string `yaml:"trustDomain" json:"trustDomain"`
	// ClusterDomain is the Kubernetes DNS suffix (cluster.local).
	ClusterDomain string `yaml:"clusterDomain,omitempty" json:"clusterDomain,omitempty"`
	// RootNamespace is Istio's root namespace, where istiod runs and
	// mesh-wide policies live (istio-system).
	RootNamespace string     `yaml:"rootNamespace,omitempty" json:"rootNamespace,omitempty"`
	Gateways      Gateways   `yaml:"gateways,omitempty" json:"gateways,omitempty"`
	Services      []Service  `yaml:"services" json:"services"`
	Externals     []External `yaml:"externals,omitempty" json:"externals,omitempty"`
	Clients       []Client   `yaml:"clients,omitempty" json:"clients,omitempty"`
	Calls         []Call     `yaml:"calls,omitempty" json:"calls,omitempty"`
	Ingress       []Ingress  `yaml:"ingress,omitempty" json:"ingress,omitempty"`
}

// Gateways describe the Istio ingress and egress gateways as installed.
type Gateways struct {
	Ingress Gateway `yaml:"ingress,omitempty" json:"ingress,omitempty"`
	Egress  Gateway `yaml:"egress,omitempty" json:"egress,omitempty"`
}

// Gateway is an installed Istio gateway: where it runs, its identity, the
// labels of its pods and the container ports behind its Service.
type Gateway struct {
	Namespace      string            `yaml:"namespace,omitempty" json:"namespace,omitempty"`
	Service        string            `yaml:"service,omitempty" json:"service,omitempty"`
	ServiceAccount string            `yaml:"serviceAccount,omitempty" json:"serviceAccount,omitempty"`
	Selector       map[string]string `yaml:"selector,omitempty" json:"selector,omitempty"`
	// HTTPTargetPort and HTTPSTargetPort are the pod ports behind the
	// Service's ports 80 and 443 (8080 and 8443 for Istio's gateways, which
	// run as non-root).
	HTTPTargetPort  int `yaml:"httpTargetPort,omitempty" json:"httpTargetPort,omitempty"`
	HTTPSTargetPort int `yaml:"httpsTargetPort,omitempty" json:"httpsTargetPort,omitempty"`
}

// Service is a workload in the mesh: a Kubernetes Service of the same name
// and the pods it selects, which run as ServiceAccount.
type Service struct {
	Name           string            `yaml:"name" json:"name"`
	Namespace      string            `yaml:"namespace" json:"namespace"`
	ServiceAccount string            `yaml:"serviceAccount,omitempty" json:"serviceAccount,omitempty"`
	Labels         map[string]string `yaml:"labels,omitempty" json:"labels,omitempty"`
	// CDE puts the service in the cardholder data environment; PCI scope is
	// per namespace, so a namespace holds CDE members only or none.
	CDE   bool   `yaml:"cde,omitempty" json:"cde,omitempty"`
	Ports []Port `yaml:"ports" json:"ports"`
}

// Port is a port of a service: Port is the Service port callers use,
// TargetPort the container port (Port when unset).
type Port struct {
	Name       string `yaml:"name" json:"name"`
	Port       int    `yaml:"port" json:"port"`
	TargetPort int    `yaml:"targetPort,omitempty" json:"targetPort,omitempty"`
	Protocol   string `yaml:"protocol" json:"protocol"`
}

// External is a resource outside the cluster (a database on a VM, a
// managed service, a partner API), reached through the egress gateway.
type External struct {
	Name string `yaml:"name" json:"name"`
	// Namespace holds its ServiceEntry (by default the namespace of its
	// callers when they share one).
	Namespace string `yaml:"namespace,omitempty" json:"namespace,omitempty"`
	// Host is the DNS name applications use; Address its IP when fixed.
	Host     string `yaml:"host" json:"host"`
	Address  string `yaml:"address,omitempty" json:"address,omitempty"`
	Port     int    `yaml:"port" json:"port"`
	Protocol string `yaml:"protocol" json:"protocol"`
	CDE      bool   `yaml:"cde,omitempty" json:"cde,omitempty"`
	// TLS is how the egress gateway originates TLS to a resource without a
	// meshproof proxy (protocols tcp and http).
	TLS *OriginTLS `yaml:"tls,omitempty" json:"tls,omitempty"`
	// Proxy says a meshproof proxy runs in front of the resource.
	Proxy *Proxy `yaml:"proxy,omitempty" json:"proxy,omitempty"`
}

// OriginTLS is TLS originated by the egress gateway: the server is verified
// against CACertificates (a file on the gateway), or the gateway presents
// the client certificate of the Secret CredentialName (whose ca.crt
// verifies the server).
type OriginTLS struct {
	CACertificates  string   `yaml:"caCertificates,omitempty" json:"caCertificates,omitempty"`
	CredentialName  string   `yaml:"credentialName,omitempty" json:"credentialName,omitempty"`
	SNI             string   `yaml:"sni,omitempty" json:"sni,omitempty"`
	SubjectAltNames []string `yaml:"subjectAltNames,omitempty" json:"subjectAltNames,omitempty"`
	// Port is the server's TLS port (the resource's port for tcp, 443
	// for http).
	Port int `yaml:"port,omitempty" json:"port,omitempty"`
}

// Proxy is a meshproof proxy in inbound mode in front of an external
// resource: it terminates mutual TLS on Port and forwards to Forward.
type Proxy struct {
	// Identity is the proxy's SPIFFE ID (spiffe://<trustDomain>/vm/<name>).
	Identity string `yaml:"identity,omitempty" json:"identity,omitempty"`
	// Port is where the proxy listens (the resource's port + 10000).
	Port int `yaml:"port,omitempty" json:"port,omitempty"`
	// Listen is the address it binds (0.0.0.0).
	Listen string `yaml:"listen,omitempty" json:"listen,omitempty"`
	// Forward is the resource's local address (127.0.0.1:<port>).
	Forward string `yaml:"forward,omitempty" json:"forward,omitempty"`
	// CredentialName, when set, makes the egress gateway present the
	// certificate of this Secret (MUTUAL) instead of its mesh identity
	// (ISTIO_MUTUAL).
	CredentialName string    `yaml:"credentialName,omitempty" json:"credentialName,omitempty"`
	TLS            *TLSFiles `yaml:"tls,omitempty" json:"tls,omitempty"`
	// Admin is the proxy's local metrics and health endpoint
	// (127.0.0.1:15000).
	Admin string `yaml:"admin,omitempty" json:"admin,omitempty"`
}

// Client is a caller outside the mesh (a batch job on a VM) that reaches
// external resources with meshproof proxies through a meshproof proxy in
// outbound mode.
type Client struct {
	Name     string    `yaml:"name" json:"name"`
	Identity string    `yaml:"identity,omitempty" json:"identity,omitempty"`
	TLS      *TLSFiles `yaml:"tls,omitempty" json:"tls,omitempty"`
	// Admin is the proxy's local metrics and health endpoint
	// (127.0.0.1:15000).
	Admin string `yaml:"admin,omitempty" json:"admin,omitempty"`
}

// TLSFiles are where a proxy finds its certificate, key and trust bundle.
type TLSFiles struct {
	CertFile   string `yaml:"certFile,omitempty" json:"certFile,omitempty"`
	KeyFile    string `yaml:"keyFile,omitempty" json:"keyFile,omitempty"`
	BundleFile string `yaml:"bundleFile,omitempty" json:"bundleFile,omitempty"`
}

// Call allows From (a service or a client) to call To (a service or an
// external) on Ports (the callee's ports, all when empty), and for HTTP
// ports only the given Methods and Paths (any when empty; a path ending in
// "/*" is a prefix).
type Call struct {
	From    string   `yaml:"from" json:"from"`
	To      string   `yaml:"to" json:"to"`
	Ports   []int    `yaml:"ports,omitempty" json:"ports,omitempty"`
	Methods []string `yaml:"methods,omitempty" json:"methods,omitempty"`
	Paths   []string `yaml:"paths,omitempty" json:"paths,omitempty"`
	// Listen is the local address of a client's outbound proxy for this
	// call (127.0.0.1:<port of the external>).
	Listen string `yaml:"listen,omitempty" json:"listen,omitempty"`
}

// Ingress publishes a service's HTTP port at the ingress gateway under
// Hosts, over HTTPS only (TLS 1.2 or newer, HTTP redirected).
type Ingress struct {
	Name  string   `yaml:"name" json:"name"`
	Hosts []string `yaml:"hosts" json:"hosts"`
	// CredentialName is the Secret with the certificate, in the ingress
	// gateway's namespace.
	CredentialName string `yaml:"credentialName" json:"credentialName"`
	// MinTLSVersion is 1.2 (the default) or 1.3.
	MinTLSVersion string   `yaml:"minTLSVersion,omitempty" json:"minTLSVersion,omitempty"`
	To            string   `yaml:"to" json:"to"`
	Port          int      `yaml:"port,omitempty" json:"port,omitempty"`
	Methods       []string `yaml:"methods,omitempty" json:"methods,omitempty"`
	Paths         []string `yaml:"paths,omitempty" json:"paths,omitempty"`
}

// File is the name the intent was read from.
func (in *Intent) File() string { return in.file }

// Line returns the line of the element at path ("spec.calls[2].to"), or of
// its closest enclosing element that has one; 0 when unknown.
func (in *Intent) Line(path string) int {
	for p := path; p != ""; p = parent(p) {
		if l, ok := in.lines[p]; ok {
			return l
		}
	}
	return 0
}

func parent(p string) string {
	for i := len(p) - 1; i >= 0; i-- {
		switch p[i] {
		case '.':
			return p[:i]
		case '[':
			return p[:i]
		}
	}
	return ""
}

// SPIFFEID is the identity of a service.
func (in *Intent) SPIFFEID(s *Service) string {
	return fmt.Sprintf("spiffe://%s/ns/%s/sa/%s", in.Spec.TrustDomain, s.Namespace, s.ServiceAccount)
}

// GatewayID is the identity of a gateway.
func (in *Intent) GatewayID(g *Gateway) string {
	return fmt.Sprintf("spiffe://%s/ns/%s/sa/%s", in.Spec.TrustDomain, g.Namespace, g.ServiceAccount)
}

// Service returns the service called name, or nil.
func (in *Intent) Service(name string) *Service {
	for i := range in.Spec.Services {
		if in.Spec.Services[i].Name == name {
			return &in.Spec.Services[i]
		}
	}
	return nil
}

// External returns the external resource called name, or nil.
func (in *Intent) External(name string) *External {
	for i := range in.Spec.Externals {
		if in.Spec.Externals[i].Name == name {
			return &in.Spec.Externals[i]
		}
	}
	return nil
}

// Client returns the client called name, or nil.
func (in *Intent) Client(name string) *Client {
	for i := range in.Spec.Clients {
		if in.Spec.Clients[i].Name == name {
			return &in.Spec.Clients[i]
		}
	}
	return nil
}

// PortByNumber returns the service's port with Service port n, or nil.
func (s *Service) PortByNumber(n int) *Port {
	for i := range s.Ports {
		if s.Ports[i].Port == n {
			return &s.Ports[i]
		}
	}
	return nil
}

// IsHTTP reports whether a protocol carries HTTP requests (http, http2,
// grpc), on which methods and paths can be matched.
func IsHTTP(protocol string) bool {
	return protocol == HTTP || protocol == HTTP2 || protocol == GRPC
}
