// Package store is zoomsight's persistence: linked Zoom accounts, sync runs
// and checkpoints, and the synced data with the public SQL views users
// query. One schema, two drivers: SQLite (internal/store/sqlite, the
// embedded default) and PostgreSQL (internal/store/postgres); both pass the
// conformance suite in internal/store/storetest.
//
// Writes follow mark-and-sweep: every synced row records the run that last
// saw it, and rows are marked deleted only by Sweep, which the sync calls
// after every page of a resource arrived. A failed or partial run therefore
// never deletes or overwrites good data with nothing.
package store

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"
)

// ErrNotFound is returned when a named org, account or run does not exist.
var ErrNotFound = errors.New("store: not found")

// ErrUnsafeRole is returned by UserQuery on a database connection whose
// role could read the server's files or change its settings.
var ErrUnsafeRole = errors.New("store: refusing to run typed SQL as a role that can read server files or change server settings")

// ErrExists is returned by InsertAccount for a name already in use.
var ErrExists = errors.New("store: name already in use")

// ErrReadOnly is returned by Query for statements that would write.
var ErrReadOnly = errors.New("store: query must be read-only (SELECT, WITH, EXPLAIN, VALUES)")

// Store is what the app needs from a database.
type Store interface {
	// Driver is "sqlite" or "postgres".
	Driver() string
	Close() error

	// Tenancy: orgs link many Zoom accounts, and an account may serve many
	// orgs.
	EnsureOrg(ctx context.Context, name string) (*Org, error)
	Orgs(ctx context.Context) ([]*Org, error)
	LinkAccount(ctx context.Context, orgID, accountID int64) error
	UnlinkAccount(ctx context.Context, orgID, accountID int64) error

	// InsertAccount adds a new account and sets a.ID (and a.CreatedAt when
	// zero). A name already in use fails with an error wrapping ErrExists:
	// a name is never re-pointed at another Zoom account by saving.
	InsertAccount(ctx context.Context, a *Account) error
	// UpdateAccount changes the credentials and settings of account a.ID.
	// Name, Kind and ZoomAccountID are its identity: when they differ from
	// the stored row nothing changes and the error wraps ErrNotFound. The
	// one exception is a ZoomAccountID stored as "" (an OAuth link whose
	// tokens were saved before Zoom said whose account they are): it is
	// set once.
	UpdateAccount(ctx context.Context, a *Account) error
	Account(ctx context.Context, name string) (*Account, error)
	Accounts(ctx context.Context) ([]*Account, error)
	// SaveTokens replaces an account's sealed OAuth tokens.
	SaveTokens(ctx context.Context, accountID int64, sealed []byte) error
	// DeleteAccount removes an account with every row synced for it, its
	// runs, checkpoints and org links.
	DeleteAccount(ctx context.Context, accountID int64) error

	// Runs. BeginRun starts a run of the locked account; an unfinished run
	// of the same account (a sync that was killed) is returned instead, so
	// that a resumed sync carries on with the same run id. Only the
	// holder of the account's sync lock may begin or resume a run: with
	// any other lock it returns ErrLockLost.
	BeginRun(ctx context.Context, lock *SyncLock, now time.Time) (run *Run, resumed bool, err error)
	// EndRun records a run's outcome.
	EndRun(ctx context.Context, run *Run) error
	SyncLocks // one sync per account at a time (lock.go)
	Runs(ctx context.Context, accountID int64, limit int) ([]*Run, error)
	// PartSynced is when the latest finished sync of an account's part, or
	// of the whole account (part "all"), began; zero if none did.
	// SetPartSynced records that a sync of part that began at began has
	// finished (a later time only: an older one never replaces it).
	PartSynced(ctx context.Context, accountID int64, part string) (time.Time, error)
	SetPartSynced(ctx context.Context, accountID int64, part string, began time.Time) error
	// Checkpoint returns a resource's saved progress within a run, or nil.
	Checkpoint(ctx context.Context, runID int64, resource string) (*Checkpoint, error)
	SaveCheckpoint(ctx context.Context, c *Checkpoint) error

	// Synced data. Each Upsert writes a batch in one transaction and
	// stamps every row with runID as last seen.
	// UpsertUsers also stores the users' group memberships: the
	// zoom_group_member view is derived from each user's GroupIDs.
	UpsertUsers(ctx context.Context, runID, accountID int64, users []User) error
	UpsertGroups(ctx context.Context, runID, accountID int64, groups []Group) error
	UpsertRoles(ctx context.Context, runID, accountID int64, roles []Role) error
	// UpsertSubAccounts writes a master account's sub-accounts (GET
	// /accounts); every SubAccount needs its ZoomID.
	UpsertSubAccounts(ctx context.Context, runID, accountID int64, subs []SubAccount) error
	PutAccountInfo(ctx context.Context, runID, accountID int64, info *AccountInfo) error
	// PutSettings stores one settings document ("account", "lock") as JSON.
	PutSettings(ctx context.Context, runID, accountID int64, kind string, doc []byte) error
	// Sweep marks deleted the rows of resource (ResourceUsers, …) that
	// runID did not see. Call it only after the whole resource was listed.
	Sweep(ctx context.Context, runID, accountID int64, resource string) (int64, error)
	// SweepPreview counts, without changing anything, the live rows of
	// resource that runID saw and those a Sweep would mark deleted; for
	// users one count per stored status, for other resources one with
	// Status "".
	SweepPreview(ctx context.Context, runID, accountID int64, resource string) ([]SweepCount, error)
	// UserCounts counts an account's live users by status and type, from
	// an index, so a sync's summary costs milliseconds at any size.
	UserCounts(ctx context.Context, accountID int64) ([]UserCount, error)
	// IdentityCounts counts an account's live groups, roles and group
	// memberships: what the database holds, whatever a run saw.
	IdentityCounts(ctx context.Context, accountID int64) (IdentityCounts, error)
	// AccountType is the plan type the account's last synced record gave
	// ("Pro", "Business", …), or "" before any sync stored one.
	AccountType(ctx context.Context, accountID int64) (string, error)

	// Query runs one read-only SQL statement and streams its rows to fn.
	Query(ctx context.Context, sql string, fn func(columns []string, row []any) error) error
	// UserQuery is Query for SQL a person typed (zoomsight query). On
	// PostgreSQL it also refuses, with ErrUnsafeRole, to run on a
	// connection whose role is a superuser or may read server files or
	// reload the configuration: within one statement such a role can take
	// back any privilege (set_config('role', …)), so no SET ROLE contains
	// it. Connect as a read-only role instead (docs/schema.md).
	UserQuery(ctx context.Context, sql string, fn func(columns []string, row []any) error) error
	// Views lists the public views (PublicView) and their columns in
	// order, sorted by name, from the database's catalog.
	Views(ctx context.Context) ([]View, error)
	Access   // API tokens and what an org may see (access.go)
	OrgData  // account orgs, org settings, one run and its progress (orgdata.go)
	Activity // sign-in and operation logs, usage, plans, features, HR roster (activity.go)
	Meetings // meetings, participants, QoS and the customer's network (meetings.go)
	QSS      // near-real-time QoS from Zoom's QSS webhooks (qss.go)
	Changes  // change events and the Zoom webhook inbox (changes.go)
	Web      // the dashboard's users and sessions (web.go)
	Alerting // alert rules, alerts, silences and the notification outbox (alerts.go)
}

