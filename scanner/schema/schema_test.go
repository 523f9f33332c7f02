package schema

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.yaml.in/yaml/v3"
)

// decodeYAML decodes one YAML document into the tree types Validate takes
// (int64 for integers, string map keys), as the scanner's loader does.
func decodeYAML(t testing.TB, doc string) map[string]any {
	t.Helper()
	var v any
	if err := yaml.Unmarshal([]byte(doc), &v); err != nil {
		t.Fatalf("yaml.Unmarshal: %v", err)
	}
	m, ok := tree(v).(map[string]any)
	if !ok {
		t.Fatalf("document is %T, want a mapping", v)
	}
	return m
}

func tree(v any) any {
	switch v := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			out[k] = tree(e)
		}
		return out
	case map[any]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			out[fmt.Sprint(k)] = tree(e)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = tree(e)
		}
		return out
	case int:
		return int64(v)
	case uint64:
		return float64(v)
	default:
		return v
	}
}

// decodeJSON decodes JSON into the tree types Validate takes.
func decodeJSON(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	return fromJSON(v), nil
}

func fromJSON(v any) any {
	switch v := v.(type) {
	case map[string]any:
		for k, e := range v {
			v[k] = fromJSON(e)
		}
		return v
	case []any:
		for i, e := range v {
			v[i] = fromJSON(e)
		}
		return v
	case json.Number:
		if i, err := v.Int64(); err == nil {
			return i
		}
		f, _ := strconv.ParseFloat(string(v), 64)
		return f
	default:
		return v
	}
}

func validate(t testing.TB, doc string) ([]Issue, bool) {
	t.Helper()
	obj := decodeYAML(t, doc)
	apiVersion, _ := obj["apiVersion"].(string)
	kind, _ := obj["kind"].(string)
	return Validate(apiVersion, kind, obj)
}

