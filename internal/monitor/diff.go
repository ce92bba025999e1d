// Package monitor turns what zoomsight learns about a Zoom account into
// change events: the diff of each complete listing against the previous
// one (Differ), and Zoom's webhooks, verified and applied at once
// (Receiver). The events land in change_events (view zoom_change).
package monitor

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/zoomsight/zoomsight/internal/store"
)

// Change kinds. A sync's first complete listing of a resource records one
// KindBaseline event instead of an "added" event per row.
const (
	KindBaseline           = "baseline"
	KindUserAdded          = "user_added"
	KindUserRemoved        = "user_removed"
	KindUserActivated      = "user_activated"
	KindUserDeactivated    = "user_deactivated"
	KindInvitationAccepted = "invitation_accepted"
	KindUserLicense        = "license_changed"
	KindUserRole           = "role_changed"
	KindUserUpdated        = "user_updated" // e-mail or name
	KindMemberAdded        = "group_member_added"
	KindMemberRemoved      = "group_member_removed"
	KindGroupCreated       = "group_created"
	KindGroupRenamed       = "group_renamed"
	KindGroupDeleted       = "group_deleted"
	KindRoleCreated        = "role_created"
	KindRoleRenamed        = "role_renamed"
	KindRoleDeleted        = "role_deleted"
	KindSubAccountAdded    = "sub_account_added"
	KindSubAccountRemoved  = "sub_account_removed"
	KindSubAccountChanged  = "sub_account_changed"
	KindSettingChanged     = "setting_changed"
	KindLockChanged        = "lock_setting_changed"
	KindAddonGranted       = "addon_granted" // large meetings, webinars or Zoom Phone
	KindAddonRemoved       = "addon_removed"
)

// Differ builds change events from the rows a complete listing changed.
type Differ struct {
	// Roles names the account's roles by id, with their descriptions, to
	// tell which roles grant admin privileges.
	Roles map[string]Role
}

// Role is what the differ knows of a role.
type Role struct{ Name, Description string }

