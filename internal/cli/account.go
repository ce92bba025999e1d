package cli

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/zoomsight/zoomsight/internal/app"
	"github.com/zoomsight/zoomsight/internal/secret"
	"github.com/zoomsight/zoomsight/internal/store"
)

func newAccountCommand(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "account", Short: "Link, list, test and remove Zoom accounts"}
	cmd.AddCommand(newAccountAdd(g), newAccountSet(g), newAccountList(g), newAccountRemove(g), newAccountTest(g))
	return cmd
}

// readSecret takes a client secret from a file or an environment variable,
// never from a flag value, so that it does not show in ps or shell history.
func readSecret(g *globals, file, env string) (secret.String, error) {
	s, err := readSecretFrom(g, "client-secret", file, env)
	if err == nil && s == "" {
		err = errors.New("the client secret is missing: give --client-secret-file FILE or --client-secret-env VAR")
	}
	return s, err
}

// readSecretFrom reads the secret that --FLAG-file or --FLAG-env names,
// or "" when neither is given.
func readSecretFrom(g *globals, flag, file, env string) (secret.String, error) {
	switch {
	case file != "" && env != "":
		return "", fmt.Errorf("give --%s-file or --%s-env, not both", flag, flag)
	case file != "":
		b, err := os.ReadFile(file)
		if err != nil {
			return "", fmt.Errorf("reading --%s-file: %w", flag, err)
		}
		s := strings.TrimSpace(string(b))
		if s == "" {
			return "", fmt.Errorf("--%s-file %s is empty", flag, file)
		}
		return secret.String(s), nil
	case env != "":
		s := strings.TrimSpace(g.getenv(env))
		if s == "" {
			return "", fmt.Errorf("environment variable %s (from --%s-env) is empty or unset", env, flag)
		}
		return secret.String(s), nil
	}
	return "", nil
}

