package app

import (
	"errors"
	"net"
	"slices"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/golang-jwt/jwt/v5"
	"github.com/openova-io/sovereign/app/identity"
	"github.com/openova-io/sovereign/internal/names"
	"github.com/openova-io/sovereign/storage"
)

// The OpenOva console that provisioned this Sovereign hands its
// administrator over with a link to /auth/handover?token=<jwt>: a
// five-minute RS256 token signed by that console.

// HandoverClaims are the claims a handover token must carry.
type HandoverClaims struct {
	Email         string `json:"email"`
	EmailVerified bool   `json:"email_verified"`
	Role          string `json:"role"`
	Name          string `json:"name"`
	SovereignFQDN string `json:"sovereign_fqdn"`
	DeploymentID  string `json:"deployment_id"`
	jwt.RegisteredClaims
}

// Reasons a handover is refused, each answered 401 {"error":<reason>}.
const (
	reasonMissingToken    = "missing token parameter"
	reasonInvalidToken    = "invalid token"
	reasonExpired         = "token expired"
	reasonNotYetValid     = "token not yet valid"
	reasonInvalidIssuer   = "invalid issuer"
	reasonInvalidAudience = "invalid audience"
	reasonRole            = "insufficient role"
	reasonEmailUnverified = "email not verified"
	reasonMissingEmail    = "missing email"
	reasonMissingJTI      = "missing jti"
	reasonReplayed        = "token already used"
	reasonNotConfigured   = "handover not configured"
	reasonDisabled        = "account disabled"
)

// handoverError is a refused handover.
type handoverError struct{ reason string }

func (e *handoverError) Error() string { return e.reason }

func refuse(reason string) error { return &handoverError{reason: reason} }

// maxHandoverToken bounds what is parsed: a real token is under 2 KiB.
const maxHandoverToken = 8 << 10

// handoverLeeway tolerates clock skew between the two consoles.
const handoverLeeway = 30 * time.Second

// handoverCheck is what a handover token is checked against.
type handoverCheck struct {
	Keys     *HandoverKeys
	Issuers  []string
	Audience string // https://console.<fqdn>
	Now      func() time.Time
}

// verifyHandoverToken checks everything about a handover token that does
// not need the store (the single use of its jti is checked by the caller).
// The error is a *handoverError whose text is the reason to answer.
func verifyHandoverToken(token string, chk handoverCheck) (*HandoverClaims, error) {
	if token == "" {
		return nil, refuse(reasonMissingToken)
	}
	if chk.Keys == nil {
		return nil, refuse(reasonNotConfigured)
	}
	if len(token) > maxHandoverToken {
		return nil, refuse(reasonInvalidToken)
	}
	now := chk.Now
	if now == nil {
		now = time.Now
	}
	claims := &HandoverClaims{}
	parser := jwt.NewParser(
		jwt.WithValidMethods([]string{jwt.SigningMethodRS256.Alg()}),
		jwt.WithStrictDecoding(),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithLeeway(handoverLeeway),
		jwt.WithTimeFunc(now),
	)
	_, err := parser.ParseWithClaims(token, claims, chk.Keys.forToken)
	switch {
	case err == nil:
	case errors.Is(err, jwt.ErrTokenExpired):
		return nil, refuse(reasonExpired)
	case errors.Is(err, jwt.ErrTokenNotValidYet), errors.Is(err, jwt.ErrTokenUsedBeforeIssued):
		return nil, refuse(reasonNotYetValid)
	default:
		return nil, refuse(reasonInvalidToken)
	}
	if !slices.Contains(chk.Issuers, claims.Issuer) {
		return nil, refuse(reasonInvalidIssuer)
	}
	if chk.Audience == "" || !slices.Contains([]string(claims.Audience), chk.Audience) {
		return nil, refuse(reasonInvalidAudience)
	}
	if claims.Role != identity.RoleSovereignAdmin {
		return nil, refuse(reasonRole)
	}
	if !claims.EmailVerified {
		return nil, refuse(reasonEmailUnverified)
	}
	if claims.Email == "" || identity.CheckEmail(identity.NormalizeEmail(claims.Email)) != nil {
		return nil, refuse(reasonMissingEmail)
	}
	if claims.ID == "" || len(claims.ID) > 256 {
		return nil, refuse(reasonMissingJTI)
	}
	return claims, nil
}

