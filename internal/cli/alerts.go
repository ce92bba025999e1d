package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/zoomsight/zoomsight/internal/alert"
	"github.com/zoomsight/zoomsight/internal/app"
	"github.com/zoomsight/zoomsight/internal/config"
	"github.com/zoomsight/zoomsight/internal/server"
	"github.com/zoomsight/zoomsight/internal/store"
)

func newAlertsCommand(g *globals) *cobra.Command {
	var file string
	cmd := &cobra.Command{
		Use:   "alerts",
		Short: "Alerts: list them, test a rule, silence them",
		Long: `Alert rules are SQL over the documented views and zoom_change; each row a
rule returns is an alert, pending until it has lasted the rule's "for", then
firing, and resolved when the row is gone. zoomsight serve evaluates them
after every sync, every webhook batch and every minute, and sends each state
change once to the notifiers of its configuration file (webhook, Slack,
e-mail) through an outbox in the database. See docs/monitoring.md.

Rules and notifiers come from the alerts section of --config FILE (env
ZOOMSIGHT_CONFIG) and from the REST API; the built-in pack is always there
unless turned off.`,
	}
	cmd.PersistentFlags().StringVar(&file, "config", "", "serve's configuration file, for its alerts section (env ZOOMSIGHT_CONFIG)")
	withService := func(ctx context.Context, fn func(*app.App, *alert.Service) error) error {
		cfg, err := alertsConfig(g, file)
		if err != nil {
			return err
		}
		a, err := g.openExisting(ctx)
		if err != nil {
			return err
		}
		defer a.Close()
		svc, err := alert.New(a.Store, cfg)
		if err != nil {
			return err
		}
		return fn(a, svc)
	}

	var listFormat, state string
	var all bool
	list := &cobra.Command{
		Use:   "list",
		Short: "List pending and firing alerts, and notifiers or rules that fail",
		Long: `List the alerts (pending and firing; --all adds resolved ones) as serve last
evaluated them. Notifiers whose notifications wait in the outbox after a
failure (a bad URL, failing TLS, a refused login) and rules that fail to
evaluate are reported on standard error, one line each.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if state != "" && !slices.Contains([]string{store.AlertPending, store.AlertFiring, store.AlertResolved}, state) {
				return fmt.Errorf("--state %q: want pending, firing or resolved", state)
			}
			w, err := newRowWriter(cmd.OutOrStdout(), listFormat)
			if err != nil {
				return err
			}
			return withService(cmd.Context(), func(a *app.App, svc *alert.Service) error {
				ctx := cmd.Context()
				alerts, err := a.Store.Alerts(ctx)
				if err != nil {
					return err
				}
				now := time.Now()
				silences, err := a.Store.Silences(ctx, now)
				if err != nil {
					return err
				}
				cols := []string{"state", "rule", "severity", "account", "since", "silenced_by", "summary", "labels", "fingerprint"}
				for _, al := range alerts {
					if (state != "" && al.State != state) || (state == "" && !all && al.State == store.AlertResolved) {
						continue
					}
					since := al.ActiveAt
					switch al.State {
					case store.AlertFiring:
						since = al.FiredAt
					case store.AlertResolved:
						since = al.ResolvedAt
					}
					var silenced any
					if s := alert.Silenced(silences, al.Labels, now); s != nil && al.State != store.AlertResolved {
						silenced = s.ID
					}
					if err := w.Row(cols, []any{al.State, al.Rule, al.Severity, al.Labels["account"], since, silenced,
						al.Annotations["summary"], labelText(al.Labels), al.Fingerprint}); err != nil {
						return err
					}
				}
				if err := w.Close(); err != nil {
					return err
				}
				return reportProblems(ctx, a, svc, cmd.ErrOrStderr())
			})
		},
	}
	formatFlag(list, &listFormat, "table", rowFormats, "")
	list.Flags().StringVar(&state, "state", "", "only alerts in this state: pending, firing or resolved")
	list.Flags().BoolVar(&all, "all", false, "also resolved alerts")

	var testFormat string
	test := &cobra.Command{
		Use:   "test RULE",
		Short: "Evaluate one rule now and print what it would fire",
		Long: `Evaluate one rule (built in, configured or stored through the API) against the
database now, changing nothing, and print each alert it would raise: "fire",
or "pending" when the rule has a "for", and the alert's state today. A rule
that cannot run fails with its name and the database's message.`,
		Example: "  zoomsight alerts test new_owner_or_admin\n  zoomsight alerts test licensed_inactive -o csv",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			w, err := newRowWriter(cmd.OutOrStdout(), testFormat)
			if err != nil {
				return err
			}
			return withService(cmd.Context(), func(a *app.App, svc *alert.Service) error {
				rule, cands, err := svc.Engine.Test(cmd.Context(), args[0])
				if err != nil {
					return err
				}
				existing, err := a.Store.Alerts(cmd.Context())
				if err != nil {
					return err
				}
				now := map[string]string{}
				for _, al := range existing {
					now[al.Fingerprint] = al.State
				}
				cols := []string{"would", "now", "severity", "summary", "labels", "annotations", "fingerprint"}
				for _, c := range cands {
					cur := now[c.Fingerprint]
					if cur == "" || cur == store.AlertResolved {
						cur = "new"
					}
					would := "fire"
					switch {
					case cur == store.AlertFiring:
						would = "keep firing"
					case rule.For > 0:
						would = "pending " + rule.For.String() // firing once it has lasted that long
					}
					ann := maps.Clone(c.Annotations)
					delete(ann, "summary")
					if err := w.Row(cols, []any{would, cur, rule.Severity, c.Annotations["summary"], labelText(c.Labels), labelText(ann), c.Fingerprint}); err != nil {
						return err
					}
				}
				if err := w.Close(); err != nil {
					return err
				}
				fmt.Fprintf(cmd.ErrOrStderr(), "rule %s (%s): %d alerts\n", rule.Name, rule.Source, len(cands))
				return nil
			})
		},
	}
	formatFlag(test, &testFormat, "table", rowFormats, "")

	var matchers []string
	var dur time.Duration
	var comment string
	silence := &cobra.Command{
		Use:   "silence --match LABEL=VALUE… --for DURATION",
		Short: "Silence alerts whose labels match, for a while; list or expire silences",
		Long: `Silence the alerts whose labels match every --match (label=value, label!=value,
label=~regexp, label!~regexp; regular expressions match the whole value) for
--for. A silenced alert is not notified; when the silence ends, an alert
still firing is notified then. Alertmanager's semantics.`,
		Example: `  zoomsight alerts silence --match alertname=licensed_inactive --match account=acme --for 72h --comment "licence review"
  zoomsight alerts silence list
  zoomsight alerts silence expire 3`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ms, err := alert.ParseMatchers(matchers)
			if err != nil {
				return err
			}
			if len(ms) == 0 {
				return errors.New("give at least one --match, such as --match alertname=licensed_inactive")
			}
			if dur <= 0 {
				return errors.New("--for: give how long the silence lasts, such as --for 2h")
			}
			return withService(cmd.Context(), func(a *app.App, _ *alert.Service) error {
				now := time.Now().UTC()
				s := &store.Silence{Matchers: ms, Comment: comment, CreatedBy: "cli", StartsAt: now, EndsAt: now.Add(dur)}
				if err := a.Store.CreateSilence(cmd.Context(), s); err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "silence %d until %s\n", s.ID, s.EndsAt.Format(time.RFC3339))
				return nil
			})
		},
	}
	silence.Flags().StringArrayVar(&matchers, "match", nil, "a label matcher: label=value, label!=value, label=~regexp, label!~regexp")
	silence.Flags().DurationVar(&dur, "for", 0, "how long it lasts, e.g. 2h")
	silence.Flags().StringVar(&comment, "comment", "", "why")
	var silFormat string
	var expired bool
	silList := &cobra.Command{
		Use:   "list",
		Short: "List active silences (--expired: all)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			w, err := newRowWriter(cmd.OutOrStdout(), silFormat)
			if err != nil {
				return err
			}
			return withService(cmd.Context(), func(a *app.App, _ *alert.Service) error {
				since := time.Now()
				if expired {
					since = time.Time{}
				}
				ss, err := a.Store.Silences(cmd.Context(), since)
				if err != nil {
					return err
				}
				cols := []string{"id", "matchers", "starts_at", "ends_at", "created_by", "comment"}
				for _, s := range ss {
					parts := make([]string, len(s.Matchers))
					for i, m := range s.Matchers {
						parts[i] = m.Name + m.Op + m.Value
					}
					if err := w.Row(cols, []any{s.ID, strings.Join(parts, " "), s.StartsAt, s.EndsAt, s.CreatedBy, s.Comment}); err != nil {
						return err
					}
				}
				return w.Close()
			})
		},
	}
	formatFlag(silList, &silFormat, "table", rowFormats, "")
	silList.Flags().BoolVar(&expired, "expired", false, "also silences that ended")
	silExpire := &cobra.Command{
		Use:   "expire ID",
		Short: "End a silence now",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var id int64
			if _, err := fmt.Sscan(args[0], &id); err != nil {
				return fmt.Errorf("silence %q: want its number (zoomsight alerts silence list)", args[0])
			}
			return withService(cmd.Context(), func(a *app.App, _ *alert.Service) error {
				if err := a.Store.ExpireSilence(cmd.Context(), id, time.Now()); errors.Is(err, store.ErrNotFound) {
					return fmt.Errorf("no silence %d (zoomsight alerts silence list --expired)", id)
				} else if err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "silence %d expired\n", id)
				return nil
			})
		},
	}
	silence.AddCommand(silList, silExpire)

	var rulesFormat string
	rules := &cobra.Command{
		Use:   "rules",
		Short: "List every rule, where it comes from, and whether it runs",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			w, err := newRowWriter(cmd.OutOrStdout(), rulesFormat)
			if err != nil {
				return err
			}
			return withService(cmd.Context(), func(_ *app.App, svc *alert.Service) error {
				all, err := svc.Engine.AllRules(cmd.Context())
				if err != nil {
					return err
				}
				cols := []string{"name", "source", "severity", "for", "status", "sql"}
				for _, r := range all {
					status := "ok"
					if err := svc.Engine.Check(cmd.Context(), r); err != nil {
						status = err.Error()
					}
					if err := w.Row(cols, []any{r.Name, r.Source, r.Severity, r.For.String(), status, strings.Join(strings.Fields(r.SQL), " ")}); err != nil {
						return err
					}
				}
				return w.Close()
			})
		},
	}
	formatFlag(rules, &rulesFormat, "table", rowFormats, "")
	cmd.AddCommand(list, test, silence, rules)
	return cmd
}

