package meshproof.img_07_test

import data.meshproof.img_07

vuln(id, sev, cvss, fixed) := {"id": id, "aliases": ["CVE-2021-23337"], "package": "lodash", "installed": "4.17.20", "purl": "pkg:npm/lodash@4.17.20", "fixed": fixed, "severity": sev, "cvss": cvss}

doc(vulns) := {"apiVersion": "meshproof.dev/v1alpha1", "kind": "Image", "metadata": {"name": "x"}, "spec": {"reference": "registry.example.com/api:1", "vulnerabilities": vulns}}

test_vulnerability_with_cvss if {
	results := img_07.deny with input as doc([vuln("GHSA-35jh-r3h4-6jhm", "HIGH", 7.2, "4.17.21")])
	count(results) == 1
	some r in results
	r.severity == "HIGH"
	r.path == ["spec", "vulnerabilities", "0"]
	r.key == "GHSA-35jh-r3h4-6jhm pkg:npm/lodash@4.17.20"
	r.msg == "image registry.example.com/api:1: lodash 4.17.20 is affected by GHSA-35jh-r3h4-6jhm (CVE-2021-23337) (HIGH, CVSS 7.2); fixed in 4.17.21"
}

test_unrated_keeps_the_rule_severity if {
	some r in img_07.deny with input as doc([vuln("DSA-1", "", 0, "")])
	not r.severity
	endswith(r.msg, "(not rated by the advisory); no fixed version is known")
}

test_none_is_info if {
	some r in img_07.deny with input as doc([vuln("X-1", "NONE", 0, "1")])
	r.severity == "INFO"
}

test_no_vulnerabilities if {
	count(img_07.deny) == 0 with input as doc([])
}
