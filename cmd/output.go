package cmd

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/spf13/cobra"
)

// Output of the commands: text for people by default, JSON for scripts
// with -o json.

// addOutputFlag adds -o/--output through fn (a FlagSet's StringVarP).
func addOutputFlag(fn func(*string, string, string, string, string), output *string) {
	fn(output, "output", "o", "", "output format: empty for people, json for scripts")
}

// printResult prints v as JSON with -o json, or as text for people.
func printResult(cmd *cobra.Command, output string, v any, text func(io.Writer)) error {
	switch output {
	case "":
		text(cmd.OutOrStdout())
		return nil
	case "json":
		return printJSON(cmd, v)
	}
	return fmt.Errorf("-o %s: unknown output format; use json, or leave it out", output)
}

func printJSON(cmd *cobra.Command, v any) error {
	enc := json.NewEncoder(cmd.OutOrStdout())
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}
