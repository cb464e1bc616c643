package cmd

import (
	"fmt"
	"io"
	"net/http"
	"net/url"

	"github.com/openova-io/sovereign/app/client"
	"github.com/spf13/cobra"
)

// The commands that talk to a node's API share their shapes here.

// newAPIGroup is a command group whose subcommands talk to a node's API:
// the group carries the flags that say which node and who asks.
func newAPIGroup(use, short string, subs ...*cobra.Command) *cobra.Command {
	cmd := &cobra.Command{Use: use, Short: short}
	client.BindFlags(cmd.PersistentFlags())
	cmd.AddCommand(subs...)
	return cmd
}

// newDeleteCmd is a command that deletes the one thing its argument names,
// at path+argument in a node's API, and says done.
func newDeleteCmd(use, short, path, done string) *cobra.Command {
	return &cobra.Command{
		Use:   use,
		Short: short,
		Args:  cobra.ExactArgs(1),
		RunE: client.Run(func(cmd *cobra.Command, c *client.Client, args []string) error {
			if err := c.Do(cmd.Context(), http.MethodDelete, path+url.PathEscape(args[0]), nil, nil); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s %s\n", done, args[0])
			return nil
		}),
	}
}

// newShowCmd is a command that reads path from a node's API into a T and
// prints it: as JSON with -o json, else as text for people.
func newShowCmd[T any](use, short, path string, text func(w io.Writer, out T)) *cobra.Command {
	var output string
	cmd := &cobra.Command{
		Use:   use,
		Short: short,
		Args:  cobra.NoArgs,
		RunE: client.Run(func(cmd *cobra.Command, c *client.Client, _ []string) error {
			var out T
			if err := c.Do(cmd.Context(), http.MethodGet, path, nil, &out); err != nil {
				return err
			}
			return printResult(cmd, output, out, func(w io.Writer) { text(w, out) })
		}),
	}
	addOutputFlag(cmd.Flags().StringVarP, &output)
	return cmd
}
