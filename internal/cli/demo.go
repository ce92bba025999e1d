package cli

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/zoomsight/zoomsight/internal/app"
	"github.com/zoomsight/zoomsight/internal/secret"
	"github.com/zoomsight/zoomsight/zoom"
	"github.com/zoomsight/zoomsight/zoomsim"
)

// demoQueries are what the demo shows after a sync: the questions people
// ask first.
var demoQueries = []struct{ title, sql string }{
	{"Users by status and licence", "SELECT status, license, count(*) AS users FROM zoom_user GROUP BY status, license ORDER BY status, license"},
	{"Licensed users who never signed in", "SELECT email, dept, created_at FROM zoom_user WHERE license = 'licensed' AND status = 'active' AND last_login_time IS NULL ORDER BY email LIMIT 10"},
	{"Admins and owners", "SELECT email, role_name, status FROM zoom_user WHERE role_id IN ('0', '1') ORDER BY role_id, email LIMIT 10"},
	{"Largest groups", "SELECT g.name, count(*) AS members FROM zoom_group_member m JOIN zoom_group g ON g.account = m.account AND g.id = m.group_id GROUP BY g.name ORDER BY members DESC, g.name LIMIT 5"},
	{"Call quality by site (zoomsight insights qos says why)", "SELECT site, sum(participant_minutes) AS minutes, round(100.0 * sum(bad_minutes) / sum(participant_minutes), 1) AS bad_pct FROM qos_by_site GROUP BY site ORDER BY bad_pct DESC"},
}

func newDemoCommand(g *globals) *cobra.Command {
	var (
		once     bool
		users    int
		days     int
		seed     int64
		interval time.Duration
	)
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Try zoomsight on a simulated Zoom account: no setup, no Zoom account",
		Long: `Start the Zoom API simulator in-process, link its account, sync it into a
SQLite database (zoomsight-demo.db unless --db says otherwise), print a
summary and a few telling queries. Without --once it keeps running and
resyncs on an interval while the simulated tenant changes.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			out := cmd.OutOrStdout()
			g.meetings.Backfill = time.Duration(days) * 24 * time.Hour
			if g.db == "" && g.getenv("ZOOMSIGHT_DB") == "" {
				g.db = "zoomsight-demo.db"
			}
			sim, err := zoomsim.NewServer(zoomsim.Options{Seed: seed, Users: users, Plan: zoom.PlanBusiness, Days: days})
			if err != nil {
				return err
			}
			srv, _, err := sim.Start("127.0.0.1:0")
			if err != nil {
				return err
			}
			defer srv.Close()
			cred := sim.Credentials()[0]
			fmt.Fprintf(out, "simulator: %d users on a Business plan at %s\n", users, sim.APIURL)

			a, err := g.open(ctx)
			if err != nil {
				return err
			}
			defer a.Close()
			acct, err := a.AddS2S(ctx, app.LinkS2S{Name: "demo", AccountID: cred.AccountID, ClientID: cred.ClientID,
				ClientSecret: secret.String(cred.ClientSecret), APIURL: sim.APIURL, OAuthURL: sim.OAuthURL, Interval: interval})
			if err != nil {
				return err
			}
			a.SetLimits(acct, zoom.DefaultLimits(zoom.PlanBusiness))
			// The simulated offices, as the customer would describe them.
			if _, err := a.ImportNetwork(ctx, "simulated sites", sim.Tenant(cred.AccountID).NetworkFile()); err != nil {
				return err
			}
			fmt.Fprintf(out, "database: %s\n\n", g.dbPath())
			if _, err := syncOne(cmd, a, acct); err != nil {
				return err
			}
			for _, q := range demoQueries {
				if err := showQuery(ctx, out, a, q.title, q.sql); err != nil {
					return err
				}
			}
			fmt.Fprintf(out, "\nQuery it yourself:\n  go run ./cmd/zoomsight query --db %s \"SELECT email, status, license FROM zoom_user LIMIT 5\"\n", g.dbPath())
			if app.IsPostgres(g.dbPath()) {
				fmt.Fprintln(out, "  (on PostgreSQL, as a read-only role: docs/schema.md, \"A read-only role for queries\")")
			}
			if once {
				return nil
			}
			fmt.Fprintf(out, "\nResyncing every %s while the simulated tenant changes; Ctrl-C stops.\n", interval)
			t := time.NewTicker(interval)
			defer t.Stop()
			for i := 0; ; i++ {
				select {
				case <-ctx.Done():
					return nil
				case <-t.C:
				}
				if change := changeTenant(sim, cred.AccountID, i); change != "" {
					fmt.Fprintf(out, "\nsimulator: %s\n", change)
				}
				if _, err := syncOne(cmd, a, acct); err != nil && ctx.Err() == nil {
					fmt.Fprintf(cmd.ErrOrStderr(), "zoomsight: %v\n", err)
				}
			}
		},
	}
	f := cmd.Flags()
	f.BoolVar(&once, "once", false, "sync once, print, and exit")
	f.IntVar(&users, "users", 500, "users in the simulated account")
	f.IntVar(&days, "days", 5, "days of meetings to simulate and sync")
	f.Int64Var(&seed, "seed", 1, "seed of the simulated account")
	f.DurationVar(&interval, "interval", time.Minute, "resync interval")
	return cmd
}

// changeTenant makes one change in the simulated tenant, in turn, so that
// resyncs have something to find.
func changeTenant(sim *zoomsim.Server, acct string, i int) string {
	active := sim.Tenant(acct).UsersByStatus("active")
	if len(active) < 10 {
		return ""
	}
	u := active[(i*7+3)%len(active)]
	switch i % 3 {
	case 0:
		if _, err := sim.DeactivateUser(acct, u.ID); err == nil {
			return "deactivated " + u.Email
		}
	case 1:
		if _, err := sim.SetUserRole(acct, u.ID, "1"); err == nil {
			return "made " + u.Email + " an admin"
		}
	case 2:
		if err := sim.DeleteUser(acct, u.ID); err == nil {
			return "deleted " + u.Email
		}
	}
	return ""
}

func showQuery(ctx context.Context, out io.Writer, a *app.App, title, sql string) error {
	fmt.Fprintf(out, "\n%s\n", title)
	w, _ := newRowWriter(out, "table")
	if err := a.Store.Query(ctx, sql, w.Row); err != nil {
		return fmt.Errorf("demo query %q: %w", title, err)
	}
	return w.Close()
}
