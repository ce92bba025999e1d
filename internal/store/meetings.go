package store

import (
	"context"
	"time"
)

// Meetings is the store's side of meeting, participant and QoS collection
// and of the customer's network description.
//
// Past meetings are history, not a listing to mirror: nothing here is
// swept. Every write is an upsert keyed by what Zoom identifies an item
// by (a meeting's UUID, a participant session's per-meeting id and join
// time, a QoS sample's minute), so re-syncing a window never duplicates
// anything.
type Meetings interface {
	// UpsertMeetings writes listed meetings. A meeting seen again keeps its
	// collection state, unless Zoom now reports a different number of
	// participants (its data was still arriving): then its participants
	// and QoS are collected again.
	UpsertMeetings(ctx context.Context, runID, accountID int64, ms []Meeting) error
	// UpsertParticipants writes participant sessions. Empty fields do not
	// overwrite what an earlier write (from another endpoint) stored.
	UpsertParticipants(ctx context.Context, runID, accountID int64, ps []Participant) error
	// UpsertQoS writes participants with their per-minute QoS in one
	// transaction and returns the number of samples written.
	UpsertQoS(ctx context.Context, runID, accountID int64, ps []QoSParticipant) (int, error)
	// SetMeetingWork records how far a meeting's collection went.
	SetMeetingWork(ctx context.Context, accountID int64, uuid string, w MeetingWork) error
	// PendingMeetings returns up to limit meetings whose participants or
	// QoS are still to be collected, most useful first: the newest UTC day
	// first (a budget that runs out leaves the recent days complete), and
	// within a day those Zoom rated worst, then the most recent.
	PendingMeetings(ctx context.Context, accountID int64, limit int) ([]PendingMeeting, error)
	// PendingWork sums what PendingMeetings would return without a limit.
	PendingWork(ctx context.Context, accountID int64) (PendingWork, error)

	// MeetingSync returns the account's meeting collection state (the zero
	// state, with AccountID set, before the first sync).
	MeetingSync(ctx context.Context, accountID int64) (*MeetingSync, error)
	SaveMeetingSync(ctx context.Context, s *MeetingSync) error

	// PutNetwork replaces an org's network description (orgID 0: the
	// operator default, see AccountNetwork).
	PutNetwork(ctx context.Context, orgID int64, n *Network) error
	// Network returns an org's own stored network description (empty if
	// it has none; no fallback to the operator default).
	Network(ctx context.Context, orgID int64) (*Network, error)
	// AccountNetworkOrg returns the org whose network an account's
	// participants are matched against: the first (lowest id) org the
	// account is linked to that has a network of its own, else 0, the
	// operator default (see AccountNetworkOrgSQL).
	AccountNetworkOrg(ctx context.Context, accountID int64) (int64, error)
	// MatchParticipants recomputes the site of every participant of an
	// account with match, streaming participants in batches, and returns
	// how many it visited.
	MatchParticipants(ctx context.Context, accountID int64, match func(*ParticipantAddr) SiteMatch) (int, error)
	// AccountSiteOrgs lists the orgs that keep their own attribution of the
	// account's participants beside the network org's (AccountSiteOrgsSQL).
	AccountSiteOrgs(ctx context.Context, accountID int64) ([]int64, error)
	// StoredSiteOrgs lists the orgs that have matches of the account's
	// participants stored (participant_org_sites).
	StoredSiteOrgs(ctx context.Context, accountID int64) ([]int64, error)
	// MatchOrgParticipants is MatchParticipants for one org's own
	// attribution: it stores the org's match of every participant of the
	// account and files their sessions' share of the org's site rollups
	// again (for an org in AccountSiteOrgs).
	MatchOrgParticipants(ctx context.Context, accountID, orgID int64, match func(*ParticipantAddr) SiteMatch) (int, error)
	// PurgeOrgSites removes an org's own attribution of an account: its
	// matches, its share of the sessions and its site rollups.
	PurgeOrgSites(ctx context.Context, accountID, orgID int64) error
	// PutQoSThresholds replaces the thresholds the QoS views use and, when
	// they changed, recomputes the rollups of sessions still kept raw.
	PutQoSThresholds(ctx context.Context, t QoSThresholds) error
	QoSThresholds(ctx context.Context) (QoSThresholds, error)

	// RefreshQoSRollups rolls up sessions marked stale (by a migration or
	// new thresholds) from their raw minutes, a batch per transaction, and
	// returns how many it did. It is resumable: an interrupted refresh
	// leaves the rest marked.
	RefreshQoSRollups(ctx context.Context) (int, error)
	// PruneQoS deletes raw QoS minutes of sessions that ended before
	// rawBefore, keeping their rollups, and rollups of periods before
	// rollupBefore (a UTC day). Each batch is its own transaction, so an
	// interrupted prune resumes where it stopped.
	PruneQoS(ctx context.Context, rawBefore, rollupBefore time.Time) (QoSPruned, error)
}

