package zoomsim

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/zoomsight/zoomsight/zoom"
)

// Settings trees are JSON-shaped (map[string]any, []any, bool, float64,
// string) so that handlers can serve, filter and patch them generically,
// and so that every key of Zoom's response schema can be present without
// a Go field for each of several hundred settings.

// parseTree decodes a settings template. The templates are constants, so a
// failure is a bug in this file.
func parseTree(s string) map[string]any {
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		panic("zoomsim: bad settings template: " + err.Error())
	}
	return m
}

// treeGet returns the value at a dotted path.
func treeGet(tree map[string]any, path string) (any, bool) {
	var cur any = tree
	for _, k := range strings.Split(path, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = m[k]; !ok {
			return nil, false
		}
	}
	return cur, true
}

// treeSet replaces the value at a dotted path that exists, with a value of
// the same JSON kind, so that a patched tree still matches Zoom's schema.
func treeSet(tree map[string]any, path string, v any) error {
	keys := strings.Split(path, ".")
	m := tree
	for _, k := range keys[:len(keys)-1] {
		next, ok := m[k].(map[string]any)
		if !ok {
			return fmt.Errorf("%w: %q", ErrNoSetting, path)
		}
		m = next
	}
	last := keys[len(keys)-1]
	old, ok := m[last]
	if !ok {
		return fmt.Errorf("%w: %q", ErrNoSetting, path)
	}
	if treeKind(old) != treeKind(v) {
		return fmt.Errorf("%w: setting %q is a %s, not a %s", ErrInvalid, path, treeKind(old), treeKind(v))
	}
	m[last] = v
	return nil
}

// treeKind names the JSON type of a tree value.
func treeKind(v any) string {
	switch v.(type) {
	case bool:
		return "boolean"
	case float64:
		return "number"
	case string:
		return "string"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	case nil:
		return "null"
	}
	return fmt.Sprintf("%T", v)
}

// treeNormalize turns any Go value into tree form (ints become float64,
// slices []any, structs maps), as a JSON round trip would.
func treeNormalize(v any) (any, error) {
	switch v.(type) {
	case bool, float64, string, nil:
		return v, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	return out, nil
}

// treeCopy copies a tree value so that callers can change the copy.
func treeCopy(v any) any {
	switch x := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = treeCopy(e)
		}
		return m
	case []any:
		s := make([]any, len(x))
		for i, e := range x {
			s[i] = treeCopy(e)
		}
		return s
	}
	return v
}

// settingAliases are paths that name the same switch in two places of
// Zoom's settings trees; setting one sets them all. "in_meeting.waiting_room"
// is the old home of the waiting room switch, which the current account
// schema keeps only under meeting_security.
func settingAliases(path string) []string {
	switch path {
	case "in_meeting.waiting_room", "meeting_security.waiting_room":
		return []string{"meeting_security.waiting_room"}
	case "in_meeting.e2e_encryption", "meeting_security.end_to_end_encrypted_meetings":
		return []string{"in_meeting.e2e_encryption", "meeting_security.end_to_end_encrypted_meetings"}
	case "schedule_meeting.require_password_for_scheduled_meetings", "meeting_security.require_password_for_scheduled_meeting":
		return []string{"schedule_meeting.require_password_for_scheduled_meetings", "meeting_security.require_password_for_scheduled_meeting"}
	}
	return []string{path}
}

// setSetting sets a setting and its aliases in tree.
func setSetting(tree map[string]any, path string, value any) error {
	v, err := treeNormalize(value)
	if err != nil {
		return err
	}
	for _, p := range settingAliases(path) {
		if err := treeSet(tree, p, treeCopy(v)); err != nil {
			return err
		}
	}
	return nil
}

// The keys of the account tree that only option= variants serve.
var optionOnlyKeys = [...]string{"meeting_security", "meeting_authentication", "recording_authentication"}

// defaultSettingsView is the account settings tree without the option-only
// keys; it shares values with tree and must only be encoded.
func defaultSettingsView(tree map[string]any) map[string]any {
	out := make(map[string]any, len(tree))
	for k, v := range tree {
		out[k] = v
	}
	for _, k := range optionOnlyKeys {
		delete(out, k)
	}
	return out
}

// idPickFields implements custom_query_fields: it keeps the settings whose
// key is one of fields, at any depth, with the sections that hold them.
func idPickFields(tree map[string]any, fields map[string]bool) map[string]any {
	out := map[string]any{}
	for k, v := range tree {
		if fields[k] {
			out[k] = v
			continue
		}
		if m, ok := v.(map[string]any); ok {
			if sub := idPickFields(m, fields); len(sub) > 0 {
				out[k] = sub
			}
		}
	}
	return out
}

// idCustomFields parses custom_query_fields ("host_video,waiting_room").
func idCustomFields(q string) map[string]bool {
	if q == "" {
		return nil
	}
	f := map[string]bool{}
	for _, s := range strings.Split(q, ",") {
		if s = strings.TrimSpace(s); s != "" {
			f[s] = true
		}
	}
	return f
}

// overlayTree copies src's leaves onto dst where both have the key with the
// same JSON kind: user settings inherit the account's values but keep the
// user schema's shape.
func overlayTree(dst, src map[string]any) {
	for k, dv := range dst {
		sv, ok := src[k]
		if !ok {
			continue
		}
		dm, dIsMap := dv.(map[string]any)
		sm, sIsMap := sv.(map[string]any)
		switch {
		case dIsMap && sIsMap:
			overlayTree(dm, sm)
		case !dIsMap && !sIsMap && treeKind(dv) == treeKind(sv):
			dst[k] = treeCopy(sv)
		}
	}
}

