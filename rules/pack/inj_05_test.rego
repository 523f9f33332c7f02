package meshproof.inj_05_test

import data.meshproof.inj_05

deployment(annotations) := {
	"apiVersion": "apps/v1",
	"kind": "Deployment",
	"metadata": {"name": "payments-api", "namespace": "payments"},
	"spec": {"template": {
		"metadata": {"labels": {"app": "payments-api"}, "annotations": annotations},
		"spec": {"containers": [{"name": "api", "image": "registry.example.com/api:2.3"}]},
	}},
}

annotation_path(name) := ["spec", "template", "metadata", "annotations", name]

test_istio_exclusions if {
	annotations := {
		"traffic.sidecar.istio.io/excludeInboundPorts": "9090,9443",
		"traffic.sidecar.istio.io/excludeOutboundPorts": "5432",
		"prometheus.io/scrape": "true",
	}
	results := inj_05.deny with input as deployment(annotations)
	count(results) == 2
	some r in results
	r.path == annotation_path("traffic.sidecar.istio.io/excludeInboundPorts")
	r.key == "traffic.sidecar.istio.io/excludeInboundPorts"
	contains(r.msg, "Deployment payments/payments-api excludes inbound ports 9090,9443 from the sidecar")
}

test_ip_ranges_interfaces_and_linkerd_skips if {
	annotations := {
		"traffic.sidecar.istio.io/excludeOutboundIPRanges": "10.20.0.0/16",
		"traffic.sidecar.istio.io/excludeInterfaces": "tun0",
		"config.linkerd.io/skip-inbound-ports": 5432,
		"config.linkerd.io/skip-outbound-ports": "22,990",
		"config.linkerd.io/skip-subnets": "192.0.2.0/24",
	}
	results := inj_05.deny with input as deployment(annotations)
	count(results) == 5
	some r in results
	r.key == "config.linkerd.io/skip-inbound-ports"
	contains(r.msg, "excludes inbound ports 5432 from the sidecar")
}

test_narrow_inclusions if {
	results := inj_05.deny with input as deployment({"traffic.sidecar.istio.io/includeInboundPorts": "8080"})
	count(results) == 1
	some r in results
	r.path == annotation_path("traffic.sidecar.istio.io/includeInboundPorts")
	contains(r.msg, "captures only the inbound ports 8080 in the sidecar")

	empty := inj_05.deny with input as deployment({"traffic.sidecar.istio.io/includeOutboundIPRanges": ""})
	some e in empty
	contains(e.msg, "captures no outbound IP ranges in the sidecar")
}

test_wildcard_inclusions_and_empty_exclusions_pass if {
	annotations := {
		"traffic.sidecar.istio.io/includeInboundPorts": "*",
		"traffic.sidecar.istio.io/includeOutboundIPRanges": "10.0.0.0/8, *",
		"traffic.sidecar.istio.io/excludeInboundPorts": "",
		"traffic.sidecar.istio.io/excludeOutboundPorts": " ",
		"traffic.sidecar.istio.io/includeOutboundPorts": "5432",
		"config.linkerd.io/opaque-ports": "5432",
	}
	count(inj_05.deny) == 0 with input as deployment(annotations)
}

test_pod_annotations_and_object_annotations if {
	pod := {
		"apiVersion": "v1",
		"kind": "Pod",
		"metadata": {"name": "vpn-bridge", "namespace": "payments", "annotations": {"traffic.sidecar.istio.io/excludeInterfaces": "tun0"}},
		"spec": {"containers": [{"name": "bridge", "image": "registry.example.com/vpn:0.4"}]},
	}
	results := inj_05.deny with input as pod
	count(results) == 1
	some r in results
	r.path == ["metadata", "annotations", "traffic.sidecar.istio.io/excludeInterfaces"]

	# On a Deployment the object's own annotations do not reach its pods.
	d := object.union(deployment({}), {"metadata": {"annotations": {"traffic.sidecar.istio.io/excludeOutboundPorts": "22"}}})
	count(inj_05.deny) == 0 with input as d
}

test_non_workloads_ignored if {
	cm := {
		"apiVersion": "v1",
		"kind": "ConfigMap",
		"metadata": {"name": "settings", "namespace": "payments", "annotations": {"traffic.sidecar.istio.io/excludeOutboundPorts": "22"}},
	}
	count(inj_05.deny) == 0 with input as cm
}
