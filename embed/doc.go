// Package embed owns what is compiled into the sovereign binary, so that a
// Sovereign in a room with no network has everything it needs to start.
//
// Today that is the default Blueprint catalog: one folder per Blueprint under
// blueprints/, each holding a blueprint.yaml, returned by [Blueprints]. The
// built console (embed/ui) will join it here; its sources live in ui/ and its
// build output is committed, so `go build` never needs Node.
//
// The package only hands out read-only file systems. Reading and checking
// Blueprint files is the job of package embed/catalog; this package must
// never parse what it embeds, nor reach for anything outside the binary.
package embed
