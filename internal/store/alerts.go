package store

import (
	"context"
	"time"
)

// Alerting is the bookkeeping of alert rules, alerts, silences and the
// notification outbox (internal/alert; docs/monitoring.md).
type Alerting interface {
	// SaveAlertRule adds or replaces a rule stored through the API.
	SaveAlertRule(ctx context.Context, r *AlertRule) error
	// DeleteAlertRule removes a stored rule (ErrNotFound if none) and its
	// alerts that are not firing; a firing one resolves at the next
	// evaluation of the rules.
	DeleteAlertRule(ctx context.Context, name string) error
	AlertRules(ctx context.Context) ([]*AlertRule, error)

	// Alerts lists every alert, by rule and fingerprint.
	Alerts(ctx context.Context) ([]*Alert, error)
	// SaveAlerts applies writes in one transaction. Each writes its
	// alert's new state only if the stored alert's seq is still PrevSeq
	// (0: there is no stored alert), and then enqueues its Outbox items
	// (unless an item of the same DedupKey exists); Saved says whether it
	// did. One that another writer came first to changes nothing.
	SaveAlerts(ctx context.Context, writes []*AlertWrite) error
	// DeleteAlert removes an alert whose seq is still seq.
	DeleteAlert(ctx context.Context, fingerprint string, seq int64) error

	// CreateSilence stores s and sets its ID and CreatedAt.
	CreateSilence(ctx context.Context, s *Silence) error
	// Silences lists silences ending after since (zero: all), by id.
	Silences(ctx context.Context, since time.Time) ([]*Silence, error)
	// ExpireSilence ends a silence at now (ErrNotFound if none).
	ExpireSilence(ctx context.Context, id int64, now time.Time) error

	// ClaimOutbox claims up to limit unsent items due at now (next_at ≤
	// now) that no one holds (or whose hold expired) for holder until
	// now+lease, oldest first. One item is never held by two claimers.
	ClaimOutbox(ctx context.Context, holder string, now time.Time, lease time.Duration, limit int) ([]*OutboxItem, error)
	// SentOutbox marks items that holder claimed as sent at.
	SentOutbox(ctx context.Context, ids []int64, holder string, at time.Time) error
	// RetryOutbox releases an item that holder claimed, to be tried again
	// at next, recording why it failed.
	RetryOutbox(ctx context.Context, id int64, holder string, next time.Time, why string) error
	// OutboxStatus summarises the outbox by notifier.
	OutboxStatus(ctx context.Context) ([]NotifierStatus, error)
	// PruneAlerting deletes items sent and alerts resolved before.
	PruneAlerting(ctx context.Context, before time.Time) error

	// CreateAlertNotifier stores an org's notifier and sets its ID and
	// CreatedAt; one of the same org and name fails with ErrDuplicate.
	CreateAlertNotifier(ctx context.Context, n *AlertNotifier) error
	// AlertNotifiers lists the orgs' notifiers by org and name; orgID > 0
	// lists that org's only.
	AlertNotifiers(ctx context.Context, orgID int64) ([]*AlertNotifier, error)
	// DeleteAlertNotifier removes the org's notifier (ErrNotFound if the
	// org has none of that name). Its unsent notifications stay in the
	// outbox: a notifier of that name made again sends them.
	DeleteAlertNotifier(ctx context.Context, orgID int64, name string) error
}

// AlertNotifier is a notifier an org registered through the REST API.
// Where it sends is in Sealed (sealed with the credential key), never
// shown.
type AlertNotifier struct {
	ID           int64
	OrgID        int64
	Name         string
	Type         string // webhook, slack, email
	Sealed       []byte
	Match        []Matcher
	SendResolved bool
	CreatedBy    string
	CreatedAt    time.Time
}

// AlertRule is a rule stored through the API.
type AlertRule struct {
	Name     string
	SQL      string
	Labels   map[string]string
	Key      []string // result columns identifying an alert; nil: all
	Severity string
	For      time.Duration
	Summary  string
	// CreatedBy names the API token that stored it.
	CreatedBy string
	// OrgID is the org of that token: the rule reads only its accounts
	// (0: an org since deleted; the rule reads no account).
	OrgID                int64
	CreatedAt, UpdatedAt time.Time
}

// Alert states.
const (
	AlertPending  = "pending"
	AlertFiring   = "firing"
	AlertResolved = "resolved"
)

// Alert is one result row of a rule, followed through its states.
type Alert struct {
	Fingerprint string
	Rule        string
	// OrgID is the org of the rule that raised it, 0 for the operator's
	// rules (configured, built in).
	OrgID       int64
	Labels      map[string]string // identifying: rule labels, key columns, alertname, severity
	Annotations map[string]string // the row's other columns, as last evaluated
	Severity    string
	State       string
	Seq         int64 // state changes so far
	ActiveAt    time.Time
	FiredAt     time.Time
	ResolvedAt  time.Time
	EvaluatedAt time.Time
	// NotifiedSeq and NotifiedState are the last state change enqueued
	// for the notifiers, NotifiedAt when (repeats move it on).
	NotifiedSeq   int64
	NotifiedState string
	NotifiedAt    time.Time
}

// AlertWrite is one alert's change for SaveAlerts.
type AlertWrite struct {
	Alert   *Alert
	PrevSeq int64
	Outbox  []*OutboxItem
	Saved   bool // set by SaveAlerts
}

// Outbox item kinds.
const (
	OutboxFiring   = "firing"
	OutboxResolved = "resolved"
	OutboxRepeat   = "repeat"
)

// OutboxItem is one notification for one notifier.
type OutboxItem struct {
	ID       int64
	DedupKey string
	Notifier string
	// OrgID is the org of the alert's rule (0: the operator's): the
	// notifier must be that org's.
	OrgID       int64
	Fingerprint string
	Seq         int64
	Kind        string
	GroupKey    string
	Payload     []byte // the alert as notified (JSON)
	CreatedAt   time.Time
	NextAt      time.Time
	Attempts    int
	LastError   string
}

// Silence mutes the alerts its matchers all match, from StartsAt until
// EndsAt.
type Silence struct {
	ID        int64
	Matchers  []Matcher
	Comment   string
	CreatedBy string
	StartsAt  time.Time
	EndsAt    time.Time
	CreatedAt time.Time
}

// Matcher matches one label: Op is "=", "!=", "=~" or "!~" (regular
// expressions match the whole value, as in Alertmanager).
type Matcher struct {
	Name  string `json:"name"`
	Op    string `json:"op"`
	Value string `json:"value"`
}

// NotifierStatus is the outbox of one notifier.
type NotifierStatus struct {
	Notifier  string
	Pending   int // not yet sent
	Failing   int // pending items whose last attempt failed
	Sent      int
	LastError string // of the newest failed pending item
	LastSent  time.Time
}
