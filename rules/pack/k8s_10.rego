# METADATA
# title: Hard-coded secret in a manifest
# description: >-
#   A password, token or key written as a literal env value or ConfigMap entry
#   ends up in Git, in CI logs, in every copy of the manifest and in etcd
#   unencrypted, readable by anyone who can read the workload or the ConfigMap:
#   it cannot be rotated without a commit and is shared by every environment
#   that reuses the file. A name matches when it contains pass, secret, token,
#   key or credential (any case), except names that point at a secret rather
#   than hold it (ending in _FILE, _PATH, _DIR, _NAME, _REF or _ID), settings
#   about one (_TTL, _TIMEOUT, _EXPIRY, _ENABLED), public keys (PUBLIC in the
#   name) and words that only contain the pattern (KEYSPACE, KEYCLOAK, BYPASS,
#   PASSTHROUGH, PASSIVE, TOKENIZER). A value does not count when it is empty,
#   a boolean word, an absolute file path (such as /var/run/secrets/...), or
#   only a $(VAR) or ${VAR} reference resolved at run or deploy time;
#   valueFrom is always fine. Messages never repeat the value.
# custom:
#   id: K8S-10
#   severity: HIGH
#   pci: ["8.6.2", "8.3.2"]
#   refs: ["NSA/CISA Kubernetes Hardening Guide C-0012"]
#   kinds: [Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, ReplicationController, Job, CronJob, ConfigMap]
#   remediation: |-
#     Move the value into a Secret (created from a vault or sealed/external
#     secret, not committed in clear) and reference it; rotate the value that
#     was committed:
#       env:
#       - name: DB_PASSWORD
#         valueFrom:
#           secretKeyRef:
#             name: ledger-db
#             key: password
package meshproof.k8s_10

import data.meshproof.lib
import data.meshproof.lib.k8s

deny contains lib.result(msg, array.concat(path, ["env", k8s.index(i), "value"]), sprintf("%s/%s", [c.name, e.name])) if {
	some [path, c] in lib.containers
	some i, e in c.env
	secret_name(e.name)
	literal(e.value)
	msg := sprintf("container %q of %s sets env %s to a literal value that looks like a secret", [c.name, k8s.resource, e.name])
}

deny contains lib.result(msg, ["data", key], key) if {
	lib.is_kind("", "ConfigMap")
	some key, value in input.data
	secret_name(key)
	literal(value)
	msg := sprintf("%s holds a literal value that looks like a secret under key %s", [k8s.resource, key])
}

# Words that contain the pattern without being about a secret.
benign_words := `KEYSPACE|KEYCLOAK|BYPASS|PASSTHROUGH|PASSIVE|TOKENIZER`

secret_name(name) if {
	is_string(name)
	n := upper(name)
	regex.match(`PASS|SECRET|TOKEN|KEY|CREDENTIAL`, regex.replace(n, benign_words, ""))
	not regex.match(`[_.-](FILE|PATH|DIR|NAME|REF|ID|TTL|TIMEOUT|EXPIRY|ENABLED)$`, n)
	not contains(n, "PUBLIC")
}

# literal is true for a value that could be the secret itself.
literal(v) if {
	not is_boolean(v)
	s := trim_space(k8s.text(v))
	s != ""
	not startswith(s, "/")
	not regex.match(`^(\$\([A-Za-z_][A-Za-z0-9_]*\)|\$\{[^}]+\})$`, s)
	not lower(s) in {"true", "false", "yes", "no", "on", "off", "enabled", "disabled"}
}
