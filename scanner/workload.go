package scanner

import "strings"

// workloadKinds are the kinds that carry a pod template: the API group each
// belongs to, and where in the object the template is.
var workloadKinds = map[string]struct {
	group string
	path  []string
}{
	"Deployment":            {"apps", []string{"spec", "template"}},
	"StatefulSet":           {"apps", []string{"spec", "template"}},
	"DaemonSet":             {"apps", []string{"spec", "template"}},
	"ReplicaSet":            {"apps", []string{"spec", "template"}},
	"ReplicationController": {"", []string{"spec", "template"}},
	"Job":                   {"batch", []string{"spec", "template"}},
	"CronJob":               {"batch", []string{"spec", "jobTemplate", "spec", "template"}},
	"Pod":                   {"", []string{}},
}

// PodTemplatePath returns where an object of apiVersion and kind keeps its
// pod template (["spec","template"] for a Deployment, [] for a Pod itself),
// and whether the kind is a workload kind of its API group at all. The mesh
// model and the image scan both read workloads through it.
func PodTemplatePath(apiVersion, kind string) ([]string, bool) {
	w, ok := workloadKinds[kind]
	if !ok {
		return nil, false
	}
	group, _, hasGroup := strings.Cut(apiVersion, "/")
	if !hasGroup {
		group = ""
	}
	if group != w.group {
		return nil, false
	}
	return append([]string{}, w.path...), true
}