// QoSPruned counts what PruneQoS deleted.
type QoSPruned struct {
	Sessions   int `json:"sessions_pruned_raw"` // sessions whose raw minutes were deleted
	RawMinutes int `json:"raw_minutes"`
	Rollups    int `json:"rollup_rows"`
	// OldSessions are session rollups deleted with their period.
	OldSessions int `json:"session_rollups"`
}

// Collection states of a meeting's participants and QoS.
const (
	WorkPending     = "pending"     // still to be collected
	WorkDone        = "done"        // collected
	WorkUnavailable = "unavailable" // cannot be collected (plan, scope, Zoom has no data); see the note
)

// Meeting is a past meeting instance as listed.
type Meeting struct {
	UUID      string
	MeetingID int64 // Zoom's numeric meeting id (shared by recurring instances)
	Topic     string
	HostID    string
	HostName  string
	HostEmail string
	Dept      string
	StartTime time.Time
	EndTime   time.Time // zero if unknown
	Duration  int       // seconds
	// Participants is the number of participant sessions Zoom reports
	// (0 if the listing does not say).
	Participants       int
	OnePerson          bool // listed as a one-participant meeting (type=pastOne)
	HasVideo           bool
	HasScreenShare     bool
	HasRecording       bool
	HasPSTN            bool
	HasSIP             bool
	AudioQuality       string // good, fair, poor, bad or ""
	VideoQuality       string
	ScreenShareQuality string
	// Source is the endpoint that listed it: "dashboard" or "user_meetings".
	Source string
	Raw    []byte
}

// QualityRank orders Zoom's quality words: bad 3, poor 2, fair 1, else 0.
func QualityRank(labels ...string) int {
	r := 0
	for _, l := range labels {
		switch l {
		case "bad":
			r = max(r, 3)
		case "poor":
			r = max(r, 2)
		case "fair":
			r = max(r, 1)
		}
	}
	return r
}

// Participant is one session of a participant in a meeting: a re-join is
// another session.
type Participant struct {
	MeetingUUID string
	// Key identifies the session within the meeting: see ParticipantKey.
	Key                 string
	UserID              string // Zoom's per-meeting participant id
	ZoomUserID          string // the user's Zoom id when signed in
	ParticipantUUID     string
	Name                string
	Email               string
	Role                string
	Device              string
	OS                  string
	OSVersion           string
	DeviceName          string
	PCName              string
	MACAddr             string
	Domain              string
	Version             string
	IPAddress           string
	InternalIPs         []string
	Location            string
	NetworkType         string
	DataCenter          string
	ConnectionType      string
	VideoConnectionType string
	ASConnectionType    string
	JoinTime            time.Time
	LeaveTime           time.Time
	LeaveReason         string
	Status              string
	AudioQuality        string
	VideoQuality        string
	ScreenShareQuality  string
	Health              string
	Issues              []string
	// Source is the endpoint it came from: dashboard, dashboard_qos,
	// report or past_meetings.
	Source string
	// Site is the customer's site it matched, computed on write.
	Site SiteMatch
	// OrgSites are the matches of the other orgs that keep their own
	// attribution of a shared account (AccountSiteOrgsSQL), one per org;
	// nil for an account with one org.
	OrgSites []OrgSiteMatch
}

