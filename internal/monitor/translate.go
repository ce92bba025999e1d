package monitor

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/zoomsight/zoomsight/internal/store"
)

// handledEvents are the Zoom events that change the stored model.
var handledEvents = map[string]bool{
	"user.created": true, "user.updated": true, "user.deactivated": true, "user.activated": true,
	"user.deleted": true, "user.disassociated": true, "user.invitation_accepted": true,
	"group.created": true, "group.updated": true, "group.deleted": true,
	"group.member_added": true, "group.member_deleted": true,
	"account.updated": true, "account.settings_updated": true, "account.lock_settings_updated": true,
}

func handled(event string) bool { return handledEvents[event] }

// known reports whether event is a Zoom event of the users, accounts or
// QSS subscriptions (CONTRACT.md §4, §4a) that zoomsight does not act on:
// it is acknowledged and dropped rather than refused.
func known(event string) bool {
	for _, p := range []string{"user.", "group.", "account.", "information_barriers.", "meeting.participant_", "webinar.participant_",
		"phone.call_qos", "session.user_"} {
		if strings.HasPrefix(event, p) {
			return true
		}
	}
	return false
}

// whUser is a user in a users webhook.
type whUser struct {
	ID          string  `json:"id"`
	Email       string  `json:"email"`
	FirstName   *string `json:"first_name"`
	LastName    *string `json:"last_name"`
	DisplayName *string `json:"display_name"`
	Type        *int    `json:"type"`
	RoleID      *string `json:"role_id"`
	Dept        *string `json:"dept"`
	Timezone    *string `json:"timezone"`
}

// fields are the columns the webhook sets.
func (u *whUser) fields() map[string]any {
	f := map[string]any{}
	if u.Email != "" {
		f["email"] = u.Email
	}
	for col, v := range map[string]*string{"first_name": u.FirstName, "last_name": u.LastName, "display_name": u.DisplayName,
		"role_id": u.RoleID, "dept": u.Dept, "timezone": u.Timezone} {
		if v != nil {
			f[col] = *v
		}
	}
	if u.Type != nil {
		f["type"] = *u.Type
	}
	return f
}

// state is the user's tracked state as far as the webhook tells it; what
// it does not tell is taken from other, so that only told changes differ.
func (u *whUser) state(other *whUser) userState {
	var s userState
	s.Email = u.Email
	if s.Email == "" && other != nil {
		s.Email = other.Email
	}
	name := func(x *whUser) (string, bool) {
		if x == nil || (x.FirstName == nil && x.LastName == nil) {
			return "", false
		}
		var f, l string
		if x.FirstName != nil {
			f = *x.FirstName
		}
		if x.LastName != nil {
			l = *x.LastName
		}
		return strings.TrimSpace(f + " " + l), true
	}
	if n, ok := name(u); ok {
		s.Name = n
	} else {
		s.Name, _ = name(other)
	}
	if u.Type != nil {
		s.Type = *u.Type
	} else if other != nil && other.Type != nil {
		s.Type = *other.Type
	}
	if u.RoleID != nil {
		s.RoleID = *u.RoleID
	} else if other != nil && other.RoleID != nil {
		s.RoleID = *other.RoleID
	}
	return s
}

