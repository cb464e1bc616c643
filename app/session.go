package app

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"
	"github.com/openova-io/sovereign/app/identity"
	"github.com/openova-io/sovereign/storage"
)

// SessionCookie is the cookie that carries a session, as the OpenOva
// console names it.
const SessionCookie = "catalyst_session"

// refreshCookie is the OpenOva console's refresh cookie, cleared at
// handover: a Sovereign has no refresh tokens.
const refreshCookie = "catalyst_refresh"

// SessionClaims are the claims of a session token.
type SessionClaims struct {
	Email         string `json:"email"`
	EmailVerified bool   `json:"email_verified"`
	Role          string `json:"role"`
	SovereignFQDN string `json:"sovereign_fqdn"`
	DeploymentID  string `json:"deployment_id"`
	Typ           string `json:"typ"`
	// CredGen is the user's credential generation at minting (credgen.go).
	CredGen *uint64 `json:"cred_gen,omitempty"`
	jwt.RegisteredClaims
}

const sessionTyp = "session"

// Session is the signed-in caller of a request.
type Session struct {
	Claims SessionClaims
	User   identity.User
	// Role is the user's role now, which may differ from the claim.
	Role  string
	Email string
	// ViaCookie: the token came in the cookie, not an Authorization
	// header, so a cross-site write must be refused.
	ViaCookie bool
}

const sessionLocal = "sovereign.session"

func sessionOf(c *fiber.Ctx) *Session {
	s, _ := c.Locals(sessionLocal).(*Session)
	return s
}

// issuer names this Sovereign in the sessions it signs.
func (cs *console) issuer(fqdn string) string {
	if fqdn != "" {
		return "https://" + fqdn
	}
	return "sovereign"
}

// mint signs a new session for u.
func (cs *console) mint(c *fiber.Ctx, u identity.User, fqdn, deploymentID string) (string, SessionClaims, error) {
	key, err := cs.keys.signer(c)
	if err != nil {
		return "", SessionClaims{}, err
	}
	now := cs.now()
	gen := u.CredGen
	claims := SessionClaims{
		Email: u.Email, EmailVerified: true, Role: u.Role,
		SovereignFQDN: fqdn, DeploymentID: deploymentID, Typ: sessionTyp, CredGen: &gen,
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    cs.issuer(fqdn),
			Subject:   u.ID,
			IssuedAt:  jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(now.Add(cs.opts.SessionTTL)),
			ID:        uuid.NewString(),
		},
	}
	tok := jwt.NewWithClaims(jwt.SigningMethodHS256, claims)
	tok.Header["kid"] = key.Kid
	signed, err := tok.SignedString(key.Secret)
	return signed, claims, err
}

// errNoSession is the 401 of a request without a usable session. The
// reason stays vague on purpose: it helps no attacker.
func errNoSession(why string) error {
	return fiber.NewError(fiber.StatusUnauthorized, "sign in first: "+why)
}

// parseSession checks a session token's signature, expiry and type. It
// reads the signing keys from this node's state (deliberately stale: a
// key is written before any token it signs can reach another node).
func (cs *console) parseSession(token string) (SessionClaims, error) {
	if c, ok := cs.sessions.claims(token); ok {
		if !cs.now().Before(c.claims.ExpiresAt.Time) {
			return SessionClaims{}, errors.New("session expired")
		}
		if _, err := cs.keys.verifier(c.kid, cs.now()); err != nil {
			return SessionClaims{}, err
		}
		return c.claims, nil
	}
	claims, kid, err := cs.verifySession(token)
	if err == nil {
		cs.sessions.remember(token, cachedToken{claims: claims, kid: kid})
	}
	return claims, err
}

