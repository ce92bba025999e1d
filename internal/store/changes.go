package store

import (
	"context"
	"encoding/json"
	"errors"
	"time"
)

// ErrDuplicate is returned by StoreWebhook for a delivery already stored
// (the same body, or the same x-zm-request-id): a replay or a retry.
var ErrDuplicate = errors.New("store: webhook delivery already received")

// Changes is the store's side of change monitoring (docs/monitoring.md):
// change events from complete listings and from Zoom webhooks, and the
// webhook inbox.
type Changes interface {
	// SweepChanges is Sweep followed, in the same transaction, by the
	// resource's diff: every row whose tracked state differs from its
	// baseline (the state at the previous complete listing) is handed to
	// diff, the events it returns are recorded and the baseline moves on.
	// The first complete listing of a resource records one baseline event.
	// Call it, like Sweep, only after the whole resource was listed.
	SweepChanges(ctx context.Context, runID, accountID int64, resource string, at time.Time, diff DiffFunc) (int64, error)
	// PutSettingsChanges is PutSettings followed, in the same transaction,
	// by the diff of the document against the one stored before
	// (resource "settings:"+kind).
	PutSettingsChanges(ctx context.Context, runID, accountID int64, kind string, doc []byte, at time.Time, diff DiffFunc) error
	// FeatureChanges records, in one transaction, how users' stored
	// add-ons (zoom_user_features) changed since they were last diffed
	// (resource "features"); a user's first stored features are its
	// baseline, reported to no one.
	FeatureChanges(ctx context.Context, runID, accountID int64, at time.Time, diff DiffFunc) error
	// ListChanges returns change events, oldest first, after q.AfterID.
	ListChanges(ctx context.Context, q ChangeQuery) ([]ChangeEvent, error)

	// SetWebhookSecret stores an account's sealed webhook secret token
	// (nil removes it); WebhookSecret returns it, nil when there is none.
	SetWebhookSecret(ctx context.Context, accountID int64, sealed []byte) error
	WebhookSecret(ctx context.Context, accountID int64) ([]byte, error)
	// StoreWebhook stores a delivery in the inbox and, in the same
	// transaction, applies updates to the stored model and records events;
	// with apply set it marks the delivery applied. A delivery with a key or
	// request id already stored fails with ErrDuplicate and changes nothing.
	StoreWebhook(ctx context.Context, d *WebhookDelivery, apply bool, updates []ModelUpdate, events []ChangeEvent) (int64, error)
	// PendingWebhooks lists stored deliveries not yet applied, oldest first.
	PendingWebhooks(ctx context.Context, limit int) ([]WebhookDelivery, error)
	// MarkWebhookApplied records that a stored delivery was applied.
	MarkWebhookApplied(ctx context.Context, id int64, at time.Time) error
	// PruneWebhooks deletes up to limit applied deliveries received before
	// before, oldest first, in one transaction, and returns how many; an
	// unapplied one is never deleted. Called until it returns fewer than
	// limit, it is a prune that resumes where it stopped.
	PruneWebhooks(ctx context.Context, before time.Time, limit int) (int, error)
	// MarkWebhooksApplied records that stored deliveries were applied, in
	// one statement (webhookbatch.go in the drivers).
	MarkWebhooksApplied(ctx context.Context, ids []int64, at time.Time) error
}

// Change sources.
const (
	SourceSync    = "sync"
	SourceWebhook = "webhook"
)

// ChangeEvent is one change in a Zoom account (the zoom_change view).
type ChangeEvent struct {
	ID            int64
	AccountID     int64
	Account       string // read only
	ZoomAccountID string // read only
	At            time.Time
	Kind          string // e.g. "user_deactivated", "baseline" (docs/monitoring.md)
	SubjectType   string // "user", "group", "role", "sub_account", "settings", "account"
	SubjectKey    string
	Subject       string // e-mail or name
	Before, After string // JSON or ""
	Security      bool
	Source        string // SourceSync or SourceWebhook
	SourceID      string // the run id, or the webhook delivery's event key
}

// ChangeQuery filters ListChanges.
type ChangeQuery struct {
	AccountIDs []int64 // required: the accounts to read
	Since      time.Time
	Kind       string // exact kind, or a prefix ending in "*" ("user_*")
	Security   bool   // only events flagged security
	AfterID    int64
	Limit      int
}

// RowChange is one row whose tracked state changed since its baseline.
// Before is nil for a row not in the baseline (added), After nil for a
// row no longer live (removed).
type RowChange struct {
	Key     string
	Subject string
	Before  json.RawMessage
	After   json.RawMessage
}

// DiffFunc turns the changed rows of a resource ("users", "groups",
// "roles", "sub_accounts", "settings:account", "settings:lock") into change
// events; the store fills in their account, time and source.
type DiffFunc func(resource string, rows []RowChange) []ChangeEvent

// WebhookDelivery is a Zoom webhook request as received.
type WebhookDelivery struct {
	ID         int64
	AccountID  int64
	Key        string // hex SHA-256 of the body: the event's identity
	RequestID  string // x-zm-request-id
	Event      string
	ReceivedAt time.Time
	Body       []byte
}

// ModelUpdate is a change a webhook makes to the stored model at once.
type ModelUpdate struct {
	Op string // one of the Update* constants
	// UserID and Email name the user (its Zoom id, or a pending user's
	// e-mail).
	UserID, Email string
	// Fields are user columns to set: email, first_name, last_name,
	// display_name, dept, timezone, role_id, status (strings), type (int).
	Fields  map[string]any
	GroupID string
	Name    string          // a group's name
	Doc     json.RawMessage // a settings patch (UpdateSettings), merged into Kind's document
	Kind    string          // settings kind ("account", "lock")
}

// Model updates.
const (
	UpdateUser         = "user"          // upsert the user's Fields
	UpdateUserDeleted  = "user_deleted"  // the user is gone
	UpdateMemberAdd    = "member_add"    // the user joined GroupID
	UpdateMemberRemove = "member_remove" // the user left GroupID
	UpdateGroup        = "group"         // upsert group GroupID named Name
	UpdateGroupDeleted = "group_deleted"
	UpdateSettings     = "settings" // merge Doc into the Kind settings document
)

// MergeJSON merges patch into doc (RFC 7386 without deletions by null):
// objects merge key by key, anything else replaces.
func MergeJSON(doc, patch json.RawMessage) (json.RawMessage, error) {
	var d, p any
	if len(doc) > 0 {
		if err := json.Unmarshal(doc, &d); err != nil {
			return nil, err
		}
	}
	if err := json.Unmarshal(patch, &p); err != nil {
		return nil, err
	}
	return json.Marshal(mergeValue(d, p))
}

func mergeValue(d, p any) any {
	pm, ok := p.(map[string]any)
	if !ok {
		return p
	}
	dm, ok := d.(map[string]any)
	if !ok {
		dm = map[string]any{}
	}
	for k, v := range pm {
		dm[k] = mergeValue(dm[k], v)
	}
	return dm
}
