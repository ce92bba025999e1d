package monitor

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/zoomsight/zoomsight/internal/store"
)

func TestAddonsAndWeakening(t *testing.T) {
	d := &Differ{}
	evs := d.Diff("features", []store.RowChange{{Key: "U1", Subject: "u1@x",
		Before: json.RawMessage(`{"large_meeting":false,"webinar":true,"zoom_phone":false}`),
		After:  json.RawMessage(`{"large_meeting":true,"webinar":false,"zoom_phone":false}`)}})
	if got := fmt.Sprint(len(evs), " ", evs[0].Kind, evs[0].After, " ", evs[1].Kind, evs[1].Before); got != `2 addon_granted{"large_meeting":true} addon_removed{"webinar":true}` {
		t.Fatalf("add-on events: %s", got)
	}
	for _, tc := range []struct {
		kind, path, before, after string
		weak                      bool
	}{
		{"account", "meeting_security.waiting_room", "true", "false", true},
		{"account", "meeting_security.waiting_room", "false", "true", false},
		{"account", "schedule_meeting.join_before_host", "false", "true", true},
		{"account", "security.sign_in_with_two_factor_auth", `"all"`, `"none"`, true},
		{"account", "security.sign_in_with_two_factor_auth", `"none"`, `"all"`, false},
		{"account", "schedule_meeting.meeting_password_requirement.length", "8", "6", true},
		{"account", "in_meeting.who_can_share_screen", `"host"`, `"all"`, true},
		{"account", "in_meeting.allow_participants_to_rename", "true", "false", false},
		{"lock", "meeting_security.waiting_room", "true", "false", true},
		{"lock", "in_meeting.annotation", "true", "false", false},
	} {
		if got := Weakens(tc.kind, tc.path, json.RawMessage(tc.before), json.RawMessage(tc.after)); got != tc.weak {
			t.Errorf("%s %s %s → %s: weakens %v, want %v", tc.kind, tc.path, tc.before, tc.after, got, tc.weak)
		}
	}
}
