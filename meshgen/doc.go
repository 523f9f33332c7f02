// Package meshgen turns an intent (package intent) into what a mesh runs:
// hardened Istio manifests (package istio), which pass `meshproof check`,
// and the configs of the meshproof proxies the intent implies (package
// proxyconf), signed (package signing) so that the proxies run them.
//
// Generate builds everything in memory; Output.Sign signs the proxy
// configs; Output.Write replaces the output folder's istio/ and proxy/
// subfolders with the new files. The Istio output depends on the intent
// alone, byte for byte. Proxy configs also carry a serial number, higher
// than any found in the output folder before (or given explicitly), and a
// validity window from the options; the bundles beside them hold a fresh
// signature each time.
//
// The dev CA that issues the proxies' certificates is package ca.
package meshgen
