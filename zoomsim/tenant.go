package zoomsim

import (
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/zoomsight/zoomsight/zoom"
)

// Tenant is one simulated Zoom account and everything in it. Identity data
// (users, groups, roles, settings) is held in memory and can be changed
// through the Server's mutation methods; activity and meeting data are
// derived from the seed on demand so that large tenants cost little memory.
//
// Handlers read a tenant under mu.RLock (held by the request pipeline);
// mutations hold mu.Lock. Code outside the package should use the read
// methods (CountUsers, FindUser, GroupMembers, …), which lock for it.
type Tenant struct {
	mu sync.RWMutex
	// plantedTopic is appended to every meeting topic (PlantTopic).
	plantedTopic atomic.Pointer[string]

	ID          string // account id, as in Zoom ("abcDEF123…")
	Number      int64  // account_number
	Name        string
	OwnerID     string
	OwnerEmail  string
	Plan        zoom.Plan
	AccountType string // "Pro", "Business", "Free", … as /accounts/{id} reports it
	CreatedAt   time.Time
	VanityURL   string // "" unless the plan has one (Business)
	Domain      string // the e-mail domain of internal users
	Seats       int

	Users        []*User          // every status, in generation order, then in order of AddUser
	usersByID    map[string]*User // active and inactive users (pending have no id)
	usersByEmail map[string]*User // lower-cased e-mail, every status

	Groups []*Group
	Roles  []*Role

	// Settings is the account settings tree as GET /accounts/{id}/settings
	// returns it, plus three top-level keys that the default answer leaves
	// out and the option variants serve: "meeting_security",
	// "meeting_authentication" and "recording_authentication".
	Settings map[string]any
	// LockSettings is the lock settings tree (leaves are booleans), plus
	// "meeting_security" for option=meeting_security.
	LockSettings map[string]any

	ManagedDomains []ManagedDomain
	TrustedDomains []string
	Plans          PlanInfo

	Master      *Tenant   // set on sub-accounts
	SubAccounts []*Tenant // set on a master account

	// Sites are the customer's offices: where internal participants join from.
	Sites []Site

	seed int64
	now  func() time.Time
	gen  *generator // lazily derived data (meetings, logs); see generate*.go

	// idx partitions users by status, group and role. Readers build it
	// lazily under mu.RLock (a duplicate build is harmless); mutations drop
	// it under mu.Lock.
	idx atomic.Pointer[identityIndex]

	customAttrKey string // key of the one custom attribute users carry
	pmiMul        uint64 // PMIs are a bijection of a sequence number
	pmiOff        uint64
	nextSeq       uint64 // sequence number of the next PMI
	subStart      time.Time
}

// User is a simulated Zoom user.
type User struct {
	ID                string // empty for pending users, as in Zoom
	Email             string
	FirstName         string
	LastName          string
	DisplayName       string
	Type              int    // 1 Basic, 2 Licensed, 4 Unassigned, 99 None
	Status            string // active, inactive, pending
	RoleID            string
	Dept              string
	JobTitle          string
	Location          string
	Manager           string // e-mail of the user's manager, "" for the owner
	CostCenter        string
	EmployeeUniqueID  string
	GroupIDs          []string
	PMI               int64 // 0 for pending users
	Timezone          string
	Language          string
	Verified          int
	CreatedAt         time.Time // for pending users: when they were invited
	LastLoginTime     time.Time // zero: never signed in
	LastClientVersion string
	LoginTypes        []int // shared between users: replace, never modify in place
	Features          UserFeatures
	Site              int // index into Tenant.Sites of the user's office, -1 remote

	// listJSON caches the user's GET /users item. It is a pointer so that
	// User values can be copied; mutations store nil.
	listJSON *atomic.Pointer[[]byte]
}

// User statuses, as GET /users?status= takes them.
const (
	StatusActive   = "active"   // exists and can sign in
	StatusInactive = "inactive" // deactivated
	StatusPending  = "pending"  // invited, not yet activated; has no id
)

// UserFeatures are the per-user settings that decide licence cost.
type UserFeatures struct {
	MeetingCapacity      int
	LargeMeeting         bool
	LargeMeetingCapacity int
	Webinar              bool
	WebinarCapacity      int
	ZoomPhone            bool
}

// Group is a Zoom group. Its members are the users whose GroupIDs name it.
type Group struct {
	ID   string
	Name string
}

// Role is a Zoom role. Its members are the users whose RoleID names it.
type Role struct {
	ID          string
	Name        string
	Description string
	Type        string // "common"
}

// Zoom's built-in role ids.
const (
	RoleOwner  = "0" // the account owner; exactly one user
	RoleAdmin  = "1" // Admin
	RoleMember = "2" // Member, everyone else's default
)

// ManagedDomain is an entry of /accounts/{id}/managed_domains.
type ManagedDomain struct {
	Domain string
	Status string
}

// PlanInfo is what /accounts/{id}/plans and /plans/usage report.
type PlanInfo struct {
	BaseType     string // e.g. "monthly"
	BaseHosts    int    // seats bought
	LargeMeeting []AddOn
	Webinar      []AddOn
	Recording    string // storage plan name, "" for none
	Phone        bool
}

// AddOn is a bought add-on: so many hosts of some capacity.
type AddOn struct {
	Type     string // Zoom's plan type string, e.g. "large500_monthly"
	Hosts    int
	Capacity int
}

