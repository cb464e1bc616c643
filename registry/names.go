package registry

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/openova-io/sovereign/bundle"
)

// The distribution spec's grammar for what a request names. Everything a
// request says passes here before the index or the disk is consulted.
var (
	repoPath   = regexp.MustCompile(`^[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*$`)
	tagRef     = regexp.MustCompile(`^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$`)
	digestForm = regexp.MustCompile(`^[a-z0-9]+([+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$`)
	hostForm   = regexp.MustCompile(`^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:[0-9]{1,5})?$`)
	lowerHex   = regexp.MustCompile(`^[a-f0-9]+$`)
)

const maxNameLen = 255

// digestLen is the encoded length of each algorithm the spec registers.
var digestLen = map[string]int{"sha256": 64, "sha512": 128}

var (
	errNameInvalid   = errors.New("invalid repository name")
	errDigestInvalid = errors.New("invalid digest")
	errRefInvalid    = errors.New("invalid reference")
)

// parseDigest checks a digest: a registered algorithm (sha256, sha512) and
// its lowercase hex encoding of the right length.
func parseDigest(s string) (string, error) {
	if !digestForm.MatchString(s) {
		return "", fmt.Errorf("%w: %q is not ALGORITHM:ENCODED", errDigestInvalid, truncate(s))
	}
	alg, enc, _ := strings.Cut(s, ":")
	n, ok := digestLen[alg]
	if !ok {
		return "", fmt.Errorf("%w: algorithm %q is not supported (sha256 or sha512)", errDigestInvalid, truncate(alg))
	}
	if len(enc) != n || !lowerHex.MatchString(enc) {
		return "", fmt.Errorf("%w: %s wants %d lowercase hex digits", errDigestInvalid, alg, n)
	}
	return s, nil
}

// reference is a manifest reference: a tag or a digest.
type reference struct {
	tag, digest string
}

func (r reference) String() string {
	if r.digest != "" {
		return r.digest
	}
	return r.tag
}

// parseReference reads the <reference> of /v2/<name>/manifests/<reference>.
func parseReference(s string) (reference, error) {
	if strings.Contains(s, ":") {
		d, err := parseDigest(s)
		return reference{digest: d}, err
	}
	if !tagRef.MatchString(s) {
		return reference{}, fmt.Errorf("%w: %q is neither a tag nor a digest", errRefInvalid, truncate(s))
	}
	return reference{tag: s}, nil
}

// candidates are the full repository names (with their registry host) a
// request for name, with the mirror parameter ns (a registry host, "" for
// none), may mean, most likely first. With ns, the name is under that host
// (docker.io/library/ for a one-element Docker Hub name). Without, it is
// the full name as published, and, when its first element is not a host,
// the Docker Hub name docker would make of it.
func candidates(name, ns string) ([]string, error) {
	if len(name) > maxNameLen || !repoPath.MatchString(name) {
		return nil, fmt.Errorf("%w: %q does not follow the distribution spec's name rule", errNameInvalid, truncate(name))
	}
	if ns != "" {
		if !hostForm.MatchString(ns) {
			return nil, fmt.Errorf("%w: ns=%q is not a registry host", errNameInvalid, truncate(ns))
		}
		full, ok := bundle.NormalizeRepository(ns + "/" + name)
		if !ok {
			return nil, fmt.Errorf("%w: %s/%s is longer than %d characters", errNameInvalid, ns, name, maxNameLen)
		}
		return []string{full}, nil
	}
	out := []string{name}
	if full, ok := bundle.NormalizeRepository(name); ok && full != name {
		out = append(out, full)
	}
	return out, nil
}

func truncate(s string) string {
	if len(s) > 80 {
		return s[:80] + "..."
	}
	return s
}
