// Package sbom builds software bills of materials for container images and
// folders with syft, as a library. It is the only package of meshproof that
// imports syft.
//
// Generate opens a source through the image package (registries, OCI
// layouts, docker-archive tarballs) or reads a folder, catalogs it with
// syft's default catalogers (nothing reaches the network), and returns an
// SBOM that encodes to CycloneDX JSON, SPDX JSON and syft JSON through
// syft's own encoders, or to a table for people.
//
// A Cache keeps SBOMs by image digest, so that an image that has not
// changed costs only the lookup of its manifest on the next run. Every entry
// carries a checksum; an entry that does not verify or decode is reported,
// rebuilt and replaced, never trusted.
//
// syft and stereoscope log through process-wide loggers. Libraries leave
// them alone; a program calls SetLogger once, from its main.
package sbom
