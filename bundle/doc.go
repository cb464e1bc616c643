// Package bundle owns Sovereign's air-gap bundle: the signed, zstd-compressed
// tar that carries a sovereign binary, a Blueprint catalog, an OCI image
// layout (Blueprint charts and container images) and an SPDX SBOM on a USB
// stick into a room with no network, and the installer that turns it into a
// node there.
//
// It owns key pairs for signing (Keygen, LoadPrivateKey, LoadPublicKey),
// making a bundle (Create, optionally split into numbered parts for FAT32
// sticks), checking one (Verify), reading what one holds without trusting it
// (Inspect) and installing one into a file-system prefix (Install).
//
// What it must never do:
//   - trust a byte of a bundle before the manifest's signature has been
//     checked against the key the installer pins, nor a file before its
//     sha256 has been checked against that manifest;
//   - write anything outside a staging directory before the whole bundle is
//     verified, or leave a partial file behind (every write goes to a
//     temporary name first and is renamed into place);
//   - follow a link, create a device, or let an archive entry name a path
//     outside the directory it is extracted into;
//   - hold a whole file of a bundle in memory (only the manifest, its
//     signature and the SBOM, all size-capped, are read whole);
//   - open a network connection: everything it needs is on the stick.
//
// The package stands alone: it knows nothing of the store, Raft or HTTP.
// DESIGN.md beside this file describes the format and the invariants.
package bundle
