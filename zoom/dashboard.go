package zoom

import (
	"context"
	"iter"
	"net/url"
	"strings"
	"time"
)

// Dashboard listing types (the "type" query parameter). Zoom's default is
// live.
const (
	DashboardLive    = "live"
	DashboardPast    = "past"
	DashboardPastOne = "pastOne" // past meetings with a single participant
)

// Meeting quality ratings (audio_quality, video_quality,
// screen_share_quality). Participants may also have "" (not rated).
const (
	QualityGood = "good"
	QualityFair = "fair"
	QualityPoor = "poor"
	QualityBad  = "bad"
)

// DashboardMeetingsOptions filters GET /metrics/meetings. From and To are
// required and follow the report window rules (at most one month, within
// the last 6 months, yyyy-mm-dd in UTC); the client does not split ranges.
type DashboardMeetingsOptions struct {
	ListOptions
	// Type is DashboardLive (Zoom's default), DashboardPast or
	// DashboardPastOne.
	Type     string
	From, To time.Time
	// GroupID limits the listing to hosts in these groups (comma-separated
	// group IDs are accepted by Zoom).
	GroupID string
	// GroupIncludeParticipant also counts meetings that group members
	// only attended.
	GroupIncludeParticipant bool
	// QueryDateType is "start_time" or "end_time": which meeting time
	// From/To filter on. Only valid with Type DashboardPast.
	QueryDateType string
	// IncludeFields asks for extra fields; Zoom knows "tracking_fields".
	IncludeFields []string
}

// DashboardMeeting is a meeting as the dashboard lists it.
type DashboardMeeting struct {
	UUID       string `json:"uuid,omitempty"`
	ID         int64  `json:"id,omitempty"`
	Topic      string `json:"topic,omitempty"`
	Host       string `json:"host,omitempty"` // the host's display name
	Email      string `json:"email,omitempty"`
	UserType   string `json:"user_type,omitempty"` // e.g. Licensed
	Dept       string `json:"dept,omitempty"`
	SessionKey string `json:"session_key,omitempty"`
	StartTime  Time   `json:"start_time,omitzero"`
	EndTime    Time   `json:"end_time,omitzero"` // zero while live
	// Duration is Zoom's text, "hh:mm:ss" or "mm:ss" (e.g. "00:56").
	Duration             string          `json:"duration,omitempty"`
	Participants         int             `json:"participants,omitempty"`
	AvgJoinTimeCost      float64         `json:"avg_jointime_cost,omitempty"`
	HasPSTN              bool            `json:"has_pstn,omitempty"`
	HasVoIP              bool            `json:"has_voip,omitempty"`
	Has3rdPartyAudio     bool            `json:"has_3rd_party_audio,omitempty"`
	HasVideo             bool            `json:"has_video,omitempty"`
	HasScreenShare       bool            `json:"has_screen_share,omitempty"`
	HasRecording         bool            `json:"has_recording,omitempty"`
	HasSIP               bool            `json:"has_sip,omitempty"`
	HasArchiving         bool            `json:"has_archiving,omitempty"`
	HasManualCaptions    bool            `json:"has_manual_captions,omitempty"`
	HasAutomatedCaptions bool            `json:"has_automated_captions,omitempty"`
	HasPoll              bool            `json:"has_poll,omitempty"`
	HasQA                bool            `json:"has_qa,omitempty"`
	HasSurvey            bool            `json:"has_survey,omitempty"`
	AudioQuality         string          `json:"audio_quality,omitempty"` // Quality*
	VideoQuality         string          `json:"video_quality,omitempty"`
	ScreenShareQuality   string          `json:"screen_share_quality,omitempty"`
	CustomKeys           []CustomKey     `json:"custom_keys,omitempty"`
	TrackingFields       []TrackingField `json:"tracking_fields,omitempty"`
}

// CustomKey is a key/value the host's account attached to a meeting.
type CustomKey struct {
	Key   string `json:"key,omitempty"`
	Value string `json:"value,omitempty"`
}

// TrackingField is a meeting tracking field and its value.
type TrackingField struct {
	Field string `json:"field,omitempty"`
	Value string `json:"value,omitempty"`
}

