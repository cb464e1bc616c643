package cmd

import (
	"fmt"
	"runtime"

	"github.com/spf13/cobra"
)

// `sovereign version` prints what the binary knows of its build.

func newVersionCmd(b Build) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version, commit, build date and Go version",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := fmt.Fprintf(cmd.OutOrStdout(), "sovereign %s\ncommit:     %s\nbuilt:      %s\ngo:         %s %s/%s\n",
				b.Version, b.Commit, b.Date, runtime.Version(), runtime.GOOS, runtime.GOARCH)
			return err
		},
	}
}
