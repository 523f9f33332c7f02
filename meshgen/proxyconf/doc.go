// Package proxyconf writes the configs of the meshproof proxies an intent
// implies, in the proxy's own format (package proxy/config): inbound in
// front of each external resource that has a proxy, allowing exactly the
// identities that reach it (the egress gateway for callers in the mesh, and
// the clients outside it), and outbound for each client, verifying the
// identity of every proxy it calls. Each config carries the serial number
// and validity window it is signed with (package signing), and the identity
// whose certificate the proxy presents.
package proxyconf
