// Package cli holds zoomsight's command-line interface: the cobra command
// tree, flag parsing and output. Commands stay thin; the work lives in the
// packages they call.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"
)

// Run executes the command line args and returns the process exit code.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	root := NewRoot(stdout, stderr)
	root.SetArgs(args)
	if err := root.ExecuteContext(ctx); err != nil {
		if errors.Is(err, context.Canceled) {
			return 130
		}
		fmt.Fprintf(stderr, "zoomsight: %v\n", err)
		return 1
	}
	return 0
}

// NewRoot returns the zoomsight command tree writing to stdout and stderr.
func NewRoot(stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:   "zoomsight",
		Short: "Keep a queryable model of your Zoom accounts and watch it",
		Long: `zoomsight links Zoom accounts and turns them into data people act on:
an identity graph, licence and activity insights, meeting quality by site,
and change monitoring.

Without a Zoom account, start the simulator: zoomsight sim`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.AddCommand(newSimCommand())
	return root
}