// verifySession checks a token's signature and claims in full, and says
// which key signed it.
func (cs *console) verifySession(token string) (SessionClaims, string, error) {
	var claims SessionClaims
	parser := jwt.NewParser(
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithStrictDecoding(),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithTimeFunc(cs.now),
	)
	var kid string
	_, err := parser.ParseWithClaims(token, &claims, func(t *jwt.Token) (any, error) {
		kid, _ = t.Header["kid"].(string)
		return cs.keys.verifier(kid, cs.now())
	})
	if err != nil {
		return SessionClaims{}, "", err
	}
	if claims.Typ != sessionTyp || claims.ID == "" || claims.Subject == "" || claims.IssuedAt == nil || claims.ExpiresAt == nil || claims.CredGen == nil {
		return SessionClaims{}, "", errors.New("not a session token")
	}
	return claims, kid, nil
}

// tokenOf returns the request's session token: the Authorization header's
// bearer token, else the cookie.
func tokenOf(c *fiber.Ctx) (token string, viaCookie bool) {
	if h := c.Get(fiber.HeaderAuthorization); h != "" {
		if t, ok := strings.CutPrefix(h, "Bearer "); ok {
			return strings.TrimSpace(t), false
		}
		return "", false
	}
	return c.Cookies(SessionCookie), true
}

// authenticate finds the request's session and checks it against the
// state: not revoked, the user still active, and minted under the user's
// current credential generation (credgen.go). It reads this node's
// state without a barrier, so a logout reaches this node within its
// replication lag (milliseconds in one region).
func (cs *console) authenticate(c *fiber.Ctx) (*Session, error) {
	if s := sessionOf(c); s != nil {
		return s, nil
	}
	token, viaCookie := tokenOf(c)
	if token == "" {
		return nil, errNoSession("no session")
	}
	claims, err := cs.parseSession(token)
	if err != nil {
		return nil, errNoSession("the session is not valid or has expired")
	}
	revoked, err := cs.revoked(claims.ID)
	if err != nil {
		return nil, unavailableRead(c, err)
	}
	if revoked {
		return nil, errNoSession("the session has ended")
	}
	u, ok, err := cs.sessions.user(cs.s.opts.Store, claims.Subject)
	if err != nil {
		return nil, unavailableRead(c, err)
	}
	if !ok || !u.Active() {
		return nil, errNoSession("the account is gone or disabled")
	}
	if !credentialsCurrent(claims, u) {
		return nil, errNoSession("the session was ended by a change to the account")
	}
	s := &Session{Claims: claims, User: u, Role: u.Role, Email: u.Email, ViaCookie: viaCookie}
	c.Locals(sessionLocal, s)
	return s, nil
}

// unavailableRead answers 503 when the state cannot be read to check a
// session: neither a 401 (the session may be good) nor a 500.
func unavailableRead(c *fiber.Ctx, err error) error {
	c.Set(fiber.HeaderRetryAfter, "1")
	return fiber.NewError(fiber.StatusServiceUnavailable, fmt.Sprintf("cannot read this node's state to check the session (%v); retry, or ask an operator to look at the node", err))
}

// setSessionCookie sets the session cookie: HttpOnly, SameSite=Lax,
// Secure when served over TLS, living as long as the session.
func (cs *console) setSessionCookie(c *fiber.Ctx, token string) {
	c.Cookie(&fiber.Cookie{
		Name:     SessionCookie,
		Value:    token,
		Path:     "/",
		MaxAge:   int(cs.opts.SessionTTL / time.Second),
		HTTPOnly: true,
		Secure:   c.Context().IsTLS(),
		SameSite: fiber.CookieSameSiteLaxMode,
	})
}

// clearCookie tells the browser to drop a cookie.
func clearCookie(c *fiber.Ctx, name string) {
	c.Cookie(&fiber.Cookie{
		Name:     name,
		Value:    "",
		Path:     "/",
		Expires:  time.Unix(0, 0),
		MaxAge:   -1,
		HTTPOnly: true,
		Secure:   c.Context().IsTLS(),
		SameSite: fiber.CookieSameSiteLaxMode,
	})
}

// revoked reports whether session jti was ended.
func (cs *console) revoked(jti string) (bool, error) {
	_, ok, err := cs.s.opts.Store.Get(storage.BucketRevokedSessions, []byte(jti))
	return ok, err
}
