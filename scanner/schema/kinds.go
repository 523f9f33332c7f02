package schema

import (
	"sort"

	"google.golang.org/protobuf/reflect/protoreflect"
	extensionsv1alpha1 "istio.io/api/extensions/v1alpha1"
	networkingv1alpha3 "istio.io/api/networking/v1alpha3"
	networkingv1beta1 "istio.io/api/networking/v1beta1"
	securityv1beta1 "istio.io/api/security/v1beta1"
	telemetryv1alpha1 "istio.io/api/telemetry/v1alpha1"
)

// kindSpec is one Istio custom resource kind: the API group, the versions
// its CRD serves, and the protobuf message its spec is.
type kindSpec struct {
	group    string
	kind     string
	versions []string
	spec     protoreflect.MessageDescriptor
	// specRequired is set for the CRDs that require spec
	// (+cue-gen:Kind:spec:required).
	specRequired bool
}

// istioKinds lists the Istio custom resources of istio.io/api v1.31.1
// (kubernetes/customresourcedefinitions.gen.yaml) with every version their
// CRD serves. Every served version of a kind has the same schema: Istio
// generates each version's openAPIV3Schema from one message, and the
// versioned Go packages (networking/v1, security/v1, telemetry/v1) are type
// aliases of the packages referenced here.
//
// This table is hand-written because which message a kind is, which versions
// serve it, and whether spec is required live in "+cue-gen" comments of the
// .proto files, not in the compiled descriptors. Everything about the spec
// itself comes from the descriptors. TestKindsMatchCRDs and
// TestDescriptorsMatchCRDs check the table against Istio's CRDs.
var istioKinds = []kindSpec{
	{group: "extensions.istio.io", kind: "TrafficExtension", versions: []string{"v1alpha1"},
		spec: desc(&extensionsv1alpha1.TrafficExtension{}), specRequired: true},
	{group: "extensions.istio.io", kind: "WasmPlugin", versions: []string{"v1alpha1"},
		spec: desc(&extensionsv1alpha1.WasmPlugin{}), specRequired: true},

	{group: "networking.istio.io", kind: "DestinationRule", versions: []string{"v1", "v1beta1", "v1alpha3"},
		spec: desc(&networkingv1alpha3.DestinationRule{})},
	{group: "networking.istio.io", kind: "EnvoyFilter", versions: []string{"v1alpha3"},
		spec: desc(&networkingv1alpha3.EnvoyFilter{})},
	{group: "networking.istio.io", kind: "Gateway", versions: []string{"v1", "v1beta1", "v1alpha3"},
		spec: desc(&networkingv1alpha3.Gateway{})},
	{group: "networking.istio.io", kind: "ProxyConfig", versions: []string{"v1beta1"},
		spec: desc(&networkingv1beta1.ProxyConfig{})},
	{group: "networking.istio.io", kind: "ServiceEntry", versions: []string{"v1", "v1beta1", "v1alpha3"},
		spec: desc(&networkingv1alpha3.ServiceEntry{}), specRequired: true},
	{group: "networking.istio.io", kind: "Sidecar", versions: []string{"v1", "v1beta1", "v1alpha3"},
		spec: desc(&networkingv1alpha3.Sidecar{})},
	{group: "networking.istio.io", kind: "VirtualService", versions: []string{"v1", "v1beta1", "v1alpha3"},
		spec: desc(&networkingv1alpha3.VirtualService{})},
	{group: "networking.istio.io", kind: "WorkloadEntry", versions: []string{"v1", "v1beta1", "v1alpha3"},
		spec: desc(&networkingv1alpha3.WorkloadEntry{}), specRequired: true},
	{group: "networking.istio.io", kind: "WorkloadGroup", versions: []string{"v1", "v1beta1", "v1alpha3"},
		spec: desc(&networkingv1alpha3.WorkloadGroup{}), specRequired: true},

	{group: "security.istio.io", kind: "AuthorizationPolicy", versions: []string{"v1", "v1beta1"},
		spec: desc(&securityv1beta1.AuthorizationPolicy{})},
	{group: "security.istio.io", kind: "PeerAuthentication", versions: []string{"v1", "v1beta1"},
		spec: desc(&securityv1beta1.PeerAuthentication{})},
	{group: "security.istio.io", kind: "RequestAuthentication", versions: []string{"v1", "v1beta1"},
		spec: desc(&securityv1beta1.RequestAuthentication{})},

	{group: "telemetry.istio.io", kind: "Telemetry", versions: []string{"v1", "v1alpha1"},
		spec: desc(&telemetryv1alpha1.Telemetry{})},
}

func desc(m protoreflect.ProtoMessage) protoreflect.MessageDescriptor {
	return m.ProtoReflect().Descriptor()
}

// byKind maps "apiVersion/Kind" to its entry of istioKinds.
var byKind = func() map[string]*kindSpec {
	m := make(map[string]*kindSpec)
	for i := range istioKinds {
		k := &istioKinds[i]
		for _, v := range k.versions {
			m[k.group+"/"+v+"/"+k.kind] = k
		}
	}
	return m
}()

// Kinds lists the apiVersion/kind pairs that Validate knows, sorted, each
// written "apiVersion/Kind", for example "networking.istio.io/v1/Gateway".
// The kind is the part after the last slash.
func Kinds() []string {
	out := make([]string, 0, len(byKind))
	for k := range byKind {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// SpecMessage returns the protobuf message that the spec of apiVersion and
// kind is, and false when Validate does not know the kind.
func SpecMessage(apiVersion, kind string) (protoreflect.MessageDescriptor, bool) {
	k, ok := byKind[apiVersion+"/"+kind]
	if !ok {
		return nil, false
	}
	return k.spec, true
}
