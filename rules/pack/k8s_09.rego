# METADATA
# title: Container image not pinned by digest
# description: >-
#   A tag is a movable pointer: the registry can serve different content under
#   the same name tomorrow (latest, or no tag at all, moves on every push), so
#   the image that runs is not the one that was scanned, inventoried in the
#   SBOM and approved, and a compromised registry or pipeline can swap it
#   silently. Only an @sha256 digest names the content itself. The istio-proxy
#   placeholder of gateway injection (image: auto) is not reported: the
#   injector chooses that image.
# custom:
#   id: K8S-09
#   severity: MEDIUM
#   pci: ["6.3.2", "6.3.3"]
#   refs: ["NIST SP 800-207 tenet 5"]
#   kinds: [Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, ReplicationController, Job, CronJob]
#   remediation: |-
#     Reference every image by digest (a tag may stay for readability; the
#     digest wins). Resolve it with `crane digest` or `docker buildx imagetools
#     inspect`, and let a bot such as Renovate keep it current:
#       containers:
#       - name: api
#         image: registry.example.com/payments/api:2.3.1@sha256:<64 hex digits>
package meshproof.k8s_09

import data.meshproof.lib
import data.meshproof.lib.k8s

deny contains lib.result(msg, array.concat(path, ["image"]), c.name) if {
	some [path, c] in lib.containers
	not k8s.injected_proxy(c)
	image := c.image
	is_string(image)
	image != ""
	not regex.match(`@sha256:[a-f0-9]{64}$`, image)
	msg := sprintf("container %q of %s uses image %q %s", [c.name, k8s.resource, image, problem(image)])
}

# tag is the tag of an image reference without a digest (the part after the
# last colon of the last path segment, so a registry port is not a tag).
tag(image) := t if {
	segments := split(image, "/")
	last := segments[count(segments) - 1]
	contains(last, ":")
	parts := split(last, ":")
	t := parts[count(parts) - 1]
}

problem(image) := "with a digest that is not a full sha256 digest" if {
	contains(image, "@")
} else := "with the mutable tag latest and no digest" if {
	tag(image) == "latest"
} else := "with no tag or digest (it resolves to latest)" if {
	not tag(image)
} else := "with a tag but no @sha256 digest"
