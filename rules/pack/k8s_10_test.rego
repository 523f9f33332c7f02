package meshproof.k8s_10_test

import data.meshproof.k8s_10

deployment(env) := {
	"apiVersion": "apps/v1",
	"kind": "Deployment",
	"metadata": {"name": "ledger", "namespace": "payments"},
	"spec": {"template": {"spec": {"containers": [{"name": "ledger", "image": "registry.example.com/ledger:3.1", "env": env}]}}},
}

config_map(entries) := {
	"apiVersion": "v1",
	"kind": "ConfigMap",
	"metadata": {"name": "ledger-config", "namespace": "payments"},
	"data": entries,
}

test_literal_password_in_env if {
	env := [{"name": "DB_HOST", "value": "ledger-db.payments.svc.cluster.local"}, {"name": "DB_PASSWORD", "value": "S3cr3t-ledger!"}]
	results := k8s_10.deny with input as deployment(env)
	count(results) == 1
	some r in results
	r.path == ["spec", "template", "spec", "containers", "0", "env", "1", "value"]
	r.key == "ledger/DB_PASSWORD"
	contains(r.msg, "container \"ledger\" of Deployment payments/ledger sets env DB_PASSWORD to a literal value that looks like a secret")
	not contains(r.msg, "S3cr3t")
}

test_secret_like_names if {
	env := [
		{"name": "STRIPE_API_KEY", "value": "sk_test_example"},
		{"name": "jwtSigningSecret", "value": "c2lnbmluZw=="},
		{"name": "REDIS_PASS", "value": "changeme"},
		{"name": "SFTP_CREDENTIALS", "value": "settle:hunter2"},
		{"name": "ADMIN_TOKEN", "value": "ghp_example"},
		{"name": "PIN_KEY", "value": 1234},
	]
	count(k8s_10.deny) == 6 with input as deployment(env)
}

test_references_settings_and_look_alikes_pass if {
	env := [
		{"name": "DB_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "ledger-db", "key": "password"}}},
		{"name": "DB_PASSWORD_FILE", "value": "/var/run/secrets/ledger/db-password"},
		{"name": "SIGNING_KEY_NAME", "value": "ledger-signing"},
		{"name": "AWS_ACCESS_KEY_ID", "value": "AKIAEXAMPLE"},
		{"name": "VAULT_TOKEN", "value": "/vault/secrets/token"},
		{"name": "API_TOKEN", "value": "$(DB_PASSWORD)"},
		{"name": "CLIENT_SECRET", "value": "${CLIENT_SECRET}"},
		{"name": "TOKEN_TTL", "value": "3600"},
		{"name": "TOKEN_AUTH_ENABLED", "value": "true"},
		{"name": "REQUIRE_CLIENT_KEY", "value": false},
		{"name": "JWT_PUBLIC_KEY", "value": "-----BEGIN PUBLIC KEY-----"},
		{"name": "CASSANDRA_KEYSPACE", "value": "payments"},
		{"name": "KEYCLOAK_URL", "value": "https://sso.example.com"},
		{"name": "PROXY_PASSTHROUGH", "value": "enabled-for-health"},
		{"name": "CACHE_PASSWORD", "value": ""},
	]
	count(k8s_10.deny) == 0 with input as deployment(env)
}

test_literal_secret_in_config_map if {
	entries := {"LOG_LEVEL": "info", "db.password": "ledger-prod-2024", "tls.key": "-----BEGIN PRIVATE KEY-----\n"}
	results := k8s_10.deny with input as config_map(entries)
	count(results) == 2
	some r in results
	r.path == ["data", "db.password"]
	r.key == "db.password"
	contains(r.msg, "ConfigMap payments/ledger-config holds a literal value that looks like a secret under key db.password")
}

test_benign_config_map_keys_and_other_kinds if {
	entries := {
		"secret.name": "ledger-db",
		"tokenizer": "bpe",
		"credentials_path": "/etc/ledger/credentials.json",
		"public.key": "-----BEGIN PUBLIC KEY-----\n",
	}
	count(k8s_10.deny) == 0 with input as config_map(entries)
	secret := object.union(config_map({"password": "cGFzcw=="}), {"kind": "Secret"})
	count(k8s_10.deny) == 0 with input as secret
	count(k8s_10.deny) == 0 with input as object.union(config_map({"password": "x"}), {"apiVersion": "example.com/v1"})
}
