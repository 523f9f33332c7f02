// Package image finds the container images that manifests run and opens
// images from where they live, through go-containerregistry.
//
// References lists every image of every pod template (containers,
// initContainers and ephemeralContainers of Pods, Deployments, StatefulSets,
// DaemonSets, ReplicaSets, ReplicationControllers, Jobs and CronJobs), once
// per distinct reference, with every place that uses it.
//
// ParseSource reads where an image lives: a registry reference (the default,
// or "registry:REF"), an OCI layout folder ("oci-layout:PATH", optionally
// "@sha256:..." or ":TAG" to choose one image of the layout), a
// docker-archive tarball ("docker-archive:PATH", as docker save writes it)
// or a plain folder ("dir:PATH"). Open reads the image behind a source:
// registries with the docker config keychain, TLS always verified and plain
// HTTP refused unless the registry is named insecure (loopback registries
// speak plain HTTP, as Docker allows), and one platform chosen from a
// multi-platform index. Nothing is pulled that the caller does not read.
package image