// userMeetingSecurityKeys are the meeting_security keys of the user
// settings schema (a subset of the account's).
var userMeetingSecurityKeys = [...]string{
	"auto_security", "block_user_domain", "block_user_domain_list", "embed_password_in_join_link",
	"encryption_type", "end_to_end_encrypted_meetings", "meeting_password", "meeting_password_requirement",
	"only_authenticated_can_join_from_webclient", "phone_password", "pmi_password",
	"require_password_for_scheduled_meeting", "require_password_for_scheduled_webinar",
	"waiting_room", "waiting_room_settings", "webinar_password",
}

// idUserSettings derives GET /users/{userId}/settings from the account's
// settings and the user's features. option is "" or one of the spec's
// option values. The caller holds t.mu.
func (t *Tenant) idUserSettings(u *User, option string) map[string]any {
	switch option {
	case "meeting_authentication", "recording_authentication":
		m, _ := treeCopy(t.Settings[option]).(map[string]any)
		return m
	case "meeting_security":
		acct, _ := t.Settings["meeting_security"].(map[string]any)
		ms := map[string]any{}
		for _, k := range userMeetingSecurityKeys {
			if v, ok := acct[k]; ok {
				ms[k] = treeCopy(v)
			}
		}
		return map[string]any{"meeting_security": ms}
	}
	us := parseTree(userSettingsTemplate)
	for k, v := range us {
		if k == "feature" {
			continue
		}
		dm, ok1 := v.(map[string]any)
		sm, ok2 := t.Settings[k].(map[string]any)
		if ok1 && ok2 {
			overlayTree(dm, sm)
		}
	}
	if v, ok := treeGet(t.Settings, "meeting_security.waiting_room"); ok {
		_ = treeSet(us, "in_meeting.waiting_room", v)
	}
	if v, ok := treeGet(t.Settings, "meeting_security.embed_password_in_join_link"); ok {
		_ = treeSet(us, "schedule_meeting.embed_password_in_join_link", v)
	}
	f := u.Features
	licensed := u.Type == 2
	feature := us["feature"].(map[string]any)
	feature["meeting_capacity"] = float64(f.MeetingCapacity)
	feature["large_meeting"] = f.LargeMeeting
	if f.LargeMeetingCapacity > 0 {
		feature["large_meeting_capacity"] = float64(f.LargeMeetingCapacity)
	}
	feature["webinar"] = f.Webinar
	if f.WebinarCapacity > 0 {
		feature["webinar_capacity"] = float64(f.WebinarCapacity)
	}
	feature["zoom_phone"] = f.ZoomPhone
	feature["concurrent_meeting"] = "None"
	if licensed && t.Plan >= zoom.PlanBusiness {
		feature["concurrent_meeting"] = "Basic"
	}
	if !licensed {
		// Basic users record locally only.
		_ = treeSet(us, "recording.cloud_recording", false)
		_ = treeSet(us, "recording.auto_recording", "none")
	}
	return us
}

// varySettings gives a tenant its own security posture: the switches an
// audit looks at differ between tenants, deterministically per seed.
func varySettings(t *Tenant, r *rand.Rand) {
	s := t.Settings
	set := func(path string, v any) {
		if err := setSetting(s, path, v); err != nil {
			panic("zoomsim: settings variation: " + err.Error())
		}
	}
	chance := func(p float64) bool { return r.Float64() < p }
	business := t.Plan >= zoom.PlanBusiness
	paid := t.Plan >= zoom.PlanPro

	set("meeting_security.waiting_room", chance(0.8))
	set("schedule_meeting.require_password_for_scheduled_meetings", chance(0.85))
	set("schedule_meeting.require_password_for_instant_meetings", chance(0.85))
	set("schedule_meeting.require_password_for_scheduling_new_meetings", chance(0.7))
	set("schedule_meeting.require_password_for_pmi_meetings", []string{"all", "all", "jbh_only", "none"}[r.IntN(4)])
	set("meeting_security.meeting_password", chance(0.9))
	set("meeting_security.embed_password_in_join_link", chance(0.75))
	set("schedule_meeting.join_before_host", chance(0.4))
	set("schedule_meeting.enforce_login", chance(0.2) || business && chance(0.4))
	e2e := chance(0.25)
	set("in_meeting.e2e_encryption", e2e)
	if e2e {
		set("meeting_security.encryption_type", "e2ee")
	}
	set("meeting_security.only_authenticated_can_join_from_webclient", chance(0.3))
	set("in_meeting.file_transfer", chance(0.7))
	set("in_meeting.private_chat", chance(0.8))
	set("in_meeting.remote_control", chance(0.6))
	set("in_meeting.allow_participants_to_rename", chance(0.7))
	set("in_meeting.who_can_share_screen", []string{"host", "all", "all"}[r.IntN(3)])
	set("in_meeting.auto_saving_chat", chance(0.4))
	set("security.password_requirement.minimum_password_length", float64([]int{8, 8, 10, 12}[r.IntN(4)]))
	set("security.password_requirement.have_special_character", chance(0.5))
	set("security.password_requirement.weak_enhance_detection", chance(0.5))
	set("security.password_requirement.consecutive_characters_length", float64([]int{0, 0, 4, 6}[r.IntN(4)]))
	set("security.sign_in_with_two_factor_auth", []string{"all", "all", "role", "none", "none", "none"}[r.IntN(6)])
	if v, _ := treeGet(s, "security.sign_in_with_two_factor_auth"); v == "role" {
		set("security.sign_in_with_two_factor_auth_roles", []string{RoleOwner, RoleAdmin})
	}
	if business {
		set("security.signin_with_sso.enable", true)
		set("security.signin_with_sso.require_sso_for_domains", chance(0.6))
		set("security.signin_with_sso.domains", []string{t.Domain})
	}
	set("recording.cloud_recording", paid)
	set("recording.cloud_recording_download", chance(0.8))
	set("recording.required_password_for_shared_cloud_recordings", chance(0.7))
	set("recording.auto_delete_cmr", chance(0.4))
	set("recording.auto_delete_cmr_days", float64([]int{30, 60, 90, 120}[r.IntN(4)]))
	set("recording.auto_recording", []string{"none", "none", "none", "cloud", "local"}[r.IntN(5)])
	if !paid {
		set("recording.auto_recording", "none")
	}
	set("chat.share_files.enable", chance(0.9))
	set("chat.share_files.share_option", []string{"anyone", "account", "organization"}[r.IntN(3)])
	set("chat.external_collab_restrict.enable", chance(0.3))
	set("chat.allow_users_to_chat_with_others.enable", chance(0.2))
	capacity := 100
	if business {
		capacity = 300
	}
	set("feature.meeting_capacity", float64(capacity))

	lk := t.LockSettings
	lock := func(path string, v bool) {
		if err := treeSet(lk, path, v); err != nil {
			panic("zoomsim: lock settings variation: " + err.Error())
		}
	}
	lock("meeting_security.waiting_room", chance(0.5))
	lock("meeting_security.end_to_end_encrypted_meetings", e2e && chance(0.5))
	lock("in_meeting.e2e_encryption", e2e && chance(0.5))
	lock("in_meeting.file_transfer", chance(0.4))
	lock("recording.cloud_recording_download", chance(0.5))
	lock("schedule_meeting.require_password_for_instant_meetings", chance(0.5))
	lock("schedule_meeting.enforce_login", chance(0.3))
}

