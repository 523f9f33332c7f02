package image

import (
	"cmp"
	"slices"
	"strconv"

	"github.com/meshproof/meshproof/scanner"
)

// containerFields are the pod spec fields that hold containers.
var containerFields = []string{"initContainers", "containers", "ephemeralContainers"}

// Use is one container that runs an image.
type Use struct {
	APIVersion string `json:"api_version"`
	Kind       string `json:"kind"`
	Namespace  string `json:"namespace,omitempty"`
	Name       string `json:"name"`
	// Field is containers, initContainers or ephemeralContainers.
	Field     string `json:"field"`
	Container string `json:"container"`
	// Path is the path of the image field from the object root.
	Path []string `json:"path"`
	File string   `json:"file"`
	Line int      `json:"line"`
	// RunAsUser is the user the container runs as according to its (or its
	// pod's) securityContext, nil when the manifest leaves it to the image.
	RunAsUser *int64 `json:"run_as_user,omitempty"`
	// RunAsNonRoot is true when the securityContext demands a non-root user.
	RunAsNonRoot bool `json:"run_as_non_root,omitempty"`
}

// Resource is "Kind/namespace/name" (or "Kind/name").
func (u Use) Resource() string {
	if u.Namespace == "" {
		return u.Kind + "/" + u.Name
	}
	return u.Kind + "/" + u.Namespace + "/" + u.Name
}

// Reference is one image reference as the manifests write it, with every
// container that uses it.
type Reference struct {
	Image string `json:"image"`
	Uses  []Use  `json:"uses"`
}

// References returns the images of every pod template in objs, one entry per
// distinct reference string, sorted by reference; uses keep the order of the
// input. The istio-proxy placeholder of gateway injection (image: auto) is
// not an image and is left out, as are containers without an image.
func References(objs []*scanner.Object) []Reference {
	byImage := map[string]*Reference{}
	for _, o := range objs {
		base, ok := scanner.PodTemplatePath(o.APIVersion, o.Kind)
		if !ok {
			continue
		}
		tmpl, ok := lookup(o.Body, base).(map[string]any)
		if !ok {
			continue
		}
		spec, _ := tmpl["spec"].(map[string]any)
		podUser, podNonRoot := securityContext(spec["securityContext"])
		for _, field := range containerFields {
			list, _ := spec[field].([]any)
			for i, c := range list {
				cm, _ := c.(map[string]any)
				img, _ := cm["image"].(string)
				name, _ := cm["name"].(string)
				if img == "" || img == "auto" && name == "istio-proxy" {
					continue
				}
				path := append(slices.Clone(base), "spec", field, strconv.Itoa(i), "image")
				u := Use{
					APIVersion: o.APIVersion, Kind: o.Kind, Namespace: o.Namespace, Name: o.Name,
					Field: field, Container: name, Path: path, File: o.File, Line: o.LineOf(path),
					RunAsUser: podUser, RunAsNonRoot: podNonRoot,
				}
				if user, nonRoot := securityContext(cm["securityContext"]); user != nil || nonRoot {
					if user != nil {
						u.RunAsUser = user
					}
					u.RunAsNonRoot = u.RunAsNonRoot || nonRoot
				}
				r := byImage[img]
				if r == nil {
					r = &Reference{Image: img}
					byImage[img] = r
				}
				r.Uses = append(r.Uses, u)
			}
		}
	}
	out := make([]Reference, 0, len(byImage))
	for _, r := range byImage {
		out = append(out, *r)
	}
	slices.SortFunc(out, func(a, b Reference) int { return cmp.Compare(a.Image, b.Image) })
	return out
}

func securityContext(v any) (user *int64, nonRoot bool) {
	sc, _ := v.(map[string]any)
	switch u := sc["runAsUser"].(type) {
	case int64:
		user = &u
	case float64:
		n := int64(u)
		user = &n
	}
	nonRoot, _ = sc["runAsNonRoot"].(bool)
	return user, nonRoot
}

func lookup(v any, path []string) any {
	for _, p := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[p]
	}
	return v
}
