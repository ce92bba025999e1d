package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/zoomsight/zoomsight/internal/insight"
)

func newInsightsLicencesCommand(g *globals) *cobra.Command {
	var (
		format, account, org string
		days                 int
	)
	cmd := &cobra.Command{
		Use:     "licences",
		Aliases: []string{"licence", "licenses", "license"},
		Short:   "Licences and add-ons to reclaim, seats, and the monthly saving",
		Long: `Licensed users with no sign-in and no hosted meeting in N days, users created
more than N days ago that never signed in, invitations older than N days,
deactivated users still holding an add-on, seats bought vs licensed vs
active, unassigned add-ons, and the estimated monthly saving from reclaiming
them (prices from --config; defaults in docs/schema.md).

csv prints the findings; json everything; table the seats, add-ons,
findings and the saving, the findings without created_at, quantity and
detail (-o wide shows every column).`,
		Example: `  zoomsight insights licences --inactive-days 90
  zoomsight insights licences -o csv > reclaim.csv`,
		Args: cobra.NoArgs,
	}
	configPath := configFlagPath(cmd, g)
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		a, err := g.openExisting(cmd.Context())
		if err != nil {
			return err
		}
		defer a.Close()
		o, err := resolveOrg(cmd.Context(), a.Store, org)
		if err != nil {
			return err
		}
		cfg, err := insight.OrgConfig(cmd.Context(), a.Store, orgID(o), configPath())
		if err != nil {
			return err
		}
		opts := insight.LicenceOptions{InactiveDays: days, Account: account, Prices: cfg.Prices}
		if org != "" {
			// Named: only the org's accounts. The only org, chosen for its
			// prices, does not hide accounts linked to no org.
			if opts.Accounts, err = orgAccountNames(cmd.Context(), a.Store, o); err != nil {
				return err
			}
		}
		rep, err := insight.Licences(cmd.Context(), a.Store, opts)
		if err != nil {
			return err
		}
		out := cmd.OutOrStdout()
		switch format {
		case "json":
			return writeJSON(out, rep)
		case "csv":
			return writeItems(out, format, rep.Findings)
		}
		fmt.Fprintf(out, "Seats (active: signed in or hosted since %s)\n", rep.Cutoff)
		if err := writeItems(out, format, rep.Seats); err != nil {
			return err
		}
		if len(rep.AddOns) > 0 {
			fmt.Fprintln(out, "\nAdd-ons")
			if err := writeItems(out, format, rep.AddOns); err != nil {
				return err
			}
		}
		fmt.Fprintf(out, "\nFindings (inactive: %d days)\n", rep.InactiveDays)
		if err := writeItems(out, format, rep.Findings, "created_at", "quantity", "detail"); err != nil {
			return err
		}
		fmt.Fprintf(out, "\nEstimated monthly saving: %.2f %s\n", rep.MonthlySaving, rep.Currency)
		return nil
	}
	fl := cmd.Flags()
	fl.IntVar(&days, "inactive-days", 60, "threshold in days: 15, 30, 60, 90 or 120")
	formatFlag(cmd, &format, "table", rowFormats, "csv: the findings; json: everything")
	fl.StringVar(&account, "account", "", "only this linked account")
	fl.StringVar(&org, "org", "", "only this org's accounts, at its prices (default: all accounts, at the only org's prices if there is one)")
	return cmd
}
