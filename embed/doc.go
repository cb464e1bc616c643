// Package embed owns what is compiled into the sovereign binary, so that a
// Sovereign in a room with no network has everything it needs to start.
//
// That is the default Blueprint catalog: one folder per Blueprint under
// blueprints/, each holding a blueprint.yaml, returned by [Blueprints]; and
// the built Sovereign Console, returned by [Console]: ui/'s Vite build,
// committed under embed/ui with a .br and a .gz beside each hashed asset and
// a build.json naming the hash of the sources it came from, so `go build`
// never needs Node and a test fails when the build is older than ui/.
//
// The package only hands out read-only file systems. Reading and checking
// Blueprint files is the job of package embed/catalog; this package must
// never parse what it embeds, nor reach for anything outside the binary.
package embed
