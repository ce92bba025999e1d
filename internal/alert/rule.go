// Package alert evaluates alert rules — SQL over zoomsight's documented
// views — into alerts with Alertmanager's states and semantics, and
// delivers their notifications (webhook, Slack, e-mail) through an outbox
// in the database, so that none is lost or sent twice by a restart or a
// notifier that is down. docs/monitoring.md ("Alerts") is the user's view.
package alert

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"text/template"
	"time"
	"unicode"

	"github.com/zoomsight/zoomsight/internal/config"
)

// Rule sources.
const (
	SourceBuiltin = "builtin"
	SourceConfig  = "config"
	SourceAPI     = "api"
)

// Rule is an alert rule: each row its SQL returns is one alert.
type Rule struct {
	Name string
	// SQL is a SELECT (or WITH … SELECT) over the documented views and
	// zoom_change. It is a text/template: {{now}}, {{ago "24h"}},
	// {{today}}, {{date "720h"}} and {{hour "1h"}} give quoted UTC
	// literals that compare with time (and yyyy-mm-dd, yyyy-mm-ddThh)
	// columns on both databases; {{.InactiveDays}} is the configured
	// threshold.
	SQL string
	// ByDriver overrides SQL on one database ("sqlite", "postgres"), for
	// built-in rules that need a dialect's JSON or date functions.
	ByDriver map[string]string
	Labels   map[string]string
	// Key names the result columns that identify an alert (they become
	// its labels, with the rule's labels, alertname and severity); the
	// other columns are annotations, updated without notifying. Empty:
	// every column identifies.
	Key      []string
	Severity string
	For      time.Duration
	// Summary is a text/template over the row's columns ({{.email}}).
	Summary string
	Source  string
	// OrgID is the org of a rule stored through the API (Source api): it
	// reads only that org's accounts (scope.go).
	OrgID int64
	// Internal rules (the built-in pack) may read the tables behind the
	// views (e.g. accounts' sync intervals); others may name only the
	// documented views.
	Internal bool
}

// RuleError is a rule that cannot be evaluated: its name and why (for
// SQL, the database's own message).
type RuleError struct {
	Rule string
	Err  error
}

func (e *RuleError) Error() string { return "rule " + e.Rule + ": " + e.Err.Error() }
func (e *RuleError) Unwrap() error { return e.Err }

// vars are what a rule's SQL template sees.
type vars struct {
	InactiveDays int
	Driver       string
}

func quoteTime(t time.Time, layout string) string { return "'" + t.UTC().Format(layout) + "'" }

// render expands the rule's SQL template at now.
func (r *Rule) render(driver string, now time.Time, v vars) (string, error) {
	src := r.SQL
	if s, ok := r.ByDriver[driver]; ok {
		src = s
	}
	v.Driver = driver
	ago := func(d string) (time.Time, error) {
		dur, err := time.ParseDuration(d)
		if err != nil {
			return time.Time{}, fmt.Errorf("ago %q: want a duration such as 24h", d)
		}
		return now.Add(-dur), nil
	}
	funcs := template.FuncMap{
		"now":   func() string { return quoteTime(now, time.RFC3339) },
		"mul":   func(a, b int) int { return a * b },
		"today": func() string { return quoteTime(now.Truncate(24*time.Hour), time.RFC3339) },
		"ago": func(d string) (string, error) {
			t, err := ago(d)
			return quoteTime(t, time.RFC3339), err
		},
		"date": func(d string) (string, error) {
			t, err := ago(d)
			return quoteTime(t, time.DateOnly), err
		},
		"hour": func(d string) (string, error) {
			t, err := ago(d)
			return quoteTime(t, "2006-01-02T15"), err
		},
	}
	tmpl, err := template.New(r.Name).Funcs(funcs).Option("missingkey=error").Parse(src)
	if err != nil {
		return "", fmt.Errorf("sql template: %w", err)
	}
	var b bytes.Buffer
	if err := tmpl.Execute(&b, v); err != nil {
		return "", fmt.Errorf("sql template: %w", err)
	}
	return strings.TrimRight(strings.TrimSpace(b.String()), ";"), nil
}

// summary renders the rule's summary over a row's values.
func (r *Rule) summary(row map[string]string) string {
	if r.Summary == "" {
		return ""
	}
	tmpl, err := template.New(r.Name).Option("missingkey=zero").Parse(r.Summary)
	if err != nil {
		return r.Summary
	}
	var b bytes.Buffer
	if err := tmpl.Execute(&b, row); err != nil {
		return r.Summary
	}
	return b.String()
}

