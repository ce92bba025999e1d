package cli

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/zoomsight/zoomsight/internal/insight"
)

func newInsightsActivityCommand(g *globals) *cobra.Command {
	var (
		format, account, show string
		days                  int
	)
	cmd := &cobra.Command{
		Use:   "activity",
		Short: "Sign-ins by day, client versions, outdated clients, unusual client types",
		Long: `Sign-ins over the last --days days, each user's last client version and how
many releases it is behind the newest one seen, users on outdated clients,
and sign-ins from client types outside the usual ones (--config).

A table starts with a summary of each part; --show lists one part in
full: logins (by day), versions (per user), outdated or unusual. csv
prints one part (outdated unless --show says), json everything.`,
		Example: `  zoomsight insights activity
  zoomsight insights activity --show outdated
  zoomsight insights activity --show unusual -o csv`,
		Args: cobra.NoArgs,
	}
	load := configFlag(cmd, g)
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		cfg, err := load()
		if err != nil {
			return err
		}
		if show != "" && show != "logins" && show != "versions" && show != "outdated" && show != "unusual" {
			return fmt.Errorf("--show must be logins, versions, outdated or unusual, not %q", show)
		}
		if format == "csv" && show == "" {
			show = "outdated"
		}
		a, err := g.openExisting(cmd.Context())
		if err != nil {
			return err
		}
		defer a.Close()
		rep, err := insight.Activity(cmd.Context(), a.Store, insight.ActivityOptions{Days: days, Account: account, Config: cfg.Activity})
		if err != nil {
			return err
		}
		out := cmd.OutOrStdout()
		parts := map[string]any{"logins": rep.Logins, "versions": rep.Versions, "outdated": rep.Outdated, "unusual": rep.Unusual}
		switch {
		case format == "json" && show == "":
			return writeJSON(out, rep)
		case format == "json":
			return writeJSON(out, parts[show])
		case show == "":
			return activitySummary(out, rep, cfg.Activity.OutdatedBehind)
		}
		return writeItems(out, format, parts[show])
	}
	fl := cmd.Flags()
	fl.IntVar(&days, "days", 30, "sign-ins of the last N days")
	formatFlag(cmd, &format, "table", rowFormats, "")
	fl.StringVar(&account, "account", "", "only this linked account")
	fl.StringVar(&show, "show", "", "list one part in full: logins, versions, outdated or unusual")
	return cmd
}

// activitySummary is what insights activity leads with: a few lines per
// part, each naming the --show that lists it.
func activitySummary(w io.Writer, rep *insight.ActivityReport, behind int) error {
	signIns, busiest, busiestN := 0, "", -1
	for _, d := range rep.Logins {
		signIns += d.SignIns
		if d.SignIns > busiestN {
			busiest, busiestN = d.Date, d.SignIns
		}
	}
	fmt.Fprintf(w, "Sign-ins since %s: %d over %d days", rep.Since, signIns, len(rep.Logins))
	if busiestN > 0 {
		fmt.Fprintf(w, ", most on %s (%d)", busiest, busiestN)
	}
	fmt.Fprintln(w, "    --show logins")

	newest := map[string]bool{}
	versions := map[string]bool{}
	for _, v := range rep.Versions {
		versions[v.Version] = true
		newest[v.Newest] = true
	}
	fmt.Fprintf(w, "Client versions: %d users on %d versions, newest %s    --show versions\n", len(rep.Versions), len(versions), strings.Join(sortedKeys(newest), ", "))
	fmt.Fprintf(w, "Outdated clients (%d or more releases behind): %d users    --show outdated\n", behind, len(rep.Outdated))
	types := map[string]int{}
	for _, u := range rep.Unusual {
		types[u.ClientType]++
	}
	var byType []string
	for _, t := range sortedKeys(types) {
		byType = append(byType, fmt.Sprintf("%s %d", t, types[t]))
	}
	fmt.Fprintf(w, "Sign-ins from unusual client types: %d", len(rep.Unusual))
	if len(byType) > 0 {
		fmt.Fprintf(w, " (%s)", strings.Join(byType, ", "))
	}
	_, err := fmt.Fprintln(w, "    --show unusual")
	return err
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		if k != "" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	return keys
}
