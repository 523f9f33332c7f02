# Helpers shared by the workload rules of the pack (K8S-*, INJ-*). No rules
# here: under conftest --all-namespaces this package reports nothing.
package meshproof.lib.k8s

import data.meshproof.lib

# resource names the input for messages: "Kind namespace/name" (or "Kind name"
# when the object has no namespace).
resource := sprintf("%s %s/%s", [input.kind, lib.namespace, lib.name]) if {
	lib.namespace != ""
} else := sprintf("%s %s", [input.kind, lib.name])

# index turns a sequence index into a path segment.
index(i) := sprintf("%d", [i])

# template_meta_path is the path of the pod template's metadata.
template_meta_path := array.concat(lib.pod_template_path, ["metadata"])

# template_labels and template_annotations are the pod template's labels and
# annotations ({} when there are none).
template_labels := object.get(lib.pod_template, ["metadata", "labels"], {})

template_annotations := object.get(lib.pod_template, ["metadata", "annotations"], {})

# windows is true for pods that declare spec.os.name: windows, where the
# Linux-only securityContext fields cannot be set.
windows if lib.pod_spec.os.name == "windows"

# injected_proxy is true for the istio-proxy placeholder of gateway injection
# (image: auto): the injector replaces the image and fills in the container's
# securityContext from its template, which overrides the pod's (see istioctl
# analyze IST0146).
injected_proxy(c) if {
	c.name == "istio-proxy"
	c.image == "auto"
}

# sc_field(path, c, f) is [value, path] of the securityContext field f that
# applies to the container c at path: the container's own setting, else the
# pod's (the container's takes precedence when both are set). Undefined when
# neither sets it. For the injected_proxy placeholder only the container's own
# setting counts, as the injection template sets the field on the container.
sc_field(path, c, f) := [v, array.concat(path, ["securityContext", f])] if {
	v := c.securityContext[f]
	v != null
} else := [v, array.concat(lib.pod_template_path, ["spec", "securityContext", f])] if {
	not injected_proxy(c)
	v := lib.pod_spec.securityContext[f]
	v != null
}

# capability normalizes a capability name: upper case, without the CAP_
# prefix that container runtimes also accept.
capability(cap) := trim_prefix(upper(cap), "CAP_") if is_string(cap)

# text renders a scalar annotation, label or env value as a string ("" for
# null), as the API server would see it once quoted.
text(v) := "" if {
	v == null
} else := v if {
	is_string(v)
} else := sprintf("%v", [v])