// Resources that Sweep knows.
const (
	ResourceUsers       = "users" // and with them their group memberships
	ResourceGroups      = "groups"
	ResourceRoles       = "roles"
	ResourceSubAccounts = "sub_accounts"
)

// SweepCount is what a Sweep would do to the live rows of one status.
type SweepCount struct {
	Status string
	Seen   int64 // live rows the run saw
	Unseen int64 // live rows the run did not see: a Sweep deletes them
}

// Org is a customer organisation.
type Org struct {
	ID   int64
	Name string
}

// Account is a linked Zoom account and how to reach it. Secrets are sealed
// (encrypted) by the caller before they reach the store.
type Account struct {
	ID            int64
	Name          string // zoomsight's name for it, unique
	Kind          string // "s2s" or "oauth"
	ZoomAccountID string // Zoom's account id
	ClientID      string
	SealedSecret  []byte // client secret, sealed
	SealedTokens  []byte // OAuth token pair (oauth apps), sealed
	APIURL        string // "" for Zoom's default
	OAuthURL      string
	Interval      time.Duration // sync interval; 0 disables scheduled syncs
	CreatedAt     time.Time
	// Features are the parts synced and demanded of the app's scopes
	// ("identity", "activity", "meetings"); nil means all of them.
	Features []string
	// LinkedByName and LinkedByEmail name the admin who approved an OAuth
	// link (from GET /users/me), LinkedAt when; empty for S2S apps.
	LinkedByName  string
	LinkedByEmail string
	LinkedAt      time.Time
}

