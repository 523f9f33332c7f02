package image

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/meshproof/meshproof/scanner"
)

const manifests = `apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: payments}
spec:
  template:
    spec:
      securityContext: {runAsUser: 1000}
      initContainers:
      - name: migrate
        image: registry.example.com/payments/migrate:1.0
      containers:
      - name: api
        image: registry.example.com/payments/api:2.3.1
        securityContext: {runAsNonRoot: true}
      - name: istio-proxy
        image: auto
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: settle, namespace: payments}
spec:
  jobTemplate:
    spec:
      template:
        spec:
          containers:
          - name: settle
            image: registry.example.com/payments/api:2.3.1
---
apiVersion: v1
kind: Pod
metadata: {name: debug}
spec:
  containers: []
  ephemeralContainers:
  - name: shell
    image: busybox
    securityContext: {runAsUser: 0}
---
apiVersion: example.com/v1
kind: Deployment
metadata: {name: not-a-workload}
spec:
  template:
    spec:
      containers:
      - {name: x, image: ignored}
`

func TestReferences(t *testing.T) {
	f := filepath.Join(t.TempDir(), "m.yaml")
	if err := os.WriteFile(f, []byte(manifests), 0o644); err != nil {
		t.Fatal(err)
	}
	objs, err := scanner.Load(context.Background(), []string{f}, scanner.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	u1000, u0 := int64(1000), int64(0)
	want := []Reference{
		{Image: "busybox", Uses: []Use{{APIVersion: "v1", Kind: "Pod", Name: "debug", Field: "ephemeralContainers", Container: "shell",
			Path: []string{"spec", "ephemeralContainers", "0", "image"}, File: f, Line: 37, RunAsUser: &u0}}},
		{Image: "registry.example.com/payments/api:2.3.1", Uses: []Use{
			{APIVersion: "apps/v1", Kind: "Deployment", Namespace: "payments", Name: "api", Field: "containers", Container: "api",
				Path: []string{"spec", "template", "spec", "containers", "0", "image"}, File: f, Line: 13, RunAsUser: &u1000, RunAsNonRoot: true},
			{APIVersion: "batch/v1", Kind: "CronJob", Namespace: "payments", Name: "settle", Field: "containers", Container: "settle",
				Path: []string{"spec", "jobTemplate", "spec", "template", "spec", "containers", "0", "image"}, File: f, Line: 28},
		}},
		{Image: "registry.example.com/payments/migrate:1.0", Uses: []Use{{APIVersion: "apps/v1", Kind: "Deployment", Namespace: "payments", Name: "api",
			Field: "initContainers", Container: "migrate", Path: []string{"spec", "template", "spec", "initContainers", "0", "image"}, File: f, Line: 10, RunAsUser: &u1000}}},
	}
	if diff := cmp.Diff(want, References(objs)); diff != "" {
		t.Errorf("References() mismatch (-want +got):\n%s", diff)
	}
}

func TestParseSource(t *testing.T) {
	tests := []struct {
		in      string
		want    Source
		wantErr bool
	}{
		{"registry.example.com/payments/api:2.3.1", Source{Kind: Registry, Ref: "registry.example.com/payments/api:2.3.1"}, false},
		{"registry:localhost:5000/api@sha256:" + hex64, Source{Kind: Registry, Ref: "localhost:5000/api@sha256:" + hex64}, false},
		{"localhost:5000/api:1", Source{Kind: Registry, Ref: "localhost:5000/api:1"}, false},
		{"oci-layout:./build/oci", Source{Kind: OCILayout, Path: "./build/oci"}, false},
		{"oci-layout:./build/oci:v2", Source{Kind: OCILayout, Path: "./build/oci", Ref: "v2"}, false},
		{"oci-layout:./build/oci@sha256:" + hex64, Source{Kind: OCILayout, Path: "./build/oci", Ref: "sha256:" + hex64}, false},
		{"oci-layout:./oci@sha256:abc", Source{}, true},
		{"docker-archive:./image.tar", Source{Kind: DockerArchive, Path: "./image.tar"}, false},
		{"dir:./rootfs", Source{Kind: Dir, Path: "./rootfs"}, false},
		{"dir:", Source{}, true},
		{"Not A Reference", Source{}, true},
	}
	for _, tt := range tests {
		got, err := ParseSource(tt.in)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("ParseSource(%q) = %+v, %v, want %+v (error %v)", tt.in, got, err, tt.want, tt.wantErr)
		}
		if err == nil {
			if back, err := ParseSource(got.String()); err != nil || back != got {
				t.Errorf("ParseSource(%q.String() = %q) = %+v, %v", tt.in, got.String(), back, err)
			}
		}
	}
}

const hex64 = "0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9"
