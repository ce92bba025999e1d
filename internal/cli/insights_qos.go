package cli

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/zoomsight/zoomsight/internal/insight"
	"github.com/zoomsight/zoomsight/internal/store"
)

func newInsightsQoSCommand(g *globals) *cobra.Command {
	var (
		o                     insight.QoSOptions
		from, to, format      string
		latency, jitter, loss float64
		cpu, rssi             float64
		label, org            string
	)
	cmd := &cobra.Command{
		Use:   "qos",
		Short: "Which sites, users and meetings had bad call quality, and why",
		Long: `Worst sites (flagged "degraded" when at least --min-bad-share of their
participant-minutes are bad for a network reason), worst users, and with
--meeting a meeting's participants, their bad minutes and the likeliest
cause: high CPU, low Wi-Fi RSSI, relay via CRC, a degraded site, a cellular
network, or latency, loss or jitter.

A minute is bad when latency is above --latency-ms, jitter at or above
--jitter-ms, average loss above --loss-pct, or system CPU at or above
--cpu-pct. Without these flags the stored thresholds apply (defaults 150 ms,
30 ms, 2 %, 90 %; Wi-Fi is weak below -75 dBm), which a network file's
thresholds section sets.

With --org, the answer is the org's, as its API tokens and dashboard see
it: its accounts only, with a shared account's sites as the org's own
network names them. Without it, every account, each by the network that
decides its sites.`,
		Example: `  zoomsight insights qos
  zoomsight insights qos --from 2025-03-01 --to 2025-03-08 --site Berlin
  zoomsight insights qos --meeting 'aBcD…==' -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var err error
			if o.From, err = parseDay("--from", from); err != nil {
				return err
			}
			if o.To, err = parseDay("--to", to); err != nil {
				return err
			}
			if !o.To.IsZero() {
				o.To = o.To.AddDate(0, 0, 1) // --to is inclusive
			}
			a, err := g.openExisting(cmd.Context())
			if err != nil {
				return err
			}
			defer a.Close()
			fl := cmd.Flags()
			if fl.Changed("latency-ms") || fl.Changed("jitter-ms") || fl.Changed("loss-pct") || fl.Changed("cpu-pct") || fl.Changed("rssi-dbm") || fl.Changed("label") {
				t, err := a.Store.QoSThresholds(cmd.Context())
				if err != nil {
					return err
				}
				for _, f := range []struct {
					name string
					dst  *float64
					v    float64
				}{{"latency-ms", &t.LatencyMS, latency}, {"jitter-ms", &t.JitterMS, jitter}, {"loss-pct", &t.LossPct, loss}, {"cpu-pct", &t.CPUPct, cpu}, {"rssi-dbm", &t.RSSIDBm, rssi}} {
					if fl.Changed(f.name) {
						*f.dst = f.v
					}
				}
				if fl.Changed("label") {
					t.Label = label
				}
				o.Thresholds = &t
			}
			var rep *insight.QoSReport
			if org == "" {
				rep, err = insight.QoS(cmd.Context(), a.Store, o)
			} else {
				var id int64
				if id, o.Accounts, err = orgQoSScope(cmd.Context(), a.Store, org, o.Account); err != nil {
					return err
				}
				rep, err = insight.OrgQoS(cmd.Context(), a.Store, id, o)
			}
			if err != nil {
				return err
			}
			return printQoS(cmd.OutOrStdout(), rep, format)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&from, "from", "", "first day (yyyy-mm-dd, UTC)")
	fl.StringVar(&to, "to", "", "last day (yyyy-mm-dd, UTC), inclusive")
	fl.StringVar(&o.Site, "site", "", "only this site (or off-network)")
	fl.StringVar(&o.Account, "account", "", "only this linked account")
	fl.StringVar(&org, "org", "", "answer as this org sees it: its accounts, its own sites (default: every account)")
	fl.StringVar(&o.Meeting, "meeting", "", "explain this meeting (UUID): its participants' bad minutes and why")
	fl.Float64Var(&o.MinBadShare, "min-bad-share", 0.1, "flag sites and users with at least this share of bad minutes")
	fl.IntVar(&o.MinMinutes, "min-minutes", 30, "flag only sites and users with at least this many participant-minutes")
	fl.IntVar(&o.Users, "users", 10, "how many worst users to list")
	fl.Float64Var(&latency, "latency-ms", 150, "a minute is bad above this latency (ms)")
	fl.Float64Var(&jitter, "jitter-ms", 30, "a minute is bad at or above this jitter (ms)")
	fl.Float64Var(&loss, "loss-pct", 2, "a minute is bad above this average packet loss (%)")
	fl.Float64Var(&cpu, "cpu-pct", 90, "a minute is bad at or above this system CPU (%)")
	fl.Float64Var(&rssi, "rssi-dbm", -75, "Wi-Fi is weak below this signal (dBm)")
	fl.StringVar(&label, "label", "poor", "Zoom's quality word from which a participant counts as rated badly")
	formatFlag(cmd, &format, "table", rowFormats, "csv: the sites, or the meeting's participants")
	cmd.AddCommand(newInsightsQoSMeetingsCommand(g))
	return cmd
}

func newInsightsQoSMeetingsCommand(g *globals) *cobra.Command {
	var (
		f                     insight.MeetingFilter
		from, to, format, org string
	)
	cmd := &cobra.Command{
		Use:   "meetings",
		Short: "Find meetings with QoS by host, topic, site or time",
		Long: `Lists meetings whose QoS was collected, most recent first, with their
participants' minutes and bad minutes summed and the sites they joined
from: the way to a UUID for insights qos --meeting.`,
		Example: `  zoomsight insights qos meetings --host alice@example.com --from 2025-03-01 --to 2025-03-07
  zoomsight insights qos meetings --site Berlin --topic standup --format csv`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var err error
			if f.From, err = parseDay("--from", from); err != nil {
				return err
			}
			if f.To, err = parseDay("--to", to); err != nil {
				return err
			}
			if !f.To.IsZero() {
				f.To = f.To.AddDate(0, 0, 1) // --to is inclusive
			}
			if f.Limit < 1 {
				return fmt.Errorf("--limit must be at least 1, not %d", f.Limit)
			}
			rw, err := newRowWriter(cmd.OutOrStdout(), format)
			if err != nil {
				return err
			}
			a, err := g.open(cmd.Context())
			if err != nil {
				return err
			}
			defer a.Close()
			if org != "" {
				id, accounts, err := orgQoSScope(cmd.Context(), a.Store, org, f.Account)
				if err != nil {
					return err
				}
				f.Accounts = accounts
				if f.OrgSites, err = insight.OrgSitesOf(cmd.Context(), a.Store, id, accounts); err != nil {
					return err
				}
			}
			ms, err := insight.QoSMeetings(cmd.Context(), a.Store, f)
			if err != nil {
				return err
			}
			cols := []string{"uuid", "start_time", "topic", "host_email", "participants_with_qos", "participant_minutes", "bad_minutes", "bad_share", "sites"}
			for _, m := range ms {
				if err := rw.Row(cols, []any{m.UUID, m.Start, m.Topic, m.Host, m.Participants, m.Minutes, m.BadMinutes, m.BadShare, m.Sites}); err != nil {
					return err
				}
			}
			return rw.Close()
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.Host, "host", "", "host e-mail, or part of the host's name")
	fl.StringVar(&f.Topic, "topic", "", "part of the topic")
	fl.StringVar(&f.Site, "site", "", "a participant joined from this site (or off-network)")
	fl.StringVar(&f.Account, "account", "", "only this linked account")
	fl.StringVar(&org, "org", "", "only this org's accounts, with their sites as its own network names them")
	fl.StringVar(&from, "from", "", "first day (yyyy-mm-dd, UTC) the meeting started")
	fl.StringVar(&to, "to", "", "last day (yyyy-mm-dd, UTC), inclusive")
	fl.IntVar(&f.Limit, "limit", 50, "most meetings to list")
	formatFlag(cmd, &format, "table", rowFormats, "")
	return cmd
}

// orgQoSScope resolves --org for the QoS insights: the org's id and its
// accounts' names (only account, if given, which must be one of them).
func orgQoSScope(ctx context.Context, st store.Store, org, account string) (int64, []string, error) {
	o, err := resolveOrg(ctx, st, org)
	if err != nil {
		return 0, nil, err
	}
	names, err := orgAccountNames(ctx, st, o)
	if err != nil {
		return 0, nil, err
	}
	if account != "" {
		if !slices.Contains(names, account) {
			return 0, nil, fmt.Errorf("--account %q is not linked to org %s (its accounts: %s)", account, o.Name, strings.Join(names, ", "))
		}
		names = []string{account}
	}
	return o.ID, names, nil
}

func parseDay(flag, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%s must be a date like 2025-03-01, not %q", flag, s)
	}
	return t, nil
}

func f2(p *float64) any {
	if p == nil {
		return nil
	}
	return fmt.Sprintf("%.1f", *p)
}

func pct(f float64) string { return fmt.Sprintf("%.1f%%", f*100) }

func printQoS(w io.Writer, r *insight.QoSReport, format string) error {
	if format == "json" {
		return writeJSON(w, r)
	}
	table := func() rowWriter { rw, _ := newRowWriter(w, format); return rw } // table or wide
	siteRows := func(rw rowWriter) error {
		cols := []string{"site", "degraded", "cause", "participants", "participant_minutes", "bad_share", "network_bad_share", "p50_latency_ms", "p95_latency_ms", "p95_loss_pct"}
		for _, s := range r.Sites {
			if err := rw.Row(cols, []any{s.Site, s.Degraded, s.Cause, s.Participants, s.Minutes, pct(s.BadShare), pct(s.NetworkBad),
				f2(s.P50Latency), f2(s.P95Latency), f2(s.P95Loss)}); err != nil {
				return err
			}
		}
		return rw.Close()
	}
	partRows := func(rw rowWriter) error {
		cols := []string{"participant", "site", "access_point", "device", "network_type", "minutes", "bad_minutes", "cause", "why", "bad_times"}
		for _, p := range r.Meeting.Participants {
			times := strings.Join(p.BadTimes, " ")
			if len(p.BadTimes) > 12 && format == "table" {
				times = strings.Join(p.BadTimes[:12], " ") + " …"
			}
			if err := rw.Row(cols, []any{p.Name, p.Site, p.AccessPoint, p.Device, p.NetworkType, p.Minutes, p.BadMinutes, p.Cause, p.Why, times}); err != nil {
				return err
			}
		}
		return rw.Close()
	}
	if format == "csv" {
		rw, _ := newRowWriter(w, "csv")
		if r.Meeting != nil {
			return partRows(rw)
		}
		return siteRows(rw)
	}
	if r.Meeting != nil {
		// Only the meeting asked about: the site report is one command away.
		fmt.Fprintf(w, "Meeting %s %q (%s):\n", r.Meeting.UUID, r.Meeting.Topic, r.Meeting.Start)
		return partRows(table())
	}
	t := r.Thresholds
	fmt.Fprintf(w, "Thresholds: latency > %g ms, jitter >= %g ms, loss > %g%%, system CPU >= %g%%, Wi-Fi weak below %g dBm\n",
		t.LatencyMS, t.JitterMS, t.LossPct, t.CPUPct, t.RSSIDBm)
	if r.NoNetwork {
		fmt.Fprintln(w, "No network file imported: every participant counts as off-network (zoomsight network import sites.yaml).")
	}
	if r.Pending > 0 {
		fmt.Fprintf(w, "%d participant sessions pending recompute are not in these figures yet (they are rolled up at the next open of the database, or by zoomsight prune).\n", r.Pending)
	}
	fmt.Fprintln(w, "\nDegraded sites:")
	if len(r.Degraded) == 0 {
		fmt.Fprintln(w, "  none")
	}
	for _, s := range r.Degraded {
		fmt.Fprintf(w, "  %s: %s of participant-minutes bad, mostly %s\n", s.Site, pct(s.NetworkBad), describeCause(s.Cause))
	}
	fmt.Fprintln(w, "\nSites, worst first:")
	if err := siteRows(table()); err != nil {
		return err
	}
	fmt.Fprintln(w, "\nWorst users:")
	rw := table()
	for _, u := range r.Users {
		if err := rw.Row([]string{"user", "name", "minutes", "bad_minutes", "bad_share", "cause", "flagged", "sites", "devices", "network_types"},
			[]any{u.User, u.Name, u.Minutes, u.BadMinutes, pct(u.BadShare), describeCause(u.Cause), u.Flagged, u.Sites, u.Devices, u.NetworkType}); err != nil {
			return err
		}
	}
	return rw.Close()
}

// describeCause words a cause for people.
func describeCause(c string) string {
	switch c {
	case insight.CauseCPU:
		return "high CPU"
	case insight.CauseWifi:
		return "low Wi-Fi RSSI (wifi)"
	case insight.CauseCRC:
		return "relay via CRC"
	case insight.CauseLatency:
		return "high latency (latency)"
	case insight.CauseLoss:
		return "packet loss (loss)"
	case insight.CauseJitter:
		return "jitter"
	}
	return c
}
