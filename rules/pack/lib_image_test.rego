package meshproof.lib.image_test

import data.meshproof.lib.image

test_root_users if {
	image.root_user("")
	image.root_user("0")
	image.root_user("root")
	image.root_user("0:0")
	image.root_user("root:wheel")
	not image.root_user("1000")
	not image.root_user("nobody")
	not image.root_user("10001:0")
}