// FeaturesText is how Features are stored: comma-separated, "" for all.
func FeaturesText(f []string) string { return strings.Join(f, ",") }

// ParseFeatures reads FeaturesText back.
func ParseFeatures(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

// Run is one sync of one account.
type Run struct {
	ID         int64
	AccountID  int64
	StartedAt  time.Time
	FinishedAt time.Time // zero while running
	Status     string    // RunRunning, RunOK, RunPartial, RunFailed
	Error      string
	// Requests counts API requests by rate-limit label ("Light", …).
	Requests map[string]int
	// Rows counts rows written by resource.
	Rows map[string]int
	// Stale lists resources this run could not complete; their earlier data
	// stays as it was.
	Stale []string
	// Unavailable lists what the account's plan or the app's scopes will
	// never allow, as "resource: why, and what would enable it". Such gaps
	// are how the account is, not failures: they leave the run ok.
	Unavailable []string
}

// Run statuses.
const (
	RunRunning = "running"
	RunOK      = "ok"
	RunPartial = "partial"
	RunFailed  = "failed"
)

// Checkpoint is a resource's progress within a run.
type Checkpoint struct {
	RunID    int64
	Resource string // e.g. "users:active"
	Done     bool
	// PageToken resumes the listing (Zoom keeps tokens 15 minutes).
	PageToken string
	SavedAt   time.Time
	// Rows counts the rows received so far in this listing, and Total is
	// the total_records its pages announced (-1 before the first page), so
	// that a listing resumed by another process can still prove it is
	// complete.
	Rows, Total int
}

// User is a synced Zoom user. Key identifies it within the account: its
// Zoom id, or for pending users (who have none) "pending:" + lower-cased
// e-mail. When a pending user activates, the row keyed by its e-mail takes
// the new id, so history stays linked.
type User struct {
	Key               string
	ZoomID            string
	Email             string
	FirstName         string
	LastName          string
	DisplayName       string
	Type              int
	Status            string
	RoleID            string
	Dept              string
	EmployeeUniqueID  string
	Timezone          string
	Verified          int
	PMI               int64
	CreatedAt         time.Time // zero if unknown
	LastLoginTime     time.Time // zero: never signed in
	LastClientVersion string
	GroupIDs          []string
	Raw               []byte // the user as Zoom sent it (JSON)
}

// DistinctGroupIDs returns u.GroupIDs without repeats, in their order:
// what the drivers store, as the zoom_group_member view derived from it
// has one row per (group, user). Usually that is u.GroupIDs itself.
func (u *User) DistinctGroupIDs() []string {
	ids := u.GroupIDs
	for i := 1; i < len(ids); i++ {
		if slices.Contains(ids[:i], ids[i]) {
			out := slices.Clone(ids[:i])
			for _, id := range ids[i+1:] {
				if !slices.Contains(out, id) {
					out = append(out, id)
				}
			}
			return out
		}
	}
	return ids
}

// Group is a synced Zoom group.
type Group struct {
	ZoomID       string
	Name         string
	TotalMembers int
}

// Role is a synced Zoom role.
type Role struct {
	ZoomID       string
	Name         string
	Description  string
	Type         string
	TotalMembers int
}

// AccountInfo is the synced record of the Zoom account itself.
type AccountInfo struct {
	ZoomAccountID string
	Name          string
	AccountType   string
	OwnerEmail    string
	Seats         int
	CreatedAt     time.Time
	Raw           []byte
}

// SubAccount is a synced sub-account of a master account: a Zoom account of
// its own, which may or may not be linked to zoomsight as well.
type SubAccount struct {
	ZoomID        string
	Name          string
	OwnerEmail    string
	AccountType   string
	AccountNumber int64
	Seats         int
	CreatedAt     time.Time // zero if unknown
	Raw           []byte    // the sub-account as Zoom sent it (JSON)
}

// IdentityCounts are an account's live groups, roles and memberships.
type IdentityCounts struct {
	Groups, Roles, GroupMembers int64
}

// UserCount is how many live users of an account have a status and type.
type UserCount struct {
	Status string
	Type   int
	Users  int
}