// Site is one office network of the simulated customer.
type Site struct {
	Name     string
	Egress   netip.Addr    // public IP internal clients are NATed to
	Internal netip.Prefix  // private subnet of the office
	APs      []AccessPoint // Wi-Fi access points, by the MACs of their clients
	Degraded bool          // meetings joined from here have bad minutes
	Cause    string        // why, when Degraded: "wifi", "loss", "latency", "cpu"
}

// AccessPoint is a Wi-Fi access point at a site.
type AccessPoint struct {
	Name string
	// ClientMACPrefix is the first three bytes of the MACs the generator
	// gives devices that join through this AP ("aa:bb:cc").
	ClientMACPrefix string
}

// identityIndex partitions a tenant's users. Group and role members are the
// users with an id (active and inactive): pending users have none, so Zoom
// cannot list them as members.
type identityIndex struct {
	active, inactive, pending []*User
	groupMembers              map[string][]*User
	roleMembers               map[string][]*User
}

// idIndex returns the tenant's user index, building it if a mutation dropped
// it. The caller holds t.mu (either mode).
func (t *Tenant) idIndex() *identityIndex {
	if ix := t.idx.Load(); ix != nil {
		return ix
	}
	var na, ni, np int
	for _, u := range t.Users {
		switch u.Status {
		case StatusActive:
			na++
		case StatusInactive:
			ni++
		default:
			np++
		}
	}
	ix := &identityIndex{
		active:       make([]*User, 0, na),
		inactive:     make([]*User, 0, ni),
		pending:      make([]*User, 0, np),
		groupMembers: make(map[string][]*User, len(t.Groups)),
		roleMembers:  make(map[string][]*User, len(t.Roles)),
	}
	for _, u := range t.Users {
		switch u.Status {
		case StatusActive:
			ix.active = append(ix.active, u)
		case StatusInactive:
			ix.inactive = append(ix.inactive, u)
		default:
			ix.pending = append(ix.pending, u)
			continue
		}
		for _, g := range u.GroupIDs {
			ix.groupMembers[g] = append(ix.groupMembers[g], u)
		}
		ix.roleMembers[u.RoleID] = append(ix.roleMembers[u.RoleID], u)
	}
	t.idx.Store(ix)
	return ix
}

// byStatus returns the users of one status ("" for every user).
func (ix *identityIndex) byStatus(status string) []*User {
	switch status {
	case StatusActive:
		return ix.active
	case StatusInactive:
		return ix.inactive
	case StatusPending:
		return ix.pending
	}
	return nil
}

// idChanged records that users or memberships changed: the index is rebuilt
// on next use and the users' cached JSON re-encoded. The caller holds
// t.mu.Lock.
func (t *Tenant) idChanged(users ...*User) {
	t.idx.Store(nil)
	for _, u := range users {
		if u.listJSON != nil {
			u.listJSON.Store(nil)
		}
	}
}

// idLookup finds a user by id, by e-mail (any case), or "me" (the owner,
// as the simulator's apps are the owner's). The caller holds t.mu.
func (t *Tenant) idLookup(key string) *User {
	if key == "me" {
		return t.usersByID[t.OwnerID]
	}
	if u := t.usersByID[key]; u != nil {
		return u
	}
	if strings.Contains(key, "@") {
		return t.usersByEmail[strings.ToLower(key)]
	}
	return nil
}

func (t *Tenant) idRole(id string) *Role {
	for _, r := range t.Roles {
		if r.ID == id {
			return r
		}
	}
	return nil
}

func (t *Tenant) idGroup(id string) *Group {
	for _, g := range t.Groups {
		if g.ID == id {
			return g
		}
	}
	return nil
}

// idSnapshot returns a copy of u that shares nothing mutable with it, for
// callers outside the tenant lock.
func (u *User) idSnapshot() *User {
	c := *u
	c.GroupIDs = append([]string(nil), u.GroupIDs...)
	c.LoginTypes = append([]int(nil), u.LoginTypes...)
	c.listJSON = nil
	return &c
}

func idSnapshots(us []*User) []*User {
	out := make([]*User, len(us))
	for i, u := range us {
		out[i] = u.idSnapshot()
	}
	return out
}

// CountUsers returns how many users have the status ("active", "inactive",
// "pending"); "" counts every user.
func (t *Tenant) CountUsers(status string) int {
	t.mu.RLock()
	defer t.mu.RUnlock()
	if status == "" {
		return len(t.Users)
	}
	return len(t.idIndex().byStatus(status))
}

// UsersByStatus returns copies of the users of one status ("" for all), in
// the order GET /users lists them.
func (t *Tenant) UsersByStatus(status string) []*User {
	t.mu.RLock()
	defer t.mu.RUnlock()
	if status == "" {
		return idSnapshots(t.Users)
	}
	return idSnapshots(t.idIndex().byStatus(status))
}

// FindUser returns a copy of the user with that id or e-mail, or nil.
func (t *Tenant) FindUser(idOrEmail string) *User {
	t.mu.RLock()
	defer t.mu.RUnlock()
	if u := t.idLookup(idOrEmail); u != nil {
		return u.idSnapshot()
	}
	return nil
}

// GroupMembers returns copies of the users GET /groups/{groupId}/members
// lists: active and inactive members, in creation order (pending users
// have no id and are left out).
func (t *Tenant) GroupMembers(groupID string) []*User {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return idSnapshots(t.idIndex().groupMembers[groupID])
}

// Setting returns a copy of the account setting at a dotted path such as
// "meeting_security.waiting_room".
func (t *Tenant) Setting(path string) (any, bool) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	v, ok := treeGet(t.Settings, path)
	return treeCopy(v), ok
}
