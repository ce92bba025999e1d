package cli

import (
	"fmt"

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
		Long: `Sign-ins by day over the last --days days, each user's last client version and
how many releases it is behind the newest one seen, users on outdated
clients, and sign-ins from client types outside the usual ones (--config).

--show picks one part for csv: logins, versions, outdated or unusual.`,
		Args: cobra.NoArgs,
	}
	load := configFlag(cmd, g)
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		cfg, err := load()
		if err != nil {
			return err
		}
		if err := checkFormat(format); err != nil {
			return err
		}
		if show != "" && show != "logins" && show != "versions" && show != "outdated" && show != "unusual" {
			return fmt.Errorf("--show must be logins, versions, outdated or unusual, not %q", show)
		}
		if format == "csv" && show == "" {
			show = "outdated"
		}
		a, err := g.open(cmd.Context())
		if err != nil {
			return err
		}
		defer a.Close()
		rep, err := insight.Activity(cmd.Context(), a.Store, insight.ActivityOptions{Days: days, Account: account, Config: cfg.Activity})
		if err != nil {
			return err
		}
		out := cmd.OutOrStdout()
		parts := []struct {
			name, title string
			items       any
		}{
			{"logins", "Sign-ins by day since " + rep.Since, rep.Logins},
			{"versions", "Last client version per user", rep.Versions},
			{"outdated", "Users on outdated clients", rep.Outdated},
			{"unusual", "Sign-ins from unusual client types", rep.Unusual},
		}
		if format == "json" && show == "" {
			return writeJSON(out, rep)
		}
		for i, p := range parts {
			if show != "" && p.name != show {
				continue
			}
			if format == "json" {
				return writeJSON(out, p.items)
			}
			if format != "csv" {
				if i > 0 && show == "" {
					fmt.Fprintln(out)
				}
				fmt.Fprintln(out, p.title)
			}
			if err := writeItems(out, format, p.items); err != nil {
				return err
			}
		}
		return nil
	}
	fl := cmd.Flags()
	fl.IntVar(&days, "days", 30, "sign-ins of the last N days")
	fl.StringVar(&format, "format", "table", "output format: table, json or csv")
	fl.StringVar(&account, "account", "", "only this linked account")
	fl.StringVar(&show, "show", "", "only one part: logins, versions, outdated or unusual")
	return cmd
}
