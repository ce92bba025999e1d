package alert

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/zoomsight/zoomsight/internal/config"
	"github.com/zoomsight/zoomsight/internal/store"
)

// Service is alerting as serve runs it: the engine, evaluated after each
// sync (Trigger), each webhook batch (Evaluate) and on a timer, and the
// dispatcher sending the outbox.
type Service struct {
	Engine     *Engine
	Dispatcher *Dispatcher
	// Every is the timer (pending alerts become firing after their `for`,
	// repeats, expired silences).
	Every time.Duration
	// Failed, if set, is told of evaluations that failed (the app logs
	// them).
	Failed func(error)

	trigger chan string
}

// New builds alerting from the configuration's alerts section (nil: the
// defaults, the built-in pack and no notifiers).
func New(st store.Store, cfg *config.Alerts) (*Service, error) {
	c := config.DefaultAlerts()
	if cfg != nil {
		c = *cfg
	}
	var rules []*Rule
	if !c.NoBuiltin {
		builtin := Builtin(c.EventWindow)
		for _, name := range c.Disable {
			if !slices.ContainsFunc(builtin, func(r *Rule) bool { return r.Name == name }) {
				return nil, fmt.Errorf("alerts.disable: no built-in rule %q; built-in rules: %s", name, ruleNames(builtin))
			}
		}
		for _, r := range builtin {
			if !slices.Contains(c.Disable, r.Name) {
				rules = append(rules, r)
			}
		}
	}
	for _, r := range c.Rules {
		if slices.ContainsFunc(rules, func(o *Rule) bool { return o.Name == r.Name }) {
			return nil, fmt.Errorf("rule %s: a built-in rule has this name; pick another, or disable the built-in one (alerts.disable)", r.Name)
		}
		rules = append(rules, &Rule{Name: r.Name, SQL: r.SQL, Labels: r.Labels, Key: r.Key, Severity: r.Severity, For: r.For,
			Summary: r.Summary, Source: SourceConfig})
	}
	notifiers := map[string]Notifier{}
	var routes []Route
	for _, n := range c.Notifiers {
		match, err := ParseMatchers(n.Match)
		if err != nil {
			return nil, fmt.Errorf("notifier %s: %w", n.Name, err)
		}
		switch n.Type {
		case "webhook":
			notifiers[n.Name] = &Webhook{URL: n.URL, Secret: n.Secret}
		case "slack":
			notifiers[n.Name] = &Slack{URL: n.URL}
		case "email":
			notifiers[n.Name] = &Email{Addr: n.SMTP, From: n.From, To: n.To, Username: n.Username, Password: n.Password, Insecure: n.Insecure}
		default:
			return nil, fmt.Errorf("notifier %s: type %q: want webhook, slack or email", n.Name, n.Type)
		}
		routes = append(routes, Route{Notifier: n.Name, Match: match, SendResolved: n.SendResolved})
	}
	return &Service{
		Engine: &Engine{Store: st, Rules: rules, Routes: routes, GroupBy: c.GroupBy, Repeat: c.RepeatInterval,
			InactiveDays: c.InactiveDays},
		Dispatcher: &Dispatcher{Store: st, Notifiers: notifiers},
		Every:      c.EvaluateEvery,
		trigger:    make(chan string, 1),
	}, nil
}

func ruleNames(rules []*Rule) string {
	names := make([]string, len(rules))
	for i, r := range rules {
		names[i] = r.Name
	}
	return strings.Join(names, ", ")
}

// Evaluate evaluates the rules now and wakes the dispatcher: what a
// webhook batch of account calls once its events are stored.
func (s *Service) Evaluate(ctx context.Context, account string) (Result, error) {
	res, err := s.Engine.Evaluate(ctx, account)
	if res.Enqueued > 0 {
		s.Dispatcher.Kick()
	}
	return res, err
}

// Trigger asks Run to evaluate soon, without waiting: what runs after
// each sync (App.AfterSync observers must not block).
func (s *Service) Trigger(account string) {
	select {
	case s.triggers() <- account:
	default: // an evaluation is already due
	}
}

func (s *Service) triggers() chan string {
	if s.trigger == nil {
		panic("alert: Service made without New")
	}
	return s.trigger
}

// Run evaluates on the timer and when triggered, and sends the outbox,
// until ctx ends.
func (s *Service) Run(ctx context.Context) error {
	every := s.Every
	if every <= 0 {
		every = time.Minute
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = s.Dispatcher.Run(ctx, min(every, 10*time.Second))
	}()
	defer func() { <-done }()
	t := time.NewTicker(every)
	defer t.Stop()
	account := ""
	for {
		if _, err := s.Evaluate(ctx, account); err != nil && ctx.Err() == nil && s.Failed != nil {
			s.Failed(err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
			account = ""
		case account = <-s.triggers():
		}
	}
}