// ParticipantKey is how a session is keyed within its meeting: Zoom's
// per-meeting participant id with the join time, so that a re-join under
// the same id is a second session; without an id, the participant's UUID
// or name stands in.
func ParticipantKey(userID, participantUUID, name string, join time.Time) string {
	id := userID
	switch {
	case id != "":
	case participantUUID != "":
		id = "uuid:" + participantUUID
	default:
		id = "name:" + name
	}
	if join.IsZero() {
		return id
	}
	return id + "@" + join.UTC().Format("20060102T150405Z")
}

// QoSParticipant is a participant session with its QoS samples.
type QoSParticipant struct {
	Participant
	Samples []QoSSample
}

// QoS streams, in the order of QoSSample.Streams.
const (
	StreamAudioIn = iota
	StreamAudioOut
	StreamVideoIn
	StreamVideoOut
	StreamShareIn
	StreamShareOut
	NumStreams
)

// StreamNames are the stream names the zoom_qos_sample view uses.
var StreamNames = [NumStreams]string{"audio_in", "audio_out", "video_in", "video_out", "share_in", "share_out"}

// Metric is one stream's values in one minute. NaN-free: a missing value
// is reported by its Has bit.
type Metric struct {
	Present   bool // the stream carried at least one value
	Bitrate   float64
	Latency   float64
	Jitter    float64
	AvgLoss   float64
	MaxLoss   float64
	FrameRate float64
	Width     int
	Height    int
	// Has records which of the values above were sent (Has* bits).
	Has uint8
}

// Bits of Metric.Has.
const (
	HasBitrate uint8 = 1 << iota
	HasLatency
	HasJitter
	HasAvgLoss
	HasMaxLoss
	HasFrameRate
	HasResolution
)

// QoSSample is one participant-minute of QoS, parsed.
type QoSSample struct {
	Time    time.Time
	Streams [NumStreams]Metric
	// CPU in percent; Has* false when not sent.
	ZoomCPUAvg, ZoomCPUMax, SystemCPUMax          float64
	HasZoomCPUAvg, HasZoomCPUMax, HasSystemCPUMax bool
	CPUPressure                                   string // system_max_cpu_pressure_level
	// Wi-Fi RSSI in dBm; HasRSSI false when not sent.
	RSSIAvg, RSSIMin int
	HasRSSI          bool
	// ViaCRC and ViaRWG: the sample has values on a leg through Zoom's
	// cloud room connector or web gateway (relayed media).
	ViaCRC, ViaRWG bool
	// Unparsed counts values that did not parse; Raw holds them
	// ("audio_input.latency": "…") as a JSON object, so nothing is lost.
	Unparsed    int
	UnparsedRaw []byte
}

// Worst returns the minute's worst latency, jitter and average loss over
// its streams, and whether each was present.
func (s *QoSSample) Worst() (lat, jit, loss float64, hasLat, hasJit, hasLoss bool) {
	for i := range s.Streams {
		m := &s.Streams[i]
		if m.Has&HasLatency != 0 && (!hasLat || m.Latency > lat) {
			lat, hasLat = m.Latency, true
		}
		if m.Has&HasJitter != 0 && (!hasJit || m.Jitter > jit) {
			jit, hasJit = m.Jitter, true
		}
		if m.Has&HasAvgLoss != 0 && (!hasLoss || m.AvgLoss > loss) {
			loss, hasLoss = m.AvgLoss, true
		}
	}
	return
}

