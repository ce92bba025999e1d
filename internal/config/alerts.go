package config

import (
	"fmt"
	"net"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v4"

	"github.com/zoomsight/zoomsight/internal/secret"
)

// Alerts is the alerts section of serve's file (docs/monitoring.md,
// "Alerts"): settings of the built-in rules, the operator's own rules and
// the notifiers. Rules' SQL is checked against the database when serve
// starts (internal/alert), not here.
type Alerts struct {
	// EvaluateEvery is the timer that moves pending alerts to firing
	// after their `for`, repeats and un-silences (default 1m).
	EvaluateEvery time.Duration
	// RepeatInterval re-sends a still-firing alert (default 4h).
	RepeatInterval time.Duration
	// GroupBy labels group alerts into one notification (default
	// alertname, account).
	GroupBy []string
	// InactiveDays is the built-in licensed_inactive rule's threshold
	// (default 90); EventWindow how long a change event keeps its alert
	// firing (default 24h).
	InactiveDays int
	EventWindow  time.Duration
	// Disable names built-in rules not to evaluate; NoBuiltin turns the
	// whole pack off.
	Disable   []string
	NoBuiltin bool
	Rules     []AlertRule
	Notifiers []Notifier
	// OrgNotifiersPrivate lets the notifiers orgs register through the
	// REST API connect to loopback, private and link-local addresses
	// (default false: public addresses only).
	OrgNotifiersPrivate bool
}

// AlertRule is a rule from the file.
type AlertRule struct {
	Line     int
	Name     string
	SQL      string
	Labels   map[string]string
	Key      []string
	Severity string
	For      time.Duration
	Summary  string
}

// Notifier is where notifications go.
type Notifier struct {
	Line int
	Name string
	Type string // webhook, slack, email
	URL  string // webhook, slack
	// Secret signs webhook bodies (HMAC-SHA256).
	Secret secret.String
	// SMTP: host:port, sender, recipients, credentials. STARTTLS is
	// required unless Insecure (plain SMTP on a trusted network).
	SMTP     string
	From     string
	To       []string
	Username string
	Password secret.String
	Insecure bool
	// Match restricts the notifier to alerts whose labels match all of
	// these (label=value, label!=value, label=~regexp, label!~regexp).
	Match []string
	// SendResolved sends resolved notifications (default true).
	SendResolved bool
}

// DefaultAlerts is the alerts section when the file has none or leaves
// keys out.
func DefaultAlerts() Alerts {
	return Alerts{EvaluateEvery: time.Minute, RepeatInterval: 4 * time.Hour, GroupBy: []string{"alertname", "account"},
		InactiveDays: 90, EventWindow: 24 * time.Hour}
}

var (
	alertKeys    = []string{"evaluate_every", "repeat_interval", "group_by", "inactive_days", "event_window", "disable", "no_builtin", "rules", "notifiers", "org_notifiers_private"}
	ruleKeys     = []string{"name", "sql", "labels", "key", "severity", "for", "summary"}
	notifierKeys = []string{"name", "type", "url", "secret", "smtp", "from", "to", "username", "password", "insecure", "match", "send_resolved"}
	// RuleName is what a rule's (and a notifier's) name looks like.
	RuleName = regexp.MustCompile(`^[a-z][a-z0-9_]{0,62}$`)
	// Severities are the severities a rule may have.
	Severities = []string{"critical", "warning", "info"}
)

// problems collects an alerts section's bad lines.
type problems []Problem

func (p problems) Error() string { return fmt.Sprintf("%d problems", len(p)) }

func (p *problems) add(line int, format string, args ...any) {
	*p = append(*p, Problem{line, fmt.Sprintf(format, args...)})
}

