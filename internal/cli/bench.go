package cli

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/zoomsight/zoomsight/internal/bench"
)

func newBenchCommand(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Measure zoomsight against the simulator",
		Args:  cobra.NoArgs,
	}
	cmd.AddCommand(newBenchSyncCommand(g))
	return cmd
}

func newBenchSyncCommand(g *globals) *cobra.Command {
	var (
		users    []int
		postgres string
		seed     int64
	)
	cmd := &cobra.Command{
		Use:   "sync",
		Short: "Measure a full sync of simulated Pro tenants with rate limits on",
		Long: `Sync simulated Pro tenants with their rate limits on and report, per
tenant size and store: the requests issued against the fewest possible, the
wall time against the floor the rate limits set (the simulator admits at
most N requests of a label in any second, so n requests of a label span
⌊(n−1)/N⌋ seconds at least; labels go side by side), the rows written per
second and the sync's peak RSS, and whether each goal is met (requests =
minimum, wall ≤ 1.1 × floor, peak RSS ≤ 150 MiB; no wall goal where the
limits do not bind).

The simulator and each sync run as child processes of this binary
(zoomsight sim, zoomsight sync), so the sync's memory is its own. SQLite
gets a file in a temporary directory; PostgreSQL, when a URL is given, a
schema of its own that is dropped afterwards.`,
		Example: `  zoomsight bench sync
  zoomsight bench sync --users 10000 --postgres postgres://localhost/test`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			for _, n := range users {
				if n < 1 || n > 1_000_000 {
					return fmt.Errorf("--users must be between 1 and 1000000, not %d", n)
				}
			}
			if !cmd.Flags().Changed("postgres") {
				postgres = g.getenv("ZOOMSIGHT_TEST_POSTGRES")
			}
			exe, err := os.Executable()
			if err != nil {
				return fmt.Errorf("finding the zoomsight binary to run: %w", err)
			}
			out := cmd.OutOrStdout()
			if postgres == "" {
				fmt.Fprintln(out, "postgres: skipped (set ZOOMSIGHT_TEST_POSTGRES or pass --postgres URL)")
			}
			results, err := bench.Run(cmd.Context(), bench.Config{Exe: exe, Users: users, Postgres: postgres, Seed: seed, Log: cmd.ErrOrStderr()})
			if len(results) > 0 {
				bench.WriteTable(out, results)
			}
			if err != nil {
				return err
			}
			failed := 0
			for _, r := range results {
				if r.Err != nil {
					failed++
				}
			}
			if failed > 0 {
				return fmt.Errorf("%d of %d benchmark runs failed", failed, len(results))
			}
			return nil
		},
	}
	fl := cmd.Flags()
	fl.IntSliceVar(&users, "users", []int{10_000, 100_000}, "tenant sizes, in users")
	fl.StringVar(&postgres, "postgres", "", "PostgreSQL URL to benchmark too (default $ZOOMSIGHT_TEST_POSTGRES; unset skips PostgreSQL)")
	fl.Int64Var(&seed, "seed", 1, "seed of the simulated tenants")
	return cmd
}
