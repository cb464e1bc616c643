package app

import (
	"sync/atomic"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/openova-io/sovereign/app/identity"
	"github.com/openova-io/sovereign/embed/catalog"
	"github.com/prometheus/client_golang/prometheus"
)

// ConsoleOptions configure the Sovereign Console API.
type ConsoleOptions struct {
	// FQDN and DeploymentID come from the configuration (flags or
	// CATALYST_OTECH_FQDN / CATALYST_SELF_DEPLOYMENT_ID); either may be
	// empty, and then the session's claims or the replicated settings
	// answer for them.
	FQDN         string
	DeploymentID string
	// Region and Provider describe this node's cluster.
	Region   string
	Provider string
	// Catalog is the Blueprint catalog served by /catalog; nil serves [].
	Catalog *catalog.Catalog
	// HandoverKeys verify the OpenOva console's handover tokens: a fixed
	// set, or a file read again when it changes; nil refuses every
	// handover.
	HandoverKeys HandoverKeySource
	// HandoverIssuers are the accepted "iss" values of handover tokens.
	HandoverIssuers []string
	// SessionTTL is a session's lifetime (default 8 h).
	SessionTTL time.Duration
}

// DefaultSessionTTL is the lifetime of a session and of its cookie.
const DefaultSessionTTL = 8 * time.Hour

// DefaultHandoverIssuer is the OpenOva console that provisions Sovereigns.
const DefaultHandoverIssuer = "https://console.openova.io"

// console is the state behind the console API's handlers.
type console struct {
	s        *Server
	opts     ConsoleOptions
	dir      *identity.Directory
	keys     *keyring
	sessions *sessionCache
	limits   *signInLimits // sign-in guesses (throttle.go)
	// hasher bounds the memory of password hashing (hashing.go).
	hasher   *identity.Hasher
	degraded *prometheus.CounterVec
	rules    []RouteRule
	catalog  atomic.Pointer[catalogList]
	selfJSON []byte
	now      func() time.Time
}

func newConsole(s *Server) *console {
	opts := s.opts.Console
	if opts.SessionTTL <= 0 {
		opts.SessionTTL = DefaultSessionTTL
	}
	if len(opts.HandoverIssuers) == 0 {
		opts.HandoverIssuers = []string{DefaultHandoverIssuer}
	}
	cs := &console{
		s:        s,
		opts:     opts,
		dir:      identity.NewDirectory(s.opts.Node, s.opts.Store),
		limits:   newSignInLimits(defaultSignInPolicy),
		hasher:   newHasher(s.opts.Registry),
		sessions: newSessionCache(),
		now:      time.Now,
		degraded: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "sovereign_console_degraded_total",
			Help: "Console API answers served degraded (stale or empty) because the store could not be read, by route and reason.",
		}, []string{"route", "reason"}),
	}
	cs.keys = newKeyring(cs)
	cs.selfJSON = selfAnswer(opts)
	if s.opts.Registry != nil {
		s.opts.Registry.MustRegister(cs.degraded)
	}
	return cs
}

// consoleRoutes registers the Sovereign Console API: sessions, handover and
// the /api/v1/sovereign endpoints. Each route names its Action; who may
// perform it is decided in authz.go.
func (s *Server) consoleRoutes() {
	s.console = newConsole(s)
	cs := s.console
	const api = "/api/v1/sovereign"

	s.handle(fiber.MethodGet, api+"/self", actionPublic, cs.self)
	s.handle(fiber.MethodGet, "/auth/handover", actionPublic, cs.handover)
	s.handle(fiber.MethodPost, "/api/v1/auth/login", actionPublic, cs.login)
	s.handle(fiber.MethodDelete, "/api/v1/auth/session", actionPublic, cs.logout)
	s.handle(fiber.MethodGet, "/api/v1/auth/me", ActionSessionRead, cs.me)

	s.handle(fiber.MethodGet, api+"/users", ActionUsersRead, cs.listUsers)
	s.handle(fiber.MethodPost, api+"/users", ActionUsersWrite, cs.createUser)
	s.handle(fiber.MethodPatch, api+"/users/:id", ActionUsersWrite, cs.patchUser)
	s.handle(fiber.MethodDelete, api+"/users/:id", ActionUsersWrite, cs.deleteUser)

	s.handle(fiber.MethodGet, api+"/catalog", ActionCatalogRead, cs.listCatalog)
	s.handle(fiber.MethodGet, api+"/catalog/:slug", ActionCatalogRead, cs.catalogDetail)
	s.handle(fiber.MethodPatch, api+"/catalog/:slug/publish", ActionCatalogWrite, cs.publish)

	s.handle(fiber.MethodGet, api+"/settings", ActionSettingsRead, cs.getSettings)
	s.handle(fiber.MethodPut, api+"/settings", ActionSettingsWrite, cs.putSettings)

	s.handle(fiber.MethodGet, api+"/topology", ActionTopologyRead, cs.getTopology)
	s.handle(fiber.MethodPut, api+"/topology/pattern", ActionTopologyWrite, cs.putPattern)
	s.handle(fiber.MethodGet, api+"/topology/:kind", ActionTopologyRead, cs.listEntities)
	s.handle(fiber.MethodPost, api+"/topology/:kind", ActionTopologyWrite, cs.createEntity)
	s.handle(fiber.MethodPut, api+"/topology/:kind/:id", ActionTopologyWrite, cs.putEntity)
	s.handle(fiber.MethodDelete, api+"/topology/:kind/:id", ActionTopologyWrite, cs.deleteEntity)

	s.handle(fiber.MethodPost, api+"/keys/rotate", ActionKeysRotate, cs.rotateKeys)
	s.handle(fiber.MethodGet, api+"/audit", ActionAuditRead, cs.listAudit)
}