// handover is GET /auth/handover?token=<jwt>.
func (cs *console) handover(c *fiber.Ctx) error {
	fqdn, deploymentID := cs.identityOfSovereign(nil)
	aud, learned := handoverAudience(c, fqdn)
	var keys *HandoverKeys
	if cs.opts.HandoverKeys != nil {
		keys = cs.opts.HandoverKeys.HandoverKeys()
	}
	claims, err := verifyHandoverToken(c.Query("token"), handoverCheck{
		Keys: keys, Issuers: cs.opts.HandoverIssuers, Audience: aud, Now: cs.now,
	})
	if err != nil {
		return cs.refuseHandover(c, err)
	}
	email := identity.NormalizeEmail(claims.Email)
	if learned != "" {
		// The token names the host it was sent to: that is this
		// Sovereign's FQDN, and the token must not say otherwise.
		if claims.SovereignFQDN != "" && claims.SovereignFQDN != learned {
			return cs.refuseHandover(c, refuse(reasonInvalidAudience))
		}
		fqdn = learned
	}
	if deploymentID == "" && names.DeploymentID(claims.DeploymentID) == nil {
		deploymentID = claims.DeploymentID
	}

	var userID string
	disabled := false
	err = cs.commit(c, email, func() (change, error) {
		disabled = false
		// The jti is claimed in the same batch as everything else: if it
		// exists already the whole handover is refused.
		if _, used, err := cs.s.opts.Store.Get(storage.BucketHandoverReplay, []byte(claims.ID)); err != nil {
			return change{}, err
		} else if used {
			return change{}, refuse(reasonReplayed)
		}
		ops := []storage.Command{storage.Create(storage.BucketHandoverReplay, []byte(claims.ID), expiryValue(claims.ExpiresAt.Time))}
		now := cs.now().UTC().Truncate(time.Second)
		u, version, found, err := cs.dir.LookupEmail(email)
		if err != nil {
			return change{}, err
		}
		if found && !u.Active() {
			// An administrator disabled this account: the handover does
			// not undo that. The refusal is audited, and the jti used, so a
			// replay is refused without another entry.
			disabled = true
			return change{ops: ops, action: "session.handover.refused", target: "user/" + u.ID + " " + email + " iss=" + claims.Issuer + " reason=" + reasonDisabled}, nil
		}
		if found {
			if u.Role != identity.RoleSovereignAdmin {
				endSessions(&u)
			}
			u.Role, u.LastSignIn = identity.RoleSovereignAdmin, &now
			more, err := identity.UpdateOps(u, version)
			if err != nil {
				return change{}, err
			}
			ops = append(ops, more...)
		} else {
			name := claims.Name
			if checkName(name) != nil {
				name = ""
			}
			u = cs.dir.Prepare(identity.User{Email: email, Name: name, Role: identity.RoleSovereignAdmin, LastSignIn: &now})
			more, err := identity.CreateOps(u)
			if err != nil {
				return change{}, err
			}
			ops = append(ops, more...)
		}
		userID = u.ID
		st, sv, err := cs.readSettings()
		if err != nil {
			return change{}, err
		}
		if st.HandoverISO == "" || st.SovereignFQDN == "" && fqdn != "" || st.DeploymentID == "" && deploymentID != "" {
			if st.HandoverISO == "" {
				st.HandoverISO = now.Format(time.RFC3339)
			}
			if st.SovereignFQDN == "" && cs.opts.FQDN == "" {
				st.SovereignFQDN = fqdn
			}
			if st.DeploymentID == "" && cs.opts.DeploymentID == "" {
				st.DeploymentID = deploymentID
			}
			sc, err := settingsChange(st, sv, "")
			if err != nil {
				return change{}, err
			}
			ops = append(ops, sc.ops...)
		}
		ops = append(ops, expiredOps(cs.s.opts.Store, storage.BucketHandoverReplay, cs.now())...)
		return change{ops: ops, action: "session.handover", target: "user/" + u.ID + " " + email + " iss=" + claims.Issuer}, nil
	})
	if err == nil && disabled {
		err = refuse(reasonDisabled)
	}
	if err != nil {
		return cs.refuseHandover(c, err)
	}
	u, _, _, err := cs.dir.Get(userID)
	if err != nil {
		return err
	}
	token, _, err := cs.mint(c, u, fqdn, deploymentID)
	if err != nil {
		return err
	}
	cs.setSessionCookie(c, token)
	clearCookie(c, refreshCookie)
	return c.Redirect("/dashboard", fiber.StatusFound)
}

// refuseHandover answers a refused handover 401 with its reason and logs
// it (never the token).
func (cs *console) refuseHandover(c *fiber.Ctx, err error) error {
	var he *handoverError
	if !errors.As(err, &he) {
		return err
	}
	cs.s.logger.Warn("handover refused", "reason", he.reason, "client", c.IP(), "request_id", c.Locals("requestid"))
	return c.Status(fiber.StatusUnauthorized).JSON(fiber.Map{"error": he.reason})
}

// handoverAudience is the audience a handover token must name. A node that
// knows its FQDN expects https://console.<fqdn>. A node that does not (no
// flag, nothing stamped yet) expects the host the request was sent to,
// which must be console.<fqdn>; learned is then that <fqdn>, stamped once
// the token proved it names this host. An empty audience refuses every
// token.
func handoverAudience(c *fiber.Ctx, fqdn string) (aud, learned string) {
	if fqdn != "" {
		return "https://console." + fqdn, ""
	}
	// The Host header as sent, never X-Forwarded-Host.
	host := strings.ToLower(string(c.Request().Host()))
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	rest, ok := strings.CutPrefix(host, "console.")
	if !ok || names.FQDN(rest) != nil {
		return "", ""
	}
	return "https://console." + rest, rest
}
