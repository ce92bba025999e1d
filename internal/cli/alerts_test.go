package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zoomsight/zoomsight/internal/alert"
	"github.com/zoomsight/zoomsight/internal/app"
	"github.com/zoomsight/zoomsight/internal/config"
	"github.com/zoomsight/zoomsight/internal/store"
)

// TestAlertsCommands: alerts test prints what a rule would fire and names
// a rule it does not know; alerts list shows the alerts and, on standard
// error, a notifier that cannot deliver and a rule that cannot run;
// silences are added, listed and expired.
func TestAlertsCommands(t *testing.T) {
	for _, d := range dbs {
		t.Run(d.name, func(t *testing.T) {
			t.Parallel()
			db := d.dsn(t)
			dir := t.TempDir()
			ctx := t.Context()
			a, err := app.Open(ctx, app.Config{DB: db, KeyFile: filepath.Join(dir, "key")})
			if err != nil {
				t.Fatal(err)
			}
			defer a.Close()
			acct := &store.Account{Name: "acme", Kind: "s2s", ZoomAccountID: "zacme", ClientID: "c"}
			if err := a.Store.InsertAccount(ctx, acct); err != nil {
				t.Fatal(err)
			}
			if err := a.Store.PutAccountInfo(ctx, 1, acct.ID, &store.AccountInfo{ZoomAccountID: "zacme", Name: "Acme Corp", AccountType: "Pro"}); err != nil {
				t.Fatal(err)
			}
			good := `alerts:
  no_builtin: true
  rules:
    - name: account_seen
      sql: SELECT account, name FROM zoom_account
      key: [account]
      summary: "{{.name}} is synced"
  notifiers:
    - name: hook
      type: webhook
      url: http://127.0.0.1:1/unreachable
      secret: not-a-real-secret
`
			cfgFile := filepath.Join(dir, "zoomsight.yaml")
			if err := os.WriteFile(cfgFile, []byte(good), 0o600); err != nil {
				t.Fatal(err)
			}
			base := []string{"--db", db, "--config", cfgFile}
			out, errOut, code := run(t, nil, append([]string{"alerts", "test", "account_seen", "-o", "csv"}, base...)...)
			if code != 0 || !strings.Contains(out, "fire,new,warning,Acme Corp is synced") || !strings.Contains(errOut, "account_seen (config): 1 alerts") {
				t.Fatalf("alerts test: %d\n%s\n%s", code, out, errOut)
			}
			if _, errOut, code := run(t, nil, append([]string{"alerts", "test", "nope"}, base...)...); code == 0 || !strings.Contains(errOut, `no rule "nope"; rules: account_seen`) {
				t.Fatalf("alerts test nope: %d %s", code, errOut)
			}

			// serve would evaluate and try to deliver; do it here.
			cfg := config.Default()
			if err := cfg.LoadFile(cfgFile); err != nil {
				t.Fatal(err)
			}
			svc, err := alert.New(a.Store, cfg.Alerts)
			if err != nil {
				t.Fatal(err)
			}
			if res, err := svc.Evaluate(ctx, ""); err != nil || res.Enqueued != 1 {
				t.Fatalf("evaluate: %+v %v", res, err)
			}
			if n, err := svc.Dispatcher.Flush(ctx); n != 0 || err != nil {
				t.Fatalf("flush to an unreachable notifier: %d %v", n, err)
			}
			out, errOut, code = run(t, nil, append([]string{"alerts", "list", "-o", "csv"}, base...)...)
			if code != 0 || !strings.Contains(out, "firing,account_seen,warning,acme,") ||
				!strings.Contains(errOut, "notifier hook: 1 notifications waiting, 1 failed; last error: hook: Post") || !strings.Contains(errOut, "refused") {
				t.Fatalf("alerts list: %d\n%s\n%s", code, out, errOut)
			}
			// A rule that cannot run is named.
			broken := strings.Replace(good, "  notifiers:", "    - name: broken\n      sql: SELECT secret FROM accounts\n  notifiers:", 1)
			if err := os.WriteFile(cfgFile, []byte(broken), 0o600); err != nil {
				t.Fatal(err)
			}
			if _, errOut, code := run(t, nil, append([]string{"alerts", "list"}, base...)...); code != 0 || !strings.Contains(errOut, "rule broken: unknown view accounts") {
				t.Fatalf("alerts list with a broken rule: %d %s", code, errOut)
			}

			out, errOut, code = run(t, nil, "alerts", "silence", "--db", db, "--match", "alertname=account_seen", "--match", "account=~ac.*", "--for", "2h", "--comment", "known")
			if code != 0 || !strings.HasPrefix(out, "silence 1 until ") {
				t.Fatalf("alerts silence: %d %s %s", code, out, errOut)
			}
			out, _, _ = run(t, nil, "alerts", "list", "-o", "csv", "--db", db)
			if !strings.Contains(out, "firing,account_seen,warning,acme,") || !strings.Contains(strings.Split(out, "\n")[1], ",1,") {
				t.Fatalf("alerts list does not show the silence: %s", out)
			}
			if out, _, _ := run(t, nil, "alerts", "silence", "list", "-o", "csv", "--db", db); !strings.Contains(out, "alertname=account_seen account=~ac.*") {
				t.Fatalf("alerts silence list: %s", out)
			}
			for _, bad := range [][]string{{"--match", "nope", "--for", "1h"}, {"--for", "1h"}, {"--match", "a=b"}} {
				if _, errOut, code := run(t, nil, append([]string{"alerts", "silence", "--db", db}, bad...)...); code == 0 || strings.Count(errOut, "\n") != 1 {
					t.Errorf("alerts silence %v: %d %q", bad, code, errOut)
				}
			}
			if out, errOut, code := run(t, nil, "alerts", "silence", "expire", "1", "--db", db); code != 0 || out != "silence 1 expired\n" {
				t.Fatalf("expire: %d %s %s", code, out, errOut)
			}
			if out, _, _ := run(t, nil, "alerts", "silence", "list", "-o", "csv", "--db", db); strings.Contains(out, "account_seen") {
				t.Fatalf("an expired silence is listed: %s", out)
			}
		})
	}
}
