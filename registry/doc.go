// Package registry serves a node's installed OCI image layout
// (<data-dir>/oci, laid out by `sovereign install`) as a read-only registry:
// the pull half of the OCI Distribution Spec v1.1, so that k3s's
// containerd, Flux and Helm pull the bundle's container images and
// Blueprint charts from the node they run on.
//
// It owns the distribution API's read endpoints (GET /v2/, tag lists,
// manifests by tag and digest with Accept negotiation, blobs with HEAD and
// Range, the referrers API), the index of names, tags and digests it
// builds from the layout's index.json (rebuilt when that file changes), the
// optional read token, and the TLS server it listens with.
//
// Names are those the images and charts were published under
// (ghcr.io/openova-io/bp-cilium, docker.io/library/nginx), decided by
// bundle.PublishedName; a request names a repository either in full
// (/v2/ghcr.io/openova-io/bp-cilium/...), as a containerd mirror sends it
// (/v2/openova-io/bp-cilium/...?ns=ghcr.io), or, for a client pointed at
// the node itself (helm pull oci://NODE/openova-io/bp-cilium), by its path
// alone when only one registry host holds that path.
//
// What it must never do:
//   - change the layout: every write method (push, mount, delete) answers
//     the spec's UNSUPPORTED error and touches nothing;
//   - fetch anything from outside: what the layout lacks answers 404 and
//     names the bundle version the node was installed from;
//   - serve a path outside the layout's blobs: names, references and
//     digests are checked against the spec's grammar before any file is
//     opened, and a path with "..", "." or a percent-escape is refused;
//   - hold a blob in memory: blobs stream from disk (only manifests, capped
//     at 4 MiB, are read whole).
package registry
