# METADATA
# title: Gateway allows weak cipher suites
# description: >-
#   servers[].tls.cipherSuites replaces Envoy's default list for TLS 1.2 and
#   earlier (TLS 1.3 suites are not configurable there). The rule accepts
#   only ECDHE key exchange with an AEAD cipher: ECDHE-ECDSA or ECDHE-RSA
#   with AES128-GCM-SHA256, AES256-GCM-SHA384 or CHACHA20-POLY1305 (OpenSSL
#   names, as Envoy's BoringSSL takes them, or the equivalent IANA
#   TLS_ECDHE_..._WITH_... names), plus TLS 1.3 suite names. Every other
#   entry is reported: RC4, 3DES (DES-CBC3-SHA), NULL or export suites,
#   suites without ECDHE (AES128-GCM-SHA256, AES256-SHA: static RSA key
#   exchange, no forward secrecy) and CBC suites with SHA-1 or SHA-2 HMAC
#   (ECDHE-RSA-AES128-SHA), as well as cipher-string keywords such as ALL or
#   HIGH that pull such suites in. Entries that remove suites ("!RC4",
#   "-3DES") are ignored, and "[A|B]" equal-preference groups are split.
#   Servers in PASSTHROUGH or AUTO_PASSTHROUGH mode are skipped. One finding
#   per weak entry.
# custom:
#   id: GW-03
#   severity: MEDIUM
#   pci: ["4.2.1"]
#   kinds: [Gateway]
#   remediation: |-
#     List only ECDHE suites with AES-GCM or ChaCha20-Poly1305 (or drop
#     cipherSuites to use Envoy's defaults):
#       tls:
#         mode: SIMPLE
#         credentialName: pay-example-com
#         minProtocolVersion: TLSV1_2
#         cipherSuites:
#         - ECDHE-ECDSA-AES256-GCM-SHA384
#         - ECDHE-RSA-AES256-GCM-SHA384
#         - ECDHE-ECDSA-AES128-GCM-SHA256
#         - ECDHE-RSA-AES128-GCM-SHA256
#         - ECDHE-ECDSA-CHACHA20-POLY1305
#         - ECDHE-RSA-CHACHA20-POLY1305
package meshproof.gw_03

import data.meshproof.lib
import data.meshproof.lib.istio

deny contains lib.result(msg, path, sprintf("server %d %s", [i, suite])) if {
	lib.is_kind("networking.istio.io", "Gateway")
	some i, server in input.spec.servers
	not object.get(server.tls, "mode", "") in {"PASSTHROUGH", "AUTO_PASSTHROUGH"}
	some j, entry in server.tls.cipherSuites
	some suite in suites(entry)
	not strong(suite)
	path := ["spec", "servers", istio.index(i), "tls", "cipherSuites", istio.index(j)]
	msg := sprintf("%s server %d (port %v) allows cipher suite %s: %s", [istio.resource, i, server.port.number, suite, weakness(upper(suite))])
}

# suites splits an "[A|B]" equal-preference group and drops removals.
suites(entry) := {s |
	some s in split(trim(trim_space(entry), "[]"), "|")
	s != ""
	not substring(s, 0, 1) in {"!", "-"}
}

strong(s) if regex.match(`^ECDHE-(ECDSA|RSA)-(AES(128|256)-GCM-SHA(256|384)|CHACHA20-POLY1305)$`, upper(s))

strong(s) if regex.match(`^TLS_ECDHE_(ECDSA|RSA)_WITH_(AES_(128|256)_GCM_SHA(256|384)|CHACHA20_POLY1305_SHA256)$`, upper(s))

strong(s) if regex.match(`^TLS_(AES_(128|256)_GCM_SHA(256|384)|CHACHA20_POLY1305_SHA256)$`, upper(s))

weakness(s) := "RC4 is broken" if {
	contains(s, "RC4")
} else := "DES and 3DES have a 64-bit block (Sweet32)" if {
	regex.match(`3DES|DES-CBC3|DES_EDE|(^|[-_])DES[-_]`, s)
} else := "it has no encryption or export-grade keys" if {
	regex.match(`NULL|EXP|ANON|ADH|AECDH`, s)
} else := "it is a cipher-string keyword, not a suite, and pulls in weak suites" if {
	not regex.match(`[-_]`, s)
} else := "the key exchange is not ECDHE (static RSA gives no forward secrecy)" if {
	not regex.match(`^(TLS_)?ECDHE[-_]`, s)
} else := "CBC mode with an HMAC is not an AEAD cipher"
