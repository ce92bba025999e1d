package zoomsim

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
)

// The webhook emitter: with a webhook URL set (Options.WebhookURL or
// SetWebhook), every admin change made through the mutation methods (and
// so the /_sim/ admin API) is also sent, signed, as the users or accounts
// event Zoom would send: user.created, user.deactivated, user.activated,
// user.invitation_accepted, user.deleted, user.updated (role, type),
// group.created, group.deleted, group.member_added, group.member_deleted,
// account.settings_updated and account.lock_settings_updated. Events go
// out one at a time, in order, from one goroutine, as Zoom's are not
// guaranteed to arrive faster; like Zoom the simulator does not wait for
// them, and unlike Zoom it does not retry (WebhookStats counts failures).

// WebhookStats counts the emitter's deliveries.
type WebhookStats struct {
	Sent    int64 `json:"sent"`    // answered 2xx
	Failed  int64 `json:"failed"`  // not delivered or answered otherwise
	Dropped int64 `json:"dropped"` // the queue was full
}

type hookTarget struct{ url, secret string }

type hookOut struct {
	target hookTarget
	ev     WebhookEvent
}

type emitter struct {
	mu      sync.Mutex
	targets map[string]hookTarget // by account id
	once    sync.Once
	queue   chan hookOut
	sent    atomic.Int64
	failed  atomic.Int64
	dropped atomic.Int64
	idle    sync.WaitGroup // one per event queued and not yet sent
}

// SetWebhook makes the simulator send account accountID's events to url,
// signed with secret; an empty url stops them.
func (s *Server) SetWebhook(accountID, url, secret string) {
	s.hooks.mu.Lock()
	defer s.hooks.mu.Unlock()
	if s.hooks.targets == nil {
		s.hooks.targets = map[string]hookTarget{}
	}
	if url == "" {
		delete(s.hooks.targets, accountID)
		return
	}
	s.hooks.targets[accountID] = hookTarget{url, secret}
}

// WebhookStats returns the emitter's counts so far.
func (s *Server) WebhookStats() WebhookStats {
	return WebhookStats{Sent: s.hooks.sent.Load(), Failed: s.hooks.failed.Load(), Dropped: s.hooks.dropped.Load()}
}

