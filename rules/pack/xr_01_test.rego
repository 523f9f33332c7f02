package meshproof.xr_01_test

import data.meshproof.xr_01

ref(kind, ns, name) := {"id": 0, "api_version": "apps/v1", "kind": kind, "namespace": ns, "name": name}

workload(kind, path, labels, annotations, extra) := object.union(
	{
		"ref": ref(kind, "payments", "batch"),
		"namespace": "payments",
		"labels": labels,
		"annotations": annotations,
		"host_network": false,
		"mesh": "none",
		"opted_out": true,
		"template_path": path,
	},
	extra,
)

opt_out_label := {"app": "batch", "sidecar.istio.io/inject": "false"}

model(injection, workloads) := {
	"meshproof_model": 1,
	"root_namespace": "istio-system",
	"namespaces": {"payments": {"name": "payments", "declared": true, "injection": injection}},
	"workloads": workloads,
}

test_label_opt_out_in_injected_namespace if {
	w := workload("Deployment", ["spec", "template"], opt_out_label, {}, {})
	results := xr_01.deny with input as model("istio", [w])
	count(results) == 1
	some r in results
	r.resource == ref("Deployment", "payments", "batch")
	r.path == ["spec", "template", "metadata", "labels", "sidecar.istio.io/inject"]
	r.key == ""
	contains(r.msg, "Deployment payments/batch opts out of sidecar injection in namespace payments, which has injection enabled")
}

test_annotation_opt_out_in_revision_namespace if {
	path := ["spec", "jobTemplate", "spec", "template"]
	w := workload("CronJob", path, {}, {"sidecar.istio.io/inject": "false"}, {})
	results := xr_01.deny with input as model("istio-revision", [w])
	count(results) == 1
	some r in results
	r.path == ["spec", "jobTemplate", "spec", "template", "metadata", "annotations", "sidecar.istio.io/inject"]
}

test_injected_workloads_pass if {
	w := workload("Deployment", ["spec", "template"], {"sidecar.istio.io/inject": "true"}, {"sidecar.istio.io/inject": "false"}, {"mesh": "istio", "opted_out": false})
	count(xr_01.deny) == 0 with input as model("istio", [w])
}

test_uninjected_namespaces_and_host_network_ignored if {
	w := workload("Deployment", ["spec", "template"], opt_out_label, {}, {})
	count(xr_01.deny) == 0 with input as model("none", [w])
	count(xr_01.deny) == 0 with input as model("linkerd", [w])
	count(xr_01.deny) == 0 with input as model("unknown", [w])

	# hostNetwork pods are never injected: XR-02 reports them.
	count(xr_01.deny) == 0 with input as model("istio", [object.union(w, {"host_network": true})])
}

test_manifest_input_yields_nothing if {
	manifest := {
		"apiVersion": "apps/v1",
		"kind": "Deployment",
		"metadata": {"name": "batch", "namespace": "payments"},
		"spec": {"template": {"metadata": {"labels": opt_out_label}, "spec": {"containers": []}}},
	}
	count(xr_01.deny) == 0 with input as manifest
}
