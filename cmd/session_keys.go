package cmd

import (
	"fmt"
	"io"
	"net/http"
	"text/tabwriter"
	"time"

	"github.com/openova-io/sovereign/app"
	"github.com/openova-io/sovereign/app/client"
	"github.com/spf13/cobra"
)

// `sovereign keys rotate` replaces the key that signs sessions;
// --revoke-all also ends every session at once. The command
// keeps its name; what it rotates is the session signing key, nothing else.

func newSessionKeysCmd() *cobra.Command {
	return newAPIGroup("keys", "Manage the keys that sign sessions (talks to a node's API)",
		newSessionKeysRotateCmd())
}

func newSessionKeysRotateCmd() *cobra.Command {
	var output string
	var revokeAll bool
	cmd := &cobra.Command{
		Use:   "rotate",
		Short: "Sign new sessions with a new key; sessions signed by the old ones stay valid until they expire, unless --revoke-all",
		Args:  cobra.NoArgs,
		RunE: client.Run(func(cmd *cobra.Command, c *client.Client, _ []string) error {
			var out struct {
				Current    string        `json:"current"`
				Keys       []app.KeyInfo `json:"keys"`
				RevokedAll bool          `json:"revokedAll"`
			}
			var body any
			if revokeAll {
				body = map[string]bool{"revokeAll": true}
			}
			if err := c.Do(cmd.Context(), http.MethodPost, "/api/v1/sovereign/keys/rotate", body, &out); err != nil {
				return err
			}
			return printResult(cmd, output, out, func(w io.Writer) {
				fmt.Fprintf(w, "new sessions are signed by %s\n", out.Current)
				if out.RevokedAll {
					fmt.Fprintln(w, "every earlier session has ended, this one included: sign in again")
				}
				fmt.Fprintln(w)
				tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
				fmt.Fprintln(tw, "KEY\tCREATED\tRETIRED")
				for _, k := range out.Keys {
					retired := "-"
					if k.Retired != nil {
						retired = k.Retired.Format(time.RFC3339)
					}
					fmt.Fprintf(tw, "%s\t%s\t%s\n", k.Kid, k.Created.Format(time.RFC3339), retired)
				}
				tw.Flush()
			})
		}),
	}
	addOutputFlag(cmd.Flags().StringVarP, &output)
	cmd.Flags().BoolVar(&revokeAll, "revoke-all", false, "also end every session now (the old keys stop verifying at once); for a leaked key or token")
	return cmd
}