// Translate turns a users or accounts webhook into updates of the stored
// model and change events (source webhook).
func Translate(event string, payload json.RawMessage, d *Differ) ([]store.ModelUpdate, []store.ChangeEvent, error) {
	var p struct {
		CreationType string          `json:"creation_type"`
		Object       json.RawMessage `json:"object"`
		OldObject    json.RawMessage `json:"old_object"`
	}
	if err := json.Unmarshal(payload, &p); err != nil || len(p.Object) == 0 {
		return nil, nil, fmt.Errorf("%s: payload.object is missing or not JSON", event)
	}
	userEvent := func(kind string, u *whUser, before, after any, security bool) store.ChangeEvent {
		key := u.ID
		if key == "" {
			key = "pending:" + strings.ToLower(u.Email)
		}
		return store.ChangeEvent{Kind: kind, SubjectType: "user", SubjectKey: key, Subject: u.Email,
			Before: jsonOf(before), After: jsonOf(after), Security: security}
	}
	switch {
	case strings.HasPrefix(event, "user."):
		var u, old whUser
		if err := json.Unmarshal(p.Object, &u); err != nil || (u.ID == "" && u.Email == "") {
			return nil, nil, fmt.Errorf("%s: payload.object needs the user's id or email", event)
		}
		if len(p.OldObject) > 0 {
			_ = json.Unmarshal(p.OldObject, &old)
		}
		f := u.fields()
		switch event {
		case "user.created":
			status := "active"
			id := u.ID
			if p.CreationType == "create" {
				// Invited: pending until accepted, and stored by e-mail as
				// the listing of pending users keys them.
				status, id = "pending", ""
			}
			f["status"] = status
			nu := u
			nu.ID = id
			after := u.state(nil)
			after.Status = status
			return []store.ModelUpdate{{Op: store.UpdateUser, UserID: id, Email: u.Email, Fields: f}},
				[]store.ChangeEvent{userEvent(KindUserAdded, &nu, nil, after, d.AdminRole(after.RoleID))}, nil
		case "user.updated":
			before, after := old.state(&u), u.state(&old)
			evs := d.user(store.RowChange{Key: u.ID, Subject: after.Email, Before: mustJSON(before), After: mustJSON(after)})
			return []store.ModelUpdate{{Op: store.UpdateUser, UserID: u.ID, Email: u.Email, Fields: f}}, evs, nil
		case "user.deactivated", "user.activated", "user.invitation_accepted":
			status, kind, from := "inactive", KindUserDeactivated, "active"
			switch event {
			case "user.activated":
				status, kind, from = "active", KindUserActivated, "inactive"
			case "user.invitation_accepted":
				status, kind, from = "active", KindInvitationAccepted, "pending"
			}
			f["status"] = status
			return []store.ModelUpdate{{Op: store.UpdateUser, UserID: u.ID, Email: u.Email, Fields: f}},
				[]store.ChangeEvent{userEvent(kind, &u, map[string]any{"status": from}, map[string]any{"status": status}, false)}, nil
		case "user.deleted", "user.disassociated":
			return []store.ModelUpdate{{Op: store.UpdateUserDeleted, UserID: u.ID, Email: u.Email}},
				[]store.ChangeEvent{userEvent(KindUserRemoved, &u, u.state(nil), nil, false)}, nil
		}
	case strings.HasPrefix(event, "group."):
		var g, old struct {
			ID      string `json:"id"`
			Name    string `json:"name"`
			Members []struct {
				ID    string `json:"id"`
				Email string `json:"email"`
			} `json:"members"`
		}
		if err := json.Unmarshal(p.Object, &g); err != nil || g.ID == "" {
			return nil, nil, fmt.Errorf("%s: payload.object needs the group's id", event)
		}
		_ = json.Unmarshal(p.OldObject, &old)
		ev := func(kind string, before, after any) store.ChangeEvent {
			return store.ChangeEvent{Kind: kind, SubjectType: "group", SubjectKey: g.ID, Subject: g.Name, Before: jsonOf(before), After: jsonOf(after)}
		}
		switch event {
		case "group.created":
			return []store.ModelUpdate{{Op: store.UpdateGroup, GroupID: g.ID, Name: g.Name}},
				[]store.ChangeEvent{ev(KindGroupCreated, nil, map[string]string{"name": g.Name})}, nil
		case "group.updated":
			var evs []store.ChangeEvent
			if g.Name != "" && g.Name != old.Name {
				evs = append(evs, ev(KindGroupRenamed, map[string]string{"name": old.Name}, map[string]string{"name": g.Name}))
			}
			return []store.ModelUpdate{{Op: store.UpdateGroup, GroupID: g.ID, Name: g.Name}}, evs, nil
		case "group.deleted":
			return []store.ModelUpdate{{Op: store.UpdateGroupDeleted, GroupID: g.ID}},
				[]store.ChangeEvent{ev(KindGroupDeleted, map[string]string{"name": g.Name}, nil)}, nil
		case "group.member_added", "group.member_deleted":
			op, kind := store.UpdateMemberAdd, KindMemberAdded
			if event == "group.member_deleted" {
				op, kind = store.UpdateMemberRemove, KindMemberRemoved
			}
			var ups []store.ModelUpdate
			var evs []store.ChangeEvent
			for _, m := range g.Members {
				ups = append(ups, store.ModelUpdate{Op: op, UserID: m.ID, Email: m.Email, GroupID: g.ID})
				u := whUser{ID: m.ID, Email: m.Email}
				grp := map[string]any{"group_id": g.ID}
				e := userEvent(kind, &u, grp, nil, false)
				if kind == KindMemberAdded {
					e = userEvent(kind, &u, nil, grp, false)
				}
				e.SubjectType = "group_member"
				evs = append(evs, e)
			}
			return ups, evs, nil
		}
	case event == "account.settings_updated", event == "account.lock_settings_updated":
		var obj, old struct {
			Settings json.RawMessage `json:"settings"`
		}
		if err := json.Unmarshal(p.Object, &obj); err != nil || len(obj.Settings) == 0 {
			return nil, nil, fmt.Errorf("%s: payload.object.settings is missing", event)
		}
		_ = json.Unmarshal(p.OldObject, &old)
		kind := "account"
		if event == "account.lock_settings_updated" {
			kind = "lock"
		}
		// Only what the event names is compared: old_object carries the
		// changed settings' earlier values.
		evs := Settings(kind, old.Settings, obj.Settings)
		return []store.ModelUpdate{{Op: store.UpdateSettings, Kind: kind, Doc: obj.Settings}}, evs, nil
	case event == "account.updated":
		return nil, []store.ChangeEvent{{Kind: "account_updated", SubjectType: "account", Before: string(p.OldObject), After: string(p.Object)}}, nil
	}
	return nil, nil, nil
}

func mustJSON(v any) json.RawMessage {
	b, _ := json.Marshal(v)
	return b
}