type dashboardMeetingsPage struct {
	pageInfo
	Meetings []DashboardMeeting `json:"meetings"`
}

// MeetingsPages lists live or past meetings a page at a time (up to 300
// per page). Resource-intensive: Zoom allows only a few such calls a
// minute.
func (s *DashboardService) MeetingsPages(ctx context.Context, opts *DashboardMeetingsOptions) iter.Seq2[*Page[DashboardMeeting], error] {
	if opts == nil {
		opts = &DashboardMeetingsOptions{}
	}
	q := url.Values{}
	if err := dateRange(q, "Dashboard.Meetings", opts.From, opts.To, true); err != nil {
		return errPages[DashboardMeeting](err)
	}
	setNonEmpty(q, "type", opts.Type)
	setNonEmpty(q, "group_id", opts.GroupID)
	if opts.GroupIncludeParticipant {
		q.Set("group_include_participant", "true")
	}
	setNonEmpty(q, "query_date_type", opts.QueryDateType)
	setNonEmpty(q, "include_fields", strings.Join(opts.IncludeFields, ","))
	return listPages(ctx, s.client, ResourceIntensive, "/metrics/meetings", q, opts.pageSize(300), opts.token(),
		func(p *dashboardMeetingsPage) ([]DashboardMeeting, pageInfo) { return p.Meetings, p.pageInfo })
}

// Meetings lists live or past meetings one at a time.
func (s *DashboardService) Meetings(ctx context.Context, opts *DashboardMeetingsOptions) iter.Seq2[DashboardMeeting, error] {
	return All(s.MeetingsPages(ctx, opts))
}

// DashboardParticipantsOptions are the options of GET
// /metrics/meetings/{meetingId}/participants.
type DashboardParticipantsOptions struct {
	ListOptions
	// Type is DashboardLive (Zoom's default), DashboardPast or
	// DashboardPastOne.
	Type string
	// IncludeFields asks for extra fields; Zoom knows "registrant_id".
	IncludeFields []string
}

// DashboardParticipant is one join of a meeting as the dashboard has it:
// who, from which device and network, and how it went. Zoom may leave
// user_name, email, ip_address and location empty for external users and
// for accounts without a HIPAA BAA.
type DashboardParticipant struct {
	// ID is the participant's Zoom user ID when signed in to Zoom.
	ID                string `json:"id,omitempty"`
	UserID            string `json:"user_id,omitempty"` // within this meeting only
	ParticipantUUID   string `json:"participant_uuid,omitempty"`
	ParticipantUserID string `json:"participant_user_id,omitempty"`
	UserName          string `json:"user_name,omitempty"`
	Email             string `json:"email,omitempty"`
	Role              string `json:"role,omitempty"` // host, attendee
	CustomerKey       string `json:"customer_key,omitempty"`
	RegistrantID      string `json:"registrant_id,omitempty"`
	GroupID           string `json:"groupId,omitempty"`

	// Device is Phone, H.323/SIP, Windows, Mac, iOS or Android.
	Device                      string `json:"device,omitempty"`
	OS                          string `json:"os,omitempty"`
	OSVersion                   string `json:"os_version,omitempty"`
	DeviceName                  string `json:"device_name,omitempty"`
	PCName                      string `json:"pc_name,omitempty"`
	MACAddr                     string `json:"mac_addr,omitempty"`
	Domain                      string `json:"domain,omitempty"`
	HarddiskID                  string `json:"harddisk_id,omitempty"`
	Version                     string `json:"version,omitempty"`
	Client                      string `json:"client,omitempty"`
	BrowserName                 string `json:"browser_name,omitempty"`
	BrowserVersion              string `json:"browser_version,omitempty"`
	ZoomThinClientPluginVersion string `json:"zoom_thin_client_plugin_version,omitempty"`
	Microphone                  string `json:"microphone,omitempty"`
	Speaker                     string `json:"speaker,omitempty"`
	Camera                      string `json:"camera,omitempty"`

	IPAddress           string   `json:"ip_address,omitempty"`
	InternalIPAddresses []string `json:"internal_ip_addresses,omitempty"`
	Location            string   `json:"location,omitempty"`
	// NetworkType is Wired, Wifi, PPP, Cellular or Others.
	NetworkType    string `json:"network_type,omitempty"`
	DataCenter     string `json:"data_center,omitempty"`
	FullDataCenter string `json:"full_data_center,omitempty"`
	// ConnectionType and its video and screen-share variants are P2P,
	// TCP, UDP, Reliable UDP, SSL, HTTP, or one of those +Proxy.
	ConnectionType      string `json:"connection_type,omitempty"`
	VideoConnectionType string `json:"video_connection_type,omitempty"`
	ASConnectionType    string `json:"as_connection_type,omitempty"`

	JoinTime           Time        `json:"join_time,omitzero"`
	LeaveTime          Time        `json:"leave_time,omitzero"` // zero while still in a live meeting
	LeaveReason        string      `json:"leave_reason,omitempty"`
	Status             string      `json:"status,omitempty"` // in_meeting, in_waiting_room
	TotalJoinTimeCost  float64     `json:"total_jointime_cost,omitempty"`
	BOMtgID            string      `json:"bo_mtg_id,omitempty"`
	InRoomParticipants int         `json:"in_room_participants,omitempty"`
	SIPURI             string      `json:"sip_uri,omitempty"`
	FromSIPURI         string      `json:"from_sip_uri,omitempty"`
	AudioCall          []AudioCall `json:"audio_call,omitempty"`
	AICDisclaimer      string      `json:"aic_disclaimer,omitempty"`

	AudioQuality       string `json:"audio_quality,omitempty"` // "" or Quality*
	VideoQuality       string `json:"video_quality,omitempty"`
	ScreenShareQuality string `json:"screen_share_quality,omitempty"`

	ShareApplication  bool   `json:"share_application,omitempty"`
	ShareDesktop      bool   `json:"share_desktop,omitempty"`
	ShareWhiteboard   bool   `json:"share_whiteboard,omitempty"`
	Recording         bool   `json:"recording,omitempty"`
	HasArchiving      bool   `json:"has_archiving,omitempty"`
	OptionalArchiving string `json:"optional_archiving,omitempty"`
}