// alertsConfig reads the alerts section of the configuration file, if any.
func alertsConfig(g *globals, file string) (*config.Alerts, error) {
	if file == "" {
		file = g.getenv("ZOOMSIGHT_CONFIG")
	}
	if file == "" {
		return nil, nil
	}
	cfg := config.Default()
	if err := cfg.LoadFile(file); err != nil {
		return nil, err
	}
	return cfg.Alerts, nil
}

func labelText(l map[string]string) string {
	keys := slices.Sorted(maps.Keys(l))
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + l[k]
	}
	return strings.Join(parts, " ")
}

// reportProblems prints a line per notifier with failed notifications
// waiting and per rule that does not evaluate.
func reportProblems(ctx context.Context, a *app.App, svc *alert.Service, w io.Writer) error {
	status, err := a.Store.OutboxStatus(ctx)
	if err != nil {
		return err
	}
	for _, s := range status {
		if s.Failing > 0 {
			fmt.Fprintf(w, "notifier %s: %d notifications waiting, %d failed; last error: %s\n", s.Notifier, s.Pending, s.Failing, s.LastError)
		}
	}
	rules, err := svc.Engine.AllRules(ctx)
	if err != nil {
		return err
	}
	for _, r := range rules {
		if err := svc.Engine.Check(ctx, r); err != nil {
			fmt.Fprintf(w, "%v\n", err)
		}
	}
	return nil
}

