package cmd

import (
	"fmt"
	"io"
	"net/http"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/openova-io/sovereign/app"
	"github.com/openova-io/sovereign/app/client"
	"github.com/spf13/cobra"
)

// `sovereign audit list|verify` reads the audit trail through a node's
// API; verify checks its hash chain end to end.

func newAuditCmd() *cobra.Command {
	return newAPIGroup("audit", "Read and verify the audit trail (talks to a node's API)",
		newAuditListCmd(), newAuditVerifyCmd())
}

// readTrail pages through the whole trail.
func readTrail(cmd *cobra.Command, c *client.Client) ([]app.AuditEntry, app.AuditHead, error) {
	var all []app.AuditEntry
	var head app.AuditHead
	after := uint64(0)
	for {
		var page struct {
			Entries []app.AuditEntry `json:"entries"`
			Head    app.AuditHead    `json:"head"`
		}
		path := "/api/v1/sovereign/audit?after=" + strconv.FormatUint(after, 10)
		if err := c.Do(cmd.Context(), http.MethodGet, path, nil, &page); err != nil {
			return nil, head, err
		}
		head = page.Head
		all = append(all, page.Entries...)
		if len(page.Entries) == 0 {
			return all, head, nil
		}
		after = page.Entries[len(page.Entries)-1].Seq
		if after >= head.Seq {
			return all, head, nil
		}
	}
}

func newAuditListCmd() *cobra.Command {
	var output string
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List every audit entry, oldest first",
		Args:  cobra.NoArgs,
		RunE: client.Run(func(cmd *cobra.Command, c *client.Client, _ []string) error {
			entries, head, err := readTrail(cmd, c)
			if err != nil {
				return err
			}
			return printResult(cmd, output, map[string]any{"entries": entries, "head": head}, func(w io.Writer) {
				tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
				fmt.Fprintln(tw, "SEQ\tTIME\tACTOR\tACTION\tTARGET")
				for _, e := range entries {
					fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\n", e.Seq, e.Time.Format(time.RFC3339), e.Actor, e.Action, e.Target)
				}
				tw.Flush()
			})
		}),
	}
	addOutputFlag(cmd.Flags().StringVarP, &output)
	return cmd
}

func newAuditVerifyCmd() *cobra.Command {
	var output string
	cmd := &cobra.Command{
		Use:   "verify",
		Short: "Check that no audit entry was edited or removed (the hash chain, end to end)",
		Args:  cobra.NoArgs,
		RunE: client.Run(func(cmd *cobra.Command, c *client.Client, _ []string) error {
			entries, head, err := readTrail(cmd, c)
			if err != nil {
				return err
			}
			verr := app.VerifyAudit(entries, head)
			report := map[string]any{"ok": verr == nil, "entries": len(entries), "head": head}
			if verr != nil {
				report["error"] = verr.Error()
			}
			if err := printResult(cmd, output, report, func(w io.Writer) {
				if verr == nil {
					fmt.Fprintf(w, "audit trail intact: %d entries, head %s\n", len(entries), head.Hash)
				}
			}); err != nil {
				return err
			}
			if verr != nil {
				return fmt.Errorf("audit trail broken: %w; keep the state file and snapshots as evidence and tell the security officer", verr)
			}
			return nil
		}),
	}
	addOutputFlag(cmd.Flags().StringVarP, &output)
	return cmd
}
