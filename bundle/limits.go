package bundle

// Limits bound what a reader accepts from a bundle before and after its
// signature is checked. The zero value means the defaults.
type Limits struct {
	// MaxRatio is the most decompressed bytes allowed per compressed byte
	// read, counted over the whole stream once RatioGrace bytes have been
	// decompressed. It stops a compression bomb long before the disk fills.
	MaxRatio int64
	// RatioGrace is how many decompressed bytes may pass before MaxRatio
	// applies (the first blocks of any stream compress well).
	RatioGrace int64
	// MaxManifestSize caps manifest.json, which is read whole before its
	// signature is checked.
	MaxManifestSize int64
	// MaxSBOMSize caps the SBOM when Inspect reads it whole.
	MaxSBOMSize int64
	// MaxFiles caps how many files a manifest may list.
	MaxFiles int
}

// Default limits. Real bundles compress about 1:1 (OCI layers are gzip
// already) to 1:4 (the binary, YAML); 1:100 leaves room for anything honest.
const (
	DefaultMaxRatio        = 100
	DefaultRatioGrace      = 16 << 20
	DefaultMaxManifestSize = 64 << 20
	DefaultMaxSBOMSize     = 64 << 20
	DefaultMaxFiles        = 1 << 20

	// maxSignatureSize caps manifest.sig: a base64 DER ECDSA P-256
	// signature is under 100 bytes.
	maxSignatureSize = 4 << 10
	// tarOverheadPerFile is what a tar stream may spend on one file beyond
	// its bytes: a header, a PAX header for long names and the padding.
	tarOverheadPerFile = 4 << 10
	// tarOverheadTail covers the end-of-archive blocks and the padding to a
	// full record that some tar writers add.
	tarOverheadTail = 1 << 20
)

func (l Limits) withDefaults() Limits {
	if l.MaxRatio <= 0 {
		l.MaxRatio = DefaultMaxRatio
	}
	if l.RatioGrace <= 0 {
		l.RatioGrace = DefaultRatioGrace
	}
	if l.MaxManifestSize <= 0 {
		l.MaxManifestSize = DefaultMaxManifestSize
	}
	if l.MaxSBOMSize <= 0 {
		l.MaxSBOMSize = DefaultMaxSBOMSize
	}
	if l.MaxFiles <= 0 {
		l.MaxFiles = DefaultMaxFiles
	}
	return l
}
