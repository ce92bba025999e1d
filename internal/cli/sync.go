package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/zoomsight/zoomsight/internal/app"
	"github.com/zoomsight/zoomsight/internal/ingest"
	"github.com/zoomsight/zoomsight/internal/store"
)

// syncParts are what --only may name.
var syncParts = []string{"identity", "activity", "meetings"}

func newSyncCommand(g *globals) *cobra.Command {
	var only []string
	var wait bool
	cmd := &cobra.Command{
		Use:   "sync [NAME…]",
		Short: "Sync linked Zoom accounts (all of them without names)",
		Long: `Sync users of every status, groups, roles, memberships, the account and its
settings, then activity, usage, plans and licence features, then past
meetings, their participants and per-minute QoS within a share of the
account's daily API budget (the rest waits for the next run). A sync that
fails or is interrupted keeps the earlier data and is resumed by the next
one. --only names the parts to run; identity always runs first. An account
linked with --features syncs only the parts it chose.

Nothing is deleted on an answer that cannot be a complete listing: a
listing counts only when its pages add up to the total Zoom announced, and
one that would delete more than --shrink-limit of a resource's stored rows
(or every user of a status) is held back, the run ends partial and says so;
--accept-shrink lets that run delete them. What the account's plan or the
app's scopes never allow is reported as unavailable and fails nothing,
unless --strict.

One process at a time syncs an account: while another one does, sync
says which process (pid, host, since when) and skips the account, or
with --wait queues behind it. A sync killed mid-way is resumed by the
next one at once on the same host; from another host, once its lock's
one-minute lease has run out.

With no account linked yet, ZOOM_ACCOUNT_ID, ZOOM_CLIENT_ID and
ZOOM_CLIENT_SECRET link one named "default", after checking them with Zoom
(ZOOM_API_URL and ZOOM_OAUTH_URL, when set, point it at another API, e.g.
zoomsight sim's); a changed client id or secret for that account is checked
and stored, and another ZOOM_ACCOUNT_ID is refused.`,
		RunE: func(cmd *cobra.Command, names []string) error {
			ctx := cmd.Context()
			parts := map[string]bool{}
			for _, p := range only {
				if !slices.Contains(syncParts, p) {
					return fmt.Errorf("--only %q: want one or more of %s", p, strings.Join(syncParts, ", "))
				}
				parts[p] = true
			}
			if len(parts) > 0 && !parts["identity"] {
				// Everything else hangs off the identity run.
				return errors.New("--only must include identity: the other parts build on it")
			}
			if l := g.guard.shrinkLimit; l <= 0 || l > 1 {
				return fmt.Errorf("--shrink-limit %g: want a share above 0 and at most 1, such as 0.5", l)
			}
			if len(parts) > 0 && !parts["meetings"] {
				g.meetings.Disabled = true
			}
			a, err := g.open(ctx)
			if err != nil {
				return err
			}
			defer a.Close()
			if len(parts) > 0 && !parts["activity"] {
				a.Activity.Off = true
			}
			a.SyncLock = app.LockOptions{Wait: wait, OnWait: func(b *app.BusyError) {
				fmt.Fprintf(cmd.ErrOrStderr(), "zoomsight: %s; waiting for it to finish (Ctrl-C to stop)\n", b)
			}}
			if _, err := a.EnsureEnvAccount(ctx); err != nil {
				return err
			}
			var accts []*store.Account
			if len(names) == 0 {
				if accts, err = a.Store.Accounts(ctx); err != nil {
					return err
				}
				if len(accts) == 0 {
					return errors.New("no Zoom account is linked: run zoomsight account add, or set ZOOM_ACCOUNT_ID, ZOOM_CLIENT_ID and ZOOM_CLIENT_SECRET")
				}
			}
			for _, n := range names {
				acct, err := a.Account(ctx, n)
				if err != nil {
					return err
				}
				accts = append(accts, acct)
			}
			var failures []string
			for _, acct := range accts {
				run, err := syncOne(cmd, a, acct)
				var busy *app.BusyError
				switch {
				case err != nil && ctx.Err() != nil:
					return interrupted(fmt.Sprintf("sync of %q interrupted, resume with zoomsight sync", acct.Name))
				case errors.As(err, &busy):
					failures = append(failures, fmt.Sprintf("%s, so this process did not sync it; to queue behind it: zoomsight sync --wait %s", busy, acct.Name))
				case err != nil:
					failures = append(failures, fmt.Sprintf("sync of %q failed: %v", acct.Name, clarify(err)))
				case run.Status != store.RunOK && len(run.Stale) == 0 && g.guard.strict:
					failures = append(failures, fmt.Sprintf("sync of %q has gaps (--strict): %s", acct.Name, staleByReason(run.Unavailable)))
				case run.Status != store.RunOK:
					failures = append(failures, fmt.Sprintf("sync of %q incomplete, earlier data kept: %s", acct.Name, staleByReason(run.Stale)))
				}
			}
			switch len(failures) {
			case 0:
				return nil
			case 1:
				return errors.New(failures[0])
			}
			for _, f := range failures {
				fmt.Fprintf(cmd.ErrOrStderr(), "zoomsight: %s\n", f)
			}
			return fmt.Errorf("%d of %d account syncs did not complete", len(failures), len(accts))
		},
	}
	cmd.Flags().StringSliceVar(&only, "only", nil, "sync only these parts: "+strings.Join(syncParts, ", "))
	cmd.Flags().Float64Var(&g.guard.shrinkLimit, "shrink-limit", ingest.DefaultShrinkLimit,
		"hold back a listing that would delete more than this share of a resource's stored rows")
	cmd.Flags().BoolVar(&g.guard.acceptShrink, "accept-shrink", false, "delete what a held-back listing would delete: Zoom is right")
	cmd.Flags().BoolVar(&g.guard.strict, "strict", false, "fail (exit 1) when the plan or the app's scopes leave anything unavailable")
	cmd.Flags().BoolVar(&wait, "wait", false, "if another process is syncing an account, wait for it to finish, then sync")
	addMeetingFlags(cmd, g) // meetings.go
	return cmd
}

