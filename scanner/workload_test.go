package scanner

import (
	"slices"
	"testing"
)

func TestPodTemplatePath(t *testing.T) {
	tests := []struct {
		apiVersion, kind string
		want             []string
		ok               bool
	}{
		{"apps/v1", "Deployment", []string{"spec", "template"}, true},
		{"apps/v1", "StatefulSet", []string{"spec", "template"}, true},
		{"apps/v1", "DaemonSet", []string{"spec", "template"}, true},
		{"apps/v1", "ReplicaSet", []string{"spec", "template"}, true},
		{"v1", "ReplicationController", []string{"spec", "template"}, true},
		{"batch/v1", "Job", []string{"spec", "template"}, true},
		{"batch/v1", "CronJob", []string{"spec", "jobTemplate", "spec", "template"}, true},
		{"v1", "Pod", []string{}, true},
		{"batch/v1", "Deployment", nil, false},
		{"example.com/v1", "Pod", nil, false},
		{"v1", "Service", nil, false},
	}
	for _, tt := range tests {
		got, ok := PodTemplatePath(tt.apiVersion, tt.kind)
		if ok != tt.ok || !slices.Equal(got, tt.want) {
			t.Errorf("PodTemplatePath(%q, %q) = %v, %v, want %v, %v", tt.apiVersion, tt.kind, got, ok, tt.want, tt.ok)
		}
	}
	// Callers may change the path they get.
	p, _ := PodTemplatePath("apps/v1", "Deployment")
	p[0] = "x"
	if again, _ := PodTemplatePath("apps/v1", "Deployment"); again[0] != "spec" {
		t.Error("PodTemplatePath returned the table's own slice")
	}
}
