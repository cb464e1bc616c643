// Package names holds the one set of rules for the names a Sovereign is
// told: a DNS label, a region code, a node name, a fully qualified domain
// name, a deployment id and an Organization's name. Configuration,
// settings, joins, bundles and the catalog all ask here, so a name one of
// them accepts is never refused by another.
//
// Each check returns nil or an error that says what the name must look
// like; the caller adds which flag or field it came from.
package names

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
)

var (
	// dnsLabel starts with a letter (RFC 1035): regions, providers,
	// Blueprint names.
	dnsLabel = regexp.MustCompile(`^[a-z]([a-z0-9-]*[a-z0-9])?$`)
	// hostLabel may start with a digit (RFC 1123): node names and the
	// labels of a domain name.
	hostLabel    = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]*[a-z0-9])?$`)
	deploymentID = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)
	organization = regexp.MustCompile(`^[a-z][a-z0-9-]{2,31}$`)
)

const (
	maxLabel        = 63
	maxFQDN         = 253
	maxDeploymentID = 128
)

// DNSLabel checks a DNS label: lower-case letters, digits and '-',
// starting with a letter and not ending with '-', at most 63 characters.
func DNSLabel(s string) error {
	if len(s) > maxLabel || !dnsLabel.MatchString(s) {
		return errors.New("not a DNS label; use lower-case letters, digits and '-', starting with a letter, at most 63 characters")
	}
	return nil
}

// Region checks a region code such as hz-fsn: a DNS label.
func Region(s string) error {
	if DNSLabel(s) != nil {
		return errors.New("not a DNS label; use lower-case letters, digits and '-', starting with a letter, at most 63 characters (for example hz-fsn)")
	}
	return nil
}

// HostLabel checks a label of a host name (RFC 1123): lower-case letters,
// digits and '-', not starting or ending with '-', at most 63 characters.
func HostLabel(s string) error {
	if len(s) > maxLabel || !hostLabel.MatchString(s) {
		return errors.New("use lower-case letters, digits and '-', at most 63 characters")
	}
	return nil
}

// NodeName checks a node's name in its cluster: a host label.
func NodeName(s string) error { return HostLabel(s) }

// FQDN checks a fully qualified domain name such as sovereign.example.org:
// at least two labels, each a host label, at most 253 characters in all;
// one trailing dot is allowed.
func FQDN(s string) error {
	name := strings.TrimSuffix(s, ".")
	if name == "" || len(name) > maxFQDN {
		return errors.New("a domain name has 1 to 253 characters")
	}
	labels := strings.Split(name, ".")
	for _, l := range labels {
		if HostLabel(l) != nil {
			return fmt.Errorf("label %q is not a DNS label (lower-case letters, digits and '-')", l)
		}
	}
	if len(labels) < 2 {
		return fmt.Errorf("%q is a single label; give the fully qualified name, such as sovereign.example.org", name)
	}
	return nil
}

// DeploymentID checks the id OpenOva stamps on a Sovereign: letters,
// digits, '.', '_' and '-', starting with a letter or digit, at most 128
// characters.
func DeploymentID(s string) error {
	if len(s) > maxDeploymentID || !deploymentID.MatchString(s) {
		return errors.New("use letters, digits, '.', '_' and '-', at most 128 characters")
	}
	return nil
}

// Organization checks an Organization's name: a lower-case letter, then
// 2 to 31 lower-case letters, digits or '-'.
func Organization(s string) error {
	if !organization.MatchString(s) {
		return errors.New("use a lower-case letter, then 2 to 31 lower-case letters, digits or '-' (for example acme)")
	}
	return nil
}
