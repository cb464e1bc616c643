// Command rsscheck runs the bundle package's Create, Verify and Install
// alone, without the rest of the sovereign binary, so that
// scripts/bench-bundle.sh can tell their memory from the binary's start-up
// cost. It lives under testdata so that ./... patterns leave it out.
//
//	rsscheck create KEY OUT BINARY [OCI-LAYOUT...]
//	rsscheck verify KEY.pub BUNDLE
//	rsscheck install KEY.pub BUNDLE PREFIX
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/openova-io/sovereign/bundle"
	sovereignembed "github.com/openova-io/sovereign/embed"
)

func main() {
	ctx := context.Background()
	if len(os.Args) < 4 {
		exit(fmt.Errorf("usage: rsscheck create KEY OUT BINARY [OCI-LAYOUT...] | verify KEY.pub BUNDLE | install KEY.pub BUNDLE PREFIX"))
	}
	switch os.Args[1] {
	case "create":
		if len(os.Args) < 5 {
			exit(fmt.Errorf("usage: rsscheck create KEY OUT BINARY [OCI-LAYOUT...]"))
		}
		priv, err := bundle.LoadPrivateKey(os.Args[2], nil)
		exit(err)
		_, err = bundle.Create(ctx, bundle.CreateOptions{Out: os.Args[3], Key: priv, Binary: os.Args[4], Version: "1.0.0", Catalog: sovereignembed.Blueprints(), OCILayouts: os.Args[5:]})
		exit(err)
	case "verify":
		pub, err := bundle.LoadPublicKey(os.Args[2])
		exit(err)
		_, err = bundle.Verify(ctx, os.Args[3], bundle.VerifyOptions{Key: pub})
		exit(err)
	case "install":
		if len(os.Args) < 5 {
			exit(fmt.Errorf("usage: rsscheck install KEY.pub BUNDLE PREFIX"))
		}
		pub, err := bundle.LoadPublicKey(os.Args[2])
		exit(err)
		_, err = bundle.Install(ctx, bundle.InstallOptions{Key: pub, Bundle: os.Args[3], Prefix: os.Args[4]})
		exit(err)
	default:
		exit(fmt.Errorf("unknown command %q", os.Args[1]))
	}
}

func exit(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "rsscheck:", err)
		os.Exit(1)
	}
}
