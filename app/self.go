package app

import (
	"encoding/json"

	"github.com/gofiber/fiber/v2"
)

// selfAnswer is /self's answer when the configuration holds both values:
// it never changes, so it is encoded once.
func selfAnswer(opts ConsoleOptions) []byte {
	if opts.FQDN == "" || opts.DeploymentID == "" {
		return nil
	}
	data, _ := json.Marshal(map[string]string{"deploymentId": opts.DeploymentID, "sovereignFQDN": opts.FQDN})
	return data
}

// self is GET /api/v1/sovereign/self: which Sovereign this is. It needs no
// session. The FQDN and the deployment id are each resolved from the
// configuration, then the session cookie's claims, then the replicated
// settings (identityOfSovereign).
func (cs *console) self(c *fiber.Ctx) error {
	if cs.selfJSON != nil {
		c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
		return c.Send(cs.selfJSON)
	}
	var claims *SessionClaims
	if cs.opts.FQDN == "" || cs.opts.DeploymentID == "" {
		if tok, _ := tokenOf(c); tok != "" {
			if cl, err := cs.parseSession(tok); err == nil {
				if revoked, err := cs.revoked(cl.ID); err == nil && !revoked {
					claims = &cl
				}
			}
		}
	}
	fqdn, id := cs.identityOfSovereign(claims)
	switch {
	case fqdn == "" && id == "":
		return c.Status(fiber.StatusNotFound).JSON(fiber.Map{
			"error":  "not-a-sovereign",
			"detail": "this node knows neither its FQDN nor its deployment id: start it with --fqdn and --deployment-id (or CATALYST_OTECH_FQDN and CATALYST_SELF_DEPLOYMENT_ID), or complete the OpenOva handover",
		})
	case id == "":
		c.Set(fiber.HeaderRetryAfter, "30")
		return c.Status(fiber.StatusServiceUnavailable).JSON(fiber.Map{
			"error":  "deployment-id-not-yet-stamped",
			"detail": "the FQDN is known but OpenOva has not stamped the deployment id yet: set --deployment-id (or CATALYST_SELF_DEPLOYMENT_ID), or complete the OpenOva handover",
			"fqdn":   fqdn,
		})
	}
	return c.JSON(fiber.Map{"deploymentId": id, "sovereignFQDN": fqdn})
}
