package app

import (
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/openova-io/sovereign/app/identity"
)

// UserView is a user as the console sees it: never the password hash.
type UserView struct {
	ID            string `json:"id"`
	Email         string `json:"email"`
	Name          string `json:"name"`
	Role          string `json:"role"`
	Status        string `json:"status"`
	LastSignInISO string `json:"lastSignInISO,omitempty"`
}

func viewOf(u identity.User) UserView {
	v := UserView{ID: u.ID, Email: u.Email, Name: u.Name, Role: u.Role, Status: u.Status}
	if u.LastSignIn != nil {
		v.LastSignInISO = u.LastSignIn.UTC().Format(time.RFC3339)
	}
	return v
}

// listUsers is GET /api/v1/sovereign/users.
func (cs *console) listUsers(c *fiber.Ctx) error {
	cs.readBarrier(c)
	users, err := cs.dir.List()
	views := make([]UserView, 0, len(users))
	if err != nil {
		cs.markDegraded(c, degradedUnreadable, err)
	}
	for _, u := range users {
		views = append(views, viewOf(u))
	}
	return c.JSON(fiber.Map{"users": views})
}

type newUser struct {
	Email    string `json:"email"`
	Name     string `json:"name"`
	Role     string `json:"role"`
	Password string `json:"password"`
}

func checkName(name string) error {
	if len(name) > 200 || strings.ContainsAny(name, "\x00\r\n") {
		return badField("name", "at most 200 characters on one line")
	}
	return nil
}

func checkRole(role string) error {
	if !identity.ValidRole(role) {
		return badField("role", "%q is not a role; use one of %s", role, strings.Join(identity.Roles, ", "))
	}
	return nil
}

// createUser is POST /api/v1/sovereign/users. Without a password one is
// generated and returned once, in this answer.
func (cs *console) createUser(c *fiber.Ctx) error {
	var req newUser
	if err := decodeBody(c, &req); err != nil {
		return err
	}
	req.Email = identity.NormalizeEmail(req.Email)
	if req.Email == "" {
		return badField("email", "required")
	}
	if err := identity.CheckEmail(req.Email); err != nil {
		return badField("email", "%v", err)
	}
	if err := checkName(req.Name); err != nil {
		return err
	}
	if req.Role == "" {
		req.Role = identity.RoleOrgViewer
	}
	if err := checkRole(req.Role); err != nil {
		return err
	}
	generated := ""
	if req.Password == "" {
		pw, err := identity.RandomPassword(24)
		if err != nil {
			return err
		}
		req.Password, generated = pw, pw
	} else if err := identity.CheckPassword(req.Password); err != nil {
		return badField("password", "%v", err)
	}
	hash, err := cs.hasher.Hash(c.UserContext(), req.Password)
	if err != nil {
		return hashingFailed(c, err)
	}
	u := cs.dir.Prepare(identity.User{Email: req.Email, Name: req.Name, Role: req.Role, PasswordHash: hash})
	err = cs.commit(c, sessionOf(c).Email, func() (change, error) {
		if _, _, taken, err := cs.dir.LookupEmail(u.Email); err != nil {
			return change{}, err
		} else if taken {
			return change{}, fiber.NewError(fiber.StatusConflict, "a user with email "+u.Email+" already exists")
		}
		ops, err := identity.CreateOps(u)
		return change{ops: ops, action: "user.create", target: "user/" + u.ID + " " + u.Email}, err
	})
	if err != nil {
		return err
	}
	out := fiber.Map{"user": viewOf(u)}
	if generated != "" {
		out["password"] = generated
	}
	return c.Status(fiber.StatusCreated).JSON(out)
}

type userPatch struct {
	Name     *string `json:"name"`
	Role     *string `json:"role"`
	Status   *string `json:"status"`
	Password *string `json:"password"`
}

// patchUser is PATCH /api/v1/sovereign/users/{id}: name, role, status
// (active or disabled) and password. A new password, a disabled or
// re-enabled account or a changed role ends the user's sessions. The last
// active sovereign-admin cannot be demoted or disabled.
func (cs *console) patchUser(c *fiber.Ctx) error {
	var p userPatch
	if err := decodeBody(c, &p); err != nil {
		return err
	}
	if p.Name != nil {
		if err := checkName(*p.Name); err != nil {
			return err
		}
	}
	if p.Role != nil {
		if err := checkRole(*p.Role); err != nil {
			return err
		}
	}
	if p.Status != nil && *p.Status != identity.StatusActive && *p.Status != identity.StatusDisabled {
		return badField("status", "use active or disabled")
	}
	var hash string
	if p.Password != nil {
		if err := identity.CheckPassword(*p.Password); err != nil {
			return badField("password", "%v", err)
		}
		var err error
		if hash, err = cs.hasher.Hash(c.UserContext(), *p.Password); err != nil {
			return hashingFailed(c, err)
		}
	}
	id := c.Params("id")
	var result identity.User
	err := cs.commit(c, sessionOf(c).Email, func() (change, error) {
		u, version, ok, err := cs.dir.Get(id)
		if err != nil {
			return change{}, err
		}
		if !ok {
			return change{}, fiber.NewError(fiber.StatusNotFound, "no user with id "+id)
		}
		wasAdmin := u.Role == identity.RoleSovereignAdmin && u.Active()
		ends := false
		var what []string
		if p.Name != nil {
			u.Name = *p.Name
			what = append(what, "name")
		}
		if p.Role != nil && *p.Role != u.Role {
			u.Role, ends = *p.Role, true
			what = append(what, "role="+u.Role)
		}
		if p.Status != nil && *p.Status != u.Status {
			u.Status, ends = *p.Status, true
			what = append(what, "status="+u.Status)
		}
		if hash != "" {
			u.PasswordHash, ends = hash, true
			what = append(what, "password")
		}
		if wasAdmin && !(u.Role == identity.RoleSovereignAdmin && u.Active()) {
			if err := cs.keepOneAdmin(); err != nil {
				return change{}, err
			}
		}
		if ends {
			endSessions(&u)
		}
		result = u
		ops, err := identity.UpdateOps(u, version)
		return change{ops: ops, action: "user.update", target: "user/" + u.ID + " " + u.Email + " (" + strings.Join(what, ",") + ")"}, err
	})
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"user": viewOf(result)})
}

// keepOneAdmin refuses a change that would leave no active sovereign-admin.
func (cs *console) keepOneAdmin() error {
	n, err := cs.dir.ActiveAdmins()
	if err != nil {
		return err
	}
	if n <= 1 {
		return fiber.NewError(fiber.StatusConflict, "this is the last active sovereign-admin; make another user sovereign-admin first")
	}
	return nil
}

// deleteUser is DELETE /api/v1/sovereign/users/{id}.
func (cs *console) deleteUser(c *fiber.Ctx) error {
	id := c.Params("id")
	err := cs.commit(c, sessionOf(c).Email, func() (change, error) {
		u, version, ok, err := cs.dir.Get(id)
		if err != nil {
			return change{}, err
		}
		if !ok {
			return change{}, fiber.NewError(fiber.StatusNotFound, "no user with id "+id)
		}
		if u.Role == identity.RoleSovereignAdmin && u.Active() {
			if err := cs.keepOneAdmin(); err != nil {
				return change{}, err
			}
		}
		return change{ops: identity.DeleteOps(u, version), action: "user.delete", target: "user/" + u.ID + " " + u.Email}, nil
	})
	if err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}
