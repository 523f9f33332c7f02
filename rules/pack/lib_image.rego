# Helpers shared by the image rules of the pack (IMG-*). No rules here.
#
# Image rules see one image document per image reference that meshproof
# scan built (apiVersion meshproof.dev/v1alpha1, kind Image): the
# reference, its resolved digest, the image config's user, the workloads
# that run it, the SBOM's packages, the vulnerabilities matched against the
# feed, and the image settings of .meshproof.yaml under spec.policy.
package meshproof.lib.image

import data.meshproof.lib

is_image if lib.is_kind("meshproof.dev", "Image")

spec := input.spec

# name is how messages name the image: the reference as written.
name := spec.reference

# root_user is true for the users that mean UID 0 in an image config.
root_user(u) if u in {"", "0", "root"}

root_user(u) if startswith(u, "0:")

root_user(u) if startswith(u, "root:")

# workloads lists the uses of the image as "Kind/namespace/name (container c)".
workloads(uses) := concat(", ", sort([sprintf("%s (container %s)", [u.resource, u.container]) | some u in uses]))