// WaitWebhooks waits until every event emitted so far was delivered (or
// failed), or ctx ends.
func (s *Server) WaitWebhooks(ctx context.Context) error {
	done := make(chan struct{})
	go func() {
		s.hooks.idle.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (s *Server) hookTarget(accountID string) (hookTarget, bool) {
	s.hooks.mu.Lock()
	defer s.hooks.mu.Unlock()
	if t, ok := s.hooks.targets[accountID]; ok {
		return t, true
	}
	if s.opts.WebhookURL != "" {
		return hookTarget{strings.ReplaceAll(s.opts.WebhookURL, "{account_id}", accountID), s.opts.WebhookSecret}, true
	}
	return hookTarget{}, false
}

// emit queues an event of account accountID, if it has a webhook URL.
func (s *Server) emit(accountID, event string, payload map[string]any) {
	t, ok := s.hookTarget(accountID)
	if !ok {
		return
	}
	if payload == nil {
		payload = map[string]any{}
	}
	payload["account_id"] = accountID
	payload["operator"] = "admin@zoomsim.example"
	payload["time_stamp"] = s.opts.Now().UnixMilli()
	h := &s.hooks
	h.once.Do(func() {
		h.queue = make(chan hookOut, 4096)
		go s.sendHooks()
	})
	h.idle.Add(1)
	select {
	case h.queue <- hookOut{t, WebhookEvent{Event: event, Payload: payload}}:
	default:
		h.dropped.Add(1)
		h.idle.Done()
	}
}

// sendHooks delivers queued events until the simulator closes.
func (s *Server) sendHooks() {
	h := &s.hooks
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-s.closing
		cancel()
	}()
	for {
		select {
		case <-s.closing:
			return
		case o := <-h.queue:
			res, err := s.SendWebhook(ctx, o.target.url, o.target.secret, o.ev)
			if err == nil && res.StatusCode/100 == 2 {
				h.sent.Add(1)
			} else {
				h.failed.Add(1)
			}
			h.idle.Done()
		}
	}
}

func userObject(u *User, extra map[string]any) map[string]any {
	o := map[string]any{"id": u.ID, "email": u.Email, "first_name": u.FirstName, "last_name": u.LastName, "type": u.Type}
	for k, v := range extra {
		o[k] = v
	}
	return o
}

// The public mutation methods: each makes its change (admin_tenant.go) and
// emits the event Zoom would.

// AddUser adds an active or pending user to an account and returns a copy
// of it. Ids and PMIs are derived from the seed and e-mail, so a replayed
// script gets the same ids.
func (s *Server) AddUser(accountID string, in NewUser) (*User, error) {
	u, err := s.addUser(accountID, in)
	if err == nil {
		creation := "autoCreate"
		obj := userObject(u, map[string]any{"display_name": u.DisplayName, "role_id": u.RoleID})
		if u.Status == StatusPending {
			creation = "create"
			delete(obj, "id")
		}
		s.emit(accountID, "user.created", map[string]any{"creation_type": creation, "object": obj})
	}
	return u, err
}

// DeactivateUser deactivates an active user (Zoom status "inactive"). The
// user keeps its id, groups, role and add-ons.
func (s *Server) DeactivateUser(accountID, user string) (*User, error) {
	u, err := s.deactivateUser(accountID, user)
	if err == nil {
		s.emit(accountID, "user.deactivated", map[string]any{"object": userObject(u, nil)})
	}
	return u, err
}

// ReactivateUser reactivates an inactive user.
func (s *Server) ReactivateUser(accountID, user string) (*User, error) {
	u, err := s.reactivateUser(accountID, user)
	if err == nil {
		s.emit(accountID, "user.activated", map[string]any{"object": userObject(u, nil)})
	}
	return u, err
}

// ActivatePendingUser accepts a pending user's invitation: the user gets an
// id and becomes active under the same e-mail.
func (s *Server) ActivatePendingUser(accountID, user string) (*User, error) {
	u, err := s.activatePendingUser(accountID, user)
	if err == nil {
		s.emit(accountID, "user.invitation_accepted", map[string]any{"object": userObject(u, nil)})
	}
	return u, err
}

// DeleteUser removes a user of any status (for a pending one: withdraws the
// invitation). The owner cannot be deleted.
func (s *Server) DeleteUser(accountID, user string) error {
	var before *User
	if t := s.byID[accountID]; t != nil {
		t.mu.RLock()
		if u := t.idLookup(user); u != nil {
			before = u.idSnapshot()
		}
		t.mu.RUnlock()
	}
	err := s.deleteUser(accountID, user)
	if err == nil && before != nil {
		s.emit(accountID, "user.deleted", map[string]any{"object": userObject(before, nil)})
	}
	return err
}

// SetUserRole assigns a role. The owner's role, and the Owner role, cannot
// be given or taken this way.
func (s *Server) SetUserRole(accountID, user, roleID string) (*User, error) {
	old := s.userField(accountID, user, func(u *User) any { return u.RoleID })
	u, err := s.setUserRole(accountID, user, roleID)
	if err == nil {
		s.emit(accountID, "user.updated", map[string]any{"object": map[string]any{"id": u.ID, "email": u.Email, "role_id": roleID},
			"old_object": map[string]any{"id": u.ID, "email": u.Email, "role_id": old}})
	}
	return u, err
}

// SetUserType changes a user's licence type (1 Basic, 2 Licensed, 4, 99).
// Add-ons stay as they are, which is how licence leaks arise.
func (s *Server) SetUserType(accountID, user string, typ int) (*User, error) {
	old := s.userField(accountID, user, func(u *User) any { return u.Type })
	u, err := s.setUserType(accountID, user, typ)
	if err == nil {
		s.emit(accountID, "user.updated", map[string]any{"object": map[string]any{"id": u.ID, "email": u.Email, "type": typ},
			"old_object": map[string]any{"id": u.ID, "email": u.Email, "type": old}})
	}
	return u, err
}

func (s *Server) userField(accountID, user string, f func(*User) any) any {
	t := s.byID[accountID]
	if t == nil {
		return nil
	}
	t.mu.RLock()
	defer t.mu.RUnlock()
	if u := t.idLookup(user); u != nil {
		return f(u)
	}
	return nil
}

// AddGroupMember puts a user in a group.
func (s *Server) AddGroupMember(accountID, groupID, user string) (*User, error) {
	u, err := s.addGroupMember(accountID, groupID, user)
	if err == nil {
		s.emit(accountID, "group.member_added", map[string]any{"object": map[string]any{"id": groupID,
			"members": []any{map[string]any{"id": u.ID, "email": u.Email}}}})
	}
	return u, err
}

// RemoveGroupMember takes a user out of a group.
func (s *Server) RemoveGroupMember(accountID, groupID, user string) (*User, error) {
	u, err := s.removeGroupMember(accountID, groupID, user)
	if err == nil {
		s.emit(accountID, "group.member_deleted", map[string]any{"object": map[string]any{"id": groupID,
			"members": []any{map[string]any{"id": u.ID, "email": u.Email}}}})
	}
	return u, err
}

// AddGroup creates an empty group and returns a copy of it.
func (s *Server) AddGroup(accountID, name string) (*Group, error) {
	g, err := s.addGroup(accountID, name)
	if err == nil {
		s.emit(accountID, "group.created", map[string]any{"object": map[string]any{"id": g.ID, "name": g.Name}})
	}
	return g, err
}

// DeleteGroup deletes a group; its members leave it.
func (s *Server) DeleteGroup(accountID, groupID string) error {
	var name string
	if t := s.byID[accountID]; t != nil {
		t.mu.RLock()
		if g := t.idGroup(groupID); g != nil {
			name = g.Name
		}
		t.mu.RUnlock()
	}
	err := s.deleteGroup(accountID, groupID)
	if err == nil {
		s.emit(accountID, "group.deleted", map[string]any{"object": map[string]any{"id": groupID, "name": name}})
	}
	return err
}

// settingValue reads a setting of an account's tree.
func (s *Server) settingValue(accountID, path string, lock bool) (any, bool) {
	t := s.byID[accountID]
	if t == nil {
		return nil, false
	}
	t.mu.RLock()
	defer t.mu.RUnlock()
	if lock {
		return treeGet(t.LockSettings, path)
	}
	return treeGet(t.Settings, path)
}

// nested turns "a.b.c" = v into {"a":{"b":{"c":v}}}.
func nested(path string, v any) map[string]any {
	parts := strings.Split(path, ".")
	out := map[string]any{parts[len(parts)-1]: v}
	for i := len(parts) - 2; i >= 0; i-- {
		out = map[string]any{parts[i]: out}
	}
	return out
}

// SetAccountSetting changes one account setting, named by its dotted path
// in GET /accounts/{id}/settings (e.g. "in_meeting.e2e_encryption",
// "schedule_meeting.require_password_for_scheduled_meetings"), or under
// the option-only "meeting_security" tree ("meeting_security.waiting_room";
// "in_meeting.waiting_room" is accepted as its old name). The value must
// have the JSON type the setting has. Users' settings follow the account's.
func (s *Server) SetAccountSetting(accountID, path string, value any) error {
	old, had := s.settingValue(accountID, path, false)
	err := s.setAccountSetting(accountID, path, value)
	if err == nil {
		p := map[string]any{"object": map[string]any{"id": accountID, "settings": nested(path, value)}}
		if had {
			p["old_object"] = map[string]any{"id": accountID, "settings": nested(path, old)}
		}
		s.emit(accountID, "account.settings_updated", p)
	}
	return err
}

// SetLockSetting locks or unlocks an account setting, by its dotted path in
// GET /accounts/{id}/lock_settings (e.g. "meeting_security.waiting_room").
func (s *Server) SetLockSetting(accountID, path string, locked bool) error {
	old, had := s.settingValue(accountID, path, true)
	err := s.setLockSetting(accountID, path, locked)
	if err == nil {
		p := map[string]any{"object": map[string]any{"id": accountID, "settings": nested(path, locked)}}
		if had {
			p["old_object"] = map[string]any{"id": accountID, "settings": nested(path, old)}
		}
		s.emit(accountID, "account.lock_settings_updated", p)
	}
	return err
}

// registerWebhookAdmin serves the emitter's admin API:
//
//	PUT /_sim/accounts/{accountId}/webhook   {"url":"…","secret_token":"…"} ("" url stops)
//	GET /_sim/webhooks/stats                 WebhookStats
func (s *Server) registerWebhookAdmin(mux *http.ServeMux) {
	mux.HandleFunc("PUT /_sim/accounts/{accountId}/webhook", func(w http.ResponseWriter, r *http.Request) {
		acct := r.PathValue("accountId")
		if s.byID[acct] == nil {
			adminError(w, http.StatusNotFound, fmt.Sprintf("%v: %q", ErrNoAccount, acct))
			return
		}
		var in struct {
			URL         string `json:"url"`
			SecretToken string `json:"secret_token"`
		}
		body, _ := idReadAll(r)
		if err := json.Unmarshal(body, &in); err != nil || (in.URL != "" && in.SecretToken == "") {
			adminError(w, http.StatusBadRequest, `want {"url":"…","secret_token":"…"}`)
			return
		}
		s.SetWebhook(acct, in.URL, in.SecretToken)
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("GET /_sim/webhooks/stats", func(w http.ResponseWriter, r *http.Request) {
		adminJSON(w, http.StatusOK, s.WebhookStats())
	})
}
