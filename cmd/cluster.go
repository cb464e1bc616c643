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

// `sovereign cluster status|remove|transfer-leader|certs|revoke-cert` see
// and change the members of a region's cluster, and the certificates its
// CA signed, through any member's API.

func newClusterCmd() *cobra.Command {
	return newAPIGroup("cluster", "See and change the members of this region's cluster (talks to a node's API)",
		newClusterStatusCmd(), newClusterRemoveCmd(), newClusterTransferCmd(), newClusterCertsCmd(), newClusterRevokeCertCmd())
}

type clusterStatusAnswer struct {
	Region  string                `json:"region"`
	Leader  string                `json:"leader"`
	Members []raftnode.PeerStatus `json:"members"`
}

func newClusterStatusCmd() *cobra.Command {
	return newShowCmd("status", "Show the leader and each member's role, last contact, applied and commit index", "/api/v1/cluster/status", func(w io.Writer, out clusterStatusAnswer) {
		fmt.Fprintf(w, "region %s, leader %s\n\n", out.Region, orNone(out.Leader))
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "NODE\tROLE\tSTATE\tRAFT ADDRESS\tLAST CONTACT\tAPPLIED\tCOMMIT")
		for _, m := range out.Members {
			role := "follower"
			if m.Leader {
				role = "leader"
			}
			if m.Suffrage != "Voter" {
				role = "non-voter"
			}
			state, applied, commit := "unreachable", "-", "-"
			if m.Status != nil {
				state, applied, commit = m.Status.State, fmt.Sprint(m.Status.AppliedIndex), fmt.Sprint(m.Status.CommitIndex)
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", m.ID, role, state, m.Address, ago(m.LastContact), applied, commit)
		}
		tw.Flush()
	})
}

func newClusterRemoveCmd() *cobra.Command {
	return newDeleteCmd("remove NODE", "Remove a member from the cluster; it stops and never elects itself",
		"/api/v1/cluster/members/", "removed")
}

type clusterCertsAnswer struct {
	Certificates []raftnode.IssuedCert `json:"certificates"`
}

func newClusterCertsCmd() *cobra.Command {
	return newShowCmd("certs", "List the certificates the cluster CA signed: serial, holder, how, and whether revoked", "/api/v1/cluster/certificates", func(w io.Writer, out clusterCertsAnswer) {
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "SERIAL\tHOLDER\tKIND\tISSUED\tVIA\tSTATE")
		for _, ct := range out.Certificates {
			state := "valid"
			if ct.Revoked {
				state = "revoked"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", ct.Serial, ct.Name, ct.Kind, ct.Issued.Format(time.RFC3339), ct.Via, state)
		}
		tw.Flush()
	})
}

func newClusterRevokeCertCmd() *cobra.Command {
	return newDeleteCmd("revoke-cert SERIAL", "Revoke one certificate by its serial (hex); every node refuses it and cuts its connections. A member's certificate is revoked by removing the member",
		"/api/v1/cluster/certificates/", "revoked certificate")
}

func newClusterTransferCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "transfer-leader [NODE]",
		Short: "Hand leadership to NODE, or to the most up-to-date voter",
		Args:  cobra.MaximumNArgs(1),
		RunE: client.Run(func(cmd *cobra.Command, c *client.Client, args []string) error {
			body := map[string]string{}
			if len(args) == 1 {
				body["node"] = args[0]
			}
			var out struct {
				Leader string `json:"leader"`
			}
			if err := c.Do(cmd.Context(), http.MethodPost, "/api/v1/cluster/leadership", body, &out); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "leader is now %s\n", orNone(out.Leader))
			return nil
		}),
	}
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

func ago(t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	d := time.Since(t).Round(100 * time.Millisecond)
	if d < time.Second {
		return "now"
	}
	return d.String() + " ago"
}
