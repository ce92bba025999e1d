package cli

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/zoomsight/zoomsight/internal/insight"
	"github.com/zoomsight/zoomsight/zoom"
	"github.com/zoomsight/zoomsight/zoomsim"
)

func newRosterCommand(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "roster", Short: "Import the HR roster that insights roster compares with Zoom"}
	var (
		maps    []string
		aliases []string
		org     string
	)
	imp := &cobra.Command{
		Use:   "import FILE.csv",
		Short: "Replace the HR roster with a CSV file",
		Long: `Replace the HR roster with a CSV file of employees: email, employee_id, name,
department, manager, status, termination_date (yyyy-mm-dd). email and
employee_id are required. Name the file's own columns with --map or in
--config ("roster": {"columns": {…}}).

Zoom users match employees by employee_unique_id, else by e-mail
(case-insensitive; --alias-domain corp.example.com=example.com makes the
two domains one). The roster is the org's (--org; the only org when there
is one): each org's accounts are matched against their org's roster. A
roster with a missing column, a bad e-mail or date, or
an employee or address given twice is refused whole, with the first 100
bad lines listed and the rest counted.`,
		Example: `  zoomsight roster import hr.csv --map "email=Work Email,employee_id=Employee ID,termination_date=Termination Date"`,
		Args:    cobra.ExactArgs(1),
	}
	configPath := configFlagPath(imp, g)
	imp.RunE = func(cmd *cobra.Command, args []string) error {
		a, err := g.open(cmd.Context())
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
		for _, m := range maps {
			k, v, ok := strings.Cut(m, "=")
			if !ok || strings.TrimSpace(k) == "" || strings.TrimSpace(v) == "" {
				return fmt.Errorf("--map %q: want field=Column Name", m)
			}
			cfg.Roster.Columns[strings.TrimSpace(k)] = strings.TrimSpace(v)
		}
		for _, m := range aliases {
			k, v, ok := strings.Cut(m, "=")
			if !ok || k == "" || v == "" {
				return fmt.Errorf("--alias-domain %q: want alias.example.com=example.com", m)
			}
			cfg.Roster.AliasDomains[strings.ToLower(strings.TrimSpace(k))] = strings.ToLower(strings.TrimSpace(v))
		}
		f, err := os.Open(args[0])
		if err != nil {
			return err
		}
		defer f.Close()
		ro, err := insight.ParseRoster(cmd.Context(), f, cfg.Roster, filepath.Base(args[0]), time.Now())
		var re *insight.RosterError
		if errors.As(err, &re) {
			for _, p := range re.Problems[:min(len(re.Problems), insight.MaxListed)] {
				fmt.Fprintf(cmd.ErrOrStderr(), "%s: %s\n", args[0], p)
			}
			if n := len(re.Problems) - insight.MaxListed; n > 0 {
				fmt.Fprintf(cmd.ErrOrStderr(), "%s: and %d more\n", args[0], n)
			}
			return fmt.Errorf("%s: %d problem(s), nothing imported; fix the lines above", args[0], len(re.Problems))
		}
		if err != nil {
			return err
		}
		ro.OrgID = orgID(o)
		if err := a.Store.ReplaceRoster(cmd.Context(), ro); err != nil {
			return err
		}
		if o != nil {
			fmt.Fprintf(cmd.OutOrStdout(), "imported %d employees from %s into the roster of org %s\n", len(ro.Employees), args[0], o.Name)
		} else {
			fmt.Fprintf(cmd.OutOrStdout(), "imported %d employees from %s\n", len(ro.Employees), args[0])
		}
		return nil
	}
	imp.Flags().StringSliceVar(&maps, "map", nil, "field=Column Name, comma-separated or repeated")
	orgFlag(imp, &org)
	imp.Flags().StringSliceVar(&aliases, "alias-domain", nil, "alias.example.com=example.com: addresses at the alias are the canonical domain's")
	cmd.AddCommand(imp)
	return cmd
}

func newInsightsRosterCommand(g *globals) *cobra.Command {
	var format, account, org string
	cmd := &cobra.Command{
		Use:   "roster",
		Short: "Leavers who still have Zoom, Zoom users with no employee, department mismatches",
		Long: `Compare the imported HR roster (zoomsight roster import) with Zoom: leavers
(terminated, or a termination date that has passed) who still have an
active Zoom user, a pending licensed invitation or an add-on; Zoom users no
employee matches (external domains, service accounts, orphans); and users
whose department differs. Each org's accounts are compared with that org's
roster (--org; the only org when there is one).`,
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
		// Without a roster every user would be "no employee": say so on
		// stderr and list nothing.
		imported, err := insight.RosterImported(cmd.Context(), a.Store, orgName(o))
		if err != nil {
			return err
		}
		var rows []insight.RosterFinding
		if !imported {
			fmt.Fprintln(cmd.ErrOrStderr(), insight.NoRoster+" (zoomsight roster import FILE)")
		} else if rows, err = insight.RosterFindings(cmd.Context(), a.Store, insight.RosterOptions{Org: orgName(o), Account: account, Config: cfg.Roster}); err != nil {
			return err
		}
		if format == "json" {
			if rows == nil {
				rows = []insight.RosterFinding{}
			}
			return writeJSON(cmd.OutOrStdout(), rows)
		}
		return writeItems(cmd.OutOrStdout(), format, rows, "employee_status", "matched_by")
	}
	formatFlag(cmd, &format, "table", rowFormats, "a table leaves out employee_status and matched_by")
	orgFlag(cmd, &org)
	cmd.Flags().StringVar(&account, "account", "", "only this linked account")
	return cmd
}

