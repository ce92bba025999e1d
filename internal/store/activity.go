package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"time"
)

// Activity is what the activity collection and the HR roster need from a
// database: Zoom's sign-in log, operation log, per-host and per-day usage,
// plans, the per-user features that decide cost, each source's collection
// state, and the imported HR roster. Log lines are append-only and
// deduplicated, so collecting a window twice never duplicates a line.
type Activity interface {
	// AddSignInEvents stores sign-in and sign-out lines, ignoring lines
	// already stored, and keeps each user's latest sign-in current. It
	// returns how many lines were new.
	AddSignInEvents(ctx context.Context, runID, accountID int64, events []SignInEvent) (int, error)
	// AddOperationLogs stores admin operation-log lines, ignoring lines
	// already stored, and returns how many were new.
	AddOperationLogs(ctx context.Context, runID, accountID int64, logs []OperationLog) (int, error)
	// PutHostUsage replaces one UTC day's per-host usage (the hosts of
	// meetings that day) and keeps each user's last hosting day current.
	PutHostUsage(ctx context.Context, runID, accountID int64, day time.Time, rows []HostUsage) error
	// PutDailyUsage writes account-wide usage per day, replacing the days
	// given.
	PutDailyUsage(ctx context.Context, runID, accountID int64, days []DailyUsage) error
	// PutPlan replaces the account's plan items from one source
	// (PlanSourceUsage or PlanSourcePlans).
	PutPlan(ctx context.Context, runID, accountID int64, source string, items []PlanItem) error
	// PutUserFeatures writes users' cost-deciding features.
	PutUserFeatures(ctx context.Context, runID, accountID int64, feats []UserFeatures) error
	// FeatureStates lists the account's users that have a Zoom id, with
	// the features stored for them, if any.
	FeatureStates(ctx context.Context, accountID int64) ([]FeatureState, error)
	// ActivitySources returns the collection state of each source.
	ActivitySources(ctx context.Context, accountID int64) ([]ActivitySource, error)
	// PutActivitySource records a source's collection state.
	PutActivitySource(ctx context.Context, accountID int64, src ActivitySource) error
	// ReplaceRoster replaces the HR roster of r.OrgID (0: the global one)
	// and its alias domains whole, in one transaction; other orgs' rosters
	// stay as they are.
	ReplaceRoster(ctx context.Context, r *Roster) error
}

// SignInEvent is one line of GET /report/activities.
type SignInEvent struct {
	Time       time.Time
	Email      string
	Type       string // "Sign in" or "Sign out"
	IPAddress  string
	ClientType string
	Version    string
}

// LineKey identifies the line: equal lines have equal keys.
func (e *SignInEvent) LineKey() string {
	return lineKey(e.Time.UTC().Format(time.RFC3339), strings.ToLower(e.Email), e.Type, e.IPAddress, e.ClientType, e.Version)
}

// OperationLog is one line of GET /report/operationlogs.
type OperationLog struct {
	Time         time.Time
	Operator     string
	CategoryType string
	Action       string
	Detail       string
}

// LineKey identifies the line: equal lines have equal keys.
func (o *OperationLog) LineKey() string {
	return lineKey(o.Time.UTC().Format(time.RFC3339), o.Operator, o.CategoryType, o.Action, o.Detail)
}

