package app

import (
	"encoding/json"
	"fmt"

	"github.com/gofiber/fiber/v2"
	"github.com/openova-io/sovereign/internal/names"
	"github.com/openova-io/sovereign/storage"
)

// Settings is GET /api/v1/sovereign/settings. The stored record holds what
// administrators and the handover wrote; the configuration (flags) wins
// over it for the FQDN, the deployment id, the region and the provider.
type Settings struct {
	SovereignFQDN      string         `json:"sovereignFQDN"`
	DeploymentID       string         `json:"deploymentId"`
	Region             string         `json:"region"`
	Provider           string         `json:"provider"`
	HandoverISO        string         `json:"handoverISO"`
	MarketplaceEnabled bool           `json:"marketplaceEnabled"`
	Features           map[string]any `json:"features"`
}

var settingsKey = []byte("console")

// readSettings returns the stored settings and their version (0: none).
func (cs *console) readSettings() (Settings, uint64, error) {
	rec, ok, err := cs.s.opts.Store.Get(storage.BucketSettings, settingsKey)
	if err != nil || !ok {
		return Settings{Features: map[string]any{}}, 0, err
	}
	var st Settings
	if err := json.Unmarshal(rec.Value, &st); err != nil {
		return Settings{Features: map[string]any{}}, 0, fmt.Errorf("settings: %w", err)
	}
	if st.Features == nil {
		st.Features = map[string]any{}
	}
	return st, rec.Version, nil
}

// effective lays the configuration and what the binary knows over the
// stored settings.
func (cs *console) effective(st Settings) Settings {
	if cs.opts.FQDN != "" {
		st.SovereignFQDN = cs.opts.FQDN
	}
	if cs.opts.DeploymentID != "" {
		st.DeploymentID = cs.opts.DeploymentID
	}
	st.Region = cs.opts.Region
	if cs.opts.Provider != "" {
		st.Provider = cs.opts.Provider
	}
	features := make(map[string]any, len(st.Features)+3)
	for k, v := range st.Features {
		features[k] = v
	}
	if cat := cs.opts.Catalog; cat != nil {
		features["catalogDigest"] = cat.Digest()
		features["catalogBlueprints"] = cat.Len()
	}
	features["version"] = cs.s.opts.Version
	st.Features = features
	return st
}

// reservedFeatures are set by the binary, not by administrators.
var reservedFeatures = map[string]bool{"catalogDigest": true, "catalogBlueprints": true, "version": true}

// identityOfSovereign resolves the FQDN and the deployment id, each on its
// own: the configuration, then the session's claims, then the replicated
// settings.
func (cs *console) identityOfSovereign(claims *SessionClaims) (fqdn, deploymentID string) {
	fqdn, deploymentID = cs.opts.FQDN, cs.opts.DeploymentID
	if fqdn != "" && deploymentID != "" {
		return
	}
	if claims != nil {
		if fqdn == "" {
			fqdn = claims.SovereignFQDN
		}
		if deploymentID == "" {
			deploymentID = claims.DeploymentID
		}
	}
	if fqdn == "" || deploymentID == "" {
		if st, _, err := cs.readSettings(); err == nil {
			if fqdn == "" {
				fqdn = st.SovereignFQDN
			}
			if deploymentID == "" {
				deploymentID = st.DeploymentID
			}
		}
	}
	return
}

// getSettings is GET /api/v1/sovereign/settings.
func (cs *console) getSettings(c *fiber.Ctx) error {
	cs.readBarrier(c)
	st, _, err := cs.readSettings()
	if err != nil {
		cs.markDegraded(c, degradedUnreadable, err)
		st = Settings{Features: map[string]any{}}
	}
	return c.JSON(cs.effective(st))
}

// settingsUpdate is the body of PUT /api/v1/sovereign/settings; absent
// fields keep their value. region and handoverISO may be sent back as
// they were read but not changed.
type settingsUpdate struct {
	SovereignFQDN      *string         `json:"sovereignFQDN"`
	DeploymentID       *string         `json:"deploymentId"`
	Region             *string         `json:"region"`
	Provider           *string         `json:"provider"`
	HandoverISO        *string         `json:"handoverISO"`
	MarketplaceEnabled *bool           `json:"marketplaceEnabled"`
	Features           *map[string]any `json:"features"`
}

