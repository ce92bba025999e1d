package zoomsim

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"time"
)

// Errors of the tenant mutation methods; the admin API maps them to 404,
// 409 and 400.
var (
	// ErrNoAccount: the account id is not one of the simulator's.
	ErrNoAccount = errors.New("zoomsim: no such account")
	// ErrNoUser: no user has that id or e-mail.
	ErrNoUser = errors.New("zoomsim: no such user")
	// ErrNoGroup: no group has that id.
	ErrNoGroup = errors.New("zoomsim: no such group")
	// ErrNoRole: no role has that id (or it is the Owner role).
	ErrNoRole = errors.New("zoomsim: no such role")
	// ErrNoSetting: the settings tree has no such path.
	ErrNoSetting = errors.New("zoomsim: no such setting")
	// ErrConflict: the change does not fit the current state (deactivating
	// an inactive user, adding an e-mail that exists, touching the owner).
	ErrConflict = errors.New("zoomsim: conflicts with the current state")
	// ErrInvalid: a malformed value.
	ErrInvalid = errors.New("zoomsim: invalid value")
)

// NewUser describes a user for AddUser. Only Email is required.
type NewUser struct {
	Email     string   `json:"email"`
	FirstName string   `json:"first_name"`
	LastName  string   `json:"last_name"`
	Type      int      `json:"type"`    // default 1 (Basic)
	Status    string   `json:"status"`  // "active" (default) or "pending"
	RoleID    string   `json:"role_id"` // default "2" (Member)
	Dept      string   `json:"dept"`
	GroupIDs  []string `json:"group_ids"` // groups to join; none by default
}