// AudioCall is a phone leg of a participant's audio.
type AudioCall struct {
	CallNumber string `json:"call_number,omitempty"`
	CallType   string `json:"call_type,omitempty"` // call-in, call-out
	ZoomNumber string `json:"zoom_number,omitempty"`
}

type dashboardParticipantsPage struct {
	pageInfo
	MeetingNumber string                 `json:"meeting_number"`
	Participants  []DashboardParticipant `json:"participants"`
}

// ParticipantsPages lists a meeting's participants a page at a time (up to
// 300 per page). meetingID is a meeting ID (latest instance) or a UUID.
// Heavy.
func (s *DashboardService) ParticipantsPages(ctx context.Context, meetingID string, opts *DashboardParticipantsOptions) iter.Seq2[*Page[DashboardParticipant], error] {
	if err := needID("Dashboard.Participants", "meeting ID", meetingID); err != nil {
		return errPages[DashboardParticipant](err)
	}
	q := url.Values{}
	var lo *ListOptions
	if opts != nil {
		lo = &opts.ListOptions
		setNonEmpty(q, "type", opts.Type)
		setNonEmpty(q, "include_fields", strings.Join(opts.IncludeFields, ","))
	}
	return listPages(ctx, s.client, Heavy, "/metrics/meetings/"+MeetingPathID(meetingID)+"/participants", q, lo.pageSize(300), lo.token(),
		func(p *dashboardParticipantsPage) ([]DashboardParticipant, pageInfo) {
			return p.Participants, p.pageInfo
		})
}

// Participants lists a meeting's participants one at a time.
func (s *DashboardService) Participants(ctx context.Context, meetingID string, opts *DashboardParticipantsOptions) iter.Seq2[DashboardParticipant, error] {
	return All(s.ParticipantsPages(ctx, meetingID, opts))
}

// Participant health (ParticipantQOS.Health).
const (
	HealthGood     = "Good"
	HealthWarning  = "Warning"
	HealthCritical = "Critical"
)

