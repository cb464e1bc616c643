package bundle

import (
	"regexp"
	"strings"

	"github.com/Masterminds/semver/v3"
)

var notIdent = regexp.MustCompile(`[^0-9A-Za-z-]+`)

// NormalizeVersion turns the version a sovereign binary was built with into
// the semantic version a manifest records: "v1.2.3" becomes "1.2.3", and a
// build without a release version ("dev") becomes "0.0.0-dev", which sorts
// before every release, so a release always upgrades it.
func NormalizeVersion(v string) string {
	if sv, err := semver.NewVersion(v); err == nil && strings.Count(strings.TrimPrefix(v, "v"), ".") >= 2 {
		return sv.String()
	}
	id := strings.Trim(notIdent.ReplaceAllString(v, "-"), "-")
	if id == "" {
		id = "unknown"
	}
	return "0.0.0-" + id
}