// parseAlerts reads the alerts section; every bad line is reported.
func parseAlerts(v *yaml.Node) (*Alerts, error) {
	a := DefaultAlerts()
	var ps problems
	if v.Kind != yaml.MappingNode {
		ps.add(v.Line, "alerts: want a mapping of keys (%s)", strings.Join(alertKeys, ", "))
		return nil, ps
	}
	mapping(v, "alerts", alertKeys, &ps, func(k string, n *yaml.Node) {
		switch k {
		case "evaluate_every":
			a.EvaluateEvery = duration(n, "alerts.evaluate_every", time.Second, &ps)
		case "repeat_interval":
			a.RepeatInterval = duration(n, "alerts.repeat_interval", time.Minute, &ps)
		case "event_window":
			a.EventWindow = duration(n, "alerts.event_window", time.Minute, &ps)
		case "group_by":
			a.GroupBy = strs(n, "alerts.group_by", &ps)
		case "disable":
			a.Disable = strs(n, "alerts.disable", &ps)
		case "inactive_days":
			d, err := strconv.Atoi(n.Value)
			if n.Kind != yaml.ScalarNode || err != nil || d < 1 || d > 3650 {
				ps.add(n.Line, "alerts.inactive_days: want a whole number of days from 1 to 3650, not %q", n.Value)
			}
			a.InactiveDays = d
		case "no_builtin":
			b, err := strconv.ParseBool(n.Value)
			if n.Kind != yaml.ScalarNode || err != nil {
				ps.add(n.Line, "alerts.no_builtin: want true or false, not %q", n.Value)
			}
			a.NoBuiltin = b
		case "org_notifiers_private":
			b, err := strconv.ParseBool(n.Value)
			if n.Kind != yaml.ScalarNode || err != nil {
				ps.add(n.Line, "alerts.org_notifiers_private: want true or false, not %q", n.Value)
			}
			a.OrgNotifiersPrivate = b
		case "rules":
			a.Rules = list(n, "alerts.rules", &ps, func(item *yaml.Node) AlertRule { return parseRule(item, &ps) })
		case "notifiers":
			a.Notifiers = list(n, "alerts.notifiers", &ps, func(item *yaml.Node) Notifier { return parseNotifier(item, &ps) })
		}
	})
	seen := map[string]bool{}
	for _, r := range a.Rules {
		if seen["rule "+r.Name] && r.Name != "" {
			ps.add(r.Line, "alerts.rules: rule %s given twice", r.Name)
		}
		seen["rule "+r.Name] = true
	}
	for _, n := range a.Notifiers {
		if seen["notifier "+n.Name] && n.Name != "" {
			ps.add(n.Line, "alerts.notifiers: notifier %s given twice", n.Name)
		}
		seen["notifier "+n.Name] = true
	}
	if len(ps) > 0 {
		return nil, ps
	}
	return &a, nil
}

func parseRule(n *yaml.Node, ps *problems) AlertRule {
	r := AlertRule{Line: n.Line, Severity: "warning"}
	mapping(n, "rule", ruleKeys, ps, func(k string, v *yaml.Node) {
		switch k {
		case "name":
			r.Name = text(v, "rule name", ps)
		case "sql":
			r.SQL = text(v, "rule sql", ps)
		case "summary":
			r.Summary = text(v, "rule summary", ps)
		case "severity":
			r.Severity = text(v, "rule severity", ps)
		case "key":
			r.Key = strs(v, "rule key", ps)
		case "for":
			r.For = duration(v, "rule for", 0, ps)
		case "labels":
			r.Labels = map[string]string{}
			if v.Kind != yaml.MappingNode {
				ps.add(v.Line, "rule labels: want a mapping of label: value")
				return
			}
			for i := 0; i+1 < len(v.Content); i += 2 {
				r.Labels[v.Content[i].Value] = text(v.Content[i+1], "label "+v.Content[i].Value, ps)
			}
		}
	})
	if err := CheckRuleShape(r.Name, r.SQL, r.Severity); err != nil {
		ps.add(n.Line, "%v", err)
	}
	return r
}

// CheckRuleShape checks what a rule needs before its SQL meets a database.
func CheckRuleShape(name, sql, severity string) error {
	switch {
	case !RuleName.MatchString(name):
		return fmt.Errorf("rule %q: a name is 1 to 63 lower-case letters, digits or _, starting with a letter", name)
	case strings.TrimSpace(sql) == "":
		return fmt.Errorf("rule %s: sql is missing: give a SELECT over the documented views", name)
	case !slices.Contains(Severities, severity):
		return fmt.Errorf("rule %s: severity %q: want %s", name, severity, strings.Join(Severities, ", "))
	}
	return nil
}