// accountSettingsTemplate is the default account settings tree: every key
// of the spec's response schema (accounts.endpoints.json, GET
// /accounts/{accountId}/settings, the default variant plus the keys of the
// meeting_security and authentication variants), valued from the spec's
// examples and then set to what a fresh Zoom account shows. varySettings
// varies the security-relevant keys per tenant.
const accountSettingsTemplate = `{
"security":{"admin_change_user_info":true,"user_modifiable_info_by_admin":["name","profile_picture"],"signin_with_sso":{"enable":false,"require_sso_for_domains":false,"domains":[],"sso_bypass_users":[]},"hide_billing_info":false,"import_photos_from_devices":true,"password_requirement":{"consecutive_characters_length":0,"have_special_character":false,"minimum_password_length":8,"weak_enhance_detection":false},"sign_again_period_for_inactivity_on_client":0,"sign_again_period_for_inactivity_on_web":120,"sign_in_with_two_factor_auth":"none","sign_in_with_two_factor_auth_groups":[],"sign_in_with_two_factor_auth_roles":[]},
"audio_conferencing":{"toll_free_and_fee_based_toll_call":{"allow_webinar_attendees_dial":false,"enable":false,"numbers":[]},"toll_call":{"enable":true,"numbers":[]},"call_me_and_invite_by_phone":{"enable":true,"require_press_1_for_call_me":"auto","allow_webinar_attendees_call_me":true,"call_out_countries":{"allowed_countries":[{"code":"US","name":"United States"},{"code":"GB","name":"United Kingdom"},{"code":"DE","name":"Germany"}],"selected_countries":[{"code":"US","name":"United States"}]}},"personal_audio_conference":true,"participant_phone_masking":{"enable":false,"masking_type":"mask_default"},"global_dial_in_countries":{"allowed_countries":[{"code":"US","name":"United States"},{"code":"GB","name":"United Kingdom"},{"code":"DE","name":"Germany"}],"selected_countries":[{"code":"US","name":"United States"}],"include_toll_free":false}},
"chat":{"allow_bots_chat":true,"share_files":{"enable":true,"share_option":"account","view_option":"anyone","restrictions":{"only_allow_specific_file_types":false,"file_type_restrictions":[],"file_type_restrictions_for_external":[],"maximum_file_size":false,"file_size_restrictions":100,"file_size_restrictions_for_external":100,"file_restrictions_apply_to":"sharing_and_viewing"}},"chat_emojis":{"enable":true,"emojis_option":"all"},"record_voice_messages":true,"record_video_messages":true,"screen_capture":true,"create_public_channels":true,"create_private_channels":true,"create_group_chat":true,"share_links_in_chat":true,"schedule_meetings_in_chat":true,"set_retention_period_in_cloud":{"enable":false,"retention_period_of_direct_messages_and_group_conversation":"1y","retention_period_of_channels":"1y"},"set_retention_period_in_local":{"enable":false,"retention_period_of_direct_messages_and_group_conversation":"1y","retention_period_of_channels":"1y"},"allow_users_to_add_contacts":{"enable":true,"selected_option":1,"user_email_addresses":""},"allow_users_to_chat_with_others":{"enable":false,"selected_option":1,"user_email_addresses":""},"chat_etiquette_tool":{"enable":false,"policies":[],"policy_max_count":50},"send_data_to_third_party_archiving_service":{"enable":false,"type":"global_relay","smtp_delivery_address":"","user_name":"","passcode":"","authorized_channel_token":""},"apply_local_storage_to_personal_channel":{"enable":false,"retention_period":"1y"},"translate_messages":true,"search_and_send_animated_gif_images":{"enable":true,"giphy_content_rating":1},"external_collab_restrict":{"enable":false,"external_chat":"allowed","group_id":""},"external_user_control":{"enable":false,"selected_option":1,"external_account":true},"external_invite_approve":{"enable":false,"selected_option":1,"channel_id":"","external_account":true},"external_member_join":{"enable":true,"external_account":true},"external_join_approve":{"enable":false,"selected_option":1,"channel_id":"","external_account":true},"download_file":true,"share_screen_in_chat":true,"code_snippet":true,"personal_channel":true,"store_revise_chat":false,"set_chat_as_default_tab":false,"hyper_link":true,"suppress_removal_notification":true,"suppress_user_group_notification":false,"allow_remove_msg_by_owner_and_admins":true,"allow_huddles_from_channels":true,"shared_spaces":true,"chat_email_address":{"enable":false,"only_allow_specific_domains":false,"specific_domains":[]},"read_receipts":{"enable":false,"allow_users_opt_out":false},"allow_delete_message":{"enable":true,"time":5},"allow_edit_message":{"enable":true,"time":5},"show_status_to_internal_contact":true,"presence_on_meeting":true,"presence_away_when_screen_saver":false,"show_h323_contact_tab":false,"ai_summary":{"enable":false,"shown_in_team_chat":true},"ai_compose":{"enable":false,"shown_in_team_chat":true},"ai_recommend":false,"ai_quick_reply":false,"ai_sentence_completion":false,"ai_quick_schedule":false,"survey_poll":true},
"email_notification":{"alternative_host_reminder":true,"cancel_meeting_reminder":true,"cloud_recording_available_reminder":true,"jbh_reminder":true,"low_host_count_reminder":true,"recording_available_reminder_alternative_hosts":true,"recording_available_reminder_schedulers":true,"schedule_for_reminder":true},
"feature":{"meeting_capacity":100},
"in_meeting":{"auto_generated_translation":{"language_item_pairList":{"trans_lang_config":[],"all":true},"enable":false},"alert_guest_join":true,"allow_host_to_enable_focus_mode":true,"allow_live_streaming":false,"allow_participants_chat_with":3,"allow_participants_to_rename":true,"allow_show_zoom_windows":true,"allow_users_save_chats":2,"annotation":true,"anonymous_question_answer":false,"attention_mode_focus_mode":true,"auto_answer":false,"auto_saving_chat":true,"breakout_room":true,"breakout_room_schedule":true,"chat":true,"meeting_question_answer":true,"closed_caption":true,"closed_captioning":{"auto_transcribing":true,"enable":true,"save_caption":true,"third_party_captioning_service":false,"view_full_transcript":true},"co_host":true,"custom_data_center_regions":false,"custom_live_streaming_service":false,"custom_service_instructions":"","meeting_data_transit_and_residency_method":"cloud","data_center_regions":[],"disable_screen_sharing_for_host_meetings":false,"disable_screen_sharing_for_in_meeting_guests":false,"dscp_audio":56,"dscp_marking":false,"dscp_video":40,"dscp_dual":false,"e2e_encryption":false,"entry_exit_chime":"host","far_end_camera_control":false,"feedback":true,"file_transfer":true,"group_hd":true,"webinar_group_hd":true,"join_from_desktop":true,"join_from_mobile":true,"language_interpretation":{"custom_languages":[],"enable":false,"enable_language_interpretation_by_default":false,"allow_participants_to_speak_in_listening_channel":true,"allow_up_to_25_custom_languages_when_scheduling_meetings":true,"languages":["English","Chinese","Japanese","German","French","Russian","Portuguese","Spanish","Korean"]},"sign_language_interpretation":{"enable":false,"enable_sign_language_interpretation_by_default":false,"languages":[],"custom_languages":[]},"live_streaming_facebook":false,"live_streaming_youtube":false,"manual_captioning":{"allow_to_type":true,"auto_generated_captions":true,"full_transcript":true,"manual_captions":true,"save_captions":true,"third_party_captioning_service":false},"meeting_polling":{"advanced_polls":true,"allow_alternative_host_to_add_edit":true,"manage_saved_polls_and_quizzes":true,"allow_host_to_upload_image":true,"require_answers_to_be_anonymous":false,"enable":true},"meeting_reactions":true,"meeting_reactions_emojis":"all","allow_host_panelists_to_use_audible_clap":true,"webinar_reactions":true,"meeting_survey":true,"original_audio":true,"p2p_connetion":true,"p2p_ports":false,"polling":true,"ports_range":"","post_meeting_feedback":true,"private_chat":true,"record_play_own_voice":true,"remote_control":true,"non_verbal_feedback":true,"remote_support":false,"request_permission_to_unmute_participants":true,"screen_sharing":true,"sending_default_email_invites":true,"show_a_join_from_your_browser_link":true,"show_meeting_control_toolbar":true,"slide_control":true,"stereo_audio":true,"unchecked_data_center_regions":[],"use_html_format_email":true,"virtual_background":true,"virtual_background_settings":{"allow_upload_custom":true,"allow_videos":true,"enable":true,"files":[]},"watermark":false,"webinar_chat":{"allow_attendees_chat_with":2,"allow_auto_save_local_chat_file":true,"allow_panelists_chat_with":1,"allow_panelists_send_direct_message":true,"allow_users_save_chats":0,"allow_users_to_delete_messages_in_meeting_chat":true,"default_attendees_chat_with":1,"enable":true},"webinar_live_streaming":{"custom_service_instructions":"","enable":false,"live_streaming_reminder":true,"live_streaming_service":[]},"webinar_polling":{"advanced_polls":true,"allow_alternative_host_to_add_edit":true,"require_answers_to_be_anonymous":false,"manage_saved_polls_and_quizzes":true,"allow_host_to_upload_image":true,"enable":true},"webinar_question_answer":true,"webinar_survey":true,"whiteboard":true,"who_can_share_screen":"all","who_can_share_screen_when_someone_is_sharing":"all","participants_share_simultaneously":"multiple","workplace_by_facebook":false,"transfer_meetings_between_devices":true,"meeting_summary_with_ai_companion":{"enable":false,"auto_enable":false,"who_will_receive_summary":1},"ai_companion_questions":{"enable":false,"auto_enable":false,"who_can_ask_questions":1}},
"integration":{"box":false,"dropbox":false,"google_calendar":true,"google_drive":true,"kubi":false,"microsoft_one_drive":true},
"other_options":{"allow_auto_active_users":true,"allow_users_contact_support_via_chat":true,"allow_users_enter_and_share_pronouns":true,"blur_snapshot":false,"display_meetings_scheduled_for_others":true,"meeting_qos_and_mos":1,"show_one_user_meeting_on_dashboard":true,"use_cdn":"default","webinar_registration_options":{"allow_host_to_enable_join_info":true,"allow_host_to_enable_social_share_buttons":true,"enable_custom_questions":true},"email_in_attendee_report_for_meeting":true},
"profile":{"recording_storage_location":{"allowed_values":["US","AU","CA","DE","JP","BR","SG","IN"],"value":"US"}},
"recording":{"account_user_access_recording":true,"allow_recovery_deleted_cloud_recordings":true,"archive":{"enable":false,"settings":{"audio_file":true,"cc_transcript_file":true,"chat_file":true,"chat_with_sender_email":true,"video_file":true,"chat_with_direct_message":true,"archive_retention":1,"action_when_archive_failed":1,"notification_when_archiving_starts":"participants","play_voice_prompt_when_archiving_starts":"guest"},"type":2},"auto_delete_cmr":false,"auto_delete_cmr_days":90,"auto_recording":"none","cloud_recording":true,"cloud_recording_download":true,"cloud_recording_download_host":true,"display_participant_name":true,"host_delete_cloud_recording":true,"ip_address_access_control":{"enable":false,"ip_addresses_or_ranges":""},"local_recording":true,"optimize_recording_for_3rd_party_video_editor":false,"prevent_host_access_recording":false,"record_audio_file":true,"record_audio_file_each_participant":false,"record_files_separately":{"active_speaker":true,"gallery_view":true,"shared_screen":true},"record_gallery_view":true,"record_speaker_view":true,"recording_audio_transcript":true,"smart_recording":{"create_recording_highlights":false,"create_smart_chapters":false,"create_next_steps":false},"recording_password_requirement":{"have_letter":true,"have_number":true,"have_special_character":false,"length":8,"only_allow_numeric":false},"recording_thumbnails":true,"required_password_for_existing_cloud_recordings":false,"required_password_for_shared_cloud_recordings":true,"save_chat_text":true,"save_close_caption":true,"save_panelist_chat":true,"save_poll_results":true,"show_timestamp":true,"recording_notification_for_zoom_client":{"disclaimer_to_participants":"All participants","play_voice_prompt":"All participants","ask_host_to_confirm":true}},
"schedule_meeting":{"audio_type":"both","enforce_login":false,"enforce_login_domains":"","enforce_login_with_domains":false,"force_pmi_jbh_password":true,"host_video":false,"enable_dedicated_group_chat":true,"jbh_time":0,"join_before_host":false,"meeting_password_requirement":{"consecutive_characters_length":0,"have_letter":true,"have_number":true,"have_special_character":false,"have_upper_and_lower_characters":false,"length":6,"only_allow_numeric":false,"weak_enhance_detection":false},"not_store_meeting_topic":false,"participant_video":false,"allow_host_to_disable_participant_video":true,"personal_meeting":true,"require_password_for_instant_meetings":true,"require_password_for_pmi_meetings":"jbh_only","require_password_for_scheduled_meetings":true,"require_password_for_scheduling_new_meetings":true,"use_pmi_for_instant_meetings":false,"use_pmi_for_scheduled_meetings":false,"always_display_zoom_meeting_as_topic":{"enable":false,"display_topic_for_scheduled_meetings":false},"hide_meeting_description":{"enable":false,"hide_description_for_scheduled_meetings":false},"always_display_zoom_webinar_as_topic":{"enable":false,"display_topic_for_scheduled_webinars":false},"hide_webinar_description":{"enable":false,"hide_description_for_scheduled_webinars":false},"meeting_template":{"enable":false,"templates":[]},"continuous_meeting_chat":{"enable":true,"can_add_external_users":false,"auto_add_invited_external_users":false}},
"telephony":{"audio_conference_info":"","telephony_regions":{"allowed_values":["USTB","EUTB"],"selection_values":"USTB"},"third_party_audio":false},
"tsp":{"call_out":false,"call_out_countries":[],"allow_webinar_attendees_call_me":false,"display_toll_free_numbers":false,"allow_webinar_attendees_toll_free_dial":false,"show_international_numbers_link":true,"global_dial_in_countries":{"allowed_countries":[],"selected_countries":[]}},
"zoom_rooms":{"auto_start_stop_scheduled_meetings":true,"cmr_for_instant_meeting":true,"force_private_meeting":false,"hide_host_information":false,"list_meetings_with_calendar":true,"start_airplay_manually":false,"ultrasonic":true,"upcoming_meeting_alert":true,"weekly_system_restart":true,"zr_post_meeting_feedback":true},
"smart_recognition":{"personalized_audio_isolation":true,"zoom_rooms":{"video_name_tags":{"enabled":true,"allow_user_photos":true,"allow_enrollment_email":true,"allow_external_identification":false},"voice_name_tags":{"enabled":true,"allow_enrollment_email":true,"allow_external_identification":false}},"workplace_app":{"voice_name_tags":{"enabled":true,"allow_enrollment_email":true}}},
"mail_calendar":{"email_calendar_management":false,"email_management":false,"zoom_email_provider":false},
"general_setting":{"auto_zoom_room_proximity_connect":true,"show_zoom_room_feature":true},
"meeting_security":{"auto_security":true,"block_user_domain":false,"block_user_domain_list":[],"chat_etiquette_tool":{"enable":false,"policies":[],"policy_max_count":50},"embed_password_in_join_link":true,"encryption_type":"enhanced_encryption","end_to_end_encrypted_meetings":false,"meeting_password":true,"meeting_password_requirement":{"consecutive_characters_length":0,"have_letter":true,"have_number":true,"have_special_character":false,"have_upper_and_lower_characters":false,"length":6,"only_allow_numeric":false,"weak_enhance_detection":false},"only_authenticated_can_join_from_webclient":false,"phone_password":true,"pmi_password":true,"require_password_for_scheduled_meeting":true,"require_password_for_scheduled_webinar":false,"waiting_room":true,"waiting_room_settings":{"participants_to_place_in_waiting_room":1,"users_who_can_admit_participants_from_waiting_room":0,"whitelisted_domains_for_waiting_room":""},"webinar_password":false,"waiting_room_options":{"enable":true,"locked":false,"admit_type":2,"internal_user_auto_admit":1,"admit_domain_allowlist":"","who_can_admit_participants":1,"sort_order_of_people":1,"more_options":{"user_invited_by_host_can_bypass_waiting_room":true,"move_participants_to_waiting_room_when_host_dropped":true,"allow_participants_to_reply_to_host":true}}},
"meeting_authentication":{"allow_authentication_exception":false,"authentication_options":[{"default_option":true,"id":"signIn_D8cJuqWVQ623CI4Q8yQK0Q","name":"Sign in to Zoom","type":"enforce_login","visible":true},{"default_option":false,"id":"sameAccount_a3kP2qTnR8yX5vWm7LcE1g","name":"Sign in to Zoom with the same account","type":"enforce_login_with_same_account","visible":true}],"meeting_authentication":false},
"recording_authentication":{"authentication_options":[{"default_option":true,"id":"internally_Qm9PvX2sT4uY6wZ8aB0cDe","name":"Only authenticated users in my account","type":"internally","visible":true},{"default_option":false,"id":"signIn_R5tH7jK9mN1pQ3sU5wY7zA","name":"Sign in to Zoom","type":"enforce_login","visible":true}],"recording_authentication":false}
}`

