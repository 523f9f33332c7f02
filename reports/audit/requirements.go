package audit

// requirement is a PCI DSS v4.0.1 requirement the report gives evidence
// for, with how meshproof supports it.
type requirement struct {
	ID    string
	Title string
	// How says what meshproof's evidence is for it.
	How string
	// Process is set for requirements that manifests cannot show (a
	// process, a review, a test): they are never assessed, and Process
	// says why.
	Process string
	// Scan is true for requirements that an image scan assesses.
	Scan bool
}

// catalog lists, in requirement order, the PCI DSS v4.0.1 requirements
// meshproof can give evidence for (../shared/RULES-CATALOG.md).
var catalog = []requirement{
	{ID: "1.2.1", Title: "Configuration standards for NSC rulesets are defined, implemented and maintained", How: "the rule pack is a configuration standard; the checks show conformance"},
	{ID: "1.2.2", Title: "Changes to network connections and NSC configurations are approved and managed", How: "a CI gate and a signed report per commit are evidence of the process", Process: "change approval is a process; a signed report per change supports it"},
	{ID: "1.2.3", Title: "An accurate network diagram shows all connections between the CDE and other networks", How: "the segmentation graph, derived from the policies", Process: "the graph is supporting evidence: it must be confirmed against the running system"},
	{ID: "1.2.4", Title: "An accurate data-flow diagram shows all account data flows", How: "the segmentation graph and the external services", Process: "which flows carry account data is not in the manifests"},
	{ID: "1.2.5", Title: "All services, protocols and ports allowed are identified, approved and have a business need", How: "Gateway ports, ServiceEntry hosts and ports, AuthorizationPolicy allow rules"},
	{ID: "1.2.6", Title: "Security features are defined and implemented for insecure services, protocols and ports", How: "plaintext ports, mTLS DISABLE, HTTP gateways"},
	{ID: "1.2.7", Title: "NSC configurations are reviewed at least once every six months", How: "report history", Process: "a review is a process"},
	{ID: "1.2.8", Title: "NSC configuration files are secured and consistent with active configurations", How: "drift against the cluster", Process: "the running cluster is not compared offline"},
	{ID: "1.3.1", Title: "Inbound traffic to the CDE is restricted to only necessary traffic", How: "default-deny AuthorizationPolicy, STRICT mTLS, NetworkPolicy"},
	{ID: "1.3.2", Title: "Outbound traffic from the CDE is restricted to only necessary traffic", How: "REGISTRY_ONLY, Sidecar egress, egress gateway with AuthorizationPolicy"},
	{ID: "1.4.1", Title: "NSCs are implemented between trusted and untrusted networks", How: "the ingress gateway is the only entry; no LoadBalancer or NodePort bypass"},
	{ID: "1.4.2", Title: "Inbound traffic from untrusted networks is restricted to authorized public services", How: "Gateway hosts and ports, no wildcard hosts"},
	{ID: "1.4.4", Title: "System components that store cardholder data are not directly accessible from untrusted networks", How: "databases not exposed through a Gateway or LoadBalancer"},
	{ID: "2.2.1", Title: "Configuration standards are developed, implemented and maintained", How: "NSA/CISA and Istio hardening rules, schema validation"},
	{ID: "2.2.5", Title: "Insecure services, protocols or daemons have a business justification and additional security features", How: "waivers with owner, reason and expiry for DISABLE and PERMISSIVE; in-cluster mTLS"},
	{ID: "2.2.6", Title: "System security parameters are configured to prevent misuse", How: "securityContext, TLS parameters"},
	{ID: "4.2.1", Title: "Strong cryptography protects PAN during transmission over open, public networks", How: "Gateway TLS versions and ciphers, TLS origination to external endpoints"},
	{ID: "4.2.1.1", Title: "An inventory of trusted keys and certificates protecting PAN in transmission is maintained", How: "credentialName and CA references"},
	{ID: "6.3.1", Title: "Security vulnerabilities are identified and managed", How: "vulnerability matching of every image's SBOM", Scan: true},
	{ID: "6.3.2", Title: "An inventory of bespoke and custom software and third-party components is maintained", How: "an SBOM per image", Scan: true},
	{ID: "6.3.3", Title: "System components are protected from known vulnerabilities by installing applicable patches", How: "known vulnerabilities in the images, with the feed date", Scan: true},
	{ID: "6.4.1", Title: "Public-facing web applications are protected against attacks", How: "AuthorizationPolicy path matching that resists normalization bypasses"},
	{ID: "7.2.1", Title: "An access control model is defined (least privilege, by business need)", How: "the AuthorizationPolicy model, default deny"},
	{ID: "7.2.5", Title: "All application and system accounts and their privileges are assigned and managed", How: "a ServiceAccount per workload; AuthorizationPolicy principals"},
	{ID: "7.3.1", Title: "An access control system restricts access based on need to know and covers all system components", How: "AuthorizationPolicy coverage of every CDE workload"},
	{ID: "8.2.2", Title: "Group, shared or generic IDs are used only when necessary", How: "workloads sharing a ServiceAccount share a mesh identity"},
	{ID: "8.3.1", Title: "All user access is authenticated with strong authentication", How: "RequestAuthentication and the policies that require tokens"},
	{ID: "8.3.2", Title: "Strong cryptography renders authentication factors unreadable in transmission and storage", How: "JWKS over HTTPS; no plaintext credentials"},
	{ID: "8.6.2", Title: "Passwords for application and system accounts are not hard coded in configuration files", How: "secrets in env values and ConfigMaps"},
	{ID: "10.2.1", Title: "Audit logs are enabled and active for all system components", How: "Telemetry access logging"},
	{ID: "10.2.2", Title: "Audit logs record sufficient detail", How: "Telemetry access logging"},
	{ID: "11.3.1", Title: "Internal vulnerability scans are performed", How: "an SBOM vulnerability scan per build supports it; it does not replace the scans", Scan: true},
	{ID: "11.4.5", Title: "Segmentation controls are tested (penetration test) at least every 12 months and after changes", How: "static analysis of the AuthorizationPolicy and PeerAuthentication graph"},
	{ID: "12.5.1", Title: "An inventory of in-scope system components is maintained", How: "the workloads in scope, with their identities"},
	{ID: "12.5.2", Title: "PCI DSS scope is documented and confirmed at least every 12 months and on significant change", How: "the scope derived from the policies: CDE, connected-to and out of scope"},
}

// Statements the report makes whatever it finds.
var statements = []Statement{
	{ID: "11.4.5", Text: "Static analysis of the mesh policies supports requirement 11.4.5 and the scoping of 12.5.2. It does not replace the penetration test of the segmentation controls that 11.4.5 requires at least every 12 months and after changes."},
	{ID: "4.2.1", Text: "Requirement 4.2.1 covers transmission over open, public networks only. In-cluster mutual TLS is cited as evidence for 1.3.x, 2.2.5 and 2.2.6, not for 4.2.1; findings on in-cluster traffic are not counted against 4.2.1."},
	{ID: "scope", Text: "The scope is derived from the manifests given: the allowed-call graph follows Istio's AuthorizationPolicy and PeerAuthentication semantics, and for Linkerd workloads Linkerd's Servers, AuthorizationPolicies, legacy ServerAuthorizations and default inbound policy (source networks, which the manifests cannot settle, make an edge conditional). NetworkPolicies, DestinationRule TLS overrides and workloads outside the input are not part of it; the scope must be confirmed against the running environment."},
	{ID: "static", Text: "This report describes configuration as written in the inputs, whose SHA-256 digests are listed under Integrity. It is evidence for an assessment, not an assessment."},
}