func lineKey(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// HostUsage is one host's meetings on one day (GET /report/users).
type HostUsage struct {
	UserID         string
	Email          string
	Meetings       int
	Participants   int
	MeetingMinutes int
}

// DailyUsage is the account's usage on one day (GET /report/daily).
type DailyUsage struct {
	Date           string // yyyy-mm-dd
	NewUsers       int
	Meetings       int
	Participants   int
	MeetingMinutes int
}

// Plan item sources.
const (
	PlanSourceUsage = "plan_usage" // GET /accounts/me/plans/usage
	PlanSourcePlans = "plans"      // GET /accounts/me/plans
)

// PlanItem is one plan or add-on: base seats, a large-meeting or webinar
// add-on, and so on.
type PlanItem struct {
	Plan        string // "base", "large_meeting", "webinar", "zoom_events", "zoom_rooms", …
	Type        string // Zoom's plan type, e.g. "monthly", "large500_monthly"
	Capacity    int    // participants, from the type when it names them; 0 if unknown
	Hosts       int    // seats or hosts bought
	Usage       int    // assigned
	ActiveHosts int
	Pending     int
	Status      string
}

// Sources of UserFeatures.
const (
	FeaturesFromAPI      = "api"      // read from GET /users/{id}/settings
	FeaturesFromInferred = "inferred" // no add-on: the plan's counts were all accounted for
)

// UserFeatures are a user's cost-deciding features (the "feature" part of
// the user's settings). UserType and UserStatus are the user's type and
// status when they were read: a change of either makes them stale.
type UserFeatures struct {
	UserKey              string
	MeetingCapacity      int
	LargeMeeting         bool
	LargeMeetingCapacity int
	Webinar              bool
	WebinarCapacity      int
	ZoomPhone            bool
	Source               string // FeaturesFromAPI or FeaturesFromInferred
	UserType             int
	UserStatus           string
	CheckedAt            time.Time
}

// FeatureState is a user with a Zoom id and what is stored of its features.
type FeatureState struct {
	Key           string
	ZoomID        string
	Email         string
	Type          int
	Status        string
	LastLoginTime time.Time // zero: never signed in
	// Features is nil when none are stored.
	Features *UserFeatures
}

// Activity sources.
const (
	SourcePlanUsage     = "plan_usage"
	SourcePlans         = "plans"
	SourceOperationLogs = "operation_logs"
	SourceSignIns       = "signins"
	SourceHostUsage     = "host_usage"
	SourceDailyUsage    = "daily_usage"
	SourceFeatures      = "features"
)

// Source statuses.
const (
	SourceOK          = "ok"          // collected
	SourceUnavailable = "unavailable" // the account's plan or the app's scopes do not allow it
	SourceFailed      = "failed"      // an error stopped it; earlier data kept
)

// ActivitySource is one source's collection state.
type ActivitySource struct {
	Source    string
	Status    string
	Reason    string    // why unavailable or failed; "" when ok
	Through   time.Time // data is complete up to this UTC day (windowed sources); zero if none yet
	CheckedAt time.Time
	RunID     int64
}

// Roster is an HR roster: the employees, and alias e-mail domains that
// name the same mailboxes as a canonical domain.
type Roster struct {
	// OrgID is the org whose roster it is; 0 is the roster of a database
	// used without orgs, matched against accounts linked to no org.
	OrgID        int64
	Source       string // file name, for the record
	ImportedAt   time.Time
	AliasDomains map[string]string // alias domain → canonical domain, lower case
	Employees    []Employee
}

// Employee is one roster line.
type Employee struct {
	EmployeeID      string
	Email           string
	Name            string
	Department      string
	Manager         string
	Status          string
	TerminationDate string // yyyy-mm-dd, "" if none
	Line            int    // line in the file
	// EmailKeys are the lower-cased addresses that match this employee:
	// its own, and its local part at each alias of its domain.
	EmailKeys []string
}

// LatestSignIns returns, per lower-cased e-mail, the latest "Sign in" of
// events: what drivers keep as each user's latest sign-in.
func LatestSignIns(events []SignInEvent) []SignInEvent {
	idx := map[string]int{}
	var out []SignInEvent
	for _, e := range events {
		if e.Type != "Sign in" || e.Email == "" {
			continue
		}
		k := strings.ToLower(e.Email)
		if i, ok := idx[k]; ok {
			if e.Time.After(out[i].Time) {
				out[i] = e
			}
			continue
		}
		idx[k] = len(out)
		out = append(out, e)
	}
	return out
}

// CheckRoster refuses a roster that names an employee id or an e-mail
// address twice; the importer reports such lines before it gets here.
func CheckRoster(r *Roster) error {
	ids := map[string]int{}
	emails := map[string]int{}
	for _, e := range r.Employees {
		if e.EmployeeID == "" {
			return fmt.Errorf("roster line %d: no employee id", e.Line)
		}
		if l, ok := ids[e.EmployeeID]; ok {
			return fmt.Errorf("roster lines %d and %d: duplicate employee id %q", l, e.Line, e.EmployeeID)
		}
		ids[e.EmployeeID] = e.Line
		for _, k := range e.EmailKeys {
			if l, ok := emails[k]; ok {
				return fmt.Errorf("roster lines %d and %d: duplicate e-mail %q", l, e.Line, k)
			}
			emails[k] = e.Line
		}
	}
	return nil
}