// lockSettingsTemplate is the default lock settings tree (GET
// /accounts/{accountId}/lock_settings): a few security settings locked.
const lockSettingsTemplate = `{
"audio_conferencing":{"toll_free_and_fee_based_toll_call":false,"toll_call":false,"call_me_and_invite_by_phone":false,"personal_audio_conference":false,"participant_phone_masking":false},
"chat":{"share_files":false,"chat_emojis":false,"record_voice_messages":false,"record_video_messages":false,"screen_capture":false,"share_links_in_chat":false,"schedule_meetings_in_chat":false,"set_retention_period_in_cloud":false,"set_retention_period_in_local":false,"allow_users_to_add_contacts":false,"allow_users_to_chat_with_others":false,"chat_etiquette_tool":false,"send_data_to_third_party_archiving_service":false,"translate_messages":false,"search_and_send_animated_gif_images":false,"shared_spaces":false,"allow_create_channels_and_group_chats":false,"allow_huddles_from_channels":false,"download_file":false,"share_screen_in_chat":false,"chat_email_address":false,"read_receipts":false,"allow_delete_message":false,"allow_edit_message":false,"presence_on_meeting":false,"presence_away_when_screen_saver":false,"ai_summary":false,"ai_compose":false,"ai_recommend":false,"ai_reply":false,"ai_sentence_completion":false,"ai_quick_schedule":false,"survey_poll":false},
"email_notification":{"alternative_host_reminder":false,"cancel_meeting_reminder":false,"cloud_recording_available_reminder":false,"jbh_reminder":false,"schedule_for_reminder":false},
"in_meeting":{"alert_guest_join":false,"allow_users_to_delete_messages_in_meeting_chat":false,"allow_live_streaming":false,"allow_show_zoom_windows":false,"annotation":false,"anonymous_question_answer":false,"attention_mode_focus_mode":false,"auto_answer":false,"auto_generated_captions":false,"auto_saving_chat":false,"breakout_room":false,"chat":false,"meeting_question_answer":false,"closed_caption":false,"co_host":false,"custom_data_center_regions":false,"disable_screen_sharing_for_host_meetings":false,"disable_screen_sharing_for_in_meeting_guests":false,"dscp_marking":false,"e2e_encryption":false,"entry_exit_chime":"none","far_end_camera_control":false,"feedback":false,"file_transfer":true,"full_transcript":false,"group_hd":false,"webinar_group_hd":false,"language_interpretation":false,"sign_language_interpretation":false,"manual_captions":false,"meeting_reactions":false,"webinar_reactions":false,"meeting_survey":false,"original_audio":false,"polling":false,"post_meeting_feedback":false,"private_chat":false,"remote_control":false,"non_verbal_feedback":false,"remote_support":false,"request_permission_to_unmute_participants":false,"save_caption":false,"save_captions":false,"screen_sharing":false,"sending_default_email_invites":false,"show_meeting_control_toolbar":false,"slide_control":false,"stereo_audio":false,"use_html_format_email":false,"virtual_background":false,"webinar_chat":false,"webinar_live_streaming":false,"webinar_polling":false,"webinar_question_answer":false,"webinar_survey":false,"whiteboard":false},
"other_options":{"blur_snapshot":false,"webinar_registration_options":false},
"recording":{"account_user_access_recording":false,"auto_delete_cmr":false,"auto_recording":false,"cloud_recording":false,"cloud_recording_download":true,"host_delete_cloud_recording":false,"ip_address_access_control":false,"local_recording":false,"prevent_host_access_recording":false,"recording_authentication":false,"archive":false},
"schedule_meeting":{"audio_type":false,"embed_password_in_join_link":false,"enforce_login":false,"enforce_login_domains":"","enforce_login_with_domains":false,"host_video":false,"join_before_host":false,"meeting_authentication":false,"not_store_meeting_topic":false,"always_display_zoom_webinar_as_topic":false,"participant_video":false,"require_password_for_instant_meetings":false,"require_password_for_pmi_meetings":false,"require_password_for_scheduling_new_meetings":true,"use_pmi_for_instant_meetings":false,"use_pmi_for_scheduled_meetings":false,"continuous_meeting_chat":false},
"telephony":{"telephony_regions":false,"third_party_audio":false},
"tsp":{"call_out":false,"show_international_numbers_link":false,"display_toll_free_numbers":false},
"meeting_security":{"approved_or_denied_countries_or_regions":false,"auto_security":false,"block_user_domain":false,"chat_etiquette_tool":false,"embed_password_in_join_link":true,"encryption_type":false,"end_to_end_encrypted_meetings":false,"meeting_password":true,"only_authenticated_can_join_from_webclient":false,"phone_password":false,"pmi_password":false,"waiting_room":true,"webinar_password":false}
}`

