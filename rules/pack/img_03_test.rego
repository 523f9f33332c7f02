package meshproof.img_03_test

import data.meshproof.img_03

doc(user, uses) := {"apiVersion": "meshproof.dev/v1alpha1", "kind": "Image", "metadata": {"name": "x"}, "spec": {
	"reference": "registry.example.com/api:1", "source": "registry", "user": user, "uses": uses,
}}

use(name, sc) := object.union({"resource": sprintf("Deployment/payments/%s", [name]), "container": "app"}, sc)

test_root_image_without_override if {
	results := img_03.deny with input as doc("", [use("api", {}), use("worker", {"runAsNonRoot": true}), use("batch", {"runAsUser": 1000})])
	count(results) == 1
	some r in results
	r.path == ["spec", "user"]
	r.msg == "image registry.example.com/api:1 runs as root (its config sets no USER) in Deployment/payments/api (container app), which do not set runAsNonRoot or a non-zero runAsUser"
}

test_run_as_user_zero_is_no_override if {
	count(img_03.deny) == 1 with input as doc("root", [use("api", {"runAsUser": 0})])
}

test_every_use_overrides if {
	count(img_03.deny) == 0 with input as doc("0", [use("api", {"runAsNonRoot": true})])
}

test_command_line_image if {
	some r in img_03.deny with input as doc("0:0", [])
	r.msg == "image registry.example.com/api:1 runs as root (its config sets USER 0:0)"
}

test_non_root_image if {
	count(img_03.deny) == 0 with input as doc("10001", [use("api", {})])
}

test_folders_have_no_user if {
	count(img_03.deny) == 0 with input as object.union(doc("", []), {"spec": {"source": "dir"}})
}
