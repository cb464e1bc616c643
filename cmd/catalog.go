package cmd

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/openova-io/sovereign/embed/catalog"
)

// This file wires the catalog package to the command line: `sovereign
// catalog list|show|deps|validate`.

func newCatalogCmd() *cobra.Command {
	var dir string
	cmd := &cobra.Command{
		Use:   "catalog",
		Short: "Read the Blueprint catalog: list, show, dependencies, validate",
		Long: `The Blueprint catalog is compiled into the binary. list, show and deps read
it, or the folder of <name>/blueprint.yaml given with --catalog-dir (such as
OpenOva's platform/ folder). validate checks such a folder before it is
used or bundled.`,
	}
	cmd.PersistentFlags().StringVar(&dir, "catalog-dir", "", "folder of <name>/blueprint.yaml to read instead of the embedded catalog")
	open := func() (*catalog.Catalog, error) { return openCatalog(dir) }
	cmd.AddCommand(
		newCatalogListCmd(open),
		newCatalogShowCmd(open),
		newCatalogDepsCmd(open),
		newCatalogValidateCmd(),
	)
	return cmd
}

// openCatalog loads the embedded catalog, or dir when given.
func openCatalog(dir string) (*catalog.Catalog, error) {
	if dir == "" {
		return catalog.Default()
	}
	c, err := catalog.LoadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("--catalog-dir: %w\nfix the files ('sovereign catalog validate %s' shows warnings too), or leave out --catalog-dir to use the embedded catalog", err, dir)
	}
	return c, nil
}

// openBlueprint opens the catalog and finds name in it.
func openBlueprint(open func() (*catalog.Catalog, error), name string) (*catalog.Catalog, *catalog.Blueprint, error) {
	c, err := open()
	if err != nil {
		return nil, nil, err
	}
	bp, err := findBlueprint(c, name)
	return c, bp, err
}

// findBlueprint gets name from c with an error that says what to try next.
func findBlueprint(c *catalog.Catalog, name string) (*catalog.Blueprint, error) {
	bp, err := c.Get(name)
	if errors.Is(err, catalog.ErrNotFound) {
		if similar := c.Similar(name); len(similar) > 0 {
			return nil, fmt.Errorf("%w; did you mean %s?", err, strings.Join(similar, ", "))
		}
		return nil, fmt.Errorf("%w; run 'sovereign catalog list' for the names", err)
	}
	return bp, err
}

func newCatalogListCmd(open func() (*catalog.Catalog, error)) *cobra.Command {
	var output string
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List every Blueprint",
		Long: `Lists every Blueprint of the catalog. With -o json it prints what
GET /api/v1/sovereign/catalog answers, publish overrides aside.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := open()
			if err != nil {
				return err
			}
			return printResult(cmd, output, json.RawMessage(c.ListJSON(nil)), func(w io.Writer) {
				tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
				fmt.Fprintln(tw, "NAME\tVERSION\tCATEGORY\tVISIBILITY\tSYSTEM\tDEPENDS\tTITLE")
				for _, app := range c.Apps() {
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%s\n", app.ID, app.Version, app.Category,
						app.Visibility, yesNo(app.System), len(app.Depends), app.Title)
				}
				tw.Flush()
				fmt.Fprintf(w, "\n%d Blueprints from %s, digest %s\n", c.Len(), c.Source(), c.Digest())
			})
		},
	}
	addOutputFlag(cmd.Flags().StringVarP, &output)
	return cmd
}

func newCatalogShowCmd(open func() (*catalog.Catalog, error)) *cobra.Command {
	var output string
	cmd := &cobra.Command{
		Use:   "show NAME",
		Short: "Show one Blueprint: card, placement, settings and dependencies",
		Long: `Shows one Blueprint (NAME with or without bp-). With -o json it prints what
GET /api/v1/sovereign/catalog/{slug} answers.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, bp, err := openBlueprint(open, args[0])
			if err != nil {
				return err
			}
			detail, err := c.DetailJSON(bp.Name, nil)
			if err != nil {
				return err
			}
			app, _ := c.App(bp.Name)
			dependents, _ := c.Dependents(bp.Name)
			return printResult(cmd, output, json.RawMessage(detail), func(w io.Writer) {
				writeBlueprint(w, bp, app, dependents)
			})
		},
	}
	addOutputFlag(cmd.Flags().StringVarP, &output)
	return cmd
}

