package bundle

import (
	"crypto/rand"
	"debug/buildinfo"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"runtime/debug"
	"strings"
	"time"
)

// The SBOM is an SPDX 2.3 JSON document describing the bundle: the
// sovereign binary and every Go module compiled into it (read from the
// binary's own build information, so it is true of that file and not of
// the machine that made the bundle), every image and chart of the OCI
// layout, and every Blueprint of the catalog.
const (
	spdxVersion  = "SPDX-2.3"
	spdxNoAssert = "NOASSERTION"
	// spdxNamespaceBase only names the document; nothing is fetched from it.
	spdxNamespaceBase = "https://openova.io/spdx/sovereign-bundle/"
)

// SBOM is the part of an SPDX document this package writes and reads.
type SBOM struct {
	SPDXVersion       string             `json:"spdxVersion"`
	DataLicense       string             `json:"dataLicense"`
	SPDXID            string             `json:"SPDXID"`
	Name              string             `json:"name"`
	DocumentNamespace string             `json:"documentNamespace"`
	CreationInfo      SPDXCreationInfo   `json:"creationInfo"`
	DocumentDescribes []string           `json:"documentDescribes"`
	Packages          []SPDXPackage      `json:"packages"`
	Relationships     []SPDXRelationship `json:"relationships"`
}

type SPDXCreationInfo struct {
	Created  string   `json:"created"`
	Creators []string `json:"creators"`
}

type SPDXPackage struct {
	SPDXID                string            `json:"SPDXID"`
	Name                  string            `json:"name"`
	VersionInfo           string            `json:"versionInfo,omitempty"`
	DownloadLocation      string            `json:"downloadLocation"`
	FilesAnalyzed         bool              `json:"filesAnalyzed"`
	PrimaryPackagePurpose string            `json:"primaryPackagePurpose,omitempty"`
	Checksums             []SPDXChecksum    `json:"checksums,omitempty"`
	ExternalRefs          []SPDXExternalRef `json:"externalRefs,omitempty"`
	Comment               string            `json:"comment,omitempty"`
}

type SPDXChecksum struct {
	Algorithm     string `json:"algorithm"`
	ChecksumValue string `json:"checksumValue"`
}

type SPDXExternalRef struct {
	ReferenceCategory string `json:"referenceCategory"`
	ReferenceType     string `json:"referenceType"`
	ReferenceLocator  string `json:"referenceLocator"`
}

type SPDXRelationship struct {
	SPDXElementID      string `json:"spdxElementId"`
	RelationshipType   string `json:"relationshipType"`
	RelatedSPDXElement string `json:"relatedSpdxElement"`
}

// Purposes this package gives its SPDX packages; Inspect counts by them.
const (
	purposeApplication = "APPLICATION"
	purposeLibrary     = "LIBRARY"
	purposeContainer   = "CONTAINER"
	purposeInstall     = "INSTALL"
	purposeOther       = "OTHER"
	purposeSource      = "SOURCE"

	// commentChart and commentBlueprint mark which INSTALL and SOURCE
	// packages are charts and Blueprints.
	commentChart     = "Helm chart in the bundle's OCI layout"
	commentBlueprint = "Blueprint of the bundle's catalog"
)

// binaryInfo is what Create learns from the binary it bundles.
type binaryInfo struct {
	Path     string
	SHA256   string
	Platform Platform
	Build    *debug.BuildInfo
}

// readBinaryInfo reads the Go build information of the binary at p.
func readBinaryInfo(p string) (*binaryInfo, error) {
	bi, err := buildinfo.ReadFile(p)
	if err != nil {
		return nil, fmt.Errorf("binary %s: no Go build information (%v): is it a sovereign build?", p, err)
	}
	info := &binaryInfo{Path: p, Build: bi}
	for _, s := range bi.Settings {
		switch s.Key {
		case "GOOS":
			info.Platform.OS = s.Value
		case "GOARCH":
			info.Platform.Arch = s.Value
		}
	}
	if info.Platform.OS == "" || info.Platform.Arch == "" {
		return nil, fmt.Errorf("binary %s: its build information names no GOOS/GOARCH", p)
	}
	return info, nil
}

// sbomInput is everything the SBOM describes.
type sbomInput struct {
	Version    string
	Created    time.Time
	Binary     *binaryInfo
	Artifacts  []ociArtifact
	Blueprints []blueprintInfo
}

var spdxIDUnsafe = regexp.MustCompile(`[^A-Za-z0-9.-]+`)

func spdxID(kind string, n int, name string) string {
	return fmt.Sprintf("SPDXRef-%s-%d-%s", kind, n, strings.Trim(spdxIDUnsafe.ReplaceAllString(name, "-"), "-"))
}

