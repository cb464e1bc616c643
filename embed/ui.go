package embed

import (
	"embed"
	"io/fs"
)

// The console's build: ui/'s Vite output, committed so that `go build`
// never needs Node. Rebuild it with `npm run build` in ui/;
// TestConsoleBuildIsCurrent fails when it is older than ui/'s sources.
//
//go:embed ui
var console embed.FS

// Console returns the built Sovereign Console: index.html at its root, the
// content-hashed assets under assets/ each with .br and .gz siblings, and
// build.json naming the sources it was built from.
func Console() fs.FS {
	sub, err := fs.Sub(console, "ui")
	if err != nil {
		// fs.Sub fails only on an invalid path, and "ui" is a constant that
		// the go:embed directive above already proved exists.
		panic("embed: console build missing: " + err.Error())
	}
	return sub
}
