package cmd

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/signal"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/openova-io/sovereign/bundle"
	sovereignembed "github.com/openova-io/sovereign/embed"
	"github.com/openova-io/sovereign/embed/catalog"
)

// `sovereign bundle keygen|create|verify|inspect` make, check and read
// signed air-gap bundles (package bundle).

func newBundleCmd(b Build) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "bundle",
		Short: "Make, check and read signed air-gap bundles",
		Long: `An air-gap bundle carries a sovereign binary, a Blueprint catalog, an OCI
image layout (charts and images) and an SBOM into a room with no network,
in one zstd-compressed tar or in numbered parts for FAT32 sticks. Its
manifest is signed with an ECDSA P-256 key; install it with
'sovereign install --bundle PATH --key KEY.pub'.`,
	}
	cmd.AddCommand(newBundleKeygenCmd(), newBundleCreateCmd(b), newBundleVerifyCmd(), newBundleInspectCmd())
	return cmd
}

func newBundleKeygenCmd() *cobra.Command {
	var out, passFile, output string
	var force bool
	cmd := &cobra.Command{
		Use:   "keygen --out KEY",
		Short: "Make an ECDSA P-256 key pair: KEY (private) and KEY.pub (public)",
		Long: `Writes KEY (the private key, mode 0600) and KEY.pub (the public key that
installers pin). The private key is encrypted when a passphrase is given
(--passphrase-file, $` + bundle.PassphraseEnv + `, or typed at the prompt), in the
format cosign uses, so 'cosign sign-blob --key KEY' works with it too.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			pass, err := passphraseSource(cmd, passFile).ForNewKey()
			if err != nil {
				return err
			}
			pub, err := bundle.Keygen(out, pass, force)
			if err != nil {
				return err
			}
			info := map[string]any{"private": out, "public": out + ".pub", "fingerprint": bundle.Fingerprint(pub), "encrypted": len(pass) > 0}
			return printResult(cmd, output, info, func(w io.Writer) {
				enc := "not encrypted: keep it offline"
				if len(pass) > 0 {
					enc = "encrypted with the passphrase"
				}
				fmt.Fprintf(w, "wrote %s (private key, %s)\nwrote %s.pub (public key: give it to installers)\nfingerprint %s\n", out, enc, out, bundle.Fingerprint(pub))
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&out, "out", "", "path of the private key; the public key goes to PATH.pub (required)")
	f.StringVar(&passFile, "passphrase-file", "", "file holding the passphrase to encrypt the private key with")
	f.BoolVar(&force, "force", false, "replace an existing key pair")
	addOutputFlag(f.StringVarP, &output)
	_ = cmd.MarkFlagRequired("out")
	return cmd
}

func newBundleCreateCmd(b Build) *cobra.Command {
	var (
		opts                                     bundle.CreateOptions
		key, split, catalogDir, passFile, output string
		sovereignVersion                         string
	)
	cmd := &cobra.Command{
		Use:   "create --key KEY --out PATH",
		Short: "Make a signed bundle of a sovereign binary, a catalog, images and charts",
		Long: `Makes a signed bundle at PATH: the sovereign binary (this one unless
--binary), the catalog (the embedded one unless --catalog), every image of
the OCI layouts given with --oci-layout, every chart given with --chart,
and an SPDX SBOM. With --split SIZE (such as 4000M for FAT32) it writes
PATH.001, PATH.002, ... and PATH.index.json instead of one file.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, stop := signalContext(cmd)
			defer stop()
			priv, err := bundle.LoadPrivateKey(key, passphraseSource(cmd, passFile).ForKey(key))
			if err != nil {
				return err
			}
			opts.Key = priv
			if split != "" {
				if opts.Split, err = bundle.ParseSize(split); err != nil {
					return fmt.Errorf("--split: %w", err)
				}
			}
			if opts.Binary == "" {
				if opts.Binary, err = os.Executable(); err != nil {
					return fmt.Errorf("find this sovereign binary: %w; pass --binary", err)
				}
			}
			opts.Version = bundle.NormalizeVersion(b.Version)
			if sovereignVersion != "" {
				opts.Version = sovereignVersion
			}
			if opts.Catalog, opts.CatalogDigest, err = loadBundleCatalog(catalogDir); err != nil {
				return err
			}
			opts.Created = sourceDateEpoch()
			opts.Progress = progressFor(cmd)
			res, err := bundle.Create(ctx, opts)
			if err != nil {
				return err
			}
			return printResult(cmd, output, res, func(w io.Writer) {
				m := res.Manifest
				fmt.Fprintf(w, "bundle of Sovereign %s for %s: %d files, %s, compressed to %s\n",
					m.SovereignVersion, m.Platform, len(m.Files), bundle.FormatSize(m.TotalSize()), bundle.FormatSize(res.Size))
				for _, p := range res.Paths {
					fmt.Fprintf(w, "wrote %s\n", p)
				}
				fmt.Fprintf(w, "signed with %s\n", bundle.Fingerprint(&priv.PublicKey))
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&key, "key", "", "private key that signs the manifest (from 'sovereign bundle keygen') (required)")
	f.StringVar(&opts.Out, "out", "", "path of the bundle (required)")
	f.StringVar(&split, "split", "", "cut the bundle into parts of at most SIZE (4000M fits FAT32)")
	f.StringVar(&catalogDir, "catalog", "", "folder of <name>/blueprint.yaml (default: the embedded catalog)")
	f.StringArrayVar(&opts.OCILayouts, "oci-layout", nil, "OCI image layout whose images go into the bundle (repeatable)")
	f.StringArrayVar(&opts.Charts, "chart", nil, "chart folder or packaged chart .tgz (repeatable)")
	f.StringVar(&opts.Binary, "binary", "", "sovereign binary to bundle (default: this one)")
	f.StringVar(&sovereignVersion, "sovereign-version", "", "version to record, when --binary is another build than this one (default: this one's)")
	f.StringVar(&passFile, "passphrase-file", "", "file holding the private key's passphrase")
	addOutputFlag(f.StringVarP, &output)
	_ = cmd.MarkFlagRequired("key")
	_ = cmd.MarkFlagRequired("out")
	return cmd
}

func newBundleVerifyCmd() *cobra.Command {
	var key, output string
	cmd := &cobra.Command{
		Use:   "verify --key KEY.pub PATH",
		Short: "Check a bundle's signature and every file's sha256",
		Long: `Checks the manifest's signature against KEY.pub, then the size and sha256
of every file, reading the bundle once. PATH is the bundle, or for a split
bundle its PATH.index.json or the PATH it was written to.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx, stop := signalContext(cmd)
			defer stop()
			pub, err := bundle.LoadPublicKey(key)
			if err != nil {
				return err
			}
			v, err := bundle.Verify(ctx, args[0], bundle.VerifyOptions{Key: pub, Progress: progressFor(cmd)})
			if err != nil {
				return fmt.Errorf("bundle %s refused: %w", args[0], err)
			}
			return printResult(cmd, output, v, func(w io.Writer) {
				m := v.Manifest
				fmt.Fprintf(w, "verified %s\n  Sovereign %s for %s, created %s\n  %d files, %s, every size and sha256 as signed\n  signed by %s\n",
					args[0], m.SovereignVersion, m.Platform, m.Created.Format(time.RFC3339), len(m.Files), bundle.FormatSize(m.TotalSize()), v.KeyFingerprint)
			})
		},
	}
	cmd.Flags().StringVar(&key, "key", "", "public key the bundle must be signed with (KEY.pub) (required)")
	addOutputFlag(cmd.Flags().StringVarP, &output)
	_ = cmd.MarkFlagRequired("key")
	return cmd
}

func newBundleInspectCmd() *cobra.Command {
	var output string
	var files bool
	cmd := &cobra.Command{
		Use:   "inspect PATH",
		Short: "Show a bundle's manifest, SBOM summary and artifacts (without verifying)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx, stop := signalContext(cmd)
			defer stop()
			in, err := bundle.Inspect(ctx, args[0], bundle.Limits{})
			if err != nil {
				return fmt.Errorf("bundle %s: %w", args[0], err)
			}
			a := in.Artifacts()
			if output == "json" {
				return printJSON(cmd, map[string]any{"inspection": in, "artifacts": a})
			}
			printInspection(cmd.OutOrStdout(), args[0], in, a, files)
			return nil
		},
	}
	cmd.Flags().BoolVar(&files, "files", false, "list every file with its size and sha256")
	addOutputFlag(cmd.Flags().StringVarP, &output)
	return cmd
}

func printInspection(out io.Writer, path string, in *bundle.Inspection, a bundle.Artifacts, files bool) {
	m := in.Manifest
	w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	parts := ""
	if in.Parts > 0 {
		parts = fmt.Sprintf(", %d parts", in.Parts)
	}
	fmt.Fprintf(w, "Bundle\t%s (%s%s)\n", path, bundle.FormatSize(in.BundleSize), parts)
	fmt.Fprintf(w, "Format\t%d\n", m.FormatVersion)
	fmt.Fprintf(w, "Sovereign\t%s for %s\n", m.SovereignVersion, m.Platform)
	fmt.Fprintf(w, "Created\t%s\n", m.Created.Format(time.RFC3339))
	fmt.Fprintf(w, "Manifest\tsha256:%s\n", in.ManifestSHA256)
	sig := "missing: this bundle cannot be installed"
	if in.Signed {
		sig = "present, not verified here (sovereign bundle verify --key KEY.pub " + path + ")"
	}
	fmt.Fprintf(w, "Signature\t%s\n", sig)
	fmt.Fprintf(w, "Files\t%d, %s\n", len(m.Files), bundle.FormatSize(m.TotalSize()))
	fmt.Fprintf(w, "Catalog\t%s, %d Blueprints\n", m.CatalogDigest, len(a.Blueprints))
	if in.SBOM != nil {
		fmt.Fprintf(w, "SBOM\t%s, %d packages: %s with %d Go modules\n", in.SBOM.SPDXVersion, len(in.SBOM.Packages), a.Binary, a.GoModules)
	}
	list := func(title string, items []string) {
		fmt.Fprintf(w, "%s\t%d\n", title, len(items))
		for _, it := range items {
			fmt.Fprintf(w, "\t%s\n", it)
		}
	}
	list("Images", a.Images)
	list("Charts", a.Charts)
	list("Blueprints", a.Blueprints)
	w.Flush()
	if files {
		fmt.Fprintln(out)
		w = tabwriter.NewWriter(out, 0, 4, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(w, "SIZE\tSHA256\tPATH\t")
		for _, f := range m.Files {
			fmt.Fprintf(w, "%d\t%s\t%s\t\n", f.Size, f.SHA256, f.Path)
		}
		w.Flush()
	}
}

// loadBundleCatalog returns the catalog to bundle and its digest, read and
// checked by the catalog reader: a catalog that would not load on the node
// never goes on a stick.
func loadBundleCatalog(dir string) (fs.FS, string, error) {
	if dir == "" {
		c, err := catalog.Default()
		if err != nil {
			return nil, "", err
		}
		return sovereignembed.Blueprints(), c.Digest(), nil
	}
	c, err := catalog.LoadDir(dir)
	if err != nil {
		return nil, "", fmt.Errorf("--catalog: %w", err)
	}
	return os.DirFS(dir), c.Digest(), nil
}

// sourceDateEpoch honours SOURCE_DATE_EPOCH, so a build pipeline can make
// the same bundle twice; otherwise the bundle is stamped now.
func sourceDateEpoch() time.Time {
	var secs int64
	if v := os.Getenv("SOURCE_DATE_EPOCH"); v != "" {
		if _, err := fmt.Sscan(v, &secs); err == nil && secs > 0 {
			return time.Unix(secs, 0).UTC()
		}
	}
	return time.Time{}
}

func passphraseSource(cmd *cobra.Command, file string) bundle.PassphraseSource {
	src := bundle.PassphraseSource{File: file, Prompter: cmd.ErrOrStderr()}
	if term.IsTerminal(int(os.Stdin.Fd())) {
		src.Terminal = os.Stdin
	}
	return src
}

// progressFor draws progress bars on a terminal and prints plain lines
// elsewhere, always on stderr so stdout stays the result.
func progressFor(cmd *cobra.Command) bundle.Progress {
	w := cmd.ErrOrStderr()
	f, ok := w.(*os.File)
	return bundle.NewProgress(w, ok && term.IsTerminal(int(f.Fd())))
}

func signalContext(cmd *cobra.Command) (context.Context, context.CancelFunc) {
	ctx := cmd.Context()
	if ctx == nil {
		ctx = context.Background()
	}
	return signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
}