// ParticipantQOS is a participant with their quality-of-service samples.
// The participant fields are those of DashboardParticipant; the QoS
// endpoints send fewer of them (no quality ratings).
type ParticipantQOS struct {
	DashboardParticipant
	// Health is Good, Warning or Critical.
	Health string `json:"health,omitempty"`
	// IssueList names up to 5 problems, e.g. "audio".
	IssueList []string `json:"issue_list,omitempty"`
	// MeetingNumber is set by the single-participant endpoint only.
	MeetingNumber string      `json:"meeting_number,omitempty"`
	UserQOS       []QOSSample `json:"user_qos,omitempty"`
}

// QOSSample is one participant's quality of service at one moment (Zoom
// samples about once a minute). A nil metric was not sent; a metric can be
// present with "-" values when that stream was idle. Latency is a 5-second
// average or maximum.
type QOSSample struct {
	DateTime time.Time `json:"date_time,omitzero"`

	AudioInput  *QOSMetrics `json:"audio_input,omitempty"`
	AudioOutput *QOSMetrics `json:"audio_output,omitempty"`
	VideoInput  *QOSMetrics `json:"video_input,omitempty"`
	VideoOutput *QOSMetrics `json:"video_output,omitempty"`
	ASInput     *QOSMetrics `json:"as_input,omitempty"` // screen share
	ASOutput    *QOSMetrics `json:"as_output,omitempty"`

	// The legs between the device and Zoom's cloud room connector (CRC)
	// and web gateway (RWG), for H.323/SIP and web clients.
	AudioDeviceFromCRC *QOSMetrics `json:"audio_device_from_crc,omitempty"`
	AudioDeviceToCRC   *QOSMetrics `json:"audio_device_to_crc,omitempty"`
	VideoDeviceFromCRC *QOSMetrics `json:"video_device_from_crc,omitempty"`
	VideoDeviceToCRC   *QOSMetrics `json:"video_device_to_crc,omitempty"`
	ASDeviceFromCRC    *QOSMetrics `json:"as_device_from_crc,omitempty"`
	ASDeviceToCRC      *QOSMetrics `json:"as_device_to_crc,omitempty"`
	AudioDeviceFromRWG *QOSMetrics `json:"audio_device_from_rwg,omitempty"`
	AudioDeviceToRWG   *QOSMetrics `json:"audio_device_to_rwg,omitempty"`
	VideoDeviceFromRWG *QOSMetrics `json:"video_device_from_rwg,omitempty"`
	VideoDeviceToRWG   *QOSMetrics `json:"video_device_to_rwg,omitempty"`
	ASDeviceFromRWG    *QOSMetrics `json:"as_device_from_rwg,omitempty"`
	ASDeviceToRWG      *QOSMetrics `json:"as_device_to_rwg,omitempty"`

	CPUUsage         *CPUUsage         `json:"cpu_usage,omitempty"`
	CPUPressureLevel *CPUPressureLevel `json:"cpu_pressure_level,omitempty"`
	WifiRSSI         *WifiRSSI         `json:"wifi_rssi,omitempty"`
}

// QOSMetrics is one stream's quality. Values are Zoom's strings ("126 ms",
// "0.03%", "27.15 kbps", "12 fps", "1280*720"); parse them with
// QOSValue.Parse. Audio streams have no FrameRate or Resolution.
type QOSMetrics struct {
	Bitrate    QOSValue `json:"bitrate,omitempty"`
	Latency    QOSValue `json:"latency,omitempty"`
	Jitter     QOSValue `json:"jitter,omitempty"`
	AvgLoss    QOSValue `json:"avg_loss,omitempty"`
	MaxLoss    QOSValue `json:"max_loss,omitempty"`
	FrameRate  QOSValue `json:"frame_rate,omitempty"`
	Resolution QOSValue `json:"resolution,omitempty"`
}

// CPUUsage is the participant's CPU load as percentages ("11%").
type CPUUsage struct {
	ZoomMinCPUUsage   QOSValue `json:"zoom_min_cpu_usage,omitempty"`
	ZoomAvgCPUUsage   QOSValue `json:"zoom_avg_cpu_usage,omitempty"`
	ZoomMaxCPUUsage   QOSValue `json:"zoom_max_cpu_usage,omitempty"`
	SystemMaxCPUUsage QOSValue `json:"system_max_cpu_usage,omitempty"`
}