func TestValidateValid(t *testing.T) {
	tests := []struct {
		name string
		doc  string
	}{
		{"PeerAuthentication", `
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata:
  name: finance
  namespace: foo
  labels:
    team: payments
  annotations:
    meshproof.io/owner: platform
spec:
  selector:
    matchLabels:
      app: finance
  mtls:
    mode: STRICT
  portLevelMtls:
    8080:
      mode: DISABLE
    "9090":
      mode: PERMISSIVE
`},
		{"DestinationRule", `
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: reviews
  namespace: prod
spec:
  host: reviews.prod.svc.cluster.local
  exportTo: ["."]
  trafficPolicy:
    connectionPool:
      tcp:
        maxConnections: 100
        connectTimeout: 30ms
        tcpKeepalive:
          time: 7200s
          interval: 75s
          probes: 9
      http:
        http2MaxRequests: 1000
        maxRequestsPerConnection: 10
        idleTimeout: 1m30s
        h2UpgradePolicy: UPGRADE
    loadBalancer:
      simple: LEAST_REQUEST
      warmup:
        duration: 60s
    outlierDetection:
      consecutive5xxErrors: 7
      interval: 5m
      baseEjectionTime: 15m
      maxEjectionPercent: 50
    tls:
      mode: ISTIO_MUTUAL
      sni: reviews.prod.svc.cluster.local
  subsets:
  - name: v1
    labels:
      version: v1
  - name: v2
    labels:
      version: v2
    trafficPolicy:
      loadBalancer:
        consistentHash:
          httpCookie:
            name: user
            ttl: 0s
          minimumRingSize: 1024
      portLevelSettings:
      - port:
          number: 80
        loadBalancer:
          simple: ROUND_ROBIN
        tls:
          mode: SIMPLE
          caCertificates: /etc/certs/ca.pem
          insecureSkipVerify: false
`},
		{"Gateway", `
apiVersion: networking.istio.io/v1beta1
kind: Gateway
metadata:
  name: bookinfo-gateway
spec:
  selector:
    istio: ingressgateway
  servers:
  - port:
      number: 443
      name: https
      protocol: HTTPS
    hosts:
    - bookinfo.example.com
    - ns1/*.example.com
    tls:
      mode: SIMPLE
      credentialName: bookinfo-secret
      minProtocolVersion: TLSV1_2
      cipherSuites: [ECDHE-RSA-AES256-GCM-SHA384]
  - port:
      number: 80
      name: http
      protocol: HTTP
    hosts: [bookinfo.example.com]
    tls:
      httpsRedirect: true
`},
		{"AuthorizationPolicy allow", `
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata:
  name: httpbin
  namespace: foo
spec:
  selector:
    matchLabels:
      app: httpbin
  action: ALLOW
  rules:
  - from:
    - source:
        principals: [cluster.local/ns/default/sa/sleep]
    - source:
        namespaces: [test]
        notIpBlocks: [10.0.0.0/8]
    to:
    - operation:
        methods: [GET]
        paths: ["/info*"]
    - operation:
        methods: [POST]
        paths: [/data]
        ports: ["8080"]
    when:
    - key: request.auth.claims[iss]
      values: [https://accounts.google.com]
`},
		{"AuthorizationPolicy custom", `
apiVersion: security.istio.io/v1beta1
kind: AuthorizationPolicy
metadata:
  name: ext-authz
  namespace: istio-system
spec:
  selector:
    matchLabels:
      app: istio-ingressgateway
  action: CUSTOM
  provider:
    name: my-ext-authz
  rules:
  - to:
    - operation:
        paths: ["/admin/*"]
`},
		{"RequestAuthentication with legacy jwks_uri", `
apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata:
  name: jwt
spec:
  selector:
    matchLabels:
      app: httpbin
  jwtRules:
  - issuer: issuer-foo
    jwksUri: https://example.com/.well-known/jwks.json
    audiences: [bookstore]
    forwardOriginalToken: true
    fromHeaders:
    - name: x-jwt-assertion
      prefix: "Bearer "
    outputClaimToHeaders:
    - header: x-jwt-claim-sub
      claim: sub
  - issuer: issuer-bar
    jwks_uri: https://bar.example.com/jwks.json
`},
		{"ServiceEntry external", `
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata:
  name: external-api
spec:
  hosts: [api.example.com]
  location: MESH_EXTERNAL
  ports:
  - number: 443
    name: https
    protocol: TLS
  resolution: DNS
  exportTo: ["*"]
`},
		{"ServiceEntry static", `
apiVersion: networking.istio.io/v1alpha3
kind: ServiceEntry
metadata:
  name: external-svc-mongocluster
spec:
  hosts: [mymongodb.somedomain]
  addresses: [192.192.192.192/24]
  ports:
  - number: 27018
    name: mongodb
    protocol: MONGO
  location: MESH_INTERNAL
  resolution: STATIC
  endpoints:
  - address: 2.2.2.2
  - address: 3.3.3.3
    ports:
      mongodb: 27019
    labels:
      app: mongo
    weight: 10
`},
		{"Sidecar", `
apiVersion: networking.istio.io/v1
kind: Sidecar
metadata:
  name: ratings
  namespace: prod-us1
spec:
  workloadSelector:
    labels:
      app: ratings
  ingress:
  - port:
      number: 9080
      protocol: HTTP
      name: somename
    defaultEndpoint: unix:///var/run/someuds.sock
  egress:
  - port:
      number: 9080
      protocol: HTTP
      name: egresshttp
    hosts: [prod-us1/*]
  - hosts: [istio-system/*]
  outboundTrafficPolicy:
    mode: REGISTRY_ONLY
`},
		{"VirtualService", `
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: reviews-route
spec:
  hosts: [reviews.prod.svc.cluster.local]
  gateways: [mesh]
  http:
  - name: reviews-v2-routes
    match:
    - uri:
        prefix: /wpcatalog
      headers:
        end-user:
          exact: jason
      ignoreUriCase: true
    - uri:
        regex: ^/consumercatalog/.*
      queryParams:
        debug:
          exact: "1"
    rewrite:
      uri: /newcatalog
    route:
    - destination:
        host: reviews.prod.svc.cluster.local
        subset: v2
        port:
          number: 9080
      weight: 80
      headers:
        request:
          set:
            x-canary: "true"
    - destination:
        host: reviews.prod.svc.cluster.local
        subset: v1
      weight: 20
    timeout: 10s
    retries:
      attempts: 3
      perTryTimeout: 2s
      retryOn: gateway-error,connect-failure,refused-stream
      retryRemoteLocalities: true
    fault:
      delay:
        percentage:
          value: 0.1
        fixedDelay: 5s
      abort:
        percentage:
          value: 1
        httpStatus: 503
    mirror:
      host: mirror.prod.svc.cluster.local
    mirrorPercentage:
      value: 50.0
    corsPolicy:
      allowOrigins:
      - exact: https://example.com
      allowMethods: [GET, POST]
      maxAge: 24h
      allowCredentials: false
  - route:
    - destination:
        host: reviews.prod.svc.cluster.local
        subset: v1
    mirror_percent: 5
  - match:
    - uri:
        exact: /teapot
    directResponse:
      status: 418
      body:
        bytes: SSdtIGEgdGVhcG90
  tcp:
  - match:
    - port: 27017
    route:
    - destination:
        host: mongo.backup.svc.cluster.local
        port:
          number: 5555
`},
		{"Telemetry", `
apiVersion: telemetry.istio.io/v1
kind: Telemetry
metadata:
  name: frontend
spec:
  selector:
    matchLabels:
      app: frontend
  tracing:
  - providers:
    - name: zipkin
    randomSamplingPercentage: 10.5
    customTags:
      my_new_foo_tag:
        literal:
          value: foo
      env_tag:
        environment:
          name: ENV
          defaultValue: unknown
  metrics:
  - providers:
    - name: prometheus
    overrides:
    - match:
        metric: REQUEST_COUNT
        mode: CLIENT_AND_SERVER
      tagOverrides:
        request_host:
          operation: REMOVE
    - match:
        customMetric: my_metric
      disabled: true
  accessLogging:
  - providers:
    - name: envoy
    filter:
      expression: response.code >= 400
`},
		{"EnvoyFilter", `
apiVersion: networking.istio.io/v1alpha3
kind: EnvoyFilter
metadata:
  name: reviews-lua
spec:
  workloadSelector:
    labels:
      app: reviews
  priority: 10
  configPatches:
  - applyTo: NETWORK_FILTER
    match:
      context: SIDECAR_OUTBOUND
      listener:
        portNumber: 9080
        filterChain:
          filter:
            name: envoy.filters.network.http_connection_manager
    patch:
      operation: MERGE
      value:
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
          common_http_protocol_options:
            idle_timeout: 30s
`},
		{"WasmPlugin", `
apiVersion: extensions.istio.io/v1alpha1
kind: WasmPlugin
metadata:
  name: openid-connect
  namespace: istio-ingress
spec:
  selector:
    matchLabels:
      istio: ingressgateway
  url: oci://private-registry:5000/openid-connect/openid:latest
  imagePullPolicy: IfNotPresent
  imagePullSecret: private-registry-pull-secret
  phase: AUTHN
  priority: 10
  pluginConfig:
    openid_server: authn
    openid_realm: ingress
`},
		{"WorkloadEntry", `
apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata:
  name: details-svc
spec:
  serviceAccount: details-legacy
  address: 2.2.2.2
  labels:
    app: details-legacy
    instance-id: vm1
  ports:
    http: 8080
`},
		{"WorkloadGroup", `
apiVersion: networking.istio.io/v1
kind: WorkloadGroup
metadata:
  name: reviews
spec:
  metadata:
    labels:
      app: reviews
  template:
    ports:
      grpc: 3550
      http: 8080
    serviceAccount: default
  probe:
    initialDelaySeconds: 5
    timeoutSeconds: 3
    periodSeconds: 4
    successThreshold: 3
    failureThreshold: 3
    httpGet:
      path: /foo/bar
      host: 127.0.0.1
      port: 3100
      scheme: HTTPS
      httpHeaders:
      - name: Lit-Header
        value: Im-The-Best
`},
		{"ProxyConfig", `
apiVersion: networking.istio.io/v1beta1
kind: ProxyConfig
metadata:
  name: ratings
spec:
  selector:
    matchLabels:
      app: ratings
  concurrency: 0
  image:
    imageType: distroless
  environmentVariables:
    ISTIO_META_DNS_CAPTURE: "true"
`},
		{"nulls are unset fields", `
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: reviews
  creationTimestamp: null
  labels:
    app:
spec:
  host: reviews
  trafficPolicy:
    loadBalancer:
      simple: null
      consistentHash:
        useSourceIp: true
  subsets: null
status:
  anything: [goes, here]
`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			issues, known := validate(t, tt.doc)
			if !known {
				t.Fatalf("Validate() known = false, want true")
			}
			if len(issues) != 0 {
				t.Errorf("Validate() = %v, want no issues", issues)
			}
		})
	}
}

