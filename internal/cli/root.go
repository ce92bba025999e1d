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
	"strconv"

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
			// Ctrl-C: say what was cut short unless the command left it
			// at the bare cancellation.
			if err != context.Canceled {
				fmt.Fprintf(stderr, "zoomsight: %s\n", oneLine(err.Error()))
			}
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
an identity graph, licence and activity insights, and meeting quality by
site.

Without a Zoom account, try it on a simulated one: zoomsight demo`,
		Version:       buildVersion(version, commit, readBuildInfo()),
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetVersionTemplate("zoomsight {{.Version}}\n")
	root.SetOut(stdout)
	root.SetErr(stderr)
	withGlobals(root, g)
	root.AddCommand(newSimCommand(), newDemoCommand(g), newAccountCommand(g), newSyncCommand(g), newQueryCommand(g), newExportCommand(g))
	root.AddCommand(newBenchCommand(g))
	root.AddCommand(newRosterCommand(g))
	root.AddCommand(newNetworkCommand(g))
	root.AddCommand(newInsightsCommand(g))
	root.AddCommand(newSchemaCommand(g), newVersionCommand())
	root.AddCommand(newServeCommand(g), newTokenCommand(g), newConfigCommand())
	root.AddCommand(newPruneCommand(g))
	root.AddCommand(newChangesCommand(g))
	root.AddCommand(newOrgCommand(g))
	root.AddCommand(newUserCommand(g))
	root.AddCommand(newAlertsCommand(g))
	refuseUnknownSubcommands(root)
	// cobra's own help prints the root's help and exits 0 for a topic it
	// does not know.
	root.SetHelpCommand(&cobra.Command{
		Use:   "help [command]",
		Short: "Help about any command",
		RunE: func(_ *cobra.Command, args []string) error {
			cmd, rest, err := root.Find(args)
			if err != nil {
				return err
			}
			if len(rest) > 0 {
				return unknownSubcommand(cmd, rest[0])
			}
			return cmd.Help()
		},
	})
	return root
}

// refuseUnknownSubcommands makes every command group fail on a name it
// does not know, with a suggestion, as gh and kubectl do. Left alone,
// cobra checks only the root's arguments: "zoomsight account ls" would
// print account's help and exit 0, and a script would carry on.
func refuseUnknownSubcommands(cmd *cobra.Command) {
	if cmd.HasSubCommands() && cmd.Runnable() && cmd.Args != nil {
		// A group that runs on its own (sim): a refused argument was
		// likely meant as a subcommand.
		own := cmd.Args
		cmd.Args = func(cmd *cobra.Command, args []string) error {
			err := own(cmd, args)
			if err != nil && len(args) > 0 {
				return unknownSubcommand(cmd, args[0])
			}
			return err
		}
	}
	if cmd.HasSubCommands() && !cmd.Runnable() {
		cmd.Args = cobra.ArbitraryArgs
		cmd.RunE = func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return cmd.Help()
			}
			return unknownSubcommand(cmd, args[0])
		}
	}
	for _, c := range cmd.Commands() {
		refuseUnknownSubcommands(c)
	}
}

func unknownSubcommand(cmd *cobra.Command, name string) error {
	msg := fmt.Sprintf("unknown command %q for %q", name, cmd.CommandPath())
	if cmd.SuggestionsMinimumDistance <= 0 {
		cmd.SuggestionsMinimumDistance = 2 // cobra's default, which it sets only for the root
	}
	if s := cmd.SuggestionsFor(name); len(s) > 0 {
		q := make([]string, len(s))
		for i, o := range s {
			q[i] = strconv.Quote(o)
		}
		msg += "; did you mean " + orList(q) + "?"
	}
	return fmt.Errorf("%s (see %s --help)", msg, cmd.CommandPath())
}
