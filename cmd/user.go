package cmd

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"text/tabwriter"

	"github.com/openova-io/sovereign/app"
	"github.com/openova-io/sovereign/app/client"
	"github.com/openova-io/sovereign/app/identity"
	"github.com/spf13/cobra"
)

// `sovereign user ...` manages the people who may sign in, through a
// node's API.

func newUserCmd() *cobra.Command {
	return newAPIGroup("user", "Add, list and change the users who may sign in (talks to a node's API)",
		newUserAddCmd(), newUserListCmd(), newUserPasswdCmd(), newUserStatusCmd("disable", identity.StatusDisabled), newUserStatusCmd("enable", identity.StatusActive))
}

type userAnswer struct {
	User     app.UserView `json:"user"`
	Password string       `json:"password,omitempty"`
}

func newUserAddCmd() *cobra.Command {
	var name, role, password, output string
	cmd := &cobra.Command{
		Use:   "add EMAIL",
		Short: "Add a user; without --new-password one is generated and printed once",
		Args:  cobra.ExactArgs(1),
		RunE: client.Run(func(cmd *cobra.Command, c *client.Client, args []string) error {
			if password == "" {
				password = os.Getenv("SOVEREIGN_NEW_PASSWORD")
			}
			body := map[string]string{"email": args[0], "name": name, "role": role, "password": password}
			var out userAnswer
			if err := c.Do(cmd.Context(), http.MethodPost, "/api/v1/sovereign/users", body, &out); err != nil {
				return err
			}
			return printResult(cmd, output, out, func(w io.Writer) {
				fmt.Fprintf(w, "added %s (%s), id %s\n", out.User.Email, out.User.Role, out.User.ID)
				if out.Password != "" {
					fmt.Fprintf(w, "password (shown once): %s\n", out.Password)
				}
			})
		}),
	}
	cmd.Flags().StringVar(&name, "name", "", "the user's display name")
	cmd.Flags().StringVar(&role, "role", identity.RoleOrgViewer, "one of sovereign-admin, org-admin, org-developer, org-viewer, security-officer, billing-admin")
	cmd.Flags().StringVar(&password, "new-password", "", "the user's password, at least 12 characters (env SOVEREIGN_NEW_PASSWORD; default: generated)")
	addOutputFlag(cmd.Flags().StringVarP, &output)
	return cmd
}

// userListAnswer is GET /api/v1/sovereign/users.
type userListAnswer struct {
	Users []app.UserView `json:"users"`
}

func newUserListCmd() *cobra.Command {
	return newShowCmd("list", "List the users", "/api/v1/sovereign/users", func(w io.Writer, out userListAnswer) {
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "EMAIL\tNAME\tROLE\tSTATUS\tLAST SIGN-IN\tID")
		for _, u := range out.Users {
			last := u.LastSignInISO
			if last == "" {
				last = "never"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", u.Email, u.Name, u.Role, u.Status, last, u.ID)
		}
		tw.Flush()
	})
}

// findUser returns the user with email, or an error that says so.
func findUser(cmd *cobra.Command, c *client.Client, email string) (app.UserView, error) {
	var out userListAnswer
	if err := c.Do(cmd.Context(), http.MethodGet, "/api/v1/sovereign/users", nil, &out); err != nil {
		return app.UserView{}, err
	}
	want := identity.NormalizeEmail(email)
	for _, u := range out.Users {
		if u.Email == want {
			return u, nil
		}
	}
	return app.UserView{}, fmt.Errorf("no user with email %s; `sovereign user list` shows who there is", email)
}

func patchUser(cmd *cobra.Command, c *client.Client, email string, body map[string]string) (app.UserView, error) {
	u, err := findUser(cmd, c, email)
	if err != nil {
		return u, err
	}
	var out userAnswer
	err = c.Do(cmd.Context(), http.MethodPatch, "/api/v1/sovereign/users/"+url.PathEscape(u.ID), body, &out)
	return out.User, err
}

func newUserPasswdCmd() *cobra.Command {
	var password, output string
	cmd := &cobra.Command{
		Use:   "passwd EMAIL",
		Short: "Set a user's password and end their sessions; without --new-password one is generated and printed once",
		Args:  cobra.ExactArgs(1),
		RunE: client.Run(func(cmd *cobra.Command, c *client.Client, args []string) error {
			if password == "" {
				password = os.Getenv("SOVEREIGN_NEW_PASSWORD")
			}
			generated := password == ""
			if generated {
				var err error
				if password, err = identity.RandomPassword(24); err != nil {
					return err
				}
			}
			u, err := patchUser(cmd, c, args[0], map[string]string{"password": password})
			if err != nil {
				return err
			}
			out := userAnswer{User: u}
			if generated {
				out.Password = password
			}
			return printResult(cmd, output, out, func(w io.Writer) {
				fmt.Fprintf(w, "password of %s changed; their sessions have ended\n", u.Email)
				if generated {
					fmt.Fprintf(w, "new password (shown once): %s\n", password)
				}
			})
		}),
	}
	cmd.Flags().StringVar(&password, "new-password", "", "the new password, at least 12 characters (env SOVEREIGN_NEW_PASSWORD; default: generated)")
	addOutputFlag(cmd.Flags().StringVarP, &output)
	return cmd
}

func newUserStatusCmd(verb, status string) *cobra.Command {
	var output string
	short := "Disable a user: they can no longer sign in and their sessions end"
	if status == identity.StatusActive {
		short = "Enable a disabled user again"
	}
	cmd := &cobra.Command{
		Use:   verb + " EMAIL",
		Short: short,
		Args:  cobra.ExactArgs(1),
		RunE: client.Run(func(cmd *cobra.Command, c *client.Client, args []string) error {
			u, err := patchUser(cmd, c, args[0], map[string]string{"status": status})
			if err != nil {
				return err
			}
			return printResult(cmd, output, userAnswer{User: u}, func(w io.Writer) {
				fmt.Fprintf(w, "%s is now %s\n", u.Email, u.Status)
			})
		}),
	}
	addOutputFlag(cmd.Flags().StringVarP, &output)
	return cmd
}