// tenantMutate runs fn on an account under its write lock.
func (s *Server) tenantMutate(accountID string, fn func(t *Tenant) error) error {
	t := s.byID[accountID]
	if t == nil {
		return fmt.Errorf("%w: %q", ErrNoAccount, accountID)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	return fn(t)
}

// tenantMutateUser runs fn on one user (by id or e-mail) and refreshes the
// indexes and the user's cached JSON afterwards.
func (s *Server) tenantMutateUser(accountID, user string, fn func(t *Tenant, u *User) error) (*User, error) {
	var out *User
	err := s.tenantMutate(accountID, func(t *Tenant) error {
		u := t.idLookup(user)
		if u == nil {
			return fmt.Errorf("%w: %q", ErrNoUser, user)
		}
		if err := fn(t, u); err != nil {
			return err
		}
		t.idChanged(u)
		out = u.idSnapshot()
		return nil
	})
	return out, err
}

// addUser adds an active or pending user to an account and returns a copy
// of it. Ids and PMIs are derived from the seed and e-mail, so a replayed
// script gets the same ids.
func (s *Server) addUser(accountID string, in NewUser) (*User, error) {
	var out *User
	err := s.tenantMutate(accountID, func(t *Tenant) error {
		email := strings.TrimSpace(in.Email)
		if !strings.Contains(email, "@") {
			return fmt.Errorf("%w: e-mail %q", ErrInvalid, in.Email)
		}
		if t.usersByEmail[strings.ToLower(email)] != nil {
			return fmt.Errorf("%w: %s is already in the account", ErrConflict, email)
		}
		u := &User{Email: email, FirstName: in.FirstName, LastName: in.LastName, Type: in.Type, Status: in.Status,
			RoleID: in.RoleID, Dept: in.Dept, Site: -1, Timezone: "America/New_York", Language: "en-US",
			CreatedAt: s.opts.Now().UTC().Truncate(time.Second), listJSON: new(atomic.Pointer[[]byte])}
		u.DisplayName = strings.TrimSpace(u.FirstName + " " + u.LastName)
		if u.Type == 0 {
			u.Type = 1
		}
		switch u.Type {
		case 1, 2, 4, 99:
		default:
			return fmt.Errorf("%w: type %d (want 1, 2, 4 or 99)", ErrInvalid, u.Type)
		}
		if u.RoleID == "" {
			u.RoleID = RoleMember
		}
		if t.idRole(u.RoleID) == nil || u.RoleID == RoleOwner {
			return fmt.Errorf("%w: %q", ErrNoRole, u.RoleID)
		}
		for _, g := range in.GroupIDs {
			if t.idGroup(g) == nil {
				return fmt.Errorf("%w: %q", ErrNoGroup, g)
			}
		}
		u.GroupIDs = append([]string{}, in.GroupIDs...)
		u.Features.MeetingCapacity = 100
		if u.Type == 2 {
			if v, ok := treeGet(t.Settings, "feature.meeting_capacity"); ok {
				u.Features.MeetingCapacity = int(v.(float64))
			}
		}
		switch u.Status {
		case "", StatusActive:
			u.Status = StatusActive
			t.idActivate(u, false)
		case StatusPending:
		default:
			return fmt.Errorf("%w: status %q (want active or pending)", ErrInvalid, u.Status)
		}
		t.Users = append(t.Users, u)
		t.usersByEmail[strings.ToLower(email)] = u
		if u.ID != "" {
			t.usersByID[u.ID] = u
		}
		t.idChanged(u)
		out = u.idSnapshot()
		return nil
	})
	return out, err
}

// idActivate gives a user an id derived from the seed and e-mail (so the
// same e-mail keeps the same id), a PMI and a verified address; signedIn
// also records a first sign-in now, as accepting an invitation does.
func (t *Tenant) idActivate(u *User, signedIn bool) {
	r := newRand(t.seed, "users/added", hashString(t.ID), hashString(strings.ToLower(u.Email)))
	u.ID = randomID(r, 22)
	for t.usersByID[u.ID] != nil {
		u.ID = randomID(r, 22)
	}
	u.PMI = t.idNewPMI()
	u.Verified = 1
	u.Status = StatusActive
	u.LoginTypes = idLoginZoom
	if signedIn {
		u.LastLoginTime = t.now().UTC().Truncate(time.Second)
	}
}

// deactivateUser deactivates an active user (Zoom status "inactive"). The
// user keeps its id, groups, role and add-ons.
func (s *Server) deactivateUser(accountID, user string) (*User, error) {
	return s.tenantMutateUser(accountID, user, func(t *Tenant, u *User) error {
		if u.Status != StatusActive {
			return fmt.Errorf("%w: %s is %s, not active", ErrConflict, user, u.Status)
		}
		if u.ID == t.OwnerID {
			return fmt.Errorf("%w: the owner cannot be deactivated", ErrConflict)
		}
		u.Status = StatusInactive
		return nil
	})
}

// reactivateUser reactivates an inactive user.
func (s *Server) reactivateUser(accountID, user string) (*User, error) {
	return s.tenantMutateUser(accountID, user, func(t *Tenant, u *User) error {
		if u.Status != StatusInactive {
			return fmt.Errorf("%w: %s is %s, not inactive", ErrConflict, user, u.Status)
		}
		u.Status = StatusActive
		return nil
	})
}

// activatePendingUser accepts a pending user's invitation: the user gets an
// id and becomes active under the same e-mail.
func (s *Server) activatePendingUser(accountID, user string) (*User, error) {
	return s.tenantMutateUser(accountID, user, func(t *Tenant, u *User) error {
		if u.Status != StatusPending {
			return fmt.Errorf("%w: %s is %s, not pending", ErrConflict, user, u.Status)
		}
		t.idActivate(u, true)
		t.usersByID[u.ID] = u
		return nil
	})
}

// deleteUser removes a user of any status (for a pending one: withdraws the
// invitation). The owner cannot be deleted.
func (s *Server) deleteUser(accountID, user string) error {
	_, err := s.tenantMutateUser(accountID, user, func(t *Tenant, u *User) error {
		if u.ID != "" && u.ID == t.OwnerID {
			return fmt.Errorf("%w: the owner cannot be deleted", ErrConflict)
		}
		for i, x := range t.Users {
			if x == u {
				t.Users = append(t.Users[:i:i], t.Users[i+1:]...)
				break
			}
		}
		delete(t.usersByID, u.ID)
		delete(t.usersByEmail, strings.ToLower(u.Email))
		return nil
	})
	return err
}

// setUserRole assigns a role. The owner's role, and the Owner role, cannot
// be given or taken this way.
func (s *Server) setUserRole(accountID, user, roleID string) (*User, error) {
	return s.tenantMutateUser(accountID, user, func(t *Tenant, u *User) error {
		if t.idRole(roleID) == nil || roleID == RoleOwner {
			return fmt.Errorf("%w: %q", ErrNoRole, roleID)
		}
		if u.ID != "" && u.ID == t.OwnerID {
			return fmt.Errorf("%w: the owner's role cannot change", ErrConflict)
		}
		u.RoleID = roleID
		return nil
	})
}

// setUserType changes a user's licence type (1 Basic, 2 Licensed, 4, 99).
// Add-ons stay as they are, which is how licence leaks arise.
func (s *Server) setUserType(accountID, user string, typ int) (*User, error) {
	return s.tenantMutateUser(accountID, user, func(t *Tenant, u *User) error {
		switch typ {
		case 1, 2, 4, 99:
		default:
			return fmt.Errorf("%w: type %d (want 1, 2, 4 or 99)", ErrInvalid, typ)
		}
		u.Type = typ
		return nil
	})
}

// SetUserLastLogin sets a user's last sign-in time; the zero time means
// never signed in.
func (s *Server) SetUserLastLogin(accountID, user string, at time.Time) (*User, error) {
	return s.tenantMutateUser(accountID, user, func(t *Tenant, u *User) error {
		if u.Status == StatusPending {
			return fmt.Errorf("%w: a pending user has not signed in", ErrConflict)
		}
		if at.IsZero() {
			u.LastLoginTime, u.LastClientVersion = time.Time{}, ""
		} else {
			u.LastLoginTime = at.UTC().Truncate(time.Second)
			if u.LastClientVersion == "" {
				u.LastClientVersion = idClientVersions[0]
			}
		}
		return nil
	})
}

// addGroupMember puts a user in a group.
func (s *Server) addGroupMember(accountID, groupID, user string) (*User, error) {
	return s.tenantMutateUser(accountID, user, func(t *Tenant, u *User) error {
		if t.idGroup(groupID) == nil {
			return fmt.Errorf("%w: %q", ErrNoGroup, groupID)
		}
		for _, g := range u.GroupIDs {
			if g == groupID {
				return fmt.Errorf("%w: %s is already in group %s", ErrConflict, user, groupID)
			}
		}
		// A fresh slice: generated users share one backing array.
		u.GroupIDs = append(append(make([]string, 0, len(u.GroupIDs)+1), u.GroupIDs...), groupID)
		return nil
	})
}

// removeGroupMember takes a user out of a group.
func (s *Server) removeGroupMember(accountID, groupID, user string) (*User, error) {
	return s.tenantMutateUser(accountID, user, func(t *Tenant, u *User) error {
		if t.idGroup(groupID) == nil {
			return fmt.Errorf("%w: %q", ErrNoGroup, groupID)
		}
		out := make([]string, 0, len(u.GroupIDs))
		for _, g := range u.GroupIDs {
			if g != groupID {
				out = append(out, g)
			}
		}
		if len(out) == len(u.GroupIDs) {
			return fmt.Errorf("%w: %s is not in group %s", ErrConflict, user, groupID)
		}
		u.GroupIDs = out
		return nil
	})
}

// addGroup creates an empty group and returns a copy of it.
func (s *Server) addGroup(accountID, name string) (*Group, error) {
	var out *Group
	err := s.tenantMutate(accountID, func(t *Tenant) error {
		if strings.TrimSpace(name) == "" {
			return fmt.Errorf("%w: empty group name", ErrInvalid)
		}
		for _, g := range t.Groups {
			if strings.EqualFold(g.Name, name) {
				return fmt.Errorf("%w: a group named %q exists", ErrConflict, name)
			}
		}
		r := newRand(t.seed, "groups/added", hashString(t.ID), hashString(name))
		g := &Group{ID: randomID(r, 22), Name: name}
		t.Groups = append(t.Groups, g)
		t.idChanged()
		c := *g
		out = &c
		return nil
	})
	return out, err
}

// deleteGroup deletes a group; its members leave it.
func (s *Server) deleteGroup(accountID, groupID string) error {
	return s.tenantMutate(accountID, func(t *Tenant) error {
		i := -1
		for k, g := range t.Groups {
			if g.ID == groupID {
				i = k
			}
		}
		if i < 0 {
			return fmt.Errorf("%w: %q", ErrNoGroup, groupID)
		}
		t.Groups = append(t.Groups[:i:i], t.Groups[i+1:]...)
		var touched []*User
		for _, u := range t.Users {
			for _, g := range u.GroupIDs {
				if g == groupID {
					out := make([]string, 0, len(u.GroupIDs)-1)
					for _, x := range u.GroupIDs {
						if x != groupID {
							out = append(out, x)
						}
					}
					u.GroupIDs = out
					touched = append(touched, u)
					break
				}
			}
		}
		t.idChanged(touched...)
		return nil
	})
}

// setAccountSetting changes one account setting, named by its dotted path
// in GET /accounts/{id}/settings (e.g. "in_meeting.e2e_encryption",
// "schedule_meeting.require_password_for_scheduled_meetings"), or under
// the option-only "meeting_security" tree ("meeting_security.waiting_room";
// "in_meeting.waiting_room" is accepted as its old name). The value must
// have the JSON type the setting has. Users' settings follow the account's.
func (s *Server) setAccountSetting(accountID, path string, value any) error {
	return s.tenantMutate(accountID, func(t *Tenant) error {
		return setSetting(t.Settings, path, value)
	})
}

// setLockSetting locks or unlocks an account setting, by its dotted path in
// GET /accounts/{id}/lock_settings (e.g. "meeting_security.waiting_room").
func (s *Server) setLockSetting(accountID, path string, locked bool) error {
	return s.tenantMutate(accountID, func(t *Tenant) error {
		return treeSet(t.LockSettings, path, locked)
	})
}

// registerTenantAdmin serves the mutation methods over HTTP under
// /_sim/accounts/{accountId}/, for demos and for tests in other processes.
// {user} is a user id or e-mail. Like the rest of /_sim/ it has no
// authentication: never expose a simulator beyond loopback.
//
//	GET    …/identity                         counts: users by status, groups, roles
//	POST   …/users                            NewUser JSON → the user
//	DELETE …/users/{user}
//	POST   …/users/{user}/deactivate | reactivate | activate
//	PUT    …/users/{user}/role                {"role_id":"1"}
//	PUT    …/users/{user}/type                {"type":2}
//	PUT    …/users/{user}/last_login          {"last_login_time":"2025-01-02T03:04:05Z"} ("" = never)
//	POST   …/groups                           {"name":"…"} → the group
//	DELETE …/groups/{groupId}
//	POST   …/groups/{groupId}/members/{user}
//	DELETE …/groups/{groupId}/members/{user}
//	PATCH  …/settings                         {"path":"meeting_security.waiting_room","value":false}
//	PATCH  …/lock_settings                    {"path":"…","value":true}
func (s *Server) registerTenantAdmin(mux *http.ServeMux) {
	const p = "/_sim/accounts/{accountId}"
	s.registerWebhookAdmin(mux) // webhook_emit.go
	s.registerQSSAdmin(mux)     // qss_emit.go
	user := func(fn func(acct, user string, body []byte) (any, error)) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			var body []byte
			if r.Body != nil {
				body, _ = idReadAll(r)
			}
			v, err := fn(r.PathValue("accountId"), r.PathValue("user"), body)
			s.tenantAdminAnswer(w, v, err)
		}
	}
	decode := func(body []byte, v any) error {
		if err := json.Unmarshal(body, v); err != nil {
			return fmt.Errorf("%w: body: %v", ErrInvalid, err)
		}
		return nil
	}
	mux.HandleFunc("GET "+p+"/identity", user(func(acct, _ string, _ []byte) (any, error) {
		t := s.byID[acct]
		if t == nil {
			return nil, fmt.Errorf("%w: %q", ErrNoAccount, acct)
		}
		return t.identityCounts(), nil
	}))
	mux.HandleFunc("POST "+p+"/users", user(func(acct, _ string, body []byte) (any, error) {
		var in NewUser
		if err := decode(body, &in); err != nil {
			return nil, err
		}
		return s.tenantUserAnswer(acct)(s.AddUser(acct, in))
	}))
	mux.HandleFunc("DELETE "+p+"/users/{user}", user(func(acct, u string, _ []byte) (any, error) {
		return nil, s.DeleteUser(acct, u)
	}))
	for verb, fn := range map[string]func(string, string) (*User, error){
		"deactivate": s.DeactivateUser, "reactivate": s.ReactivateUser, "activate": s.ActivatePendingUser,
	} {
		mux.HandleFunc("POST "+p+"/users/{user}/"+verb, user(func(acct, u string, _ []byte) (any, error) {
			return s.tenantUserAnswer(acct)(fn(acct, u))
		}))
	}
	mux.HandleFunc("PUT "+p+"/users/{user}/role", user(func(acct, u string, body []byte) (any, error) {
		var in struct {
			RoleID string `json:"role_id"`
		}
		if err := decode(body, &in); err != nil {
			return nil, err
		}
		return s.tenantUserAnswer(acct)(s.SetUserRole(acct, u, in.RoleID))
	}))
	mux.HandleFunc("PUT "+p+"/users/{user}/type", user(func(acct, u string, body []byte) (any, error) {
		var in struct {
			Type int `json:"type"`
		}
		if err := decode(body, &in); err != nil {
			return nil, err
		}
		return s.tenantUserAnswer(acct)(s.SetUserType(acct, u, in.Type))
	}))
	mux.HandleFunc("PUT "+p+"/users/{user}/last_login", user(func(acct, u string, body []byte) (any, error) {
		var in struct {
			LastLoginTime string `json:"last_login_time"`
		}
		if err := decode(body, &in); err != nil {
			return nil, err
		}
		var at time.Time
		if in.LastLoginTime != "" {
			var err error
			if at, err = time.Parse(time.RFC3339, in.LastLoginTime); err != nil {
				return nil, fmt.Errorf("%w: last_login_time: %v", ErrInvalid, err)
			}
		}
		return s.tenantUserAnswer(acct)(s.SetUserLastLogin(acct, u, at))
	}))
	mux.HandleFunc("POST "+p+"/groups", user(func(acct, _ string, body []byte) (any, error) {
		var in struct {
			Name string `json:"name"`
		}
		if err := decode(body, &in); err != nil {
			return nil, err
		}
		g, err := s.AddGroup(acct, in.Name)
		if err != nil {
			return nil, err
		}
		return map[string]string{"id": g.ID, "name": g.Name}, nil
	}))
	mux.HandleFunc("DELETE "+p+"/groups/{groupId}", func(w http.ResponseWriter, r *http.Request) {
		s.tenantAdminAnswer(w, nil, s.DeleteGroup(r.PathValue("accountId"), r.PathValue("groupId")))
	})
	mux.HandleFunc("POST "+p+"/groups/{groupId}/members/{user}", func(w http.ResponseWriter, r *http.Request) {
		acct := r.PathValue("accountId")
		v, err := s.tenantUserAnswer(acct)(s.AddGroupMember(acct, r.PathValue("groupId"), r.PathValue("user")))
		s.tenantAdminAnswer(w, v, err)
	})
	mux.HandleFunc("DELETE "+p+"/groups/{groupId}/members/{user}", func(w http.ResponseWriter, r *http.Request) {
		acct := r.PathValue("accountId")
		v, err := s.tenantUserAnswer(acct)(s.RemoveGroupMember(acct, r.PathValue("groupId"), r.PathValue("user")))
		s.tenantAdminAnswer(w, v, err)
	})
	setting := func(set func(acct, path string, v any) error) http.HandlerFunc {
		return user(func(acct, _ string, body []byte) (any, error) {
			var in struct {
				Path  string `json:"path"`
				Value any    `json:"value"`
			}
			if err := decode(body, &in); err != nil {
				return nil, err
			}
			if err := set(acct, in.Path, in.Value); err != nil {
				return nil, err
			}
			return map[string]any{"path": in.Path, "value": in.Value}, nil
		})
	}
	mux.HandleFunc("PATCH "+p+"/settings", setting(s.SetAccountSetting))
	mux.HandleFunc("PATCH "+p+"/lock_settings", setting(func(acct, path string, v any) error {
		b, ok := v.(bool)
		if !ok {
			return fmt.Errorf("%w: lock settings are booleans", ErrInvalid)
		}
		return s.SetLockSetting(acct, path, b)
	}))
}

