# METADATA
# title: Image runs as root
# description: >-
#   An image whose config sets no USER (or USER 0 / root) runs its process as
#   UID 0 unless the pod asks otherwise, and UID 0 in a container is root on
#   the node's kernel: a container escape or a writable host mount becomes a
#   node takeover. The finding is raised for the workloads that run the image
#   without overriding the user (a securityContext with runAsNonRoot: true or
#   a non-zero runAsUser), and for an image named on the command line, which
#   no manifest overrides. A folder (dir:) has no image config and is not
#   concerned.
# custom:
#   id: IMG-03
#   severity: HIGH
#   pci: ["2.2.6"]
#   refs: ["NSA/CISA Kubernetes Hardening Guide C-0013", "NIST SP 800-190"]
#   kinds: [Image]
#   remediation: |-
#     Build the image with a non-root user:
#       # Dockerfile
#       USER 10001:10001
#     and require it in the pod template:
#       securityContext:
#         runAsNonRoot: true
#         runAsUser: 10001
package meshproof.img_03

import data.meshproof.lib
import data.meshproof.lib.image

deny contains lib.result(msg, ["spec", "user"], "") if {
	image.is_image
	image.spec.source != "dir"
	image.root_user(image.spec.user)
	count(image.spec.uses) == 0
	msg := sprintf("image %s runs as root (its config sets %s)", [image.name, user_text])
}

deny contains lib.result(msg, ["spec", "user"], "") if {
	image.is_image
	image.root_user(image.spec.user)
	count(image.spec.uses) > 0
	exposed := [u | some u in image.spec.uses; not overridden(u)]
	count(exposed) > 0
	msg := sprintf("image %s runs as root (its config sets %s) in %s, which do not set runAsNonRoot or a non-zero runAsUser", [image.name, user_text, image.workloads(exposed)])
}

overridden(u) if u.runAsNonRoot == true

overridden(u) if u.runAsUser > 0

user_text := "no USER" if image.spec.user == "" else := sprintf("USER %s", [image.spec.user])
