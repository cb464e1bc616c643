package bundle

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"time"
)

// InstalledState is <data-dir>/installed.json: which bundle the node was
// last installed from. Install compares the next bundle's version with it
// to tell an upgrade from a downgrade.
type InstalledState struct {
	SovereignVersion string    `json:"sovereignVersion"`
	ManifestSHA256   string    `json:"manifestSHA256"`
	CatalogDigest    string    `json:"catalogDigest"`
	BundleCreated    time.Time `json:"bundleCreated"`
	KeyFingerprint   string    `json:"keyFingerprint"`
	InstalledAt      time.Time `json:"installedAt"`
}

// ReadInstalled reads the state file at path; nil when there is none.
func ReadInstalled(path string) (*InstalledState, error) {
	data, err := readSmallFile(path, 1<<20)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	var s InstalledState
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, fmt.Errorf("%s is not valid JSON (%v): remove it to install as if for the first time", path, err)
	}
	return &s, nil
}

// sameBundle tells whether s records the bundle v came from.
func (s *InstalledState) sameBundle(v *Verified) bool {
	return s != nil && s.ManifestSHA256 == v.ManifestSHA256 && s.SovereignVersion == v.Manifest.SovereignVersion &&
		s.CatalogDigest == v.Manifest.CatalogDigest && s.KeyFingerprint == v.KeyFingerprint &&
		s.BundleCreated.Equal(v.Manifest.Created)
}

func newInstalledState(v *Verified, now time.Time) ([]byte, error) {
	s := InstalledState{
		SovereignVersion: v.Manifest.SovereignVersion,
		ManifestSHA256:   v.ManifestSHA256,
		CatalogDigest:    v.Manifest.CatalogDigest,
		BundleCreated:    v.Manifest.Created,
		KeyFingerprint:   v.KeyFingerprint,
		InstalledAt:      now.UTC().Truncate(time.Second),
	}
	data, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(data, '\n'), nil
}