func parseNotifier(n *yaml.Node, ps *problems) Notifier {
	x := Notifier{Line: n.Line, SendResolved: true}
	mapping(n, "notifier", notifierKeys, ps, func(k string, v *yaml.Node) {
		switch k {
		case "name":
			x.Name = text(v, "notifier name", ps)
		case "type":
			x.Type = text(v, "notifier type", ps)
		case "url":
			x.URL = text(v, "notifier url", ps)
		case "secret":
			x.Secret = secret.String(text(v, "notifier secret", ps))
		case "smtp":
			x.SMTP = text(v, "notifier smtp", ps)
		case "from":
			x.From = text(v, "notifier from", ps)
		case "to":
			x.To = strs(v, "notifier to", ps)
		case "username":
			x.Username = text(v, "notifier username", ps)
		case "password":
			x.Password = secret.String(text(v, "notifier password", ps))
		case "match":
			x.Match = strs(v, "notifier match", ps)
		case "insecure", "send_resolved":
			b, err := strconv.ParseBool(v.Value)
			if v.Kind != yaml.ScalarNode || err != nil {
				ps.add(v.Line, "notifier %s: want true or false, not %q", k, v.Value)
			}
			if k == "insecure" {
				x.Insecure = b
			} else {
				x.SendResolved = b
			}
		}
	})
	if !RuleName.MatchString(x.Name) {
		ps.add(n.Line, "notifier %q: a name is 1 to 63 lower-case letters, digits or _, starting with a letter", x.Name)
	}
	switch x.Type {
	case "webhook", "slack":
		u, err := url.Parse(x.URL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			ps.add(n.Line, "notifier %s: url %q: want an http(s) URL", x.Name, x.URL)
		}
		if x.Type == "webhook" && x.Secret == "" {
			ps.add(n.Line, "notifier %s: a webhook needs a secret to sign its bodies with (any long random text)", x.Name)
		}
	case "email":
		if _, port, err := splitHostPort(x.SMTP); err != nil || port == "" {
			ps.add(n.Line, "notifier %s: smtp %q: want host:port, such as mail.example.com:587", x.Name, x.SMTP)
		}
		if x.From == "" || len(x.To) == 0 {
			ps.add(n.Line, "notifier %s: an email notifier needs from and to", x.Name)
		}
	default:
		ps.add(n.Line, "notifier %s: type %q: want webhook, slack or email", x.Name, x.Type)
	}
	return x
}

func mapping(n *yaml.Node, what string, known []string, ps *problems, set func(string, *yaml.Node)) {
	if n.Kind != yaml.MappingNode {
		ps.add(n.Line, "%s: want a mapping of keys (%s)", what, strings.Join(known, ", "))
		return
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		switch {
		case !slices.Contains(known, k.Value):
			ps.add(k.Line, "%s: unknown key %q; known keys: %s", what, k.Value, strings.Join(known, ", "))
		case seen[k.Value]:
			ps.add(k.Line, "%s: key %s given twice", what, k.Value)
		default:
			seen[k.Value] = true
			set(k.Value, v)
		}
	}
}

func list[T any](n *yaml.Node, what string, ps *problems, item func(*yaml.Node) T) []T {
	if n.Kind != yaml.SequenceNode {
		ps.add(n.Line, "%s: want a list", what)
		return nil
	}
	out := make([]T, 0, len(n.Content))
	for _, c := range n.Content {
		out = append(out, item(c))
	}
	return out
}

func text(n *yaml.Node, what string, ps *problems) string {
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		ps.add(n.Line, "%s: want a text value", what)
		return ""
	}
	return n.Value
}

func strs(n *yaml.Node, what string, ps *problems) []string {
	if n.Kind != yaml.SequenceNode {
		ps.add(n.Line, "%s: want a list of text values", what)
		return nil
	}
	out := []string{}
	for _, c := range n.Content {
		out = append(out, text(c, what, ps))
	}
	return out
}

func duration(n *yaml.Node, what string, least time.Duration, ps *problems) time.Duration {
	d, err := time.ParseDuration(n.Value)
	if n.Kind != yaml.ScalarNode || err != nil || d < least {
		floor := "not negative"
		if least > 0 {
			floor = "at least " + least.String()
		}
		ps.add(n.Line, "%s: want a duration such as 90s, 15m or 4h (%s), not %q", what, floor, n.Value)
	}
	return d
}

func splitHostPort(s string) (string, string, error) { return net.SplitHostPort(s) }
