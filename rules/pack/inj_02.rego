# METADATA
# title: Workload opts out of sidecar injection
# description: >-
#   A pod template that opts out of injection gets no proxy: its traffic is
#   neither encrypted nor authenticated by the mesh, it has no mesh identity,
#   and no AuthorizationPolicy or Linkerd policy is enforced on it, so it is a
#   hole in the segmentation the mesh provides (and, in an injected namespace,
#   one that is easy to miss). For Istio the pod label sidecar.istio.io/inject
#   wins over the deprecated annotation of the same name when both are set, and
#   the injector treats any value other than true, y, yes, on (any case) or
#   empty as "do not inject" (pkg/kube/inject injectRequired); YAML false
#   without quotes counts too. For Linkerd the annotation linkerd.io/inject:
#   disabled opts out. Pod templates that run an istio-proxy container
#   themselves (gateways) are not reported: they are the proxy.
# custom:
#   id: INJ-02
#   severity: HIGH
#   cde_raise: true
#   pci: ["1.3.1"]
#   kinds: [Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, ReplicationController, Job, CronJob]
#   remediation: |-
#     Remove the opt-out from the pod template and let the namespace decide (or
#     move a workload that truly cannot be meshed out of the CDE, and document
#     why):
#       spec:
#         template:
#           metadata:
#             labels:
#               app: batch
#               # no sidecar.istio.io/inject: "false"
#             annotations:
#               linkerd.io/inject: enabled
package meshproof.inj_02

import data.meshproof.lib
import data.meshproof.lib.k8s

deny contains lib.result(msg, p, "istio") if {
	not gateway
	[v, p, where] := istio_setting
	not lower(k8s.text(v)) in {"true", "y", "yes", "on", ""}
	msg := sprintf("%s opts out of Istio sidecar injection (pod template %s sidecar.istio.io/inject: %q)", [k8s.resource, where, k8s.text(v)])
}

deny contains lib.result(msg, p, "linkerd") if {
	k8s.template_annotations["linkerd.io/inject"] == "disabled"
	p := array.concat(k8s.template_meta_path, ["annotations", "linkerd.io/inject"])
	msg := sprintf("%s opts out of Linkerd proxy injection (pod template annotation linkerd.io/inject: disabled)", [k8s.resource])
}

# istio_setting is [value, path, "label"|"annotation"] of the injection setting
# that Istio reads: the label when present, else the annotation.
istio_setting := [v, array.concat(k8s.template_meta_path, ["labels", "sidecar.istio.io/inject"]), "label"] if {
	v := k8s.template_labels["sidecar.istio.io/inject"]
} else := [v, array.concat(k8s.template_meta_path, ["annotations", "sidecar.istio.io/inject"]), "annotation"] if {
	v := k8s.template_annotations["sidecar.istio.io/inject"]
}

# gateway is true for pods that run the Istio proxy as a container of their
# own (ingress and egress gateways).
gateway if {
	some [_, c] in lib.containers
	c.name == "istio-proxy"
}