// checkShape checks what needs no database.
func (r *Rule) checkShape() error {
	if err := config.CheckRuleShape(r.Name, r.SQL, r.Severity); err != nil {
		return err
	}
	if r.For < 0 {
		return &RuleError{r.Name, fmt.Errorf("for %s is negative", r.For)}
	}
	for k := range r.Labels {
		if !labelName(k) {
			return &RuleError{r.Name, fmt.Errorf("label %q: a label name is letters, digits and _", k)}
		}
	}
	if _, err := template.New(r.Name).Parse(r.Summary); err != nil {
		return &RuleError{r.Name, fmt.Errorf("summary: %w", err)}
	}
	return nil
}

func labelName(s string) bool {
	if s == "" {
		return false
	}
	for i, c := range s {
		if c != '_' && !unicode.IsLetter(c) && (i == 0 || !unicode.IsDigit(c)) {
			return false
		}
	}
	return true
}

// writeWords are statements a rule may not contain: rules only read.
var writeWords = []string{"INSERT", "UPDATE", "DELETE", "DROP", "CREATE", "ALTER", "ATTACH", "DETACH", "PRAGMA", "TRUNCATE",
	"GRANT", "REVOKE", "COPY", "VACUUM", "REINDEX", "CALL", "MERGE", "UPSERT", "LOCK", "SET", "RESET", "LISTEN", "NOTIFY", "DO", "ANALYZE", "REFRESH"}

// clauseEnds end a FROM list.
var clauseEnds = []string{"WHERE", "GROUP", "ORDER", "LIMIT", "HAVING", "WINDOW", "UNION", "EXCEPT", "INTERSECT", "ON", "USING", "OFFSET", "FETCH", "RETURNING"}

var errWrite = errors.New("a rule may only read (SELECT or WITH … SELECT)")

// checkSQL refuses writes and, unless internal, names of anything but the
// documented views (and the query's own WITH names): rules see what
// `zoomsight query` documents, never the tables with credentials.
func checkSQL(q string, views map[string]bool, internal bool) error {
	toks := tokens(q)
	if len(toks) == 0 {
		return errors.New("the sql is empty")
	}
	if first := strings.ToUpper(toks[0].s); first != "SELECT" && first != "WITH" {
		return fmt.Errorf("%w, not %s", errWrite, first)
	}
	ctes := map[string]bool{}
	for i, t := range toks {
		if t.kind == ';' {
			return errors.New("one statement only: remove the ';'")
		}
		if t.kind != 'w' {
			continue
		}
		up := strings.ToUpper(t.s)
		next := func(j int) token {
			if i+j < len(toks) {
				return toks[i+j]
			}
			return token{}
		}
		if slices.Contains(writeWords, up) && next(1).kind != '(' {
			return fmt.Errorf("%w: %s is not allowed", errWrite, up)
		}
		// name AS ( … ) after WITH or a comma is a WITH name.
		if strings.EqualFold(next(1).s, "AS") && next(2).kind == '(' && i > 0 &&
			(strings.EqualFold(toks[i-1].s, "WITH") || strings.EqualFold(toks[i-1].s, "RECURSIVE") || toks[i-1].kind == ',') {
			ctes[strings.ToLower(t.s)] = true
		}
	}
	if internal {
		return nil
	}
	// inCall says, per open parenthesis, whether it holds a function's
	// arguments: extract(epoch FROM at) names no view.
	var inCall []bool
	for i := 0; i < len(toks); i++ {
		switch toks[i].kind {
		case '(':
			call := i > 0 && toks[i-1].kind == 'w' && !slices.Contains(notCalls, strings.ToUpper(toks[i-1].s))
			inCall = append(inCall, call)
			continue
		case ')':
			if len(inCall) > 0 {
				inCall = inCall[:len(inCall)-1]
			}
			continue
		}
		up := strings.ToUpper(toks[i].s)
		if toks[i].kind != 'w' || (up != "FROM" && up != "JOIN") || (len(inCall) > 0 && inCall[len(inCall)-1]) {
			continue
		}
		// A FROM list: table [AS alias] [, table …], until a clause word,
		// a JOIN or a closing parenthesis.
		for i+1 < len(toks) {
			i++
			t := toks[i]
			if t.kind == '(' { // a subquery or a parenthesised join: its own FROMs are checked
				break
			}
			if t.kind != 'w' && t.kind != '"' {
				break
			}
			if i+1 < len(toks) && toks[i+1].kind == '(' { // a table function: json_each(…)
				break
			}
			if i+1 < len(toks) && toks[i+1].kind == '.' {
				return fmt.Errorf("%s.%s: name views without a schema", t.s, toks[i+2].s)
			}
			name := strings.ToLower(t.s)
			if !views[name] && !ctes[name] {
				return fmt.Errorf("unknown view %s: rules read the documented views (zoomsight schema lists them)", t.s)
			}
			// Skip an alias, then continue at a comma.
			j := i + 1
			if j < len(toks) && strings.EqualFold(toks[j].s, "AS") {
				j++
			}
			if j < len(toks) && (toks[j].kind == 'w' || toks[j].kind == '"') && !slices.Contains(clauseEnds, strings.ToUpper(toks[j].s)) &&
				!isJoinWord(toks[j].s) {
				j++
			}
			if j < len(toks) && toks[j].kind == ',' {
				i = j
				continue
			}
			i = j - 1
			break
		}
	}
	return nil
}