func (u *settingsUpdate) apply(cs *console, st Settings) (Settings, error) {
	eff := cs.effective(st)
	if u.Region != nil && *u.Region != eff.Region {
		return st, badField("region", "fixed when the cluster was bootstrapped (%q); it cannot change", eff.Region)
	}
	if u.HandoverISO != nil && *u.HandoverISO != st.HandoverISO {
		return st, badField("handoverISO", "recorded by the OpenOva handover; it cannot be set")
	}
	if v := u.SovereignFQDN; v != nil && *v != st.SovereignFQDN {
		if cs.opts.FQDN != "" && *v != cs.opts.FQDN {
			return st, badField("sovereignFQDN", "set by the configuration (--fqdn); change it there")
		}
		if *v != "" {
			if err := names.FQDN(*v); err != nil {
				return st, badField("sovereignFQDN", "%v", err)
			}
		}
		st.SovereignFQDN = *v
	}
	if v := u.DeploymentID; v != nil && *v != st.DeploymentID {
		if cs.opts.DeploymentID != "" && *v != cs.opts.DeploymentID {
			return st, badField("deploymentId", "set by the configuration (--deployment-id); change it there")
		}
		if *v != "" && names.DeploymentID(*v) != nil {
			return st, badField("deploymentId", "use letters, digits, '.', '_' and '-', at most 128 characters")
		}
		st.DeploymentID = *v
	}
	if v := u.Provider; v != nil && *v != st.Provider {
		if cs.opts.Provider != "" && *v != cs.opts.Provider {
			return st, badField("provider", "set by the configuration (--provider); change it there")
		}
		if *v != "" && names.DNSLabel(*v) != nil {
			return st, badField("provider", "not a DNS label (for example hetzner)")
		}
		st.Provider = *v
	}
	if u.MarketplaceEnabled != nil {
		st.MarketplaceEnabled = *u.MarketplaceEnabled
	}
	if u.Features != nil {
		features, err := checkFeatures(*u.Features)
		if err != nil {
			return st, err
		}
		st.Features = features
	}
	return st, nil
}

// checkFeatures accepts up to 64 flags whose values are scalars; the
// binary's own keys are dropped when sent back unchanged.
func checkFeatures(in map[string]any) (map[string]any, error) {
	out := map[string]any{}
	for k, v := range in {
		if reservedFeatures[k] {
			continue
		}
		field := "features." + k
		if k == "" || len(k) > 64 {
			return nil, badField("features", "a key has 1 to 64 characters")
		}
		switch v.(type) {
		case bool, string, float64, nil:
		default:
			return nil, badField(field, "a feature is true, false, a number or a string")
		}
		if s, ok := v.(string); ok && len(s) > 1024 {
			return nil, badField(field, "at most 1024 characters")
		}
		out[k] = v
	}
	if len(out) > 64 {
		return nil, badField("features", "at most 64 features")
	}
	return out, nil
}

// putSettings is PUT /api/v1/sovereign/settings.
func (cs *console) putSettings(c *fiber.Ctx) error {
	var u settingsUpdate
	if err := decodeBody(c, &u); err != nil {
		return err
	}
	err := cs.commit(c, sessionOf(c).Email, func() (change, error) {
		st, version, err := cs.readSettings()
		if err != nil {
			return change{}, err
		}
		st, err = u.apply(cs, st)
		if err != nil {
			return change{}, err
		}
		return settingsChange(st, version, "settings.update")
	})
	if err != nil {
		return err
	}
	st, _, err := cs.readSettings()
	if err != nil {
		return err
	}
	return c.JSON(cs.effective(st))
}

func settingsChange(st Settings, version uint64, action string) (change, error) {
	data, err := json.Marshal(st)
	if err != nil {
		return change{}, err
	}
	put := storage.Put(storage.BucketSettings, settingsKey, data)
	put.Expect = int64(version)
	return change{ops: []storage.Command{put}, action: action, target: "settings"}, nil
}