// MeetingWork is a meeting's collection progress.
type MeetingWork struct {
	Participants     string // Work*; "" leaves it as it is
	ParticipantsNote string
	QoS              string
	QoSNote          string
}

// PendingMeeting is a meeting with work left.
type PendingMeeting struct {
	UUID         string
	StartTime    time.Time
	Participants int
	OnePerson    bool
	QualityRank  int
	Source       string
	// NeedParticipants and NeedQoS say which parts are pending.
	NeedParticipants, NeedQoS bool
}

// PendingWork sums the pending meetings and the dashboard calls they need
// at Zoom's page sizes (participants 300, QoS 10 per call).
type PendingWork struct {
	Meetings         int
	ParticipantCalls int
	QoSCalls         int
}

// MeetingSync is an account's meeting collection state across runs.
type MeetingSync struct {
	AccountID int64
	// ListedThrough is the last day (UTC midnight) whose meetings have
	// been listed completely; zero before the first complete window.
	ListedThrough time.Time
	// ListedFrom is the first day listed by a first backfill that the
	// budget decides (ingest.MeetingOptions.Backfill zero), which goes
	// back from today as the daily budget allows; zero before it starts.
	ListedFrom time.Time
	// BudgetDay and BudgetSpent count Heavy and Resource-intensive calls
	// the meeting sync made on one UTC day, across runs and processes.
	BudgetDay   time.Time
	BudgetSpent int
	// Report is the last run's report (JSON), for summaries.
	Report []byte
}

// Network is the customer's description of its network.
type Network struct {
	Sites []NetworkSite
	// MACs map client MAC addresses (or prefixes) to where they connect.
	MACs []NetworkMAC
}

// NetworkSite is one office or location.
type NetworkSite struct {
	Name string
	// Egress are the public addresses or prefixes the site's clients
	// reach Zoom from; Internal its private prefixes. Both in CIDR form.
	Egress   []string
	Internal []string
}

// NetworkMAC is an entry of a NAC, DHCP or wireless controller export.
type NetworkMAC struct {
	// MAC is a lower-case, colon-separated address or prefix of whole
	// bytes ("3c:22:fb" or "3c:22:fb:01:02:03").
	MAC         string
	Site        string // "" if the export does not say
	AccessPoint string
	SwitchPort  string
}

// ParticipantAddr is what site matching reads of a participant.
type ParticipantAddr struct {
	IPAddress   string
	InternalIPs []string
	MACAddr     string
}

// Site match kinds (SiteMatch.By).
const (
	MatchInternal = "internal_ip"
	MatchEgress   = "egress_ip"
	MatchMAC      = "mac"
	MatchNone     = "none" // off-network: home, mobile, a guest's office
)

// SiteMatch is where a participant connected from.
type SiteMatch struct {
	Site        string // "" when off-network
	By          string // Match*; "" when not computed
	Prefix      string // the internal or egress prefix, or MAC entry, that matched
	AccessPoint string
	SwitchPort  string
}

// QoSThresholds decide which minutes are bad. Defaults are
// DefaultQoSThresholds.
type QoSThresholds struct {
	LatencyMS float64 `json:"latency_ms"` // a minute is bad above this latency
	JitterMS  float64 `json:"jitter_ms"`  // at or above this jitter
	LossPct   float64 `json:"loss_pct"`   // above this average loss
	CPUPct    float64 `json:"cpu_pct"`    // at or above this system CPU (a device cause)
	RSSIDBm   float64 `json:"rssi_dbm"`   // Wi-Fi signal below this is weak
	// Label is the Zoom quality word from which a participant counts as
	// rated badly: "fair", "poor" or "bad".
	Label string `json:"label"`
}

// DefaultQoSThresholds are the documented defaults.
func DefaultQoSThresholds() QoSThresholds {
	return QoSThresholds{LatencyMS: 150, JitterMS: 30, LossPct: 2, CPUPct: 90, RSSIDBm: -75, Label: "poor"}
}
