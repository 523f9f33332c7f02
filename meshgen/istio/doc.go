// Package istio writes the hardened Istio and Kubernetes manifests an
// intent (package intent) implies; their output passes `meshproof check`
// with no findings.
//
// Mesh-wide: STRICT mutual TLS (PeerAuthentication in the root namespace),
// access logging (Telemetry), and an IstioOperator overlay with the mesh
// config (REGISTRY_ONLY outbound traffic, JSON access logs, TLS 1.3 for
// Istio mutual TLS). Namespaces carry injection and PCI scope labels
// (meshproof.dev/pci-scope: cde where CDE members run, connected where
// something calls them or carries their traffic, out otherwise).
//
// Per namespace: a default-deny AuthorizationPolicy, one ALLOW policy per
// callee with the exact principals of its callers (and the ports, methods,
// paths and hosts allowed), a default Sidecar that scopes egress to the
// hosts the namespace's services call with REGISTRY_ONLY, ServiceAccounts
// without automounted tokens, and NetworkPolicies that deny everything but
// istiod, DNS and the flows of the intent.
//
// At the edge: a Gateway per ingress entry with HTTPS only (TLS 1.2 or
// 1.3, the HTTP port redirecting), bound to a VirtualService in the
// service's namespace. External resources get a ServiceEntry (pinned
// addresses or DNS resolution, exported only where needed) and a
// VirtualService that routes them through the egress gateway inside Istio
// mutual TLS; there an AuthorizationPolicy names the allowed callers and a
// DestinationRule originates the TLS towards the resource: ISTIO_MUTUAL to a
// meshproof proxy (whose SPIFFE ID it checks), or TLS verified with the CA
// the intent names.
//
// Generate is deterministic: the same intent gives the same bytes.
package istio
