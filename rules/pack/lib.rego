# Helpers shared by the rules of the pack. No rules here: under conftest
# --all-namespaces this package reports nothing.
package meshproof.lib

# is_model is true when input is meshproof's mesh model rather than a manifest.
is_model if input.meshproof_model == 1

# group is the API group of the input ("" for the core group).
group := g if {
	contains(input.apiVersion, "/")
	g := split(input.apiVersion, "/")[0]
} else := ""

# is_kind is true when the input has API group g and kind k.
is_kind(g, k) if {
	group == g
	input.kind == k
}

namespace := object.get(input, ["metadata", "namespace"], "")

name := object.get(input, ["metadata", "name"], object.get(input, ["metadata", "generateName"], ""))

# pod_template_path is where the input keeps its pod template.
pod_template_path := p if {
	input.kind in {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController", "Job"}
	group in {"", "apps", "batch"}
	p := ["spec", "template"]
} else := ["spec", "jobTemplate", "spec", "template"] if {
	input.kind == "CronJob"
	group == "batch"
} else := [] if {
	input.kind == "Pod"
	group == ""
}

# pod_template is the pod template of a workload (the Pod itself for a Pod).
pod_template := object.get(input, pod_template_path, null) if count(pod_template_path) > 0

pod_template := input if pod_template_path == []

pod_spec := pod_template.spec

# containers yields [path, container] for every container, init container and
# ephemeral container of the workload, with path relative to the object root.
containers contains [path, c] if {
	some field in ["containers", "initContainers", "ephemeralContainers"]
	some i, c in pod_spec[field]
	path := array.concat(pod_template_path, ["spec", field, sprintf("%d", [i])])
}

# is_mesh_init is true for the mesh's own init containers, which need
# NET_ADMIN/NET_RAW to set up traffic capture.
is_mesh_init(path, c) if {
	path[count(path) - 2] == "initContainers"
	c.name in {"istio-init", "istio-validation", "linkerd-init"}
}

# result builds a finding for a document rule: msg, the path of the offending
# field, and a key that tells apart several findings on one object.
result(msg, path, key) := {"msg": msg, "path": path, "key": key}

# model_result builds a finding for a mesh rule about the object behind ref.
model_result(msg, ref, path, key) := {"msg": msg, "resource": ref, "path": path, "key": key}

# not_assessed builds a mesh-rule result saying the rule could not be
# assessed on ref, and why (an object it needs is not in the input). It is
# reported apart from failures and never blocks, but it is not a pass.
not_assessed(msg, ref, path, key, reason) := {"msg": msg, "resource": ref, "path": path, "key": key, "not_assessed": reason}