// notCalls are words before a parenthesis that opens a subquery or a
// list, not a function's arguments.
var notCalls = []string{"FROM", "JOIN", "IN", "EXISTS", "AS", "ON", "AND", "OR", "NOT", "WHERE", "SELECT", "UNION", "ALL", "ANY",
	"SOME", "LATERAL", "USING", "VALUES", "OVER", "WITH", "THEN", "ELSE", "WHEN", "CASE", "HAVING", "BY", "EXCEPT", "INTERSECT", "MATERIALIZED"}

func isJoinWord(s string) bool {
	return slices.Contains([]string{"JOIN", "LEFT", "RIGHT", "INNER", "OUTER", "FULL", "CROSS", "NATURAL"}, strings.ToUpper(s))
}

type token struct {
	kind byte // 'w' word, '"' quoted identifier, 's' string, 'n' number, or the punctuation itself
	s    string
}

// tokens splits SQL into words, quoted identifiers, strings and
// punctuation, dropping comments.
func tokens(q string) []token {
	var out []token
	for i := 0; i < len(q); {
		c := q[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '-' && i+1 < len(q) && q[i+1] == '-':
			for i < len(q) && q[i] != '\n' {
				i++
			}
		case c == '/' && i+1 < len(q) && q[i+1] == '*':
			end := strings.Index(q[i+2:], "*/")
			if end < 0 {
				return out
			}
			i += end + 4
		case c == '\'' || c == '"' || c == '`':
			j := i + 1
			for j < len(q) {
				if q[j] == c {
					if j+1 < len(q) && q[j+1] == c {
						j += 2
						continue
					}
					break
				}
				j++
			}
			kind := byte('s')
			if c != '\'' {
				kind = '"'
			}
			out = append(out, token{kind, strings.ReplaceAll(q[min(i+1, len(q)):min(j, len(q))], string([]byte{c, c}), string(c))})
			i = j + 1
		case c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80:
			j := i
			for j < len(q) && (q[j] == '_' || q[j] == '$' || q[j] >= 'a' && q[j] <= 'z' || q[j] >= 'A' && q[j] <= 'Z' || q[j] >= '0' && q[j] <= '9' || q[j] >= 0x80) {
				j++
			}
			out = append(out, token{'w', q[i:j]})
			i = j
		case c >= '0' && c <= '9':
			j := i
			for j < len(q) && (q[j] >= '0' && q[j] <= '9' || q[j] == '.' || q[j] == 'e' || q[j] == 'E') {
				j++
			}
			out = append(out, token{'n', q[i:j]})
			i = j
		default:
			out = append(out, token{c, string(c)})
			i++
		}
	}
	return out
}

// Fingerprint identifies an alert by its labels: SHA-256 over the
// labels sorted by name, each name and value NUL-terminated; the first 16
// hex digits (the length of Alertmanager's fingerprints).
func Fingerprint(labels map[string]string) string {
	names := make([]string, 0, len(labels))
	for k := range labels {
		names = append(names, k)
	}
	sort.Strings(names)
	h := sha256.New()
	for _, k := range names {
		fmt.Fprintf(h, "%s\x00%s\x00", k, labels[k])
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}