// userSettingsTemplate is the default user settings tree (GET
// /users/{userId}/settings, users.endpoints.json); userSettings overlays the
// account's values and the user's features on it.
const userSettingsTemplate = `{
"audio_conferencing":{"toll_free_and_fee_based_toll_call":{"allow_webinar_attendees_dial":true,"enable":true,"numbers":[]},"toll_call":{"enable":true,"numbers":[]},"call_me_and_invite_by_phone":{"enable":true,"require_press_1_for_call_me":"auto","allow_webinar_attendees_call_me":true,"call_out_countries":{"allowed_countries":[],"selected_countries":[]}},"personal_audio_conference":true,"participant_phone_masking":{"enable":true,"masking_type":"mask_default"},"global_dial_in_countries":{"allowed_countries":[],"selected_countries":[],"include_toll_free":true}},
"email_notification":{"alternative_host_reminder":true,"cancel_meeting_reminder":true,"cloud_recording_available_reminder":true,"jbh_reminder":true,"recording_available_reminder_alternative_hosts":true,"recording_available_reminder_schedulers":true,"schedule_for_reminder":true},
"feature":{"concurrent_meeting":"None","large_meeting":false,"large_meeting_capacity":500,"meeting_capacity":100,"webinar":false,"webinar_capacity":500,"zoom_events":false,"zoom_events_capacity":500,"zoom_events_unlimited":false,"zoom_events_unlimited_capacities":[],"zoom_events_pay_per_attendee":false,"zoom_sessions_pay_per_attendee":false,"zoom_phone":false,"zoom_revenue_accelerator":false,"zoom_whiteboard":false,"zoom_whiteboard_plus":false,"zoom_translated_captions":false,"zoom_customer_managed_key":false,"zoom_quality_management":false,"zoom_workforce_management":false,"zoom_scheduler":false,"zoom_clips_plus":false,"zoom_mail_calendar":false,"zoom_compliance_management":false,"zoom_canvas":false,"license_info_list":[],"zoom_webinars_plus_unlimited_capacities":[],"zoom_webinars_plus_unlimited":false},
"in_meeting":{"allow_host_to_enable_focus_mode":true,"allow_users_to_delete_messages_in_meeting_chat":true,"allow_live_streaming":true,"post_meeting_feedback":true,"whiteboard":true,"allow_participants_chat_with":1,"allow_users_save_chats":1,"annotation":true,"attention_mode_focus_mode":true,"auto_saving_chat":true,"breakout_room":true,"breakout_room_schedule":true,"chat":true,"meeting_question_answer":true,"closed_caption":true,"closed_captioning":{"auto_transcribing":true,"enable":true,"save_caption":true,"third_party_captioning_service":true,"view_full_transcript":true},"co_host":true,"custom_data_center_regions":true,"custom_live_streaming_service":true,"custom_service_instructions":"","data_center_regions":[],"disable_screen_sharing_for_host_meetings":true,"disable_screen_sharing_for_in_meeting_guests":true,"e2e_encryption":true,"entry_exit_chime":"all","far_end_camera_control":true,"feedback":true,"file_transfer":true,"group_hd":true,"webinar_group_hd":true,"join_from_desktop":true,"join_from_mobile":true,"language_interpretation":{"custom_languages":[],"enable_language_interpretation_by_default":true,"allow_participants_to_speak_in_listening_channel":true,"allow_up_to_25_custom_languages_when_scheduling_meetings":true,"enable":true,"languages":[]},"sign_language_interpretation":{"enable":true,"enable_sign_language_interpretation_by_default":true,"languages":[],"custom_languages":[]},"live_streaming_facebook":true,"live_streaming_youtube":true,"manual_captioning":{"allow_to_type":true,"auto_generated_captions":true,"full_transcript":true,"manual_captions":true,"save_captions":true,"third_party_captioning_service":true},"meeting_reactions":true,"meeting_reactions_emojis":"all","allow_host_panelists_to_use_audible_clap":true,"webinar_reactions":true,"meeting_survey":true,"non_verbal_feedback":true,"polling":true,"private_chat":true,"record_play_voice":true,"remote_control":true,"remote_support":true,"request_permission_to_unmute_participants":true,"screen_sharing":true,"show_a_join_from_your_browser_link":true,"show_meeting_control_toolbar":true,"slide_control":true,"unchecked_data_center_regions":[],"virtual_background":true,"virtual_background_settings":{"allow_upload_custom":true,"allow_videos":true,"enable":true,"files":[]},"waiting_room":true,"webinar_chat":{"allow_attendees_chat_with":2,"allow_auto_save_local_chat_file":true,"allow_panelists_chat_with":2,"allow_panelists_send_direct_message":true,"allow_users_save_chats":1,"default_attendees_chat_with":1,"enable":true},"webinar_live_streaming":{"custom_service_instructions":"The specific instructions","enable":true,"live_streaming_reminder":true,"live_streaming_service":[]},"meeting_polling":{"advanced_polls":true,"allow_alternative_host_to_add_edit":true,"require_answers_to_be_anonymous":true,"allow_host_to_upload_image":true,"enable":true},"webinar_polling":{"advanced_polls":true,"allow_alternative_host_to_add_edit":true,"require_answers_to_be_anonymous":true,"allow_host_to_upload_image":true,"enable":true},"webinar_survey":true,"who_can_share_screen":"all","who_can_share_screen_when_someone_is_sharing":"host","participants_share_simultaneously":"multiple","workplace_by_facebook":true,"transfer_meetings_between_devices":true,"allow_show_zoom_windows":false,"meeting_summary_with_ai_companion":{"enable":true,"auto_enable":true,"who_will_receive_summary":1},"webinar_summary_with_ai_companion":{"enable":true,"auto_enable":true,"who_will_receive_summary":1},"ai_companion_questions":{"enable":true,"auto_enable":true,"who_can_ask_questions":1},"webinar_ai_companion_questions":{"enable":true,"auto_enable":true,"who_can_ask_questions":1}},
"profile":{"recording_storage_location":{"allowed_values":[],"value":"US"}},
"recording":{"ask_host_to_confirm_disclaimer":true,"ask_participants_to_consent_disclaimer":true,"auto_delete_cmr":true,"auto_delete_cmr_days":90,"record_files_separately":{"active_speaker":true,"gallery_view":true,"shared_screen":true},"display_participant_name":true,"recording_thumbnails":true,"optimize_recording_for_3rd_party_video_editor":true,"save_panelist_chat":true,"save_poll_results":true,"save_close_caption":true,"auto_recording":"none","cloud_recording":true,"host_pause_stop_recording":true,"ip_address_access_control":{"enable":false,"ip_addresses_or_ranges":""},"local_recording":true,"record_audio_file":true,"record_gallery_view":true,"record_speaker_view":true,"recording_audio_transcript":true,"smart_recording":{"create_recording_highlights":true,"create_smart_chapters":true,"create_next_steps":true},"recording_password_requirement":{"have_letter":true,"have_number":true,"have_special_character":true,"length":10,"only_allow_numeric":true},"save_chat_text":true,"show_timestamp":true,"recording_notification_for_zoom_client":{"disclaimer_to_participants":"All participants","play_voice_prompt":"All participants","ask_host_to_confirm":true},"allow_revenue_accelerator_manage_recording_separate_auto_delete":true,"cloud_recording_permanently_deleted":{"cloud_recording_permanently_deleted_from_trash":true,"email_reminder_type":"Weekly digest on Monday"},"allow_cmr_3rd_party_bot":true,"water_marker_recording":true,"viewer_see_transcript":true,"allow_invitees_access_recordings_without_passcode":true,"recording_as_on_demand":true,"recording_notifications_phone_users":{"require_press_one_consent_to_record":true,"multiple_notifications_phone_users":true},"upload_recording":true,"allow_add_cloud_recordings_to_zoom_clips":true,"allow_share":true,"viewer_see_chat":true,"authenticated_view_cloud_recoding":{"authenticated_can_view_cloud_recordings":true,"default_authenticate_content":"Signed-in users in my account"},"notification_subscription_url_when_recording_available":true,"recording_storage_email_notifications":true,"local_recording_options":{"internal_meeting_participants":true,"internal_auto_approve_requests":true,"external_meeting_participants":true,"external_auto_approve_requests":true,"participants_with_specified_domains":true,"participants_with_specified_domains_content":"zoom.us","participants_specified_domains_auto_approve_requests":true,"save_chat_messages":true,"save_closed_caption":true},"embed_passcode_in_shareable_link":true},
"schedule_meeting":{"audio_type":"telephony","default_password_for_scheduled_meetings":"","embed_password_in_join_link":true,"force_pmi_jbh_password":true,"host_video":true,"join_before_host":true,"meeting_password_requirement":{"consecutive_characters_length":8,"have_letter":true,"have_number":true,"have_special_character":true,"have_upper_and_lower_characters":true,"length":10,"only_allow_numeric":true,"weak_enhance_detection":true},"participants_video":true,"personal_meeting":true,"pmi_password":"","pstn_password_protected":false,"require_password_for_instant_meetings":true,"require_password_for_pmi_meetings":"jbh_only","require_password_for_scheduled_meetings":true,"require_password_for_scheduling_new_meetings":true,"use_pmi_for_instant_meetings":true,"use_pmi_for_scheduled_meetings":true,"continuous_meeting_chat":{"enable":true,"support_instant_meetings":true,"support_scheduled_meetings":true}},
"telephony":{"audio_conference_info":"","show_international_numbers_link":true,"telephony_regions":{"allowed_values":[],"selection_values":"USTB"},"third_party_audio":true},
"tsp":{"call_out":true,"call_out_countries":[],"show_international_numbers_link":true,"global_dial_in_countries":{"allowed_countries":[],"selected_countries":[]}},
"whiteboard":{"out_meeting_advanced_whiteboard":true,"in_meeting_advanced_whiteboard":true},
"general_setting":{"auto_zoom_room_proximity_connect":true}
}`
