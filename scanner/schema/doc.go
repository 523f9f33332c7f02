// Package schema checks decoded Istio resources against Istio's own API
// definitions, so a misspelt field or an invalid enum value is reported
// before a rule reads the object and before the API server rejects it (or,
// with lax field validation, silently drops the field).
//
// The source of truth is the protobuf descriptors compiled into the
// istio.io/api Go packages: the same .proto files from which Istio
// generates the openAPIV3Schema of its CustomResourceDefinitions. Field
// names, types, enum values, oneofs and required fields all come from the
// descriptors (protoreflect); this package holds no field lists of its own.
// What the descriptors do not carry, because it lives in comments of the
// .proto files, is written down here and checked against the CRDs of the
// same istio.io/api version by the tests: which message and served
// versions each kind has, which kinds require spec, and two legacy
// snake_case field names the CRDs still accept.
//
// Validate reads an object the way the API server reads it through Istio's
// CRDs:
//
//   - fields are the proto JSON names (lowerCamelCase); the proto
//     snake_case spelling is an unknown field, but for the two legacy
//     names above
//   - enums are their value names, as strings
//   - integers are numbers within the range of their proto type, 64-bit
//     ones included (the CRDs declare them type: integer)
//   - google.protobuf.Duration is a string in Go syntax such as "1.5s" or
//     "1m30s" (the CRDs check it with CEL duration(), and Istio reads it
//     with time.ParseDuration); wrapper types take the bare value;
//     Struct is any mapping
//   - at most one member of a oneof is set, and fields annotated
//     (google.api.field_behavior) = REQUIRED are present
//   - null is an unset field
//
// CEL rules and bounds that Istio adds to its CRDs from comments (port
// ranges, string lengths, "duration must be at least 1ms") are not checked:
// they are not in the descriptors.
//
// For every other kind (Linkerd's policy resources, Gateway API, anything a
// cluster installs) CRDs validates objects against the OpenAPI v3 schemas of
// the CustomResourceDefinitions the user supplies, as the API server does
// with strict field validation. A test checks that it finds the same unknown
// fields and enum errors as the descriptors on Istio's own CRDs.
package schema