// tenantUserAnswer turns a mutation's result into the user's GET /users/{userId}
// object.
func (s *Server) tenantUserAnswer(acct string) func(*User, error) (any, error) {
	return func(u *User, err error) (any, error) {
		if err != nil {
			return nil, err
		}
		t := s.byID[acct]
		t.mu.RLock()
		defer t.mu.RUnlock()
		return t.idUserObjectOf(u, s.opts.Now()), nil
	}
}

// tenantAdminAnswer writes a mutation's answer: 200 with v, 204 without, or the
// error with the status its kind calls for.
func (s *Server) tenantAdminAnswer(w http.ResponseWriter, v any, err error) {
	switch {
	case errors.Is(err, ErrNoAccount), errors.Is(err, ErrNoUser), errors.Is(err, ErrNoGroup),
		errors.Is(err, ErrNoRole), errors.Is(err, ErrNoSetting):
		adminError(w, http.StatusNotFound, err.Error())
	case errors.Is(err, ErrConflict):
		adminError(w, http.StatusConflict, err.Error())
	case err != nil:
		adminError(w, http.StatusBadRequest, err.Error())
	case v == nil:
		w.WriteHeader(http.StatusNoContent)
	default:
		adminJSON(w, http.StatusOK, v)
	}
}

func idReadAll(r *http.Request) ([]byte, error) {
	return io.ReadAll(io.LimitReader(r.Body, 1<<20))
}

// IdentityCounts is the ground truth of an account's identity data.
type IdentityCounts struct {
	Users  map[string]int `json:"users"` // by status
	Groups int            `json:"groups"`
	Roles  int            `json:"roles"`
}

func (t *Tenant) identityCounts() IdentityCounts {
	t.mu.RLock()
	defer t.mu.RUnlock()
	ix := t.idIndex()
	return IdentityCounts{
		Users:  map[string]int{StatusActive: len(ix.active), StatusInactive: len(ix.inactive), StatusPending: len(ix.pending)},
		Groups: len(t.Groups), Roles: len(t.Roles),
	}
}

// PlantTopic appends text to every meeting topic of an account, so that a
// test can see how a client shows hostile text such as markup: the
// simulator serves it as Zoom would serve a topic a host typed.
func (s *Server) PlantTopic(accountID, text string) error {
	t := s.byID[accountID]
	if t == nil {
		return fmt.Errorf("%w: %q", ErrNoAccount, accountID)
	}
	t.plantedTopic.Store(&text)
	return nil
}
