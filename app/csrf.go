package app

import (
	"net/url"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// Cross-site request forgery: the session cookie is SameSite=Lax, so a
// browser does not send it with another site's POST, PUT, PATCH or DELETE;
// and every such request authenticated by the cookie must also carry an
// Origin (or, failing that, a Referer) of this Sovereign. Requests with an
// Authorization header are not at risk: a browser never adds one by itself.

// checkOrigin refuses a request whose Origin is not this Sovereign's.
func (cs *console) checkOrigin(c *fiber.Ctx) error {
	origin := c.Get(fiber.HeaderOrigin)
	if origin == "" {
		if ref := c.Get(fiber.HeaderReferer); ref != "" {
			if u, err := url.Parse(ref); err == nil {
				origin = u.Scheme + "://" + u.Host
			}
		}
	}
	if origin == "" {
		return fiber.NewError(fiber.StatusForbidden, "cross-site request refused: a write with the session cookie must carry an Origin header; use the console, or send Authorization: Bearer")
	}
	if !cs.sameOrigin(c, origin) {
		return fiber.NewError(fiber.StatusForbidden, "cross-site request refused: Origin "+origin+" is not this Sovereign")
	}
	return nil
}

// sameOrigin reports whether origin is the address the request was sent
// to, or the console address of the Sovereign's FQDN.
func (cs *console) sameOrigin(c *fiber.Ctx, origin string) bool {
	origin = strings.ToLower(strings.TrimSuffix(origin, "/"))
	scheme := "http"
	if c.Context().IsTLS() {
		scheme = "https"
	}
	if origin == scheme+"://"+strings.ToLower(string(c.Request().Host())) {
		return true
	}
	if fqdn, _ := cs.identityOfSovereign(nil); fqdn != "" {
		fqdn = strings.ToLower(fqdn)
		return origin == "https://"+fqdn || origin == "https://console."+fqdn
	}
	return false
}
