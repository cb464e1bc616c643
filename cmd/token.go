package cmd

import (
	"fmt"
	"io"
	"net/http"
	"text/tabwriter"
	"time"

	"github.com/openova-io/sovereign/app/client"
	"github.com/openova-io/sovereign/raftnode"
	"github.com/spf13/cobra"
)

// `sovereign token create|list|revoke` manage the tokens new nodes join a
// region's cluster with, through any member's API.

func newTokenCmd() *cobra.Command {
	return newAPIGroup("token", "Create, list and revoke the tokens new nodes join with (talks to a node's API)",
		newTokenCreateCmd(), newTokenListCmd(), newTokenRevokeCmd())
}

func newTokenCreateCmd() *cobra.Command {
	var ttl time.Duration
	var description, output string
	cmd := &cobra.Command{
		Use:   "create",
		Short: "Create a join token; it is shown once",
		Args:  cobra.NoArgs,
		RunE: client.Run(func(cmd *cobra.Command, c *client.Client, _ []string) error {
			body := map[string]string{"description": description}
			if ttl > 0 {
				body["ttl"] = ttl.String()
			}
			var out struct {
				Token   string    `json:"token"`
				ID      string    `json:"id"`
				Expires time.Time `json:"expires"`
			}
			if err := c.Do(cmd.Context(), http.MethodPost, "/api/v1/cluster/tokens", body, &out); err != nil {
				return err
			}
			return printResult(cmd, output, out, func(w io.Writer) {
				fmt.Fprintln(w, out.Token)
				exp := "never expires"
				if !out.Expires.IsZero() {
					exp = "expires " + out.Expires.Format(time.RFC3339)
				}
				fmt.Fprintf(cmd.ErrOrStderr(), "token %s (%s); on the new node: sovereign serve --join %s --token <token>\n", out.ID, exp, c.Server())
			})
		}),
	}
	cmd.Flags().DurationVar(&ttl, "ttl", raftnode.DefaultTokenTTL, "how long the token is valid, at most 168h (7 days)")
	cmd.Flags().StringVar(&description, "description", "", "what the token is for")
	addOutputFlag(cmd.Flags().StringVarP, &output)
	return cmd
}

type tokenListAnswer struct {
	Tokens []raftnode.Token `json:"tokens"`
}

func newTokenListCmd() *cobra.Command {
	return newShowCmd("list", "List join tokens (never their secrets)", "/api/v1/cluster/tokens", func(w io.Writer, out tokenListAnswer) {
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tCREATED\tEXPIRES\tDESCRIPTION")
		for _, t := range out.Tokens {
			exp := "never"
			if !t.Expires.IsZero() {
				exp = t.Expires.Format(time.RFC3339)
				if time.Now().After(t.Expires) {
					exp += " (expired)"
				}
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", t.ID, t.Created.Format(time.RFC3339), exp, t.Description)
		}
		tw.Flush()
	})
}

func newTokenRevokeCmd() *cobra.Command {
	return newDeleteCmd("revoke ID", "Revoke a join token; nodes that joined with it stay",
		"/api/v1/cluster/tokens/", "revoked")
}