// newSimRosterCommand prints the HR roster of a simulated tenant: the same
// seed, users and plan as zoomsight sim give the same tenant.
func newSimRosterCommand() *cobra.Command {
	var (
		seed  int64
		users int
		plan  string
		days  int
		hr    bool
	)
	cmd := &cobra.Command{
		Use:   "roster",
		Short: "Print the HR roster (CSV) of the simulated tenant with the same seed",
		Long: `Print, as CSV, an HR roster for the first account of the simulator started
with the same --seed, --users, --plan and --days: mostly the tenant's
users, with planted leavers, orphans, department mismatches and addresses at
an alias domain (corp.<domain>). docs/simulator.md says what is planted.

The columns carry zoomsight's field names, so zoomsight roster import reads
the file as it is; --hr-columns names them as an HR system would ("Work
Email", "Employee ID", …), to try roster import --map.`,
		Example: `  zoomsight sim roster --seed 1 --users 1000 > roster.csv
  zoomsight roster import roster.csv --alias-domain corp.example.com=example.com`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			p, err := zoom.ParsePlan(plan)
			if err != nil {
				return fmt.Errorf("--plan: %w", err)
			}
			s, err := zoomsim.NewServer(zoomsim.Options{Seed: seed, Users: users, Plan: p, Days: days})
			if err != nil {
				return err
			}
			t := s.Tenant(s.Credentials()[0].AccountID)
			if hr {
				return t.Roster().WriteCSV(cmd.OutOrStdout())
			}
			return t.Roster().WriteCSVHeader(cmd.OutOrStdout(), zoomsim.RosterFieldHeader)
		},
	}
	cmd.Flags().Int64Var(&seed, "seed", 1, "seed of the simulated tenants")
	cmd.Flags().IntVar(&users, "users", 1000, "users per account")
	cmd.Flags().StringVar(&plan, "plan", "pro", "plan: free, pro or business")
	cmd.Flags().IntVar(&days, "days", 30, "days of history")
	cmd.Flags().BoolVar(&hr, "hr-columns", false, "name the columns as an HR system would, for roster import --map")
	return cmd
}

func newExportAccountsCommand(g *globals) *cobra.Command {
	var format, account string
	cmd := &cobra.Command{
		Use:   "accounts",
		Short: "Export Zoom users and their entitlements for identity-governance tools",
		Long: `Export every synced Zoom user as an account with its entitlements (licence,
role, groups), status and last login: the aggregation feed identity-
governance tools (SailPoint, Saviynt, …) import. csv puts multi-valued
attributes (groups, entitlements) in one column separated by |, as do
table and wide.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			a, err := g.openExisting(cmd.Context())
			if err != nil {
				return err
			}
			defer a.Close()
			accts, err := insight.GovernanceAccounts(cmd.Context(), a.Store, account)
			if err != nil {
				return err
			}
			if format == "json" {
				if accts == nil {
					accts = []insight.GovernanceAccount{}
				}
				return writeJSON(cmd.OutOrStdout(), map[string]any{"accounts": accts})
			}
			type row struct {
				NativeIdentity string   `json:"native_identity"`
				Account        string   `json:"account"`
				ZoomAccountID  string   `json:"zoom_account_id"`
				Email          string   `json:"email"`
				DisplayName    string   `json:"display_name"`
				Status         string   `json:"status"`
				Disabled       bool     `json:"disabled"`
				LicenseType    string   `json:"license_type"`
				Role           string   `json:"role"`
				Groups         []string `json:"groups"`
				LastLogin      string   `json:"last_login"`
				Created        string   `json:"created"`
				Entitlements   []string `json:"entitlements"`
			}
			rows := make([]row, len(accts))
			for i, x := range accts {
				ents := make([]string, len(x.Entitlements))
				for j, e := range x.Entitlements {
					ents[j] = e.Type + ":" + e.Value
				}
				rows[i] = row{x.NativeIdentity, x.Account, x.ZoomAccountID, x.Email, x.DisplayName, x.Status, x.Disabled, x.LicenseType,
					x.Role, x.Groups, x.LastLogin, x.Created, ents}
			}
			return writeItems(cmd.OutOrStdout(), format, rows)
		},
	}
	formatFlag(cmd, &format, "json", rowFormats, "")
	cmd.Flags().StringVar(&account, "account", "", "only this linked account")
	return cmd
}
