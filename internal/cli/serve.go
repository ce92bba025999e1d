package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/zoomsight/zoomsight/internal/app"
	"github.com/zoomsight/zoomsight/internal/config"
	"github.com/zoomsight/zoomsight/internal/schedule"
	"github.com/zoomsight/zoomsight/internal/server"
	"github.com/zoomsight/zoomsight/internal/store"
)

func newServeCommand(g *globals) *cobra.Command {
	var file string
	var sched scheduleFlags
	flags := config.Default()
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run zoomsight as a service: scheduled syncs, the REST API and /metrics",
		Long: `Run zoomsight as a service: a worker that syncs every linked account on its
interval (zoomsight account add --interval; "disabled" syncs only when asked
through the API) and resumes an interrupted sync first, and an HTTP server
with the REST API under /api/v1 (its OpenAPI document at
/api/v1/openapi.json), /healthz, /readyz and Prometheus /metrics.

Every API request needs a token of an org (zoomsight token create) and sees
only the accounts linked to that org. SIGINT or SIGTERM stops it: a running
sync keeps its checkpoints and the next start resumes it.

Configuration comes from --config FILE (YAML: db, listen, log_format,
metrics_public, no_http, no_worker, workers, job_lease, public_url, alerts), then ZOOMSIGHT_* variables, then flags.
zoomsight config check FILE validates a file.

Syncs are River jobs in the database, one per account and part (identity
on the account's interval, activity daily, meetings and QoS on the interval
within their daily budget share): several serve processes on one
PostgreSQL share them, each runs --workers at once, and the jobs of a
process killed mid-sync are run by another after --job-lease. zoomsight
account set NAME --interval changes a running schedule. See docs/serve.md.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := serveConfig(cmd, g, file, flags, sched)
			if err != nil {
				return err
			}
			sc, err := sched.resolve(cfg)
			if err != nil {
				return err
			}
			return serve(cmd.Context(), g, cfg, sc, cmd.ErrOrStderr())
		},
	}
	f := cmd.Flags()
	f.StringVar(&file, "config", "", "a YAML configuration file (env ZOOMSIGHT_CONFIG)")
	f.StringVar(&flags.Listen, "listen", flags.Listen, "HTTP address (env ZOOMSIGHT_LISTEN)")
	f.StringVar(&flags.LogFormat, "log-format", flags.LogFormat, "auto (text on a terminal, JSON otherwise), text or json")
	f.BoolVar(&flags.MetricsPublic, "metrics-public", false, "serve /metrics without a token")
	f.BoolVar(&flags.NoHTTP, "no-http", false, "run only the worker")
	f.BoolVar(&flags.NoWorker, "no-worker", false, "run only the HTTP server")
	f.StringVar(&flags.PublicURL, "public-url", "", "the dashboard's address behind a TLS-terminating proxy, e.g. https://zoomsight.example.com: Secure cookies and the OAuth redirect URL (env ZOOMSIGHT_PUBLIC_URL)")
	sched.add(f)
	addWebhookRetention(f, &sched)
	return cmd
}

// serveConfig merges defaults, the file, the environment and the flags
// the user set, in that order.
func serveConfig(cmd *cobra.Command, g *globals, file string, flags config.Config, sched scheduleFlags) (config.Config, error) {
	cfg := config.Default()
	if file == "" {
		file = g.getenv("ZOOMSIGHT_CONFIG")
	}
	if file != "" {
		if err := cfg.LoadFile(file); err != nil {
			return cfg, err
		}
	}
	if err := cfg.Env(g.getenv); err != nil {
		return cfg, err
	}
	set := cmd.Flags().Changed
	if set("listen") {
		cfg.Listen = flags.Listen
	}
	if set("log-format") {
		cfg.LogFormat = flags.LogFormat
	}
	if set("metrics-public") {
		cfg.MetricsPublic = flags.MetricsPublic
	}
	if set("no-http") {
		cfg.NoHTTP = flags.NoHTTP
	}
	if set("no-worker") {
		cfg.NoWorker = flags.NoWorker
	}
	if set("workers") {
		cfg.Workers = sched.workers
	}
	if set("job-lease") {
		cfg.JobLease = sched.lease
	}
	if set("public-url") {
		cfg.PublicURL = flags.PublicURL
	}
	if g.db != "" {
		cfg.DB = g.db
	}
	return cfg, cfg.Validate()
}

// newLogger logs to w as text on a terminal and JSON elsewhere.
func newLogger(w io.Writer, format string) *slog.Logger {
	if format == "json" || (format == "auto" && !isTerminal(w)) {
		return slog.New(slog.NewJSONHandler(w, nil))
	}
	return slog.New(slog.NewTextHandler(w, nil))
}

func serve(ctx context.Context, g *globals, cfg config.Config, sc scheduleFlags, logw io.Writer) error {
	log := newLogger(logw, cfg.LogFormat)
	keepHooks, err := webhookRetention(sc)
	if err != nil {
		return err
	}
	if cfg.DB != "" {
		g.db = cfg.DB
	}
	// Listen before anything starts, so a port in use stops it at once.
	var ln net.Listener
	if !cfg.NoHTTP {
		var err error
		if ln, err = net.Listen("tcp", cfg.Listen); err != nil {
			return fmt.Errorf("cannot listen on %s: %w (another process uses it? pick one with --listen)", cfg.Listen, err)
		}
		defer ln.Close()
	}
	a, err := g.open(ctx)
	if err != nil {
		return err
	}
	defer a.Close()
	if a.Store.Driver() == "sqlite" && !cfg.NoWorker {
		release, err := claimSQLiteWorker(g.dbPath())
		if err != nil {
			return err
		}
		defer release()
	}
	if n, err := a.Store.CountAPITokens(ctx); err == nil && n == 0 && !cfg.NoHTTP {
		log.Warn(firstTokenHint(ctx, a.Store, g.dbPath()))
	}
	metrics := server.NewMetrics()
	sched, err := schedule.New(ctx, a.Store, schedule.Config{Tick: sc.tick, Workers: sc.workers, JobLease: sc.lease,
		NoWorker: cfg.NoWorker, Logger: slog.New(minLevel{log.Handler(), slog.LevelWarn}).With("component", "river")})
	if err != nil {
		return err
	}
	defer sched.Close()
	sched.Sync = func(ctx context.Context, acct *store.Account, part string) (*store.Run, error) {
		return a.SyncPart(ctx, acct, part, nil)
	}
	sched.Parts = a.SyncParts
	sched.Done = func(acct *store.Account, part string, run *store.Run, err error, took time.Duration) {
		metrics.ObserveSyncPart(acct.Name, part, run, err, took)
		logSync(log, acct, part, run, err, took)
	}
	sched.Busy = func(err error) bool { return errors.As(err, new(*app.BusyError)) }
	metrics.WatchQueue(sched.Stats)
	// Before the receiver takes new deliveries: one stored by a process
	// that died before applying it is applied now (docs/monitoring.md).
	recoverWebhooks(ctx, a, log)
	alerts, err := startAlerts(ctx, a, cfg, metrics, log)
	if err != nil {
		return err
	}
	ctx, stop := context.WithCancel(ctx)
	defer stop()
	done := make(chan error, 4)
	running := 1
	// The scheduler runs in both modes: with --no-worker it only queues
	// "sync now" for the workers of other processes.
	go func() { done <- sched.Run(ctx) }()
	if !cfg.NoWorker {
		running++
		go func() { done <- pruneDaily(ctx, a, app.PruneOptions{WebhookRetention: keepHooks}, log) }()
		running++
		go func() { done <- alerts.Run(ctx) }()
		log.Info("worker started: syncing linked accounts on their intervals, pruning old QoS data daily",
			"workers", sc.workers, "job_lease", sc.lease.String())
	}
	if !cfg.NoHTTP {
		publicURL, _ := config.ParsePublicURL(cfg.PublicURL) // checked by cfg.Validate
		opts := server.Options{MetricsPublic: cfg.MetricsPublic, Metrics: metrics, SyncNow: sched.SyncNow, Alerts: alerts, PublicURL: publicURL}
		srv := &http.Server{Handler: server.New(a, opts), ReadHeaderTimeout: 10 * time.Second,
			ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
		running++
		go func() {
			err := srv.Serve(ln)
			if errors.Is(err, http.ErrServerClosed) {
				err = nil
			}
			done <- err
		}()
		go func() {
			<-ctx.Done()
			sctx, cancel := contextWithTimeout(10 * time.Second)
			defer cancel()
			_ = srv.Shutdown(sctx)
		}()
		log.Info("serving", "url", "http://"+ln.Addr().String(), "api", "http://"+ln.Addr().String()+"/api/v1/openapi.json")
	}
	var first error
	for range running {
		if err := <-done; err != nil && first == nil {
			first = err
			stop()
		}
	}
	log.Info("stopped")
	return first
}

// pruneDaily prunes QoS data past its retention (zoomsight prune's
// defaults) and applied webhook deliveries past o.WebhookRetention at
// start and then once a day, until ctx ends.
func pruneDaily(ctx context.Context, a *app.App, o app.PruneOptions, log *slog.Logger) error {
	t := time.NewTicker(24 * time.Hour)
	defer t.Stop()
	for {
		res, err := a.Prune(ctx, o)
		switch {
		case ctx.Err() != nil:
			return nil
		case err != nil:
			log.Error("pruning QoS data failed; trying again tomorrow", "error", err.Error())
		default:
			log.Info("pruned QoS data", "raw_minutes", res.RawMinutes, "sessions", res.Sessions, "rollup_rows", res.Rollups)
		}
		n, err := a.PruneWebhooks(ctx, o)
		switch {
		case ctx.Err() != nil:
			return nil
		case err != nil:
			log.Error("pruning the webhook inbox failed; trying again tomorrow", "pruned", n, "error", err.Error())
		default:
			log.Info("pruned the webhook inbox", "deliveries", n, "retention", o.WebhookRetention.String())
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

func logSync(log *slog.Logger, acct *store.Account, part string, run *store.Run, err error, took time.Duration) {
	attrs := []any{"account", acct.Name, "part", part, "took", took.Round(time.Millisecond).String()}
	switch {
	case errors.Is(err, schedule.ErrSkipped):
		log.Info(err.Error(), attrs[:4]...)
	case errors.Is(err, schedule.ErrLease):
		log.Warn("sync stopped: "+err.Error(), attrs...)
	case errors.Is(err, context.Canceled):
		log.Info("sync interrupted; the next start resumes it", attrs...)
	case errors.As(err, new(*app.BusyError)):
		log.Info("sync skipped: "+err.Error()+"; trying again shortly", attrs...)
	case err != nil:
		log.Error("sync failed", append(attrs, "error", err.Error())...)
	case run.Status != store.RunOK:
		log.Warn("sync "+run.Status, append(attrs, "stale", strings.Join(run.Stale, "; "))...)
	default:
		log.Info("sync ok", append(attrs, "run", run.ID)...)
	}
}

func newConfigCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "config", Short: "Check serve's configuration file"}
	cmd.AddCommand(&cobra.Command{
		Use:   "check FILE",
		Short: "Validate a configuration file and name every bad line",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg := config.Default()
			if err := cfg.LoadFile(args[0]); err != nil {
				var fe *config.FileError
				if errors.As(err, &fe) {
					for _, p := range fe.Problems {
						fmt.Fprintf(cmd.ErrOrStderr(), "%s:%d: %s\n", fe.Path, p.Line, p.Msg)
					}
					return fmt.Errorf("%s: %d problems", args[0], len(fe.Problems))
				}
				return err
			}
			if err := cfg.Validate(); err != nil {
				return fmt.Errorf("%s: %w", args[0], err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s: ok\n", args[0])
			return nil
		},
	})
	return cmd
}

func newTokenCommand(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "token", Short: "Create, list and revoke API tokens for zoomsight serve"}
	var org, role, name string
	create := &cobra.Command{
		Use:   "create",
		Short: "Create an API token of an org; it is shown once",
		Long: `Create an API token of an org (created if new). A read token reads
everything of the org's accounts; an admin token may also ask for syncs.
The token is printed once on standard output; only its hash is stored.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			a, err := g.open(cmd.Context())
			if err != nil {
				return err
			}
			defer a.Close()
			tok, t, err := a.CreateAPIToken(cmd.Context(), org, name, role)
			if err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), tok)
			fmt.Fprintf(cmd.ErrOrStderr(), "created a %s token of org %s; it is shown once, store it now\n", t.Role, t.Org)
			return nil
		},
	}
	create.Flags().StringVar(&org, "org", "", "the org the token belongs to (required)")
	create.Flags().StringVar(&role, "role", store.RoleRead, "read or admin")
	create.Flags().StringVar(&name, "name", "", "what the token is for")
	var listOrg, format string
	list := &cobra.Command{
		Use:   "list",
		Short: "List API tokens (never the tokens themselves): id, org, name, role, created",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			w, err := newRowWriter(cmd.OutOrStdout(), format)
			if err != nil {
				return err
			}
			a, err := g.openExisting(cmd.Context())
			if err != nil {
				return err
			}
			defer a.Close()
			var id int64
			if listOrg != "" {
				o, err := resolveOrg(cmd.Context(), a.Store, listOrg)
				if err != nil {
					return err
				}
				id = o.ID
			}
			ts, err := a.Store.APITokens(cmd.Context(), id)
			if err != nil {
				return err
			}
			cols := []string{"id", "org", "name", "role", "created"}
			for _, t := range ts {
				if err := w.Row(cols, []any{t.ID, t.Org, t.Name, t.Role, t.CreatedAt.UTC().Format(time.RFC3339)}); err != nil {
					return err
				}
			}
			return w.Close()
		},
	}
	formatFlag(list, &format, "table", rowFormats, "")
	list.Flags().StringVar(&listOrg, "org", "", "only this org's tokens (default: every org's)")
	revoke := &cobra.Command{
		Use:   "revoke ID",
		Short: "Revoke an API token (by the id token list shows); the dashboard sessions it opened end with it",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := strconv.ParseInt(args[0], 10, 64)
			if err != nil || id < 1 {
				return fmt.Errorf("token revoke %q: give the token's id, a number that zoomsight token list shows", args[0])
			}
			a, err := g.openExisting(cmd.Context())
			if err != nil {
				return err
			}
			defer a.Close()
			if err := a.Store.DeleteAPIToken(cmd.Context(), id); err != nil {
				if errors.Is(err, store.ErrNotFound) {
					return fmt.Errorf("token revoke %d: no such token; zoomsight token list shows them", id)
				}
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "revoked token %d\n", id)
			return nil
		},
	}
	cmd.AddCommand(create, list, revoke)
	return cmd
}
