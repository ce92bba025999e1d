package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/zoomsight/zoomsight/internal/app"
	"github.com/zoomsight/zoomsight/internal/insight"
	"github.com/zoomsight/zoomsight/internal/secret"
	"github.com/zoomsight/zoomsight/internal/server"
	"github.com/zoomsight/zoomsight/internal/store"
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
		listen   string
		noDash   bool
	)
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Try zoomsight on a simulated Zoom account: no setup, no Zoom account",
		Long: `Start the Zoom API simulator in-process, link its account, import its
offices' network file and its HR roster, sync it into a SQLite database
(zoomsight-demo.db unless --db says otherwise), print a summary, a few
telling queries and the commands worth trying next. Without --once it keeps
running, changing the simulated tenant and resyncing on an interval, and
prints what each resync found changed; meanwhile it serves the web
dashboard on --listen (127.0.0.1:8080, or a free port if that one is in
use) and prints a sign-in token for it.`,
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
				ClientSecret: secret.String(cred.ClientSecret), APIURL: sim.APIURL, OAuthURL: sim.OAuthURL, Interval: interval, Org: "demo",
				// A demo database run again re-links the same simulated
				// account, on its new port.
				Replace: true})
			if err != nil {
				return err
			}
			a.SetLimits(acct, zoom.DefaultLimits(zoom.PlanBusiness))
			// The simulated offices, as the customer would describe them.
			demoOrg, err := a.Store.EnsureOrg(ctx, "demo")
			if err != nil {
				return err
			}
			if _, err := a.ImportNetwork(ctx, app.NetworkOptions{OrgID: demoOrg.ID, Thresholds: true}, "simulated sites", sim.Tenant(cred.AccountID).NetworkFile()); err != nil {
				return err
			}
			// And its HR system's roster, for insights roster.
			if err := importSimRoster(ctx, a, sim.Tenant(cred.AccountID)); err != nil {
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
			printNextCommands(out, selfName(), g.dbPath())
			if app.IsPostgres(g.dbPath()) {
				fmt.Fprintln(out, "  (query on PostgreSQL needs a read-only role: docs/schema.md, \"A read-only role for queries\")")
			}
			if once {
				return nil
			}
			before, err := demoCounts(ctx, a, acct)
			if err != nil {
				return err
			}
			// "Sync now" on the dashboard resyncs at once.
			asked := make(chan struct{}, 1)
			if !noDash {
				url, token, stop, err := startDemoDashboard(ctx, a, listen, func(string) bool {
					select {
					case asked <- struct{}{}:
					default:
					}
					return true
				})
				if err != nil {
					fmt.Fprintf(cmd.ErrOrStderr(), "zoomsight: the dashboard did not start: %v\n", err)
				} else {
					defer stop()
					fmt.Fprintf(out, "\nDashboard: %s\nSign in with this admin token of org demo (shown once; zoomsight token create makes more):\n  %s\n", url, token)
				}
			}
			fmt.Fprintf(out, "\nResyncing every %s while the simulated tenant changes; Ctrl-C stops.\n", interval)
			t := time.NewTicker(interval)
			defer t.Stop()
			for i := 0; ; i++ {
				select {
				case <-ctx.Done():
					return nil
				case <-t.C:
				case <-asked:
				}
				if change := changeTenant(sim, cred.AccountID, i); change != "" {
					fmt.Fprintf(out, "\nsimulator: %s\n", change)
				}
				start := time.Now()
				run, err := syncWithProgress(cmd, a, acct)
				if err != nil && ctx.Err() != nil {
					return nil
				}
				if err != nil {
					fmt.Fprintf(cmd.ErrOrStderr(), "zoomsight: %v\n", clarify(err))
				}
				if run == nil {
					continue
				}
				after, err := demoCounts(ctx, a, acct)
				if err != nil && ctx.Err() != nil {
					return nil // Ctrl-C
				}
				if err != nil {
					return err
				}
				printResync(out, run, time.Since(start), before, after)
				before = after
			}
		},
	}
	f := cmd.Flags()
	f.BoolVar(&once, "once", false, "sync once, print, and exit")
	f.IntVar(&users, "users", 500, "users in the simulated account")
	f.IntVar(&days, "days", 5, "days of meetings to simulate and sync")
	f.Int64Var(&seed, "seed", 1, "seed of the simulated account")
	f.DurationVar(&interval, "interval", time.Minute, "resync interval")
	f.StringVar(&listen, "listen", "127.0.0.1:8080", "address of the dashboard while the demo runs (a free port if this one is in use)")
	f.BoolVar(&noDash, "no-dashboard", false, "do not serve the dashboard")
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

// importSimRoster imports the simulated tenant's HR roster as roster
// import would read zoomsight sim roster's file.
func importSimRoster(ctx context.Context, a *app.App, t *zoomsim.Tenant) error {
	ro := t.Roster()
	var b bytes.Buffer
	if err := ro.WriteCSVHeader(&b, zoomsim.RosterFieldHeader); err != nil {
		return err
	}
	cfg := insight.DefaultConfig().Roster
	cfg.AliasDomains[ro.AliasDomain] = ro.Domain
	roster, err := insight.ParseRoster(ctx, &b, cfg, "simulated HR roster", time.Now())
	if err != nil {
		return fmt.Errorf("the simulated roster: %w", err)
	}
	// The demo's accounts are the demo org's: so is its roster.
	o, err := a.Store.EnsureOrg(ctx, "demo")
	if err != nil {
		return err
	}
	roster.OrgID = o.ID
	return a.Store.ReplaceRoster(ctx, roster)
}

