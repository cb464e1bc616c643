package bundle

// FormatVersion is the version of the bundle layout this package writes and
// the only one it reads. A reader refuses a newer one with a message that
// names both, so an old installer never half-understands a new bundle.
const FormatVersion = 1

// Names of the entries in a bundle's tar stream. The first three always come
// in this order, so a reader checks the signature before it reads anything
// else, and Inspect reaches the SBOM without reading the whole bundle.
const (
	ManifestName  = "manifest.json"
	SignatureName = "manifest.sig"
	SBOMName      = "sbom.spdx.json"
	BinaryName    = "bin/sovereign"
	CatalogDir    = "catalog"
	OCIDir        = "oci"

	ociLayoutName = OCIDir + "/oci-layout"
	ociIndexName  = OCIDir + "/index.json"
	ociBlobsDir   = OCIDir + "/blobs"
)

// zstdMagic opens every zstd frame; it tells a one-file bundle from the
// index of a split one.
var zstdMagic = []byte{0x28, 0xb5, 0x2f, 0xfd}