// AdminRole reports whether a role grants admin privileges: Zoom's Owner
// ("0") and Admin ("1"), or a custom role whose name or description speaks
// of admins or owners. Zoom lists no privileges with a
// role (GET /roles/{id} would, one call per role), so this errs on the
// side of flagging.
func (d *Differ) AdminRole(id string) bool {
	if id == "0" || id == "1" {
		return true
	}
	r, ok := d.Roles[id]
	if !ok {
		return false
	}
	s := strings.ToLower(r.Name + " " + r.Description)
	for _, w := range []string{"admin", "owner"} {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}

// Diff is a store.DiffFunc.
func (d *Differ) Diff(resource string, rows []store.RowChange) []store.ChangeEvent {
	var out []store.ChangeEvent
	for _, r := range rows {
		switch {
		case resource == store.ResourceUsers:
			out = append(out, d.user(r)...)
		case resource == store.ResourceGroups:
			out = append(out, named(r, "group", KindGroupCreated, KindGroupRenamed, KindGroupDeleted)...)
		case resource == store.ResourceRoles:
			out = append(out, named(r, "role", KindRoleCreated, KindRoleRenamed, KindRoleDeleted)...)
		case resource == store.ResourceSubAccounts:
			out = append(out, named(r, "sub_account", KindSubAccountAdded, KindSubAccountChanged, KindSubAccountRemoved)...)
		case strings.HasPrefix(resource, "settings:"):
			out = append(out, Settings(strings.TrimPrefix(resource, "settings:"), r.Before, r.After)...)
		case resource == "features":
			out = append(out, addons(r)...)
		}
	}
	return out
}

// userState is the tracked part of a user (the store's base).
type userState struct {
	Email    string   `json:"email"`
	Name     string   `json:"name"`
	Status   string   `json:"status"`
	Type     int      `json:"type"`
	RoleID   string   `json:"role_id"`
	GroupIDs []string `json:"group_ids"`
}

func (d *Differ) user(r store.RowChange) []store.ChangeEvent {
	var before, after userState
	_ = json.Unmarshal(r.Before, &before)
	_ = json.Unmarshal(r.After, &after)
	ev := func(kind string, b, a any, security bool) store.ChangeEvent {
		return store.ChangeEvent{Kind: kind, SubjectType: "user", SubjectKey: r.Key, Subject: r.Subject,
			Before: jsonOf(b), After: jsonOf(a), Security: security}
	}
	switch {
	case r.Before == nil && r.After == nil:
		return nil
	case r.Before == nil:
		return []store.ChangeEvent{ev(KindUserAdded, nil, after, d.AdminRole(after.RoleID))}
	case r.After == nil:
		return []store.ChangeEvent{ev(KindUserRemoved, before, nil, false)}
	}
	var out []store.ChangeEvent
	if before.Status != after.Status {
		kind := KindUserUpdated
		switch {
		case before.Status == "pending" && after.Status == "active":
			kind = KindInvitationAccepted
		case after.Status == "active":
			kind = KindUserActivated
		case after.Status == "inactive":
			kind = KindUserDeactivated
		}
		// A leaver reactivated with admin rights is a security event.
		out = append(out, ev(kind, map[string]any{"status": before.Status}, map[string]any{"status": after.Status},
			kind == KindUserActivated && d.AdminRole(after.RoleID)))
	}
	if before.Type != after.Type {
		out = append(out, ev(KindUserLicense, map[string]any{"type": before.Type, "license": License(before.Type)},
			map[string]any{"type": after.Type, "license": License(after.Type)}, false))
	}
	if before.RoleID != after.RoleID {
		out = append(out, ev(KindUserRole, d.roleOf(before.RoleID), d.roleOf(after.RoleID),
			d.AdminRole(after.RoleID) && !d.AdminRole(before.RoleID) || after.RoleID == "0"))
	}
	if before.Email != after.Email || before.Name != after.Name {
		out = append(out, ev(KindUserUpdated, map[string]any{"email": before.Email, "name": before.Name},
			map[string]any{"email": after.Email, "name": after.Name}, false))
	}
	member := func(kind string, before, after any) store.ChangeEvent {
		e := ev(kind, before, after, false)
		e.SubjectType = "group_member"
		return e
	}
	for _, g := range after.GroupIDs {
		if !slices.Contains(before.GroupIDs, g) {
			out = append(out, member(KindMemberAdded, nil, map[string]any{"group_id": g}))
		}
	}
	for _, g := range before.GroupIDs {
		if !slices.Contains(after.GroupIDs, g) {
			out = append(out, member(KindMemberRemoved, map[string]any{"group_id": g}, nil))
		}
	}
	return out
}

func (d *Differ) roleOf(id string) map[string]any {
	m := map[string]any{"role_id": id}
	if r, ok := d.Roles[id]; ok {
		m["role_name"] = r.Name
	}
	return m
}

// License names a user type as the zoom_user view does.
func License(t int) string {
	switch t {
	case 1:
		return "basic"
	case 2:
		return "licensed"
	case 4:
		return "unassigned"
	case 99:
		return "none"
	}
	return fmt.Sprint(t)
}

// named diffs a resource whose rows are identified by id and known by name.
func named(r store.RowChange, subject, added, changed, removed string) []store.ChangeEvent {
	e := store.ChangeEvent{SubjectType: subject, SubjectKey: r.Key, Subject: r.Subject}
	switch {
	case r.Before == nil && r.After == nil:
		return nil
	case r.Before == nil:
		e.Kind, e.After = added, string(r.After)
	case r.After == nil:
		e.Kind, e.Before = removed, string(r.Before)
	default:
		e.Kind, e.Before, e.After = changed, string(r.Before), string(r.After)
	}
	return []store.ChangeEvent{e}
}

func jsonOf(v any) string {
	if v == nil {
		return ""
	}
	switch x := v.(type) {
	case userState:
		if x.GroupIDs == nil {
			x.GroupIDs = []string{}
		}
		v = x
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// Settings diffs two settings documents of kind ("account", "lock") leaf
// by leaf: one event per changed setting, flagged when the change weakens
// security (Weakens).
func Settings(kind string, before, after json.RawMessage) []store.ChangeEvent {
	b, a := map[string]json.RawMessage{}, map[string]json.RawMessage{}
	flatten("", before, b)
	flatten("", after, a)
	paths := map[string]bool{}
	for p := range b {
		paths[p] = true
	}
	for p := range a {
		paths[p] = true
	}
	keys := make([]string, 0, len(paths))
	for p := range paths {
		if !bytes.Equal(b[p], a[p]) {
			keys = append(keys, p)
		}
	}
	sort.Strings(keys)
	evKind := KindSettingChanged
	if kind == "lock" {
		evKind = KindLockChanged
	}
	out := make([]store.ChangeEvent, 0, len(keys))
	for _, p := range keys {
		out = append(out, store.ChangeEvent{Kind: evKind, SubjectType: "settings", SubjectKey: kind + ":" + p, Subject: p,
			Before: string(b[p]), After: string(a[p]), Security: Weakens(kind, p, b[p], a[p])})
	}
	return out
}

// flatten maps each leaf of a JSON document to its dotted path; arrays are
// leaves (compacted JSON).
func flatten(prefix string, doc json.RawMessage, out map[string]json.RawMessage) {
	if len(doc) == 0 {
		return
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(doc, &m) == nil && m != nil {
		for k, v := range m {
			p := k
			if prefix != "" {
				p = prefix + "." + k
			}
			flatten(p, v, out)
		}
		return
	}
	var buf bytes.Buffer
	if json.Compact(&buf, doc) == nil {
		out[prefix] = buf.Bytes()
		return
	}
	out[prefix] = doc
}

// addons diffs a user's add-on flags.
func addons(r store.RowChange) []store.ChangeEvent {
	var before, after map[string]bool
	_ = json.Unmarshal(r.Before, &before)
	_ = json.Unmarshal(r.After, &after)
	var out []store.ChangeEvent
	for _, a := range []string{"large_meeting", "webinar", "zoom_phone"} {
		if before[a] == after[a] {
			continue
		}
		kind := KindAddonRemoved
		if after[a] {
			kind = KindAddonGranted
		}
		out = append(out, store.ChangeEvent{Kind: kind, SubjectType: "user", SubjectKey: r.Key, Subject: r.Subject,
			Before: jsonOf(map[string]bool{a: before[a]}), After: jsonOf(map[string]bool{a: after[a]})})
	}
	return out
}