func parseInterval(s string) (time.Duration, error) {
	if s == "disabled" || s == "off" || s == "0" {
		return 0, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < time.Second {
		return 0, fmt.Errorf("--interval must be a duration of at least 1s (e.g. 1h) or disabled, not %q", s)
	}
	return d, nil
}

func newAccountAdd(g *globals) *cobra.Command {
	var in app.LinkS2S
	var secretFile, secretEnv, interval, features, rtFile, rtEnv string
	var oauthApp, noBrowser, paste bool
	var redirectPort int
	var timeout time.Duration
	cmd := &cobra.Command{
		Use:   "add NAME",
		Short: "Link a Zoom account through a Server-to-Server or an admin-managed OAuth app",
		Long: `Link a Zoom account.

A Server-to-Server OAuth app needs --account-id, --client-id and the client
secret. An admin-managed OAuth app (--oauth-app) needs --client-id and the
secret; an admin approves it in the browser, Zoom redirects to
http://localhost:PORT (register that as the app's redirect URL), and the
account id comes from Zoom. When that redirect cannot reach this machine
(a remote host, a browser elsewhere), --paste prints the authorize URL and
reads the address the browser landed on from standard input. An admin who
already holds a refresh token of the app gives it with --refresh-token-file
or --refresh-token-env instead of approving again. The client secret and
tokens are read from files or environment variables, never from flags.

The credentials are checked with Zoom before anything is stored: a token
is minted and GET /users/me (or /accounts/me) read, and a wrong account id,
client id or secret, or a missing scope fails at once, saying which.
--no-verify skips that for offline setup.

A name already linked is refused. --replace (or zoomsight account set)
changes the credentials of the same Zoom account; an OAuth link's old
tokens are revoked first. A different Zoom account is never linked under an
existing name.

--features chooses the parts synced and demanded of the app's scopes by
account test: identity (required: the rest builds on it), activity,
meetings.`,
		Example: `  zoomsight account add acme --account-id AbC123 --client-id XyZ --client-secret-env ZOOM_CLIENT_SECRET
  zoomsight account add acme --account-id AbC123 --client-id XyZ --client-secret-file secret.txt --features identity,activity
  zoomsight account add acme --oauth-app --client-id XyZ --client-secret-file secret.txt --redirect-port 4199
  zoomsight account add acme --oauth-app --client-id XyZ --client-secret-file secret.txt --paste
  zoomsight account add acme --oauth-app --client-id XyZ --client-secret-file secret.txt --refresh-token-file rt.txt
  zoomsight account add lab --account-id … --client-id … --client-secret-file secret.txt --api-url http://127.0.0.1:8099/v2 --oauth-url http://127.0.0.1:8099`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			in.Name = args[0]
			if oauthApp && in.AccountID != "" {
				return errors.New("--account-id is not used with --oauth-app: Zoom names the account of the admin who approves the app")
			}
			if !oauthApp && in.AccountID == "" {
				return errors.New("--account-id is required for a Server-to-Server app (or give --oauth-app for an admin-managed OAuth app)")
			}
			rt, err := readSecretFrom(g, "refresh-token", rtFile, rtEnv)
			if err != nil {
				return err
			}
			if !oauthApp && (paste || rt != "") {
				return errors.New("--paste and --refresh-token-file/-env link an admin-managed OAuth app: give --oauth-app")
			}
			if oauthApp && in.NoVerify {
				return errors.New("--no-verify is for Server-to-Server apps: linking an OAuth app needs Zoom's answer anyway")
			}
			if paste && rt != "" {
				return errors.New("give --paste or a refresh token, not both")
			}
			sec, err := readSecret(g, secretFile, secretEnv)
			if err != nil {
				return err
			}
			in.ClientSecret = sec
			if in.Interval, err = parseInterval(interval); err != nil {
				return err
			}
			if in.Interval > 0 && in.Interval < time.Minute {
				fmt.Fprintf(cmd.ErrOrStderr(), "warning: --interval %s syncs more than once a minute and spends Zoom's daily budget fast; it is meant for tests and demos\n", in.Interval)
			}
			if in.Features, err = app.ParseFeatures(features); err != nil {
				return err
			}
			a, err := g.open(cmd.Context())
			if err != nil {
				return err
			}
			defer a.Close()
			var acct *store.Account
			if oauthApp {
				lin := app.LinkOAuthApp{Name: in.Name, ClientID: in.ClientID, ClientSecret: in.ClientSecret,
					APIURL: in.APIURL, OAuthURL: in.OAuthURL, RedirectPort: redirectPort, Timeout: timeout, Interval: in.Interval, Org: in.Org,
					Features: in.Features, Replace: in.Replace}
				switch {
				case rt != "":
					acct, err = a.LinkOAuthRefresh(cmd.Context(), lin, rt)
				case paste:
					acct, err = a.LinkOAuthPaste(cmd.Context(), lin, func(u string) (string, error) {
						return promptPaste(cmd.ErrOrStderr(), cmd.InOrStdin(), u)
					})
				default:
					browse := !noBrowser && isTerminal(cmd.ErrOrStderr())
					acct, err = a.LinkOAuth(cmd.Context(), lin, func(u string) error { return presentURL(cmd.ErrOrStderr(), u, timeout, browse) })
				}
			} else {
				acct, err = a.AddS2S(cmd.Context(), in)
			}
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			fmt.Fprintf(w, "linked account %q (Zoom account %s)", acct.Name, acct.ZoomAccountID)
			if acct.LinkedByEmail != "" {
				fmt.Fprintf(w, ", approved by %s <%s>", acct.LinkedByName, acct.LinkedByEmail)
			}
			if in.NoVerify {
				fmt.Fprint(w, " without checking the credentials; check them with: zoomsight account test "+acct.Name)
			}
			fmt.Fprintf(w, "; sync it with: zoomsight sync %s\n", acct.Name)
			if rt != "" {
				fmt.Fprintln(cmd.ErrOrStderr(), "The refresh token given is now used up (Zoom rotates them); zoomsight keeps its successor.")
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&in.AccountID, "account-id", "", "Zoom account id of the Server-to-Server app")
	f.StringVar(&in.ClientID, "client-id", "", "the app's client id")
	f.StringVar(&secretFile, "client-secret-file", "", "file holding the app's client secret")
	f.StringVar(&secretEnv, "client-secret-env", "", "environment variable holding the app's client secret")
	f.StringVar(&in.APIURL, "api-url", "", "API base URL (default Zoom's)")
	f.StringVar(&in.OAuthURL, "oauth-url", "", "OAuth host (default https://zoom.us)")
	f.StringVar(&interval, "interval", "1h", "how often `serve` syncs it (at least 1s; under a minute is for tests and demos), or disabled: only when asked")
	f.StringVar(&in.Org, "org", "", "organisation to link the account to")
	f.StringVar(&features, "features", "", "parts to sync and demand scopes for: identity,activity,meetings (default all)")
	f.BoolVar(&in.Replace, "replace", false, "change the credentials of an account already linked under NAME (the same Zoom account)")
	f.BoolVar(&in.NoVerify, "no-verify", false, "store the credentials without checking them with Zoom (offline setup)")
	f.BoolVar(&oauthApp, "oauth-app", false, "link through an admin-managed OAuth app (authorization code) instead of Server-to-Server")
	f.IntVar(&redirectPort, "redirect-port", 4199, "with --oauth-app: the port of the app's redirect URL http://localhost:PORT")
	f.BoolVar(&noBrowser, "no-browser", false, "with --oauth-app: only print the authorize URL, do not open a browser")
	f.BoolVar(&paste, "paste", false, "with --oauth-app: print the authorize URL and read the address the browser landed on from standard input")
	f.StringVar(&rtFile, "refresh-token-file", "", "with --oauth-app: file holding a refresh token the app already issued")
	f.StringVar(&rtEnv, "refresh-token-env", "", "with --oauth-app: environment variable holding a refresh token the app already issued")
	f.DurationVar(&timeout, "timeout", app.DefaultAuthorizeTimeout, "with --oauth-app: how long to wait for the approval")
	_ = cmd.MarkFlagRequired("client-id")
	return cmd
}

// promptPaste shows the authorize URL and reads back, from in, the
// address the browser landed on.
func promptPaste(w io.Writer, in io.Reader, u string) (string, error) {
	fmt.Fprintf(w, "Open this URL in a browser (on any machine) and approve the app: %s\n", u)
	fmt.Fprintln(w, "The browser then lands on http://localhost:PORT/?code=… (an error page there is expected).")
	fmt.Fprint(w, "Paste that address here and press Enter: ")
	line, err := bufio.NewReader(in).ReadString('\n')
	if err != nil && (err != io.EOF || strings.TrimSpace(line) == "") {
		return "", fmt.Errorf("no address on standard input: %w", err)
	}
	return line, nil
}

// newAccountSet changes a linked account's credentials or settings.
func newAccountSet(g *globals) *cobra.Command {
	var accountID, clientID, secretFile, secretEnv, apiURL, oauthURL, interval, features, hookFile, hookEnv string
	var noVerify bool
	cmd := &cobra.Command{
		Use:   "set NAME [flags]",
		Short: "Change a linked account's credentials or settings",
		Long: `Change the credentials (client id, client secret) or settings (--interval,
--features, hosts) of a linked account. New credentials are checked with
Zoom before they are stored (--no-verify skips that) and must be for the
same Zoom account: a different one is never linked under an existing name.
An OAuth app's new client secret is checked with a refresh; a different
OAuth app needs a new approval: account add NAME --oauth-app --replace.`,
		Example: `  zoomsight account set acme --client-secret-file new-secret.txt
  zoomsight account set acme --features identity,activity --interval 6h
  zoomsight account set acme --webhook-secret-file zoom-webhook-secret.txt`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var ch app.AccountChange
			ch.AccountID, ch.ClientID, ch.NoVerify = accountID, clientID, noVerify
			sec, err := readSecretFrom(g, "client-secret", secretFile, secretEnv)
			if err != nil {
				return err
			}
			if sec != "" {
				ch.ClientSecret = []byte(sec.Reveal())
			}
			fl := cmd.Flags()
			if fl.Changed("api-url") {
				ch.APIURL = &apiURL
			}
			if fl.Changed("oauth-url") {
				ch.OAuthURL = &oauthURL
			}
			if fl.Changed("interval") {
				iv, err := parseInterval(interval)
				if err != nil {
					return err
				}
				ch.Interval = &iv
				if iv > 0 && iv < time.Minute {
					fmt.Fprintf(cmd.ErrOrStderr(), "warning: --interval %s syncs more than once a minute and spends Zoom's daily budget fast; it is meant for tests and demos\n", iv)
				}
			}
			if fl.Changed("features") {
				fs, err := app.ParseFeatures(features)
				if err != nil {
					return err
				}
				ch.Features = &fs
			}
			hook, err := readSecretFrom(g, "webhook-secret", hookFile, hookEnv)
			if err != nil {
				return err
			}
			onlyHook := ch.AccountID == "" && ch.ClientID == "" && ch.ClientSecret == nil && ch.APIURL == nil && ch.OAuthURL == nil && ch.Interval == nil && ch.Features == nil
			if onlyHook && hook == "" {
				return errors.New("nothing to change: give --client-id, --client-secret-file/-env, --webhook-secret-file/-env, --interval, --features, --api-url or --oauth-url")
			}
			a, err := g.open(cmd.Context())
			if err != nil {
				return err
			}
			defer a.Close()
			if hook != "" {
				// Stored sealed; never printed.
				if err := a.SetWebhookSecret(cmd.Context(), args[0], hook); err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "stored the webhook secret token of account %q\n", args[0])
				if onlyHook {
					return nil
				}
			}
			acct, err := a.SetAccount(cmd.Context(), args[0], ch)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "updated account %q (Zoom account %s)\n", acct.Name, acct.ZoomAccountID)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&accountID, "account-id", "", "the account's Zoom account id, checked: it cannot change")
	f.StringVar(&clientID, "client-id", "", "the app's new client id")
	f.StringVar(&secretFile, "client-secret-file", "", "file holding the app's new client secret")
	f.StringVar(&secretEnv, "client-secret-env", "", "environment variable holding the app's new client secret")
	f.StringVar(&hookFile, "webhook-secret-file", "", "file holding the Zoom app's webhook secret token (serve verifies /webhooks/zoom/NAME with it)")
	f.StringVar(&hookEnv, "webhook-secret-env", "", "environment variable holding the Zoom app's webhook secret token")
	f.StringVar(&apiURL, "api-url", "", "API base URL (\"\" for Zoom's)")
	f.StringVar(&oauthURL, "oauth-url", "", "OAuth host (\"\" for https://zoom.us)")
	f.StringVar(&interval, "interval", "1h", "how often `serve` syncs it (a running serve follows at once; at least 1s), or disabled")
	f.StringVar(&features, "features", "", "parts to sync and demand scopes for: identity,activity,meetings, or all")
	f.BoolVar(&noVerify, "no-verify", false, "store new credentials without checking them with Zoom")
	return cmd
}

