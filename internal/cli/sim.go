package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/zoomsight/zoomsight/zoom"
	"github.com/zoomsight/zoomsight/zoomsim"
)

func newSimCommand() *cobra.Command {
	var (
		addr, plan, faults          string
		hookURL, hookEnv            string
		seed                        int64
		users, accounts, subs, days int
		noLimits, singleS2S         bool
		pageTTL                     time.Duration
		scopes                      []string
	)
	cmd := &cobra.Command{
		Use:   "sim",
		Short: "Run the Zoom API simulator",
		Long: `Run a Zoom API simulator with generated tenants.

It prints one JSON line with the API and OAuth URLs and each account's app
credentials, then serves until interrupted. Point zoomsight (or any Zoom
client) at api_url and oauth_url. On stderr it prints commands to paste in
another shell: export lines for the sync quick path and an account add line
per account. docs/simulator.md lists the endpoints, quirks and the /_sim/
admin API.`,
		Example: `  zoomsight sim --users 1000 --plan business
  zoomsight sim --addr 127.0.0.1:8099 --faults 5xx=0.05,429=0.1,html429`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			p, err := zoom.ParsePlan(plan)
			if err != nil {
				return fmt.Errorf("--plan: %w", err)
			}
			f, err := zoomsim.ParseFaults(faults)
			if err != nil {
				return fmt.Errorf("--faults: %w", err)
			}
			if users < 1 || users > 1_000_000 {
				return fmt.Errorf("--users must be between 1 and 1000000, not %d", users)
			}
			opts := zoomsim.Options{
				Seed: seed, Users: users, Plan: p, Accounts: accounts, SubAccounts: subs, Days: days,
				NoRateLimits: noLimits, S2SSingleToken: singleS2S, PageTokenTTL: pageTTL, Faults: f,
			}
			if cmd.Flags().Changed("scopes") {
				opts.Scopes = scopes
			}
			if hookURL != "" {
				// The secret comes from the environment, never a flag
				// (ps and shell history would show it).
				opts.WebhookURL, opts.WebhookSecret = hookURL, strings.TrimSpace(os.Getenv(hookEnv))
				if hookEnv == "" || opts.WebhookSecret == "" {
					return fmt.Errorf("--webhook-url needs --webhook-secret-env VAR naming a variable that holds the webhook secret token")
				}
			}
			s, err := zoomsim.NewServer(opts)
			if err != nil {
				return err
			}
			srv, _, err := s.Start(addr)
			if err != nil {
				return err
			}
			line, _ := json.Marshal(map[string]any{"api_url": s.APIURL, "oauth_url": s.OAuthURL, "accounts": s.Credentials()})
			fmt.Fprintln(cmd.OutOrStdout(), string(line))
			printPasteLines(cmd.ErrOrStderr(), s.APIURL, s.OAuthURL, s.Credentials())
			fmt.Fprintln(cmd.ErrOrStderr(), "# serving until interrupted (Ctrl-C)")
			<-cmd.Context().Done()
			ctx, cancel := contextWithTimeout(5 * time.Second)
			defer cancel()
			if err := srv.Shutdown(ctx); err != nil && err != http.ErrServerClosed {
				return err
			}
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&addr, "addr", "127.0.0.1:0", "address to listen on (port 0 picks a free one)")
	fl.Int64Var(&seed, "seed", 1, "seed of the generated tenants: the same seed, the same tenants")
	fl.IntVar(&users, "users", 1000, "users per account")
	fl.StringVar(&plan, "plan", "pro", "plan of every account: free, pro or business")
	fl.IntVar(&accounts, "accounts", 1, "number of independent accounts")
	fl.IntVar(&subs, "sub-accounts", 0, "sub-accounts under the first account (which becomes a master)")
	fl.IntVar(&days, "days", 30, "days of meeting, activity and log history")
	fl.StringVar(&faults, "faults", "", "faults to inject, e.g. 5xx=0.05,429=0.1,html429,truncate=0.01,revoke=0.01,latency=20ms; hang=api, hang=token or endless (see docs/simulator.md)")
	fl.BoolVar(&noLimits, "no-rate-limits", false, "turn rate limiting off")
	fl.BoolVar(&singleS2S, "s2s-single-token", false, "a new S2S mint invalidates the app's previous token, as Zoom did before multiple-token support (by default several stay valid, as on today's Zoom)")
	fl.DurationVar(&pageTTL, "page-token-ttl", 15*time.Minute, "lifetime of next_page_token values")
	fl.StringSliceVar(&scopes, "scopes", nil, "scopes granted to every app (default: all)")
	fl.StringVar(&hookURL, "webhook-url", "", "send admin changes as signed Zoom webhooks to this URL ({account_id} is replaced), e.g. http://127.0.0.1:8080/webhooks/zoom/acme")
	fl.StringVar(&hookEnv, "webhook-secret-env", "", "environment variable holding the webhook secret token the events are signed with")
	cmd.AddCommand(newSimRosterCommand())
	cmd.AddCommand(newSimNetworkCommand()) // simnetwork.go
	return cmd
}

// printPasteLines shows how to point zoomsight at the simulator, ready to
// paste: the environment for sync's quick path, and account add for each
// account. The secrets are the simulator's own, made up for it.
func printPasteLines(w io.Writer, apiURL, oauthURL string, creds []zoomsim.Credentials) {
	if len(creds) == 0 {
		return
	}
	c := creds[0]
	fmt.Fprintf(w, "\n# In another shell, sync the first account (zoomsight sync links it as \"default\"):\n")
	fmt.Fprintf(w, "export ZOOM_ACCOUNT_ID=%s ZOOM_CLIENT_ID=%s ZOOM_CLIENT_SECRET=%s ZOOM_API_URL=%s ZOOM_OAUTH_URL=%s\n",
		shellQuote(c.AccountID), shellQuote(c.ClientID), shellQuote(c.ClientSecret), shellQuote(apiURL), shellQuote(oauthURL))
	fmt.Fprintf(w, "zoomsight sync\n")
	fmt.Fprintf(w, "# or link accounts by name (the secret is read from the environment):\n")
	for i, c := range creds {
		name := "sim"
		if len(creds) > 1 {
			name = fmt.Sprintf("sim%d", i+1)
		}
		fmt.Fprintf(w, "ZOOM_CLIENT_SECRET=%s zoomsight account add %s --account-id %s --client-id %s --client-secret-env ZOOM_CLIENT_SECRET --api-url %s --oauth-url %s\n",
			shellQuote(c.ClientSecret), name, shellQuote(c.AccountID), shellQuote(c.ClientID), shellQuote(apiURL), shellQuote(oauthURL))
	}
}

// shellQuote quotes s for a POSIX shell when it needs it.
func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./:=@", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
