// Package cli holds zoomsight's command-line interface: the cobra command
// tree, flag parsing and output. Commands stay thin; the work lives in the
// packages they call.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"
)

// Run executes the command line args and returns the process exit code.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return RunEnv(ctx, args, stdout, stderr, os.Getenv)
}

// RunEnv is Run with the environment read through getenv, for tests.
func RunEnv(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	root := NewRoot(stdout, stderr, getenv)
	root.SetArgs(args)
	if err := root.ExecuteContext(ctx); err != nil {
		if errors.Is(err, context.Canceled) {
			return 130
		}
		fmt.Fprintf(stderr, "zoomsight: %s\n", oneLine(err.Error()))
		return 1
	}
	return 0
}

// NewRoot returns the zoomsight command tree writing to stdout and stderr.
func NewRoot(stdout, stderr io.Writer, getenv func(string) string) *cobra.Command {
	g := &globals{getenv: getenv, stderr: stderr}
	root := &cobra.Command{
		Use:   "zoomsight",
		Short: "Keep a queryable model of your Zoom accounts and watch it",
		Long: `zoomsight links Zoom accounts and turns them into data people act on:
an identity graph, licence and activity insights, meeting quality by site,
and change monitoring.

Without a Zoom account, try it on a simulated one: zoomsight demo`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	withGlobals(root, g)
	root.AddCommand(newSimCommand(), newDemoCommand(g), newAccountCommand(g), newSyncCommand(g), newQueryCommand(g), newExportCommand(g))
	root.AddCommand(newBenchCommand(g))
	root.AddCommand(newRosterCommand(g))
	root.AddCommand(newNetworkCommand(g))
	root.AddCommand(newInsightsCommand(g))
	return root
}
