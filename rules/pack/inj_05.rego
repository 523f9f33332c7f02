# METADATA
# title: Traffic-capture carve-out on a meshed workload
# description: >-
#   Traffic the sidecar does not capture goes straight between the application
#   and the network: no mTLS, no peer identity, no AuthorizationPolicy or
#   Linkerd policy, no telemetry. The Istio annotations that exclude inbound
#   or outbound ports, outbound IP ranges or interfaces from redirection, or
#   narrow includeInboundPorts or includeOutboundIPRanges to less than "*" (an
#   empty value disables redirection in that direction altogether), and the
#   Linkerd annotations skip-inbound-ports, skip-outbound-ports and
#   skip-subnets, each open such a hole in a pod that looks meshed. One finding
#   per annotation; empty exclusion lists are not reported.
# custom:
#   id: INJ-05
#   severity: HIGH
#   cde_raise: true
#   pci: ["1.3.1", "1.2.6"]
#   kinds: [Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, ReplicationController, Job, CronJob]
#   remediation: |-
#     Remove the carve-out and let the proxy handle the traffic (mark
#     server-speaks-first or non-HTTP ports as opaque/TCP instead of skipping
#     them); if a port must bypass the proxy, protect it with a NetworkPolicy
#     and document the exception:
#       spec:
#         template:
#           metadata:
#             annotations:
#               # no traffic.sidecar.istio.io/exclude*, no config.linkerd.io/skip-*
#               config.linkerd.io/opaque-ports: "5432"
package meshproof.inj_05

import data.meshproof.lib
import data.meshproof.lib.k8s

# Annotations that exclude traffic when they list anything.
exclusions := {
	"traffic.sidecar.istio.io/excludeInboundPorts": "inbound ports",
	"traffic.sidecar.istio.io/excludeOutboundPorts": "outbound ports",
	"traffic.sidecar.istio.io/excludeOutboundIPRanges": "outbound IP ranges",
	"traffic.sidecar.istio.io/excludeInterfaces": "network interfaces",
	"config.linkerd.io/skip-inbound-ports": "inbound ports",
	"config.linkerd.io/skip-outbound-ports": "outbound ports",
	"config.linkerd.io/skip-subnets": "outbound subnets",
}

# Annotations that capture only what they list, unless they list "*".
inclusions := {
	"traffic.sidecar.istio.io/includeInboundPorts": "inbound ports",
	"traffic.sidecar.istio.io/includeOutboundIPRanges": "outbound IP ranges",
}

deny contains lib.result(msg, array.concat(k8s.template_meta_path, ["annotations", name]), name) if {
	some name, what in exclusions
	value := trim_space(k8s.text(k8s.template_annotations[name]))
	value != ""
	msg := sprintf("%s excludes %s %s from the sidecar (%s), so that traffic skips mTLS and authorization", [k8s.resource, what, value, name])
}

deny contains lib.result(msg, array.concat(k8s.template_meta_path, ["annotations", name]), name) if {
	some name, what in inclusions
	value := trim_space(k8s.text(k8s.template_annotations[name]))
	not "*" in {trim_space(x) | some x in split(value, ",")}
	msg := sprintf("%s captures %s in the sidecar (%s), so other traffic skips mTLS and authorization", [k8s.resource, captured(what, value), name])
}

captured(what, "") := sprintf("no %s", [what])

captured(what, value) := sprintf("only the %s %s", [what, value]) if value != ""