// presentURL shows the admin where to approve the app, and opens a
// browser there when asked to. A browser that fails to start is not an
// error: the URL is on the screen.
func presentURL(w io.Writer, u string, timeout time.Duration, browse bool) error {
	fmt.Fprintf(w, "Open this URL to authorize: %s\n", u)
	if browse {
		if err := openBrowser(u); err != nil {
			fmt.Fprintf(w, "(could not start a browser: %v; open the URL yourself)\n", err)
		}
	}
	fmt.Fprintf(w, "Waiting up to %s for the approval (Ctrl-C to cancel)…\n", timeout)
	return nil
}

// openBrowser starts the desktop's browser on u without waiting for it.
func openBrowser(u string) error {
	var c *exec.Cmd
	switch runtime.GOOS {
	case "darwin":
		c = exec.Command("open", u)
	case "windows":
		c = exec.Command("rundll32", "url.dll,FileProtocolHandler", u)
	default:
		c = exec.Command("xdg-open", u)
	}
	if err := c.Start(); err != nil {
		return err
	}
	go func() { _ = c.Wait() }() // reap it; xdg-open exits as soon as it handed over
	return nil
}

func newAccountList(g *globals) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List linked accounts",
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
			accts, err := a.Store.Accounts(cmd.Context())
			if err != nil {
				return err
			}
			cols := []string{"name", "kind", "zoom_account_id", "client_id", "api_url", "interval", "last_sync", "status", "features", "linked_by", "linked_at"}
			for _, ac := range accts {
				// A database that cannot say is an error, not "never synced".
				runs, err := a.Store.Runs(cmd.Context(), ac.ID, 1)
				if err != nil {
					return fmt.Errorf("reading the syncs of account %q: %w", ac.Name, err)
				}
				last, status := "", "never synced"
				if len(runs) > 0 {
					last, status = runs[0].StartedAt.UTC().Format(time.RFC3339), runs[0].Status
				}
				iv := "disabled"
				if ac.Interval > 0 {
					iv = ac.Interval.String()
				}
				features, by, at := "all", "", ""
				if ac.Features != nil {
					features = strings.Join(ac.Features, ",")
				}
				if ac.LinkedByEmail != "" {
					by = fmt.Sprintf("%s <%s>", ac.LinkedByName, ac.LinkedByEmail)
				}
				if !ac.LinkedAt.IsZero() {
					at = ac.LinkedAt.UTC().Format(time.RFC3339)
				}
				if err := w.Row(cols, []any{ac.Name, ac.Kind, ac.ZoomAccountID, ac.ClientID, ac.APIURL, iv, last, status, features, by, at}); err != nil {
					return err
				}
			}
			return w.Close()
		},
	}
	formatFlag(cmd, &format, "table", rowFormats, "")
	return cmd
}

