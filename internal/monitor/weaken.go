package monitor

import (
	"encoding/json"
	"strings"
)

// The built-in list of setting changes that weaken security. A setting is
// named by the last segments of its path, so it matches in every tree Zoom
// keeps it in (in_meeting, meeting_security, schedule_meeting, …).

// offWeakens are switches that protect when on: turning one off weakens.
var offWeakens = []string{
	"waiting_room",
	"require_password_for_scheduled_meetings", "require_password_for_scheduled_meeting",
	"require_password_for_instant_meetings", "require_password_for_scheduling_new_meetings",
	"require_password_for_scheduled_webinar", "webinar_password", "force_pmi_jbh_password",
	"e2e_encryption", "end_to_end_encrypted_meetings",
	"required_password_for_shared_cloud_recordings", "required_password_for_existing_cloud_recordings",
	"enforce_login", "enforce_login_with_domains", "signin_with_sso.enable", "require_sso_for_domains",
	"ip_address_access_control.enable", "admin_change_user_info",
	"only_authenticated_can_join_from_webclient", "meeting_authentication", "recording_authentication",
	"auto_security", "block_user_domain", "approve_or_block_countries.enable",
}

// onWeakens are switches that expose when on: turning one on weakens.
var onWeakens = []string{
	"join_before_host", "embed_password_in_join_link", "allow_users_to_chat_with_others.enable",
	"share_cloud_recording_publicly", "public_cloud_recording", "cloud_recording_available_to_public",
	"allow_live_streaming", "remote_control", "file_transfer", "anonymous_question_answer",
}

// ranked are settings whose values rank from strict to loose.
var ranked = map[string][]string{
	"sign_in_with_two_factor_auth":              {"all", "group", "role", "none"},
	"require_password_for_pmi_meetings":         {"all", "jbh_only", "none"},
	"who_can_share_screen":                      {"host", "all"},
	"encryption_type":                           {"e2ee", "enhanced_encryption"},
	"share_option":                              {"organization", "account", "anyone"},
	"meeting_data_transit_and_residency_method": {"cloud", "On-Prem"},
}

// shorterWeakens are lengths whose decrease weakens (password rules).
var shorterWeakens = []string{"meeting_password_requirement.length", "password_requirement.minimum_password_length",
	"recording_password_requirement.length"}

// sensitive are the settings whose lock matters: unlocking one lets every
// user weaken it.
func sensitive(path string) bool {
	for _, list := range [][]string{offWeakens, onWeakens, shorterWeakens} {
		for _, s := range list {
			if matches(path, s) {
				return true
			}
		}
	}
	for s := range ranked {
		if matches(path, s) {
			return true
		}
	}
	return false
}

// matches reports whether path ends in the segments of name.
func matches(path, name string) bool {
	return path == name || strings.HasSuffix(path, "."+name)
}

// Weakens reports whether changing setting path of kind ("account",
// "lock") from before to after (JSON values) weakens security. Sign-in
// methods widened (two-factor no longer required, SSO no longer enforced)
// and recordings made public count; so does unlocking a sensitive setting.
func Weakens(kind, path string, before, after json.RawMessage) bool {
	var b, a any
	_ = json.Unmarshal(before, &b)
	_ = json.Unmarshal(after, &a)
	if kind == "lock" {
		// Lock settings are booleans: locked (true) or not.
		return b == true && a != true && sensitive(path)
	}
	for _, s := range offWeakens {
		if matches(path, s) && b == true && a == false {
			return true
		}
	}
	for _, s := range onWeakens {
		if matches(path, s) && b == false && a == true {
			return true
		}
	}
	for s, order := range ranked {
		if !matches(path, s) {
			continue
		}
		bs, _ := b.(string)
		as, _ := a.(string)
		bi, ai := index(order, bs), index(order, as)
		if bi >= 0 && ai > bi {
			return true
		}
	}
	for _, s := range shorterWeakens {
		bn, bok := b.(float64)
		an, aok := a.(float64)
		if matches(path, s) && bok && aok && an < bn {
			return true
		}
	}
	// Two-factor for fewer groups or roles widens who may sign in without it.
	if matches(path, "sign_in_with_two_factor_auth_roles") || matches(path, "sign_in_with_two_factor_auth_groups") {
		bl, _ := b.([]any)
		al, _ := a.([]any)
		return len(al) < len(bl)
	}
	return false
}

func index(list []string, s string) int {
	for i, x := range list {
		if x == s {
			return i
		}
	}
	return -1
}
