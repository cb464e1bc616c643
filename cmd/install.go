package cmd

import (
	"fmt"
	"io"

	"github.com/openova-io/sovereign/bundle"
	"github.com/spf13/cobra"
)

// `sovereign install` installs a node from a signed bundle, with no network
// (package bundle).

func newInstallCmd() *cobra.Command {
	var opts bundle.InstallOptions
	var key, output string
	cmd := &cobra.Command{
		Use:   "install --bundle PATH --key KEY.pub",
		Short: "Install a node from a signed bundle, with no network",
		Long: `Verifies the bundle (signature against KEY.pub first, then every file's
sha256) while extracting it into a staging folder, and only then moves into
place: PREFIX/usr/local/bin/sovereign, PREFIX/etc/sovereign/config.yaml,
PREFIX/etc/systemd/system/sovereign.service and PREFIX/var/lib/sovereign
(mode 0700) with the bundle's OCI layout and catalog; with --registry, also
k3s's registries.yaml pointing at the node's registry. Installing the same
bundle again changes nothing; a newer one upgrades and keeps the data; an
older one is refused unless --force. With --prefix it runs without root.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, stop := signalContext(cmd)
			defer stop()
			pub, err := bundle.LoadPublicKey(key)
			if err != nil {
				return err
			}
			opts.Key = pub
			opts.Progress = progressFor(cmd)
			res, err := bundle.Install(ctx, opts)
			if err != nil {
				return fmt.Errorf("install from %s refused: %w", opts.Bundle, err)
			}
			return printResult(cmd, output, res, func(w io.Writer) { printInstall(w, res) })
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.Bundle, "bundle", "", "the bundle, or a split bundle's PATH.index.json (required)")
	f.StringVar(&key, "key", "", "public key the bundle must be signed with (KEY.pub) (required)")
	f.StringVar(&opts.Prefix, "prefix", "/", "install under this folder instead of /")
	f.StringVar(&opts.Region, "region", "", "region code written to the config (such as hz-fsn)")
	f.StringVar(&opts.FQDN, "fqdn", "", "the Sovereign's domain name written to the config")
	f.StringVar(&opts.HTTP, "http", "", "HTTP listen address written to the config (default "+bundle.DefaultHTTP+" on a first install)")
	f.StringVar(&opts.Registry, "registry", "", "registry listen address written to the config (such as :5443); also writes PREFIX/"+bundle.K3sRegistriesFile+" mirroring the bundle's upstream registries to it")
	f.BoolVar(&opts.Force, "force", false, "allow a downgrade, a bundle for another platform, or a change of region")
	addOutputFlag(f.StringVarP, &output)
	_ = cmd.MarkFlagRequired("bundle")
	_ = cmd.MarkFlagRequired("key")
	return cmd
}

func printInstall(w io.Writer, res *bundle.InstallResult) {
	m, l := res.Verified.Manifest, res.Layout
	if len(res.Changed) == 0 {
		fmt.Fprintf(w, "Sovereign %s is installed in %s exactly as the bundle has it: nothing changed\n", m.SovereignVersion, l.Prefix)
		return
	}
	switch {
	case res.Previous == "":
		fmt.Fprintf(w, "installed Sovereign %s into %s\n", m.SovereignVersion, l.Prefix)
	case res.Previous == m.SovereignVersion:
		fmt.Fprintf(w, "reinstalled Sovereign %s into %s\n", m.SovereignVersion, l.Prefix)
	default:
		fmt.Fprintf(w, "upgraded Sovereign %s to %s in %s (data kept)\n", res.Previous, m.SovereignVersion, l.Prefix)
	}
	for _, p := range res.Changed {
		fmt.Fprintf(w, "  wrote %s\n", p)
	}
	if l.Prefix == "/" {
		fmt.Fprintln(w, "next: systemctl daemon-reload && systemctl enable --now sovereign (or systemctl restart sovereign after an upgrade)")
	} else {
		fmt.Fprintf(w, "next: %s serve --config %s\n", l.Binary, l.ConfigFile)
	}
}
