package cli

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/zoomsight/zoomsight/internal/app"
	"github.com/zoomsight/zoomsight/internal/secret"
)

func newAccountCommand(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "account", Short: "Link, list and remove Zoom accounts"}
	cmd.AddCommand(newAccountAdd(g), newAccountList(g), newAccountRemove(g))
	return cmd
}

// readSecret takes a client secret from a file or an environment variable,
// never from a flag value, so that it does not show in ps or shell history.
func readSecret(g *globals, file, env string) (secret.String, error) {
	switch {
	case file != "" && env != "":
		return "", errors.New("give --client-secret-file or --client-secret-env, not both")
	case file != "":
		b, err := os.ReadFile(file)
		if err != nil {
			return "", fmt.Errorf("reading --client-secret-file: %w", err)
		}
		s := strings.TrimSpace(string(b))
		if s == "" {
			return "", fmt.Errorf("--client-secret-file %s is empty", file)
		}
		return secret.String(s), nil
	case env != "":
		s := strings.TrimSpace(g.getenv(env))
		if s == "" {
			return "", fmt.Errorf("environment variable %s (from --client-secret-env) is empty or unset", env)
		}
		return secret.String(s), nil
	}
	return "", errors.New("the client secret is missing: give --client-secret-file FILE or --client-secret-env VAR")
}

func parseInterval(s string) (time.Duration, error) {
	if s == "disabled" || s == "off" || s == "0" {
		return 0, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < time.Minute {
		return 0, fmt.Errorf("--interval must be a duration of at least 1m (e.g. 1h) or disabled, not %q", s)
	}
	return d, nil
}

func newAccountAdd(g *globals) *cobra.Command {
	var in app.LinkS2S
	var secretFile, secretEnv, interval string
	cmd := &cobra.Command{
		Use:   "add NAME",
		Short: "Link a Zoom account through a Server-to-Server OAuth app",
		Example: `  zoomsight account add acme --account-id AbC123 --client-id XyZ --client-secret-env ZOOM_CLIENT_SECRET
  zoomsight account add lab --account-id … --client-id … --client-secret-file secret.txt --api-url http://127.0.0.1:8099/v2 --oauth-url http://127.0.0.1:8099`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			in.Name = args[0]
			sec, err := readSecret(g, secretFile, secretEnv)
			if err != nil {
				return err
			}
			in.ClientSecret = sec
			if in.Interval, err = parseInterval(interval); err != nil {
				return err
			}
			a, err := g.open(cmd.Context())
			if err != nil {
				return err
			}
			defer a.Close()
			acct, err := a.AddS2S(cmd.Context(), in)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "linked account %q (Zoom account %s); sync it with: zoomsight sync %s\n", acct.Name, acct.ZoomAccountID, acct.Name)
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
	f.StringVar(&interval, "interval", "1h", "how often `serve` syncs it, or disabled")
	f.StringVar(&in.Org, "org", "", "organisation to link the account to")
	_ = cmd.MarkFlagRequired("account-id")
	_ = cmd.MarkFlagRequired("client-id")
	return cmd
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
			a, err := g.open(cmd.Context())
			if err != nil {
				return err
			}
			defer a.Close()
			accts, err := a.Store.Accounts(cmd.Context())
			if err != nil {
				return err
			}
			cols := []string{"name", "kind", "zoom_account_id", "client_id", "api_url", "interval", "last_sync", "status"}
			for _, ac := range accts {
				last, status := "", "never synced"
				if runs, err := a.Store.Runs(cmd.Context(), ac.ID, 1); err == nil && len(runs) > 0 {
					last, status = runs[0].StartedAt.UTC().Format(time.RFC3339), runs[0].Status
				}
				iv := "disabled"
				if ac.Interval > 0 {
					iv = ac.Interval.String()
				}
				if err := w.Row(cols, []any{ac.Name, ac.Kind, ac.ZoomAccountID, ac.ClientID, ac.APIURL, iv, last, status}); err != nil {
					return err
				}
			}
			return w.Close()
		},
	}
	cmd.Flags().StringVar(&format, "format", "table", "output format: table, json or csv")
	return cmd
}

func newAccountRemove(g *globals) *cobra.Command {
	var purge bool
	cmd := &cobra.Command{
		Use:   "remove NAME --purge",
		Short: "Unlink an account and delete everything synced from it",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if !purge {
				return errors.New("removing an account deletes all its synced data; confirm with --purge")
			}
			a, err := g.open(cmd.Context())
			if err != nil {
				return err
			}
			defer a.Close()
			acct, err := a.Account(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			if err := a.Remove(cmd.Context(), acct); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "removed account %q and its data\n", acct.Name)
			return nil
		},
	}
	cmd.Flags().BoolVar(&purge, "purge", false, "confirm: delete the account's synced data")
	return cmd
}