// startAlerts builds serve's alerting: every rule is checked first, and a
// rule that fails stops serve with its name and the database's message.
// With a worker, it evaluates after each sync and on its timer, and sends
// the outbox (Run).
func startAlerts(ctx context.Context, a *app.App, cfg config.Config, metrics *server.Metrics, log *slog.Logger) (*alert.Service, error) {
	svc, err := alert.New(a.Store, cfg.Alerts)
	if err != nil {
		return nil, err
	}
	if err := svc.Engine.CheckAll(ctx); err != nil {
		return nil, fmt.Errorf("alert rules: %w (fix or disable them in the alerts section of the configuration file)", err)
	}
	svc.Engine.Evaluated = func(r alert.Result) {
		metrics.ObserveEvaluation(r)
		for _, e := range r.Errors {
			log.Error("alert rule failed", "rule", e.Rule, "error", e.Err.Error())
		}
	}
	svc.Dispatcher.Sent = func(notifier string, n int, err error) {
		metrics.ObserveNotification(notifier, n, err)
		if err != nil {
			log.Warn("notification failed; it stays in the outbox and is retried", "notifier", notifier, "alerts", n, "error", err.Error())
		}
	}
	// The orgs' notifiers (REST API, /api/v1/notifiers) get their orgs'
	// alerts; where they send is sealed with the credential key.
	svc.Dispatcher.OrgNotifier = alert.OrgNotifiers(a.Store, a.OpenOrgNotifier, cfg.Alerts != nil && cfg.Alerts.OrgNotifiersPrivate)
	failed := func(err error) { log.Error("alerting", "error", err.Error()) }
	svc.Failed, svc.Dispatcher.Failed = failed, failed
	if !cfg.NoWorker {
		a.AfterSync(func(_ context.Context, acct *store.Account, _ *store.Run, _ error) { svc.Trigger(acct.Name) })
	}
	return svc, nil
}
