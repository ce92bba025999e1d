package alert

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/zoomsight/zoomsight/internal/store"
)

// ParseMatcher reads label=value, label!=value, label=~regexp or
// label!~regexp (regular expressions match the whole value).
func ParseMatcher(s string) (store.Matcher, error) {
	for _, op := range []string{"!=", "=~", "!~", "="} {
		name, value, ok := strings.Cut(s, op)
		if !ok {
			continue
		}
		name = strings.TrimSpace(name)
		m := store.Matcher{Name: name, Op: op, Value: strings.Trim(strings.TrimSpace(value), `"`)}
		if !labelName(name) {
			return m, fmt.Errorf("matcher %q: %q is not a label name", s, name)
		}
		if op == "=~" || op == "!~" {
			if _, err := regexp.Compile("^(?:" + m.Value + ")$"); err != nil {
				return m, fmt.Errorf("matcher %q: %w", s, err)
			}
		}
		return m, nil
	}
	return store.Matcher{}, fmt.Errorf("matcher %q: want label=value, label!=value, label=~regexp or label!~regexp", s)
}

// ParseMatchers reads many matchers.
func ParseMatchers(ss []string) ([]store.Matcher, error) {
	out := make([]store.Matcher, 0, len(ss))
	for _, s := range ss {
		m, err := ParseMatcher(s)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, nil
}

// Matches reports whether labels match every matcher (a missing label is
// the empty value, as in Alertmanager).
func Matches(ms []store.Matcher, labels map[string]string) bool {
	for _, m := range ms {
		v := labels[m.Name]
		var ok bool
		switch m.Op {
		case "=":
			ok = v == m.Value
		case "!=":
			ok = v != m.Value
		case "=~", "!~":
			re, err := regexp.Compile("^(?:" + m.Value + ")$")
			ok = err == nil && re.MatchString(v)
			if m.Op == "!~" {
				ok = err == nil && !ok
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

// Silenced returns the first silence active at now that mutes labels.
func Silenced(silences []*store.Silence, labels map[string]string, now time.Time) *store.Silence {
	for _, s := range silences {
		if !now.Before(s.StartsAt) && now.Before(s.EndsAt) && len(s.Matchers) > 0 && Matches(s.Matchers, labels) {
			return s
		}
	}
	return nil
}

func (e *Engine) activeSilences(ctx context.Context, now time.Time) ([]*store.Silence, error) {
	return e.Store.Silences(ctx, now)
}
