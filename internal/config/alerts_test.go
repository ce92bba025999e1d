package config

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestAlertsSection(t *testing.T) {
	load := func(t *testing.T, text string) (Config, error) {
		path := filepath.Join(t.TempDir(), "z.yaml")
		if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		c := Default()
		err := c.LoadFile(path)
		if err != nil {
			err = errorsOf(err, path)
		}
		return c, err
	}
	c, err := load(t, `listen: 127.0.0.1:9000
alerts:
  evaluate_every: 30s
  repeat_interval: 2h
  inactive_days: 60
  disable: [licensed_inactive]
  group_by: [alertname]
  org_notifiers_private: true
  rules:
    - name: big_groups
      sql: SELECT account, name FROM zoom_group WHERE total_members > 500
      key: [account, name]
      labels: {team: it}
      severity: info
      for: 10m
      summary: "{{.name}} is big"
  notifiers:
    - {name: ops, type: webhook, url: "https://hooks.example.com/z", secret: s3cret-value}
    - {name: chat, type: slack, url: "https://hooks.slack.com/services/T/B/X", match: ["severity=critical"], send_resolved: false}
    - {name: mail, type: email, smtp: "mail.example.com:587", from: z@example.com, to: [it@example.com], username: z, password: pw}
`)
	if err != nil {
		t.Fatal(err)
	}
	a := c.Alerts
	if a == nil || a.EvaluateEvery != 30*time.Second || a.RepeatInterval != 2*time.Hour || a.InactiveDays != 60 || a.EventWindow != 24*time.Hour ||
		!slices.Equal(a.Disable, []string{"licensed_inactive"}) || !slices.Equal(a.GroupBy, []string{"alertname"}) || len(a.Rules) != 1 || len(a.Notifiers) != 3 ||
		!a.OrgNotifiersPrivate {
		t.Fatalf("alerts = %+v", a)
	}
	if r := a.Rules[0]; r.Name != "big_groups" || r.For != 10*time.Minute || r.Labels["team"] != "it" || r.Severity != "info" || !slices.Equal(r.Key, []string{"account", "name"}) {
		t.Fatalf("rule = %+v", r)
	}
	if n := a.Notifiers[1]; n.SendResolved || !slices.Equal(n.Match, []string{"severity=critical"}) || !a.Notifiers[0].SendResolved {
		t.Fatalf("notifiers = %+v", a.Notifiers)
	}
	if s := strings.Join([]string{a.Notifiers[0].Secret.String(), a.Notifiers[2].Password.String()}, " "); strings.Contains(s, "s3cret") || strings.Contains(s, "pw") {
		t.Fatalf("secrets print: %s", s)
	}
	_, err = load(t, `alerts:
  evaluate_every: 10ms
  inactive_days: 0
  rules:
    - {name: r1, sql: "SELECT 1", severity: urgent}
    - {name: r1, sql: "SELECT 2"}
    - {name: "Bad", sql: "SELECT 3"}
    - {name: r2, sqll: "x"}
  notifiers:
    - {name: n1, type: pager}
    - {name: n2, type: webhook, url: "https://x.example"}
    - {name: n3, type: email, smtp: nohost}
`)
	for _, want := range []string{
		"z.yaml:2: alerts.evaluate_every: want a duration such as 90s, 15m or 4h (at least 1s)",
		"z.yaml:3: alerts.inactive_days: want a whole number of days from 1 to 3650",
		`z.yaml:5: rule r1: severity "urgent": want critical, warning, info`,
		"z.yaml:6: alerts.rules: rule r1 given twice",
		`z.yaml:7: rule "Bad": a name is 1 to 63 lower-case letters`,
		`z.yaml:8: rule: unknown key "sqll"`,
		"z.yaml:8: rule r2: sql is missing",
		`z.yaml:10: notifier n1: type "pager": want webhook, slack or email`,
		"z.yaml:11: notifier n2: a webhook needs a secret",
		`z.yaml:12: notifier n3: smtp "nohost": want host:port`,
		"z.yaml:12: notifier n3: an email notifier needs from and to",
	} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v lacks %q", err, want)
		}
	}
}

// errorsOf names the file z.yaml in err's text, whatever its path.
func errorsOf(err error, path string) error {
	return &textError{strings.ReplaceAll(err.Error(), path, "z.yaml")}
}

type textError struct{ s string }

func (e *textError) Error() string { return e.s }
