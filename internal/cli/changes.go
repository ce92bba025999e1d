package cli

import (
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/zoomsight/zoomsight/internal/store"
)

// newChangesCommand prints change events (view zoom_change).
func newChangesCommand(g *globals) *cobra.Command {
	var account, since, kind, format string
	var security bool
	cmd := &cobra.Command{
		Use:   "changes",
		Short: "Print what changed in the linked Zoom accounts (from syncs and Zoom webhooks)",
		Long: `Print change events, oldest first: users added, removed, activated,
deactivated; licence and role changes; group memberships; groups and roles
created, renamed, deleted; account and lock settings changed. "security"
marks grants of owner/admin roles and settings changes that weaken
security. A resource's first complete sync records one baseline event.`,
		Example: `  zoomsight changes --since 24h
  zoomsight changes --account acme --kind 'user_*' --security -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			q := store.ChangeQuery{Kind: kind, Security: security, Limit: 1000}
			if since != "" {
				t, err := parseSince(since, time.Now())
				if err != nil {
					return err
				}
				q.Since = t
			}
			a, err := g.open(cmd.Context())
			if err != nil {
				return err
			}
			defer a.Close()
			accts, err := a.Store.Accounts(cmd.Context())
			if err != nil {
				return err
			}
			for _, ac := range accts {
				if account == "" || ac.Name == account {
					q.AccountIDs = append(q.AccountIDs, ac.ID)
				}
			}
			if account != "" && len(q.AccountIDs) == 0 {
				return fmt.Errorf("no account named %q; see zoomsight account list", account)
			}
			rw, err := newRowWriter(cmd.OutOrStdout(), format)
			if err != nil {
				return err
			}
			cols := []string{"id", "at", "account", "kind", "subject_type", "subject_key", "subject", "before", "after", "security", "source", "source_id"}
			if format == "table" {
				cols = []string{"id", "at", "account", "kind", "subject", "before", "after", "security", "source"}
			}
			for {
				evs, err := a.Store.ListChanges(cmd.Context(), q)
				if err != nil {
					return err
				}
				for _, e := range evs {
					vals := map[string]any{"id": e.ID, "at": e.At.UTC().Format(time.RFC3339), "account": e.Account, "kind": e.Kind,
						"subject_type": e.SubjectType, "subject_key": e.SubjectKey, "subject": e.Subject, "before": e.Before,
						"after": e.After, "security": e.Security, "source": e.Source, "source_id": e.SourceID}
					if format == "table" && e.Subject == "" {
						vals["subject"] = e.SubjectKey
					}
					row := make([]any, len(cols))
					for i, c := range cols {
						row[i] = vals[c]
					}
					if err := rw.Row(cols, row); err != nil {
						return err
					}
				}
				if len(evs) < q.Limit {
					break
				}
				q.AfterID = evs[len(evs)-1].ID
			}
			return rw.Close()
		},
	}
	f := cmd.Flags()
	f.StringVar(&account, "account", "", "only this account")
	f.StringVar(&since, "since", "", "only changes since a time (RFC 3339) or a duration ago (24h, 7d)")
	f.StringVar(&kind, "kind", "", "only this kind (user_deactivated), or a prefix ending in * (user_*)")
	f.BoolVar(&security, "security", false, "only changes flagged as security-relevant")
	formatFlag(cmd, &format, "table", rowFormats, "")
	return cmd
}

// parseSince reads --since: an RFC 3339 time, or a duration ago ("36h",
// "7d").
func parseSince(s string, now time.Time) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	if d, ok := strings.CutSuffix(s, "d"); ok {
		var n int
		if _, err := fmt.Sscanf(d, "%d", &n); err == nil && n >= 0 && fmt.Sprint(n) == d {
			return now.AddDate(0, 0, -n), nil
		}
	}
	if d, err := time.ParseDuration(s); err == nil && d >= 0 {
		return now.Add(-d), nil
	}
	return time.Time{}, fmt.Errorf("--since %q: give an RFC 3339 time (2025-01-02T15:04:05Z) or a duration ago (24h, 7d)", s)
}
