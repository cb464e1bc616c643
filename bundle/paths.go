package bundle

import (
	"fmt"
	"path"
	"strings"
	"unicode/utf8"
)

// maxPathLen bounds a path inside a bundle; far above anything Create
// writes, far below what would make error messages unreadable.
const maxPathLen = 1024

// checkPath accepts only the paths a bundle can hold: relative, clean,
// slash-separated, printable, with no "." or ".." element. Every name from
// an archive header or a manifest passes here before it is used, so no later
// step has to think about escaping the directory it extracts into.
func checkPath(p string) error {
	switch {
	case p == "":
		return fmt.Errorf("empty path")
	case len(p) > maxPathLen:
		return fmt.Errorf("path %.40q... is longer than %d bytes", p, maxPathLen)
	case !utf8.ValidString(p):
		return fmt.Errorf("path %q is not valid UTF-8", p)
	case strings.HasPrefix(p, "/"):
		return fmt.Errorf("path %q is absolute", p)
	case strings.ContainsRune(p, '\\'):
		return fmt.Errorf("path %q holds a backslash", p)
	}
	for _, r := range p {
		if r < 0x20 || r == 0x7f {
			return fmt.Errorf("path %q holds a control character", p)
		}
	}
	for _, elem := range strings.Split(p, "/") {
		if elem == ".." {
			return fmt.Errorf("path %q climbs out of its folder with \"..\"", p)
		}
	}
	if path.Clean(p) != p {
		return fmt.Errorf("path %q is not clean (want %q)", p, path.Clean(p))
	}
	return nil
}

// escapes reports whether target, resolved from the directory dir inside a
// bundle, lands outside the bundle.
func escapes(dir, target string) bool {
	if path.IsAbs(target) {
		return true
	}
	resolved := path.Join(dir, target)
	return resolved == ".." || strings.HasPrefix(resolved, "../")
}
