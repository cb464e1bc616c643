package names

import (
	"strings"
	"testing"
)

// TestNameRules is the one table of what each rule accepts and refuses.
func TestNameRules(t *testing.T) {
	rules := map[string]func(string) error{
		"dns label": DNSLabel, "host label": HostLabel, "region": Region, "node name": NodeName,
		"fqdn": FQDN, "deployment id": DeploymentID, "organization": Organization,
	}
	cases := []struct {
		rule, name string
		ok         bool
	}{
		{"dns label", "hetzner", true},
		{"dns label", "a", true},
		{"dns label", "a-1", true},
		{"dns label", strings.Repeat("a", 63), true},
		{"dns label", strings.Repeat("a", 64), false},
		{"dns label", "1abc", false},
		{"dns label", "-abc", false},
		{"dns label", "abc-", false},
		{"dns label", "Abc", false},
		{"dns label", "a_b", false},
		{"dns label", "", false},

		{"host label", "cluster-1a2b", true},
		{"host label", "9zone", true},
		{"host label", "-a", false},
		{"host label", "a.b", false},

		{"region", "hz-fsn", true},
		{"region", "local", true},
		{"region", "Hz_Fsn", false},
		{"region", "-bad", false},
		{"region", "UPPER", false},
		{"region", "9zone", false},

		{"node name", "n1", true},
		{"node name", "1node", true},
		{"node name", strings.Repeat("n", 63), true},
		{"node name", strings.Repeat("n", 64), false},
		{"node name", "Node One", false},
		{"node name", "node-", false},
		{"node name", "node.one", false},
		{"node name", "", false},

		{"fqdn", "sovereign.example.org", true},
		{"fqdn", "acme.sovereign.example", true},
		{"fqdn", "sovereign.example.org.", true},
		{"fqdn", "1and1.example", true},
		{"fqdn", strings.Repeat("a.", 125) + "bcd", true},
		{"fqdn", strings.Repeat("a.", 125) + "bcde", false},
		{"fqdn", "localhost", false},
		{"fqdn", "nodots", false},
		{"fqdn", "a..b", false},
		{"fqdn", "bad_label.example.org", false},
		{"fqdn", "Upper.example.org", false},
		{"fqdn", strings.Repeat("a", 64) + ".example", false},
		{"fqdn", "", false},
		{"fqdn", ".", false},

		{"deployment id", "dep-1", true},
		{"deployment id", "A1.b_c-d", true},
		{"deployment id", strings.Repeat("x", 128), true},
		{"deployment id", strings.Repeat("x", 129), false},
		{"deployment id", "-dep", false},
		{"deployment id", "dep 1", false},
		{"deployment id", "", false},

		{"organization", "acme", true},
		{"organization", "org-1", true},
		{"organization", "a" + strings.Repeat("b", 31), true},
		{"organization", "a" + strings.Repeat("b", 32), false},
		{"organization", "ab", false},
		{"organization", "1org", false},
		{"organization", "Acme", false},
	}
	for _, c := range cases {
		err := rules[c.rule](c.name)
		if (err == nil) != c.ok {
			t.Errorf("%s %q: error %v, want ok=%v", c.rule, c.name, err, c.ok)
		}
	}
}