func newAccountRemove(g *globals) *cobra.Command {
	var purge, force bool
	cmd := &cobra.Command{
		Use:   "remove NAME --purge",
		Short: "Unlink an account and delete everything synced from it",
		Long: `Unlink an account and delete everything synced from it. An OAuth app's
tokens are revoked at Zoom first; if Zoom cannot be reached, nothing is
deleted unless --force.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if !purge {
				return errors.New("removing an account deletes all its synced data; confirm with --purge")
			}
			a, err := g.openExisting(cmd.Context())
			if err != nil {
				return err
			}
			defer a.Close()
			acct, err := a.Account(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			if err := a.Remove(cmd.Context(), acct, app.RemoveOptions{Force: force}); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "removed account %q and its data\n", acct.Name)
			return nil
		},
	}
	cmd.Flags().BoolVar(&purge, "purge", false, "confirm: delete the account's synced data")
	cmd.Flags().BoolVar(&force, "force", false, "delete even if the OAuth tokens could not be revoked")
	return cmd
}

func newAccountTest(g *globals) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "test NAME",
		Short: "Check an account's credentials and which features its app's scopes and plan allow",
		Long: `Mint a token for the account (an OAuth app's tokens are refreshed), then make
the cheapest call of each feature and print which ones the app's scopes and
the account's plan allow, naming the scopes that are missing for the rest.
It exits non-zero when no token could be had or Zoom was unreachable, and,
for an account linked with --features, when a chosen part lacks a scope:
only the chosen parts are checked and demanded.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			a, err := g.openExisting(cmd.Context())
			if err != nil {
				return err
			}
			defer a.Close()
			acct, err := a.Account(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			res, err := a.TestAccount(cmd.Context(), acct)
			if err != nil {
				return err
			}
			switch format {
			case "json":
				err = writeJSON(cmd.OutOrStdout(), res)
			case "csv":
				w, _ := newRowWriter(cmd.OutOrStdout(), format)
				for _, r := range res {
					if err = w.Row([]string{"feature", "status", "detail"}, []any{r.Feature, r.Status, featureDetail(r)}); err != nil {
						break
					}
				}
				if err == nil {
					err = w.Close()
				}
			default:
				err = writeFeatures(cmd.OutOrStdout(), acct, res)
			}
			if err != nil {
				return err
			}
			return app.Demanded(acct, res)
		},
	}
	formatFlag(cmd, &format, "table", rowFormats, "table and wide are the same here: scope names are never cut")
	return cmd
}

// writeFeatures prints TestAccount's results as a table. Scope names are
// the point of the output, so cells are never cut short.
func writeFeatures(w io.Writer, acct *store.Account, res []app.FeatureResult) error {
	ok := 0
	for _, r := range res {
		if r.Status == app.FeatureOK {
			ok++
		}
	}
	fmt.Fprintf(w, "account %q (Zoom account %s): token ok; %d of %d features available\n\n", acct.Name, acct.ZoomAccountID, ok, len(res))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "FEATURE\tSTATUS\tDETAIL")
	for _, r := range res {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", r.Feature, r.Status, featureDetail(r))
	}
	return tw.Flush()
}

// featureDetail says what a feature is, or why it is not available.
func featureDetail(r app.FeatureResult) string {
	switch r.Status {
	case app.FeatureMissingScope:
		var parts []string
		for _, m := range r.Missing {
			parts = append(parts, fmt.Sprintf("%s needs one of: %s", m.Call, strings.Join(m.AnyOf, ", ")))
		}
		return strings.Join(parts, "; ")
	case app.FeatureNotOnPlan, app.FeatureError:
		return r.Detail
	}
	return r.Description
}