// CPUPressureLevel is the system's CPU pressure: normal, fair, serious or
// critical.
type CPUPressureLevel struct {
	SystemMinCPUPressureLevel string `json:"system_min_cpu_pressure_level,omitempty"`
	SystemAvgCPUPressureLevel string `json:"system_avg_cpu_pressure_level,omitempty"`
	SystemMaxCPUPressureLevel string `json:"system_max_cpu_pressure_level,omitempty"`
}

// WifiRSSI is the Wi-Fi signal strength, in RSSIUnit (dBm).
type WifiRSSI struct {
	MaxRSSI  int    `json:"max_rssi,omitempty"`
	AvgRSSI  int    `json:"avg_rssi,omitempty"`
	MinRSSI  int    `json:"min_rssi,omitempty"`
	RSSIUnit string `json:"rssi_unit,omitempty"`
}

// DashboardQOSOptions are the options of GET
// /metrics/meetings/{meetingId}/participants/qos.
type DashboardQOSOptions struct {
	// PageSize is capped at 10, Zoom's maximum for this endpoint.
	ListOptions
	// Type is DashboardLive (Zoom's default) or DashboardPast.
	Type string
}

type participantsQOSPage struct {
	pageInfo
	MeetingNumber string           `json:"meeting_number"`
	Participants  []ParticipantQOS `json:"participants"`
}

// ParticipantsQOSPages lists a meeting's participants with their QoS
// samples a page at a time — at most 10 per page, so a large meeting costs
// many Heavy calls. meetingID is a meeting ID or a UUID.
func (s *DashboardService) ParticipantsQOSPages(ctx context.Context, meetingID string, opts *DashboardQOSOptions) iter.Seq2[*Page[ParticipantQOS], error] {
	if err := needID("Dashboard.ParticipantsQOS", "meeting ID", meetingID); err != nil {
		return errPages[ParticipantQOS](err)
	}
	q := url.Values{}
	var lo *ListOptions
	if opts != nil {
		lo = &opts.ListOptions
		setNonEmpty(q, "type", opts.Type)
	}
	return listPages(ctx, s.client, Heavy, "/metrics/meetings/"+MeetingPathID(meetingID)+"/participants/qos", q, lo.pageSize(10), lo.token(),
		func(p *participantsQOSPage) ([]ParticipantQOS, pageInfo) { return p.Participants, p.pageInfo })
}

// ParticipantsQOS lists a meeting's participants with their QoS samples
// one at a time.
func (s *DashboardService) ParticipantsQOS(ctx context.Context, meetingID string, opts *DashboardQOSOptions) iter.Seq2[ParticipantQOS, error] {
	return All(s.ParticipantsQOSPages(ctx, meetingID, opts))
}

// ParticipantQOSOptions are the options of GET
// /metrics/meetings/{meetingId}/participants/{participantId}/qos.
type ParticipantQOSOptions struct {
	// Type is DashboardLive (Zoom's default) or DashboardPast.
	Type string
}

// ParticipantQOS fetches one participant's QoS. participantID is the
// participant's per-meeting user_id. A live request returns no samples
// while the participant sends nothing. Heavy.
func (s *DashboardService) ParticipantQOS(ctx context.Context, meetingID, participantID string, opts *ParticipantQOSOptions) (*ParticipantQOS, *Response, error) {
	if err := needID("Dashboard.ParticipantQOS", "meeting ID", meetingID); err != nil {
		return nil, nil, err
	}
	if err := needID("Dashboard.ParticipantQOS", "participant ID", participantID); err != nil {
		return nil, nil, err
	}
	q := url.Values{}
	if opts != nil {
		setNonEmpty(q, "type", opts.Type)
	}
	var p ParticipantQOS
	path := "/metrics/meetings/" + MeetingPathID(meetingID) + "/participants/" + escapeSegment(participantID) + "/qos"
	resp, err := s.client.get(ctx, Heavy, path, q, &p)
	if err != nil {
		return nil, nil, err
	}
	return &p, resp, nil
}
