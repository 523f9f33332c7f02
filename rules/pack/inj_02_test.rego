package meshproof.inj_02_test

import data.meshproof.inj_02

deployment(labels, annotations) := {
	"apiVersion": "apps/v1",
	"kind": "Deployment",
	"metadata": {"name": "batch-export", "namespace": "payments"},
	"spec": {"template": {
		"metadata": {"labels": labels, "annotations": annotations},
		"spec": {"containers": [{"name": "export", "image": "registry.example.com/export:1.9"}]},
	}},
}

label_path := ["spec", "template", "metadata", "labels", "sidecar.istio.io/inject"]

test_label_false_opts_out if {
	results := inj_02.deny with input as deployment({"app": "batch-export", "sidecar.istio.io/inject": "false"}, {})
	count(results) == 1
	some r in results
	r.path == label_path
	r.key == "istio"
	contains(r.msg, "Deployment payments/batch-export opts out of Istio sidecar injection (pod template label sidecar.istio.io/inject: \"false\")")
}

test_annotation_with_yaml_boolean_false if {
	results := inj_02.deny with input as deployment({"app": "batch-export"}, {"sidecar.istio.io/inject": false})
	count(results) == 1
	some r in results
	r.path == ["spec", "template", "metadata", "annotations", "sidecar.istio.io/inject"]
	contains(r.msg, "pod template annotation sidecar.istio.io/inject: \"false\"")
}

test_any_value_not_read_as_true_opts_out if {
	every v in ["disabled", "False", "no", "0"] {
		count(inj_02.deny) == 1 with input as deployment({"sidecar.istio.io/inject": v}, {})
	}
}

test_true_values_and_the_label_over_the_annotation_pass if {
	every v in ["true", "Y", "yes", "ON"] {
		count(inj_02.deny) == 0 with input as deployment({"sidecar.istio.io/inject": v}, {})
	}

	# The label wins over the deprecated annotation, and an empty label hides it.
	count(inj_02.deny) == 0 with input as deployment({"sidecar.istio.io/inject": "true"}, {"sidecar.istio.io/inject": "false"})
	count(inj_02.deny) == 0 with input as deployment({"sidecar.istio.io/inject": ""}, {"sidecar.istio.io/inject": "false"})
}

test_linkerd_opt_out if {
	pod := {
		"apiVersion": "v1",
		"kind": "Pod",
		"metadata": {"name": "card-import", "namespace": "cde", "annotations": {"linkerd.io/inject": "disabled"}},
		"spec": {"containers": [{"name": "import", "image": "registry.example.com/import:1.0"}]},
	}
	results := inj_02.deny with input as pod
	count(results) == 1
	some r in results
	r.path == ["metadata", "annotations", "linkerd.io/inject"]
	r.key == "linkerd"
	contains(r.msg, "Pod cde/card-import opts out of Linkerd proxy injection")

	both := deployment({"sidecar.istio.io/inject": "False"}, {"linkerd.io/inject": "disabled"})
	count(inj_02.deny) == 2 with input as both
}

test_gateways_and_non_workloads_ignored if {
	gw := object.union(
		deployment({"istio": "ingressgateway"}, {"sidecar.istio.io/inject": "false"}),
		{"spec": {"template": {"spec": {"containers": [{"name": "istio-proxy", "image": "auto"}]}}}},
	)
	count(inj_02.deny) == 0 with input as gw
	ns := {
		"apiVersion": "v1",
		"kind": "Namespace",
		"metadata": {"name": "tools", "labels": {"istio-injection": "disabled"}, "annotations": {"linkerd.io/inject": "disabled"}},
	}
	count(inj_02.deny) == 0 with input as ns
}