// syncOne syncs an account with progress on stderr and a summary on stdout.
func syncOne(cmd *cobra.Command, a *app.App, acct *store.Account) (*store.Run, error) {
	start := time.Now()
	run, err := syncWithProgress(cmd, a, acct)
	if run != nil {
		printSummary(cmd.Context(), cmd.OutOrStdout(), a, acct, run, time.Since(start))
	}
	return run, err
}

// syncWithProgress syncs an account with progress on stderr.
func syncWithProgress(cmd *cobra.Command, a *app.App, acct *store.Account) (*store.Run, error) {
	errw := cmd.ErrOrStderr()
	tty := isTerminal(errw)
	pp := &progressPrinter{w: errw, tty: tty, name: acct.Name, every: progressLogEvery}
	run, err := a.Sync(cmd.Context(), acct, pp.print)
	if tty {
		fmt.Fprint(errw, "\r\033[K")
	}
	return run, err
}

// progressLogEvery is how often a long phase logs a line when stderr is
// not a terminal.
const progressLogEvery = 15 * time.Second

// progressPrinter prints a sync's progress: a line redrawn in place on a
// terminal; otherwise a line per finished resource and, for long phases
// that know their size (meeting details), one when they start and then
// one every so often, so a log shows the sync is moving.
type progressPrinter struct {
	w     io.Writer
	tty   bool
	name  string
	every time.Duration
	// last line logged of the current resource, and when.
	resource string
	at       time.Time
}

func (pp *progressPrinter) print(p ingest.Progress) {
	// Errors are not printed here: the summary lists what is stale and the
	// command ends with one line saying why.
	switch {
	case p.Err != nil:
	case pp.tty:
		bar := ""
		if p.Total > 0 {
			n := min(20, p.Rows*20/p.Total)
			bar = "[" + strings.Repeat("#", n) + strings.Repeat(".", 20-n) + "] "
		}
		fmt.Fprintf(pp.w, "\r\033[K%s: %s %s%d", pp.name, p.Resource, bar, p.Rows)
		if p.Total > 0 {
			fmt.Fprintf(pp.w, "/%d", p.Total)
		}
		fmt.Fprint(pp.w, progressDetail(p))
	case p.Done:
		fmt.Fprintf(pp.w, "%s: %s: %d rows\n", pp.name, p.Resource, p.Rows)
	case p.Budget > 0 || p.Total > 0 && p.Resource == "meeting details":
		now := time.Now()
		if p.Resource == pp.resource && now.Sub(pp.at) < pp.every {
			return
		}
		pp.resource, pp.at = p.Resource, now
		fmt.Fprintf(pp.w, "%s: %s %d/%d%s\n", pp.name, p.Resource, p.Rows, p.Total, progressDetail(p))
	}
}