// buildSBOM writes the SBOM document.
func buildSBOM(in sbomInput) ([]byte, error) {
	uid := make([]byte, 16)
	if _, err := rand.Read(uid); err != nil {
		return nil, err
	}
	doc := SBOM{
		SPDXVersion:       spdxVersion,
		DataLicense:       "CC0-1.0",
		SPDXID:            "SPDXRef-DOCUMENT",
		Name:              "sovereign-bundle-" + in.Version,
		DocumentNamespace: spdxNamespaceBase + in.Version + "/" + hex.EncodeToString(uid),
		CreationInfo: SPDXCreationInfo{
			Created:  in.Created.UTC().Format(time.RFC3339),
			Creators: []string{"Tool: sovereign-" + in.Version, "Organization: OpenOva"},
		},
		DocumentDescribes: []string{"SPDXRef-Bundle"},
	}
	add := func(p SPDXPackage, from, rel string) {
		doc.Packages = append(doc.Packages, p)
		if from != "" {
			doc.Relationships = append(doc.Relationships, SPDXRelationship{SPDXElementID: from, RelationshipType: rel, RelatedSPDXElement: p.SPDXID})
		}
	}
	add(SPDXPackage{
		SPDXID: "SPDXRef-Bundle", Name: "sovereign-bundle", VersionInfo: in.Version,
		DownloadLocation: spdxNoAssert, PrimaryPackagePurpose: purposeInstall,
		Comment: "Air-gap bundle of an OpenOva Sovereign",
	}, "SPDXRef-DOCUMENT", "DESCRIBES")

	bi := in.Binary.Build
	add(SPDXPackage{
		SPDXID: "SPDXRef-Binary", Name: "sovereign", VersionInfo: in.Version,
		DownloadLocation: spdxNoAssert, PrimaryPackagePurpose: purposeApplication,
		Checksums:    []SPDXChecksum{{Algorithm: "SHA256", ChecksumValue: in.Binary.SHA256}},
		ExternalRefs: []SPDXExternalRef{purl("pkg:golang/" + bi.Main.Path + "@" + in.Version)},
		Comment:      fmt.Sprintf("%s at %s, built with %s for %s", bi.Main.Path, BinaryName, bi.GoVersion, in.Binary.Platform),
	}, "SPDXRef-Bundle", "CONTAINS")

	for i, dep := range bi.Deps {
		mod := dep
		comment := ""
		if dep.Replace != nil {
			comment = fmt.Sprintf("replaces %s@%s", dep.Path, dep.Version)
			mod = dep.Replace
		}
		if mod.Sum != "" {
			comment = strings.TrimSpace(comment + " go.sum " + mod.Sum)
		}
		add(SPDXPackage{
			SPDXID: spdxID("GoModule", i, mod.Path), Name: mod.Path, VersionInfo: mod.Version,
			DownloadLocation: spdxNoAssert, PrimaryPackagePurpose: purposeLibrary,
			ExternalRefs: []SPDXExternalRef{purl("pkg:golang/" + mod.Path + "@" + mod.Version)},
			Comment:      comment,
		}, "SPDXRef-Binary", "DEPENDS_ON")
	}

	for i, a := range in.Artifacts {
		p := SPDXPackage{
			SPDXID: spdxID("OCI", i, a.Name), Name: a.Name, VersionInfo: a.Digest.String(),
			DownloadLocation: spdxNoAssert, PrimaryPackagePurpose: purposeContainer,
			Checksums:    []SPDXChecksum{{Algorithm: "SHA256", ChecksumValue: a.Digest.Hex}},
			ExternalRefs: []SPDXExternalRef{purl(ociPURL(a))},
			Comment:      fmt.Sprintf("%s in the bundle's OCI layout", a.MediaType),
		}
		if a.ConfigType == HelmConfigMediaType {
			p.PrimaryPackagePurpose, p.Comment = purposeInstall, commentChart
			if name, version, ok := strings.Cut(strings.TrimPrefix(a.Name, chartRefPrefix), ":"); ok {
				p.Name, p.VersionInfo = name, version
			}
		}
		add(p, "SPDXRef-Bundle", "CONTAINS")
	}

	for i, b := range in.Blueprints {
		add(SPDXPackage{
			SPDXID: spdxID("Blueprint", i, b.Name), Name: b.Name, VersionInfo: b.Version,
			DownloadLocation: spdxNoAssert, PrimaryPackagePurpose: purposeSource,
			Checksums: []SPDXChecksum{{Algorithm: "SHA256", ChecksumValue: b.SHA256}},
			Comment:   commentBlueprint + " (" + b.Path + ")",
		}, "SPDXRef-Bundle", "CONTAINS")
	}

	data, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode SBOM: %w", err)
	}
	return append(data, '\n'), nil
}

func purl(locator string) SPDXExternalRef {
	return SPDXExternalRef{ReferenceCategory: "PACKAGE-MANAGER", ReferenceType: "purl", ReferenceLocator: locator}
}

// ociPURL names an OCI artifact by digest, with its repository when the
// ref name gives one.
func ociPURL(a ociArtifact) string {
	name := a.Name
	if i := strings.LastIndexByte(name, ':'); i > strings.LastIndexByte(name, '/') {
		name = name[:i]
	}
	repo := ""
	if j := strings.LastIndexByte(name, '/'); j >= 0 {
		repo, name = name[:j], name[j+1:]
	}
	if name == "" || strings.HasPrefix(name, "sha256") {
		name = "image"
	}
	p := "pkg:oci/" + url.PathEscape(strings.ToLower(name)) + "@" + url.PathEscape(a.Digest.String())
	if repo != "" {
		p += "?repository_url=" + url.QueryEscape(repo+"/"+name)
	}
	return p
}
