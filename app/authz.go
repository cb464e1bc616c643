package app

import (
	"fmt"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/openova-io/sovereign/app/identity"
)

// This file is the one place that says who may do what. Every route is
// registered with an Action through s.handle (or guarded with s.guard), and
// policy maps each Action to the roles allowed to perform it.
//
// To add a row (for example the cluster endpoints):
//
//  1. declare the Action below, named after what it lets a caller do;
//  2. add it to policy with its roles (nil means any signed-in user,
//     actionPublic needs no session);
//  3. register the route with s.handle(method, path, action, handler), or
//     put s.guard(action) in front of a handler you register yourself.
//
// TestRoleRouteMatrix walks every route registered through s.handle and
// checks each role against policy, so a new row is tested without writing
// a test for it.

// Action is what a route lets its caller do.
type Action string

// Actions of the console API and the cluster endpoints.
const (
	actionPublic        Action = "public"
	ActionSessionRead   Action = "session.read"
	ActionUsersRead     Action = "users.read"
	ActionUsersWrite    Action = "users.write"
	ActionCatalogRead   Action = "catalog.read"
	ActionCatalogWrite  Action = "catalog.publish"
	ActionSettingsRead  Action = "settings.read"
	ActionSettingsWrite Action = "settings.write"
	ActionTopologyRead  Action = "topology.read"
	ActionTopologyWrite Action = "topology.write"
	ActionKeysRotate    Action = "keys.rotate"
	ActionAuditRead     Action = "audit.read"
	ActionClusterRead   Action = "cluster.read"
	ActionClusterWrite  Action = "cluster.write"
)

var (
	adminOnly   = []string{identity.RoleSovereignAdmin}
	readers     = []string{identity.RoleSovereignAdmin, identity.RoleOrgAdmin, identity.RoleOrgDeveloper, identity.RoleOrgViewer, identity.RoleSecurityOfficer}
	allRoles    = identity.Roles
	auditRoles  = []string{identity.RoleSovereignAdmin, identity.RoleSecurityOfficer}
	anySignedIn []string
)

// policy is the role × route matrix: the roles allowed each action.
// sovereign-admin writes everything; the org roles and security-officer
// read; security-officer also reads the audit trail; billing-admin reads
// what concerns the Sovereign as a whole but not its people.
var policy = map[Action][]string{
	actionPublic:        nil,
	ActionSessionRead:   anySignedIn,
	ActionUsersRead:     readers,
	ActionUsersWrite:    adminOnly,
	ActionCatalogRead:   allRoles,
	ActionCatalogWrite:  adminOnly,
	ActionSettingsRead:  allRoles,
	ActionSettingsWrite: adminOnly,
	ActionTopologyRead:  allRoles,
	ActionTopologyWrite: adminOnly,
	ActionKeysRotate:    adminOnly,
	ActionAuditRead:     auditRoles,
	ActionClusterRead:   adminOnly,
	ActionClusterWrite:  adminOnly,
}

// allowed reports whether role may perform action. An action missing from
// policy is allowed to no one.
func allowed(action Action, role string) bool {
	roles, ok := policy[action]
	if !ok {
		return false
	}
	if action == actionPublic || roles == nil {
		return true
	}
	for _, r := range roles {
		if r == role {
			return true
		}
	}
	return false
}

// RouteRule is one registered route and the action it needs.
type RouteRule struct {
	Method string
	Path   string
	Action Action
}

// handle registers a route behind the guard of its action.
func (s *Server) handle(method, path string, action Action, h fiber.Handler) {
	if _, ok := policy[action]; !ok {
		panic(fmt.Sprintf("route %s %s: action %q has no row in policy (app/authz.go)", method, path, action))
	}
	s.console.rules = append(s.console.rules, RouteRule{Method: method, Path: path, Action: action})
	s.fiber.Add(method, path, s.guard(action), answerErrors(h))
}

// guard authenticates the caller (unless the action is public), refuses a
// role the policy does not allow, and refuses a cookie-authenticated write
// from another origin. The session is left in c.Locals for the handler.
func (s *Server) guard(action Action) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if action == actionPublic {
			return c.Next()
		}
		sess, err := s.console.authenticate(c)
		if err != nil {
			return err
		}
		if !allowed(action, sess.Role) {
			return fiber.NewError(fiber.StatusForbidden, fmt.Sprintf("role %s may not %s; ask a sovereign-admin", sess.Role, strings.ReplaceAll(string(action), ".", " ")))
		}
		if sess.ViaCookie && unsafeMethod(c.Method()) {
			if err := s.console.checkOrigin(c); err != nil {
				return err
			}
		}
		return c.Next()
	}
}

func unsafeMethod(m string) bool {
	switch m {
	case fiber.MethodGet, fiber.MethodHead, fiber.MethodOptions:
		return false
	}
	return true
}