func TestValidateIssues(t *testing.T) {
	tests := []struct {
		name string
		doc  string
		want []Issue
	}{
		{
			name: "enum typo",
			doc: `
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: default}
spec:
  mtls: {mode: STRICTT}
`,
			want: []Issue{{
				Path:    []string{"spec", "mtls", "mode"},
				Message: `invalid value "STRICTT": must be one of UNSET, DISABLE, PERMISSIVE, STRICT`,
			}},
		},
		{
			name: "enum as number",
			doc: `
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: default}
spec:
  mtls: {mode: 3}
`,
			want: []Issue{{
				Path:    []string{"spec", "mtls", "mode"},
				Message: "invalid type: expected string, got integer",
			}},
		},
		{
			name: "unknown nested field",
			doc: `
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: reviews}
spec:
  host: reviews
  trafficPolicy:
    tls:
      mode: SIMPLE
      insecureSkipVerfy: true
`,
			want: []Issue{{
				Path:    []string{"spec", "trafficPolicy", "tls", "insecureSkipVerfy"},
				Message: `unknown field "insecureSkipVerfy"`,
			}},
		},
		{
			name: "port level mtls keys",
			doc: `
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: default}
spec:
  selector: {matchLabels: {app: web}}
  portLevelMtls:
    8080: {mode: STRICT}
    abc: {mode: DISABLE}
    "-1": {mode: DISABLE}
    "4294967296": {mode: DISABLE}
`,
			want: []Issue{
				{Path: []string{"spec", "portLevelMtls", "4294967296"}, Message: `invalid key "4294967296": must be a decimal integer between 0 and 4294967295`},
				{Path: []string{"spec", "portLevelMtls", "-1"}, Message: `invalid key "-1": must be a decimal integer between 0 and 4294967295`},
				{Path: []string{"spec", "portLevelMtls", "abc"}, Message: `invalid key "abc": must be a decimal integer between 0 and 4294967295`},
			},
		},
		{
			name: "snake case field names",
			doc: `
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: default}
spec:
  selector:
    match_labels: {app: web}
  port_level_mtls:
    8080: {mode: STRICT}
`,
			want: []Issue{
				{Path: []string{"spec", "port_level_mtls"}, Message: `unknown field "port_level_mtls", did you mean "portLevelMtls"`},
				{Path: []string{"spec", "selector", "match_labels"}, Message: `unknown field "match_labels", did you mean "matchLabels"`},
			},
		},
		{
			name: "wrong types",
			doc: `
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: gw}
spec:
  selector: {istio: ingressgateway}
  servers:
  - port: {number: "443", name: https, protocol: HTTPS}
    hosts: example.com
    tls:
      httpsRedirect: "yes"
      mode: [SIMPLE]
  - port: {number: 80, name: 80, protocol: HTTP}
    hosts: [example.com, 42]
    tls: []
`,
			want: []Issue{
				{Path: []string{"spec", "servers", "0", "hosts"}, Message: "invalid type: expected list, got string"},
				{Path: []string{"spec", "servers", "0", "port", "number"}, Message: "invalid type: expected integer, got string"},
				{Path: []string{"spec", "servers", "0", "tls", "httpsRedirect"}, Message: "invalid type: expected boolean, got string"},
				{Path: []string{"spec", "servers", "0", "tls", "mode"}, Message: "invalid type: expected string, got list"},
				{Path: []string{"spec", "servers", "1", "hosts", "1"}, Message: "invalid type: expected string, got integer"},
				{Path: []string{"spec", "servers", "1", "port", "name"}, Message: "invalid type: expected string, got integer"},
				{Path: []string{"spec", "servers", "1", "tls"}, Message: "invalid type: expected mapping, got list"},
			},
		},
		{
			name: "integer ranges",
			doc: `
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: se}
spec:
  hosts: [api.example.com]
  ports:
  - {number: -1, name: a, protocol: TCP}
  - {number: 1.5, name: b, protocol: TCP}
  - {number: 443.0, name: c, protocol: TLS}
  - {number: 4294967296, name: d, protocol: TCP}
  - {number: 8080, name: e, protocol: HTTP, targetPort: 0x1F90}
`,
			want: []Issue{
				{Path: []string{"spec", "ports", "0", "number"}, Message: "invalid value -1: must be between 0 and 4294967295"},
				{Path: []string{"spec", "ports", "1", "number"}, Message: "invalid type: expected integer, got number"},
				{Path: []string{"spec", "ports", "3", "number"}, Message: "invalid value 4294967296: must be between 0 and 4294967295"},
			},
		},
		{
			name: "int32 range",
			doc: `
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: vs}
spec:
  hosts: [reviews]
  http:
  - route:
    - destination: {host: reviews}
      weight: 3000000000
`,
			want: []Issue{{
				Path:    []string{"spec", "http", "0", "route", "0", "weight"},
				Message: "invalid value 3000000000: must be between -2147483648 and 2147483647",
			}},
		},
		{
			name: "64-bit integers are numbers, not strings",
			doc: `
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: dr}
spec:
  host: reviews
  trafficPolicy:
    loadBalancer:
      consistentHash:
        useSourceIp: true
        ringHash: {minimumRingSize: "1024"}
`,
			want: []Issue{{
				Path:    []string{"spec", "trafficPolicy", "loadBalancer", "consistentHash", "ringHash", "minimumRingSize"},
				Message: "invalid type: expected integer, got string",
			}},
		},
		{
			name: "oneof string match",
			doc: `
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: vs}
spec:
  hosts: [reviews]
  http:
  - match:
    - uri: {exact: /a, prefix: /b}
    - uri: {prefix: /c}
      headers:
        x-user: {exact: a, prefix: b, regex: c}
    route:
    - destination: {host: reviews}
`,
			want: []Issue{
				{Path: []string{"spec", "http", "0", "match", "0", "uri"}, Message: `fields "exact" and "prefix" are mutually exclusive`},
				{Path: []string{"spec", "http", "0", "match", "1", "headers", "x-user"}, Message: `fields "exact", "prefix" and "regex" are mutually exclusive`},
			},
		},
		{
			name: "oneof load balancer",
			doc: `
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: dr}
spec:
  host: reviews
  trafficPolicy:
    loadBalancer:
      simple: ROUND_ROBIN
      consistentHash: {useSourceIp: true}
`,
			want: []Issue{{
				Path:    []string{"spec", "trafficPolicy", "loadBalancer"},
				Message: `fields "simple" and "consistentHash" are mutually exclusive`,
			}},
		},
		{
			name: "required fields",
			doc: `
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: gw}
spec:
  servers:
  - tls: {mode: SIMPLE}
  - port: {number: 80}
    hosts: ["*"]
`,
			want: []Issue{
				{Path: []string{"spec", "servers", "0"}, Message: `missing required field "hosts"`},
				{Path: []string{"spec", "servers", "0"}, Message: `missing required field "port"`},
				{Path: []string{"spec", "servers", "1", "port"}, Message: `missing required field "name"`},
				{Path: []string{"spec", "servers", "1", "port"}, Message: `missing required field "protocol"`},
			},
		},
		{
			name: "required field set to null",
			doc: `
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: se}
spec:
  hosts: null
`,
			want: []Issue{{Path: []string{"spec"}, Message: `missing required field "hosts"`}},
		},
		{
			name: "required spec",
			doc: `
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: se}
`,
			want: []Issue{{Message: `missing required field "spec"`}},
		},
		{
			name: "null list element",
			doc: `
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: se}
spec:
  hosts: [a.example.com, null]
  ports: [null]
`,
			want: []Issue{
				{Path: []string{"spec", "hosts", "1"}, Message: "invalid value: must not be null"},
				{Path: []string{"spec", "ports", "0"}, Message: "invalid value: must not be null"},
			},
		},
		{
			name: "wrapper types take bare values",
			doc: `
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: dr}
spec:
  host: reviews
  trafficPolicy:
    outlierDetection:
      consecutive5xxErrors: -3
      consecutiveGatewayErrors: {value: 3}
    loadBalancer:
      localityLbSetting:
        enabled: "true"
`,
			want: []Issue{
				{Path: []string{"spec", "trafficPolicy", "loadBalancer", "localityLbSetting", "enabled"}, Message: "invalid type: expected boolean, got string"},
				{Path: []string{"spec", "trafficPolicy", "outlierDetection", "consecutive5xxErrors"}, Message: "invalid value -3: must be between 0 and 4294967295"},
				{Path: []string{"spec", "trafficPolicy", "outlierDetection", "consecutiveGatewayErrors"}, Message: "invalid type: expected integer, got mapping"},
			},
		},
		{
			name: "legacy name next to the JSON name",
			doc: `
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: vs}
spec:
  hosts: [reviews]
  http:
  - route:
    - destination: {host: reviews}
    mirror: {host: mirror}
    mirror_percent: 5
    mirrorPercent: 10
`,
			want: []Issue{{
				Path:    []string{"spec", "http", "0", "mirror_percent"},
				Message: `field "mirror_percent" is also set as "mirrorPercent", which takes precedence`,
			}},
		},
		{
			name: "struct must be a mapping",
			doc: `
apiVersion: networking.istio.io/v1alpha3
kind: EnvoyFilter
metadata: {name: ef}
spec:
  configPatches:
  - applyTo: HTTP_FILTER
    patch:
      operation: INSERT_BEFORE
      value: envoy.filters.http.lua
`,
			want: []Issue{{
				Path:    []string{"spec", "configPatches", "0", "patch", "value"},
				Message: "invalid type: expected mapping, got string",
			}},
		},
		{
			name: "bytes must be base64",
			doc: `
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: vs}
spec:
  hosts: [reviews]
  http:
  - directResponse:
      status: 503
      body: {bytes: "not base64!"}
`,
			want: []Issue{{
				Path:    []string{"spec", "http", "0", "directResponse", "body", "bytes"},
				Message: `invalid value "not base64!": must be base64`,
			}},
		},
		{
			name: "object envelope",
			doc: `
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata:
  name: default
  lables: {app: web}
  labels:
    version: 1
    tier: web
  annotations: [a, b]
  finalizers: [ok, 7]
  ownerReferences:
  - apiVersion: v1
    kind: ConfigMap
    name: owner
    uid: 6a2b
    controller: "true"
    owner: me
specs: {}
spec:
  mtls: {mode: STRICT}
status:
  conditions: whatever
`,
			want: []Issue{
				{Path: []string{"metadata", "annotations"}, Message: "invalid type: expected mapping, got list"},
				{Path: []string{"metadata", "finalizers", "1"}, Message: "invalid type: expected string, got integer"},
				{Path: []string{"metadata", "labels", "version"}, Message: "invalid type: expected string, got integer"},
				{Path: []string{"metadata", "lables"}, Message: `unknown field "lables"`},
				{Path: []string{"metadata", "ownerReferences", "0", "controller"}, Message: "invalid type: expected boolean, got string"},
				{Path: []string{"metadata", "ownerReferences", "0", "owner"}, Message: `unknown field "owner"`},
				{Path: []string{"specs"}, Message: `unknown field "specs"`},
			},
		},
		{
			name: "spec and metadata must be mappings",
			doc: `
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: default
spec: [mtls]
`,
			want: []Issue{
				{Path: []string{"metadata"}, Message: "invalid type: expected mapping, got string"},
				{Path: []string{"spec"}, Message: "invalid type: expected mapping, got list"},
			},
		},
		{
			name: "issues sort by numeric index",
			doc: `
apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: {name: default}
spec:
  egress:
  - {hosts: ["./*"], bind: 1}
  - {hosts: ["./*"]}
  - {hosts: ["./*"], bind: 2}
  - {hosts: ["./*"]}
  - {hosts: ["./*"]}
  - {hosts: ["./*"]}
  - {hosts: ["./*"]}
  - {hosts: ["./*"]}
  - {hosts: ["./*"]}
  - {hosts: ["./*"]}
  - {hosts: ["./*"], bind: 10}
`,
			want: []Issue{
				{Path: []string{"spec", "egress", "0", "bind"}, Message: "invalid type: expected string, got integer"},
				{Path: []string{"spec", "egress", "2", "bind"}, Message: "invalid type: expected string, got integer"},
				{Path: []string{"spec", "egress", "10", "bind"}, Message: "invalid type: expected string, got integer"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, known := validate(t, tt.doc)
			if !known {
				t.Fatalf("Validate() known = false, want true")
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Validate() issues mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestValidateDuration(t *testing.T) {
	tests := []struct {
		value any
		want  string // message, empty when valid
	}{
		{"10s", ""},
		{"0.5s", ""},
		{"30ms", ""},
		{"1m30s", ""},
		{"1h", ""},
		{"1.5h", ""},
		{"250us", ""},
		{"0", ""}, // Go's time.ParseDuration, and so CEL duration(), accept a bare zero
		{"10", `invalid duration "10": must be a number with a unit (h, m, s, ms, us, ns), like "10s" or "1m30s"`},
		{"1d", `invalid duration "1d": must be a number with a unit (h, m, s, ms, us, ns), like "10s" or "1m30s"`},
		{"5 s", `invalid duration "5 s": must be a number with a unit (h, m, s, ms, us, ns), like "10s" or "1m30s"`},
		{"", `invalid duration "": must be a number with a unit (h, m, s, ms, us, ns), like "10s" or "1m30s"`},
		{int64(5), "invalid type: expected string, got integer"},
		{map[string]any{"seconds": int64(5)}, "invalid type: expected string, got mapping"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.value), func(t *testing.T) {
			obj := map[string]any{
				"apiVersion": "networking.istio.io/v1",
				"kind":       "DestinationRule",
				"metadata":   map[string]any{"name": "dr"},
				"spec": map[string]any{
					"host": "reviews",
					"trafficPolicy": map[string]any{
						"connectionPool": map[string]any{
							"tcp": map[string]any{"connectTimeout": tt.value},
						},
					},
				},
			}
			var want []Issue
			if tt.want != "" {
				want = []Issue{{
					Path:    []string{"spec", "trafficPolicy", "connectionPool", "tcp", "connectTimeout"},
					Message: tt.want,
				}}
			}
			got, _ := Validate("networking.istio.io/v1", "DestinationRule", obj)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("Validate(connectTimeout: %#v) mismatch (-want +got):\n%s", tt.value, diff)
			}
		})
	}
}

func TestValidateTooManyIssues(t *testing.T) {
	unknown := func(path ...string) Issue {
		return Issue{Path: path, Message: fmt.Sprintf("unknown field %q", path[len(path)-1])}
	}
	stopped := Issue{Message: "too many schema issues; stopped after 100"}

	// 1500 unknown fields in spec.
	flat := make(map[string]any)
	var flatWant []Issue
	for i := range 1500 {
		name := fmt.Sprintf("f%04d", i)
		flat[name] = true
		if i < MaxIssues {
			flatWant = append(flatWant, unknown("spec", name))
		}
	}
	flatWant = append(flatWant, stopped)

	// 1500 unknown fields in a server's port, which the walk reports before
	// the server's missing hosts, which sorts first.
	port := map[string]any{"number": int64(80), "name": "http", "protocol": "HTTP"}
	var nestedWant []Issue
	nestedWant = append(nestedWant, Issue{Path: []string{"spec", "servers", "0"}, Message: `missing required field "hosts"`})
	for i := range 1500 {
		name := fmt.Sprintf("f%04d", i)
		port[name] = true
		if i < MaxIssues-1 {
			nestedWant = append(nestedWant, unknown("spec", "servers", "0", "port", name))
		}
	}
	nestedWant = append(nestedWant, stopped)

	tests := []struct {
		name       string
		apiVersion string
		kind       string
		spec       map[string]any
		want       []Issue
	}{
		{"flat", "networking.istio.io/v1", "Sidecar", flat, flatWant},
		{"nested", "networking.istio.io/v1", "Gateway", map[string]any{"servers": []any{map[string]any{"port": port}}}, nestedWant},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			obj := map[string]any{
				"apiVersion": tt.apiVersion,
				"kind":       tt.kind,
				"metadata":   map[string]any{"name": "x"},
				"spec":       tt.spec,
			}
			for range 3 { // map order must not leak into the result
				got, _ := Validate(tt.apiVersion, tt.kind, obj)
				if diff := cmp.Diff(tt.want, got); diff != "" {
					t.Fatalf("Validate() mismatch (-want +got):\n%s", diff)
				}
			}
		})
	}
}

func TestValidateUnknownKind(t *testing.T) {
	tests := []struct {
		apiVersion, kind string
	}{
		{"networking.istio.io/v2", "VirtualService"},
		{"networking.istio.io/v1", "EnvoyFilter"}, // served as v1alpha3 only
		{"networking.istio.io/v1", "Virtualservice"},
		{"security.istio.io/v1alpha1", "PeerAuthentication"},
		{"v1", "ConfigMap"},
		{"gateway.networking.k8s.io/v1", "Gateway"},
		{"", ""},
	}
	for _, tt := range tests {
		obj := map[string]any{"apiVersion": tt.apiVersion, "kind": tt.kind, "spec": map[string]any{"bogus": true}}
		issues, known := Validate(tt.apiVersion, tt.kind, obj)
		if known || issues != nil {
			t.Errorf("Validate(%q, %q) = %v, %v, want nil, false", tt.apiVersion, tt.kind, issues, known)
		}
	}
}

// TestValidateMinimal validates {apiVersion, kind, metadata: {name}, spec: {}}
// for every known kind: only the required top-level spec fields are missing.
func TestValidateMinimal(t *testing.T) {
	required := map[string]string{
		"DestinationRule": "host",
		"ServiceEntry":    "hosts",
		"WasmPlugin":      "url",
		"WorkloadGroup":   "template",
	}
	kinds := Kinds()
	if len(kinds) < 30 {
		t.Fatalf("Kinds() has %d entries, want at least 30: %v", len(kinds), kinds)
	}
	for _, k := range kinds {
		t.Run(k, func(t *testing.T) {
			i := strings.LastIndex(k, "/")
			apiVersion, kind := k[:i], k[i+1:]
			obj := map[string]any{
				"apiVersion": apiVersion,
				"kind":       kind,
				"metadata":   map[string]any{"name": "x"},
				"spec":       map[string]any{},
			}
			var want []Issue
			if f, ok := required[kind]; ok {
				want = []Issue{{Path: []string{"spec"}, Message: fmt.Sprintf("missing required field %q", f)}}
			}
			got, known := Validate(apiVersion, kind, obj)
			if !known {
				t.Fatalf("Validate(%q, %q) known = false, want true", apiVersion, kind)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("Validate(%q, %q) mismatch (-want +got):\n%s", apiVersion, kind, diff)
			}
		})
	}
}

func TestKinds(t *testing.T) {
	kinds := Kinds()
	for _, want := range []string{
		"extensions.istio.io/v1alpha1/WasmPlugin",
		"networking.istio.io/v1/VirtualService",
		"networking.istio.io/v1alpha3/EnvoyFilter",
		"networking.istio.io/v1beta1/ProxyConfig",
		"security.istio.io/v1/PeerAuthentication",
		"security.istio.io/v1beta1/AuthorizationPolicy",
		"telemetry.istio.io/v1/Telemetry",
		"telemetry.istio.io/v1alpha1/Telemetry",
	} {
		if !slices.Contains(kinds, want) {
			t.Errorf("Kinds() = %v, want it to contain %q", kinds, want)
		}
	}
	for i := 1; i < len(kinds); i++ {
		if kinds[i-1] >= kinds[i] {
			t.Errorf("Kinds() not sorted: %q before %q", kinds[i-1], kinds[i])
		}
	}
}

func FuzzValidate(f *testing.F) {
	f.Add([]byte(`{"apiVersion":"security.istio.io/v1","kind":"PeerAuthentication","metadata":{"name":"x"},"spec":{"mtls":{"mode":"STRICTT"},"portLevelMtls":{"abc":{}}}}`), uint8(0))
	f.Add([]byte(`{"spec":{"host":"r","trafficPolicy":{"loadBalancer":{"simple":"RANDOM","consistentHash":{"ringHash":{"minimumRingSize":1e30}}}}}}`), uint8(5))
	f.Add([]byte(`{"spec":{"http":[{"match":[{"uri":{"exact":"/","prefix":"/"}}],"timeout":"1d","route":[null,{"weight":-1.5}]}]}}`), uint8(40))
	f.Add([]byte(`{"metadata":{"labels":{"a":1},"ownerReferences":[{}]},"spec":{"configPatches":[{"patch":{"value":[]}}]},"status":7}`), uint8(9))
	f.Add([]byte(`[]`), uint8(1))
	kinds := Kinds()
	f.Fuzz(func(t *testing.T, data []byte, k uint8) {
		v, err := decodeJSON(data)
		if err != nil {
			return
		}
		obj, ok := v.(map[string]any)
		if !ok {
			return
		}
		i := strings.LastIndex(kinds[int(k)%len(kinds)], "/")
		apiVersion, kind := kinds[int(k)%len(kinds)][:i], kinds[int(k)%len(kinds)][i+1:]
		issues, known := Validate(apiVersion, kind, obj)
		if !known {
			t.Fatalf("Validate(%q, %q) known = false, want true", apiVersion, kind)
		}
		if len(issues) > MaxIssues+1 {
			t.Fatalf("Validate() returned %d issues, want at most %d", len(issues), MaxIssues+1)
		}
		for j, is := range issues {
			if is.Message == "" || strings.ToLower(is.Message[:1]) != is.Message[:1] {
				t.Errorf("issue %d message %q: want non-empty, lower case", j, is.Message)
			}
			if j > 0 && j < MaxIssues && compareIssues(issues[j-1], is) > 0 {
				t.Errorf("issues out of order: %v before %v", issues[j-1], is)
			}
		}
		again, _ := Validate(apiVersion, kind, obj)
		if diff := cmp.Diff(issues, again); diff != "" {
			t.Errorf("Validate() not deterministic (-first +second):\n%s", diff)
		}
	})
}
