# Helpers shared by the Istio document rules of the pack. No rules here:
# under conftest --all-namespaces this package reports nothing.
package meshproof.lib.istio

import data.meshproof.lib

# resource names the input for messages: "Kind namespace/name" (or "Kind name"
# when the object has no namespace).
resource := sprintf("%s %s/%s", [input.kind, lib.namespace, lib.name]) if {
	lib.namespace != ""
} else := sprintf("%s %s", [input.kind, lib.name])

# index turns a sequence index into a path segment.
index(i) := sprintf("%d", [i])

# traffic_policies yields [path, label, policy] for the DestinationRule's
# top-level trafficPolicy and for the trafficPolicy of each subset.
traffic_policies contains [["spec", "trafficPolicy"], "trafficPolicy", tp] if {
	tp := input.spec.trafficPolicy
	is_object(tp)
}

traffic_policies contains [path, label, tp] if {
	some k, subset in input.spec.subsets
	tp := subset.trafficPolicy
	is_object(tp)
	path := ["spec", "subsets", index(k), "trafficPolicy"]
	label := sprintf("subset %s", [object.get(subset, "name", index(k))])
}

# dr_tls yields [path, label, tls] for every ClientTLSSettings of a
# DestinationRule: trafficPolicy.tls, trafficPolicy.portLevelSettings[].tls,
# and the same two under every subsets[].trafficPolicy. label says where the
# setting is ("trafficPolicy port 5432", "subset v2") and tells findings apart.
dr_tls contains [array.concat(path, ["tls"]), label, tls] if {
	lib.is_kind("networking.istio.io", "DestinationRule")
	some [path, label, tp] in traffic_policies
	tls := tp.tls
	is_object(tls)
}

dr_tls contains [tls_path, tls_label, tls] if {
	lib.is_kind("networking.istio.io", "DestinationRule")
	some [path, label, tp] in traffic_policies
	some i, pls in tp.portLevelSettings
	tls := pls.tls
	is_object(tls)
	tls_path := array.concat(path, ["portLevelSettings", index(i), "tls"])
	tls_label := sprintf("%s port %s", [label, port_label(i, pls)])
}

port_label(i, pls) := sprintf("%v", [pls.port.number]) if {
	pls.port.number
} else := sprintf("(portLevelSettings[%d])", [i])