// writeBlueprint prints one Blueprint for people.
func writeBlueprint(w io.Writer, bp *catalog.Blueprint, app catalog.App, dependents []string) {
	fmt.Fprintf(w, "%s %s  %s\n  %s\n\n", bp.Name, app.Version, app.Title, app.Tagline)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	row := func(key, value string) {
		if value != "" {
			fmt.Fprintf(tw, "%s\t%s\n", key, value)
		}
	}
	row("Description", app.Description)
	row("Category", app.Category+" (family "+app.Family+")")
	row("Section", bp.Section())
	row("Visibility", fmt.Sprintf("%s, %s by default", app.Visibility, map[bool]string{true: "published", false: "not published"}[app.Published]))
	row("System", yesNo(app.System))
	row("Deployable", yesNo(app.Deployable))
	row("Docs", bp.Card.Docs)
	row("License", bp.Card.License)
	if p := bp.Placement; len(p.Modes) > 0 {
		row("Placement", strings.Join(p.Modes, ", ")+" (default "+p.Default+")")
	}
	for i, d := range bp.Depends {
		key := ""
		if i == 0 {
			key = "Depends on"
		}
		line := d.Name + " " + d.Range
		if d.Alias != "" {
			line += " as " + d.Alias
		}
		row(key, line)
	}
	row("Needed by", strings.Join(dependents, ", "))
	for i, s := range bp.Settings() {
		key := ""
		if i == 0 {
			key = "Settings"
		}
		line := s.Name + " (" + s.Type
		if s.Default != nil {
			line += fmt.Sprintf(", default %v", s.Default)
		}
		if s.Required {
			line += ", required"
		}
		row(key, line+")")
	}
	row("File", bp.File)
	tw.Flush()
}

func newCatalogDepsCmd(open func() (*catalog.Catalog, error)) *cobra.Command {
	var output string
	cmd := &cobra.Command{
		Use:   "deps NAME",
		Short: "Show what a Blueprint needs, in install order, and what needs it",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, bp, err := openBlueprint(open, args[0])
			if err != nil {
				return err
			}
			tree, _ := c.Tree(bp.Name)
			order, _ := c.InstallOrder(bp.Name)
			direct, _ := c.Dependents(bp.Name)
			all, _ := c.AllDependents(bp.Name)
			result := map[string]any{
				"name": bp.Name, "version": bp.Version.String(), "tree": tree,
				"install_order": order, "dependents": direct, "dependents_all": all,
			}
			return printResult(cmd, output, result, func(w io.Writer) {
				catalog.WriteTree(w, tree)
				fmt.Fprintf(w, "\nInstall order:\n")
				for i, name := range order {
					dep, _ := c.Get(name)
					fmt.Fprintf(w, "%3d. %s %s\n", i+1, name, dep.Version)
				}
				fmt.Fprintf(w, "\nNeeded directly by: %s\n", noneIfEmpty(direct))
				fmt.Fprintf(w, "Needed in all by:   %s\n", noneIfEmpty(all))
			})
		},
	}
	addOutputFlag(cmd.Flags().StringVarP, &output)
	return cmd
}

func newCatalogValidateCmd() *cobra.Command {
	var output string
	cmd := &cobra.Command{
		Use:   "validate DIR",
		Short: "Check a folder of <name>/blueprint.yaml: every file and every dependency",
		Long: `Reads every <name>/blueprint.yaml in DIR as a node would, resolves every
dependency, prints the warnings and the problems, and exits non-zero when
there is any problem.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			dir := args[0]
			c, err := catalog.LoadDir(dir)
			var lerr *catalog.LoadError
			if err != nil && !errors.As(err, &lerr) {
				return err // the folder itself is missing or unreadable
			}
			report := validateReport{Dir: dir, Valid: err == nil, Warnings: []catalog.Warning{}, Problems: []string{}}
			if c != nil {
				report.Blueprints, report.Digest, report.Warnings = c.Len(), c.Digest(), c.Warnings()
			} else {
				report.Warnings = append(report.Warnings, lerr.Warnings...)
				for _, p := range lerr.Problems {
					report.Problems = append(report.Problems, strings.Split(p.Error(), "\n")...)
				}
			}
			if perr := printResult(cmd, output, report, report.writeText(cmd.ErrOrStderr())); perr != nil {
				return perr
			}
			if !report.Valid {
				return fmt.Errorf("%s: %d %s; fix the files and run 'sovereign catalog validate %s' again",
					dir, len(report.Problems), plural(len(report.Problems), "problem"), dir)
			}
			return nil
		},
	}
	addOutputFlag(cmd.Flags().StringVarP, &output)
	return cmd
}

// validateReport is what validate prints.
type validateReport struct {
	Dir        string            `json:"dir"`
	Valid      bool              `json:"valid"`
	Blueprints int               `json:"blueprints"`
	Digest     string            `json:"digest,omitempty"`
	Warnings   []catalog.Warning `json:"warnings"`
	Problems   []string          `json:"problems"`
}

// writeText prints warnings and problems to stderr and the verdict to w.
func (r validateReport) writeText(stderr io.Writer) func(io.Writer) {
	return func(w io.Writer) {
		for _, warning := range r.Warnings {
			fmt.Fprintln(stderr, "warning:", warning)
		}
		for _, p := range r.Problems {
			fmt.Fprintln(stderr, p)
		}
		if r.Valid {
			fmt.Fprintf(w, "%s: %d Blueprints, every dependency resolves; digest %s\n", r.Dir, r.Blueprints, r.Digest)
		}
	}
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func noneIfEmpty(names []string) string {
	if len(names) == 0 {
		return "nothing"
	}
	return strings.Join(names, ", ")
}

func plural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}
