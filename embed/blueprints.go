package embed

import (
	"embed"
	"io/fs"
)

//go:embed blueprints
var blueprints embed.FS

// Blueprints returns the default catalog compiled into the binary: a folder
// per Blueprint, each holding blueprint.yaml (cilium/blueprint.yaml, ...),
// the same layout as OpenOva's platform/ folder.
func Blueprints() fs.FS {
	sub, err := fs.Sub(blueprints, "blueprints")
	if err != nil {
		// fs.Sub fails only on an invalid path, and "blueprints" is a
		// constant that the go:embed directive above already proved exists.
		panic("embed: default catalog missing: " + err.Error())
	}
	return sub
}