// progressDetail words the calls spent of the budget and the time left.
func progressDetail(p ingest.Progress) string {
	s := ""
	if p.Budget > 0 {
		s += fmt.Sprintf(", %d/%d calls", p.Calls, p.Budget)
	}
	if p.ETA > 0 {
		s += ", ETA " + p.ETA.String()
	}
	return s
}

func printSummary(ctx context.Context, w io.Writer, a *app.App, acct *store.Account, run *store.Run, took time.Duration) {
	status := run.Status
	if status == store.RunRunning {
		// Still open after Sync returned: it was interrupted, and the next
		// sync resumes it.
		status = "interrupted"
	}
	fmt.Fprintf(w, "account %s: sync %s in %s\n", acct.Name, status, took.Round(time.Millisecond))
	// What the database holds, not what this process saw: a resumed run
	// saw only the rest. Users are counted from an index rather than the
	// zoom_user view: at 100,000 users the view's GROUP BY took longer
	// than a page of the sync.
	counts, err := a.Store.UserCounts(ctx, acct.ID)
	for _, c := range counts {
		fmt.Fprintf(w, "  users %-20s %d\n", c.Status+" "+licenseName(c.Type), c.Users)
	}
	ic, ierr := a.Store.IdentityCounts(ctx, acct.ID)
	if err = errors.Join(err, ierr); err != nil {
		fmt.Fprintf(w, "  counts unavailable: %v\n", err)
	} else {
		fmt.Fprintf(w, "  %-26s %d\n  %-26s %d\n  %-26s %d\n", "groups", ic.Groups, "roles", ic.Roles, "group_members", ic.GroupMembers)
	}
	labels := make([]string, 0, len(run.Requests))
	for l := range run.Requests {
		labels = append(labels, l)
	}
	sort.Strings(labels)
	var req []string
	for _, l := range labels {
		req = append(req, fmt.Sprintf("%s %d", l, run.Requests[l]))
	}
	if len(req) == 0 {
		req = append(req, "none")
	}
	fmt.Fprintf(w, "  requests: %s\n", strings.Join(req, ", "))
	printActivitySummary(ctx, w, a, acct, run) // sync_activity.go
	printMeetingSummary(ctx, w, a, acct, run)  // meetings.go
	for _, s := range run.Unavailable {
		// Activity and meeting gaps have their own lines above.
		if !strings.HasPrefix(s, "activity:") && !strings.HasPrefix(s, "meetings:") {
			fmt.Fprintf(w, "  unavailable (plan or scopes): %s\n", s)
		}
	}
	for _, s := range run.Stale {
		fmt.Fprintf(w, "  stale (earlier data kept): %s\n", s)
	}
	if run.Error != "" {
		fmt.Fprintf(w, "  error: %s\n", run.Error)
	}
}

// staleByReason folds "resource: reason" entries that share a reason, so a
// scope missing for three user listings reads as one clause.
func staleByReason(stale []string) string {
	var reasons []string
	byReason := map[string][]string{}
	for _, st := range stale {
		res, why, _ := strings.Cut(st, ": ")
		if _, ok := byReason[why]; !ok {
			reasons = append(reasons, why)
		}
		byReason[why] = append(byReason[why], res)
	}
	parts := make([]string, len(reasons))
	for i, why := range reasons {
		parts[i] = strings.Join(byReason[why], ", ") + ": " + why
	}
	return strings.Join(parts, "; ")
}

// licenseName names a Zoom user type as the zoom_user view does.
func licenseName(typ int) string {
	switch typ {
	case 1:
		return "basic"
	case 2:
		return "licensed"
	case 4:
		return "unassigned"
	case 99:
		return "none"
	}
	return "type " + strconv.Itoa(typ)
}