// printNextCommands is what the demo suggests once the data is in.
func printNextCommands(w io.Writer, self, db string) {
	fmt.Fprintf(w, "\nNext, try (the export points them at this database):\n  export ZOOMSIGHT_DB=%s\n", shellQuote(db))
	for _, c := range [][3]string{
		{"insights licences", "", "licences and add-ons to reclaim, and the monthly saving"},
		{"insights roster", "", "leavers who still have Zoom, users with no employee"},
		{"insights qos", "", "sites and users with bad call quality, and why"},
		{"insights activity", "", "sign-ins, outdated clients, unusual client types"},
		{"export graph", "", "the identity graph as JupiterOne entities and relationships"},
		{"schema", "", "every view you can query, and its columns"},
		{"query", ` "SELECT email, status, license FROM zoom_user LIMIT 5"`, ""},
	} {
		line := fmt.Sprintf("  %s %s%s", self, c[0], c[1])
		if c[2] != "" {
			line = fmt.Sprintf("%-45s # %s", line, c[2])
		}
		fmt.Fprintln(w, line)
	}
	// Without --once the demo serves the dashboard itself; this is how to
	// look at the database afterwards. --no-worker: nothing else syncs it.
	fmt.Fprintf(w, "\nThe dashboard of this database once the demo has stopped (then open http://127.0.0.1:8080/ and sign in as admin):\n")
	fmt.Fprintf(w, "  %s user create admin --org demo      # type a password of 12 characters or more\n", self)
	fmt.Fprintf(w, "  %s serve --no-worker\n", self)
}

// startDemoDashboard serves the dashboard and the API of a on listen (or,
// when that address is in use, on a free port of 127.0.0.1) until stop,
// with a new admin token of org demo to sign in with.
func startDemoDashboard(ctx context.Context, a *app.App, listen string, syncNow func(string) bool) (url, token string, stop func(), err error) {
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		if ln, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
			return "", "", nil, err
		}
	}
	token, t, err := a.CreateAPIToken(ctx, "demo", demoTokenName, "admin")
	if err == nil {
		err = revokeOlderDemoTokens(ctx, a, t)
	}
	if err != nil {
		ln.Close()
		return "", "", nil, err
	}
	srv := &http.Server{Handler: server.New(a, server.Options{SyncNow: syncNow}), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }() // ends with Shutdown
	stop = func() {
		sctx, cancel := contextWithTimeout(5 * time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}
	return "http://" + ln.Addr().String() + "/", token, stop, nil
}

// demoTokenName names the token each demo run signs in with.
const demoTokenName = "demo dashboard"

// revokeOlderDemoTokens revokes the tokens earlier demo runs made, so
// that running the demo again leaves one sign-in token, not one per run.
func revokeOlderDemoTokens(ctx context.Context, a *app.App, keep *store.APIToken) error {
	ts, err := a.Store.APITokens(ctx, keep.OrgID)
	if err != nil {
		return err
	}
	for _, t := range ts {
		if t.Name == demoTokenName && t.ID != keep.ID {
			if err := a.Store.DeleteAPIToken(ctx, t.ID); err != nil && !errors.Is(err, store.ErrNotFound) {
				return err
			}
		}
	}
	return nil
}

// selfName is how to run this binary again: its name when installed,
// else the go run line the README starts with.
func selfName() string {
	exe, err := os.Executable()
	if err != nil || filepath.Base(exe) != "zoomsight" || strings.Contains(exe, "go-build") {
		return "go run ./cmd/zoomsight"
	}
	return "zoomsight"
}

// demoCounts are what a resync compares: users by status and licence, and
// by role, group memberships, groups and roles.
func demoCounts(ctx context.Context, a *app.App, acct *store.Account) (map[string]int64, error) {
	counts := map[string]int64{}
	uc, err := a.Store.UserCounts(ctx, acct.ID)
	if err != nil {
		return nil, err
	}
	for _, c := range uc {
		counts["users "+c.Status+" "+licenseName(c.Type)] += int64(c.Users)
	}
	name := "'" + strings.ReplaceAll(acct.Name, "'", "''") + "'"
	q := `SELECT 'groups', count(*) FROM zoom_group WHERE account = ` + name + `
		UNION ALL SELECT 'roles', count(*) FROM zoom_role WHERE account = ` + name + `
		UNION ALL SELECT 'group memberships', count(*) FROM zoom_group_member WHERE account = ` + name + `
		UNION ALL SELECT 'users with role ' || role_name, count(*) FROM zoom_user WHERE account = ` + name + ` AND role_name IS NOT NULL GROUP BY role_name`
	err = a.Store.Query(ctx, q, func(_ []string, row []any) error {
		k, _ := row[0].(string)
		n, _ := row[1].(int64)
		counts[k] = n
		return nil
	})
	return counts, err
}

// printResync says what a resync found changed, rather than the whole
// summary again.
func printResync(w io.Writer, run *store.Run, took time.Duration, before, after map[string]int64) {
	keys := map[string]bool{}
	for k := range before {
		keys[k] = true
	}
	for k := range after {
		keys[k] = true
	}
	var changed []string
	for _, k := range sortedKeys(keys) {
		if before[k] != after[k] {
			changed = append(changed, fmt.Sprintf("  %-32s %d → %d", k, before[k], after[k]))
		}
	}
	fmt.Fprintf(w, "resync %s in %s: ", run.Status, took.Round(time.Millisecond))
	if len(changed) == 0 {
		fmt.Fprintln(w, "no change")
	} else {
		fmt.Fprintln(w, "changed")
		fmt.Fprintln(w, strings.Join(changed, "\n"))
	}
	for _, s := range run.Stale {
		fmt.Fprintf(w, "  stale (earlier data kept): %s\n", s)
	}
}
