package app

import (
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/openova-io/sovereign/app/identity"
)

var pathParam = regexp.MustCompile(`:[A-Za-z]+`)

// concretePath fills a route's parameters with values that exist or are
// at least well formed.
func concretePath(p string) string {
	return pathParam.ReplaceAllStringFunc(p, func(m string) string {
		switch m {
		case ":kind":
			return "regions"
		case ":slug":
			return "cnpg"
		}
		return "does-not-exist"
	})
}

// TestRoleRouteMatrix checks every route registered through s.handle
// against policy, for every role and for no session at all: a role the
// policy does not allow gets 403, one it allows never gets 401 or 403.
func TestRoleRouteMatrix(t *testing.T) {
	t.Parallel()
	tn := startNode(t)
	tokens := map[string]string{}
	for _, role := range identity.Roles {
		email := role + "@sovereign.local"
		if role != identity.RoleSovereignAdmin {
			tn.addUser(email, role, testPassword)
		} else {
			email = "admin@sovereign.local"
		}
		tokens[role] = tn.login(email, testPassword)
	}
	rules := tn.srv.console.rules
	if len(rules) < 20 {
		t.Fatalf("only %d routes registered", len(rules))
	}
	for _, rule := range rules {
		path := concretePath(rule.Path)
		if rule.Action == actionPublic {
			continue
		}
		t.Run(rule.Method+" "+rule.Path+" without a session", func(t *testing.T) {
			r := tn.do(req{method: rule.Method, path: path, body: bodyFor(rule.Method)})
			expectStatus(t, r, http.StatusUnauthorized)
		})
		for _, role := range identity.Roles {
			allowed := allowed(rule.Action, role)
			if allowed && unsafeMethod(rule.Method) && !strings.HasPrefix(rule.Path, "/api/v1/sovereign") {
				// Another surface's write (cluster membership, snapshots):
				// refusal is what this matrix proves; its effect is tested
				// where it lives.
				continue
			}
			t.Run(rule.Method+" "+rule.Path+" as "+role, func(t *testing.T) {
				r := tn.do(req{method: rule.Method, path: path, body: bodyFor(rule.Method), auth: tokens[role]})
				switch {
				case !allowed && r.status != http.StatusForbidden:
					t.Fatalf("%s may not %s, got %d: %s", role, rule.Action, r.status, r.body)
				case allowed && (r.status == http.StatusForbidden || r.status == http.StatusUnauthorized):
					t.Fatalf("%s may %s, got %d: %s", role, rule.Action, r.status, r.body)
				}
			})
		}
	}
}

func bodyFor(method string) any {
	if unsafeMethod(method) && method != http.MethodDelete {
		return map[string]any{}
	}
	return nil
}

// TestPolicyRows pins the matrix DESIGN.md and the issue describe.
func TestPolicyRows(t *testing.T) {
	t.Parallel()
	admin, orgAdmin, dev, viewer, sec, billing := identity.RoleSovereignAdmin, identity.RoleOrgAdmin, identity.RoleOrgDeveloper, identity.RoleOrgViewer, identity.RoleSecurityOfficer, identity.RoleBillingAdmin
	rows := map[Action][]string{
		ActionUsersRead:     {admin, orgAdmin, dev, viewer, sec},
		ActionUsersWrite:    {admin},
		ActionCatalogRead:   {admin, orgAdmin, dev, viewer, sec, billing},
		ActionCatalogWrite:  {admin},
		ActionSettingsRead:  {admin, orgAdmin, dev, viewer, sec, billing},
		ActionSettingsWrite: {admin},
		ActionTopologyRead:  {admin, orgAdmin, dev, viewer, sec, billing},
		ActionTopologyWrite: {admin},
		ActionKeysRotate:    {admin},
		ActionAuditRead:     {admin, sec},
		ActionClusterRead:   {admin},
		ActionClusterWrite:  {admin},
	}
	for action, want := range rows {
		for _, role := range identity.Roles {
			in := false
			for _, w := range want {
				in = in || w == role
			}
			if allowed(action, role) != in {
				t.Errorf("%s × %s: allowed %v, want %v", action, role, !in, in)
			}
		}
	}
	if allowed("no.such.action", admin) {
		t.Error("an action without a row is allowed")
	}
}
