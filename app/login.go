package app

import (
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/openova-io/sovereign/app/identity"
)

type loginRequest struct {
	Email    string `json:"email"`
	Password string `json:"password"`
}

// loginResponse answers a sign-in: the user, the token (for the CLI's
// Authorization header; the browser uses the cookie) and its expiry.
type loginResponse struct {
	User      UserView `json:"user"`
	Token     string   `json:"token"`
	ExpiresAt string   `json:"expiresAt"`
}

// errBadCredentials is the one answer for an unknown user, a disabled
// one, a user without a password and a wrong password.
var errBadCredentials = fiber.NewError(fiber.StatusUnauthorized, "wrong email or password")

// login is POST /api/v1/auth/login.
func (cs *console) login(c *fiber.Ctx) error {
	if err := cs.checkOrigin(c); err != nil && c.Get(fiber.HeaderOrigin) != "" {
		return err
	}
	var req loginRequest
	if err := decodeBody(c, &req); err != nil {
		return err
	}
	if req.Email == "" {
		return badField("email", "required")
	}
	if req.Password == "" {
		return badField("password", "required")
	}
	if len(req.Password) > identity.MaxPasswordLen || len(req.Email) > 254 {
		return errBadCredentials
	}
	now := cs.now()
	client := strings.Clone(c.IP()) // kept beyond the request
	account := identity.NormalizeEmail(req.Email)
	attempt, limited := cs.limits.reserve(client, account, now)
	if limited != nil {
		return limited.answer(c)
	}

	cs.readBarrier(c)
	u, _, found, err := cs.dir.LookupEmail(account)
	if err != nil {
		attempt.unchecked()
		return unavailableRead(c, err)
	}
	// An unknown email is checked against a hash no password matches, so
	// it takes as long as a wrong password.
	hash := identity.EqualiserHash()
	if found && u.PasswordHash != "" {
		hash = u.PasswordHash
	}
	ok, rehash, err := cs.hasher.Verify(c.UserContext(), hash, req.Password)
	if err != nil {
		attempt.unchecked() // busy: nothing was guessed
		return hashingFailed(c, err)
	}
	if !found || u.PasswordHash == "" || !ok || !u.Active() {
		return errBadCredentials // the reserved guess stays counted
	}
	attempt.succeeded()

	if err := cs.recordSignIn(c, u.ID, u.Email, hash, rehash); err != nil {
		return err
	}
	fqdn, deploymentID := cs.identityOfSovereign(nil)
	token, claims, err := cs.mint(c, u, fqdn, deploymentID)
	if err != nil {
		return err
	}
	cs.setSessionCookie(c, token)
	u, _, _, _ = cs.dir.Get(u.ID)
	return c.JSON(loginResponse{User: viewOf(u), Token: token, ExpiresAt: claims.ExpiresAt.UTC().Format(time.RFC3339)})
}

// recordSignIn stores the user's last sign-in and audits it. rehash, when
// set, is the password the user just proved, hashed under the current
// parameters; it replaces the stored hash only if that is still the one
// verified (a password changed meanwhile is kept).
func (cs *console) recordSignIn(c *fiber.Ctx, id, actor, verified, rehash string) error {
	return cs.commit(c, actor, func() (change, error) {
		u, version, ok, err := cs.dir.Get(id)
		if err != nil {
			return change{}, err
		}
		if !ok {
			return change{}, errBadCredentials
		}
		t := cs.now().UTC().Truncate(time.Second)
		u.LastSignIn = &t
		target := "user/" + u.ID
		if rehash != "" && u.PasswordHash == verified {
			u.PasswordHash = rehash
			target += " (password rehashed)"
		}
		ops, err := identity.UpdateOps(u, version)
		return change{ops: ops, action: "session.login", target: target}, err
	})
}

// me is GET /api/v1/auth/me: the signed-in user and the session's expiry.
func (cs *console) me(c *fiber.Ctx) error {
	s := sessionOf(c)
	v := viewOf(s.User)
	return c.JSON(fiber.Map{
		"id": v.ID, "email": v.Email, "name": v.Name, "role": v.Role, "status": v.Status,
		"lastSignInISO": v.LastSignInISO, "emailVerified": s.Claims.EmailVerified,
		"sovereignFQDN": s.Claims.SovereignFQDN, "deploymentId": s.Claims.DeploymentID,
		"expiresAt": s.Claims.ExpiresAt.UTC().Format(time.RFC3339),
	})
}
