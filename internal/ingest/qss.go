package ingest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/zoomsight/zoomsight/internal/store"
	"github.com/zoomsight/zoomsight/zoom"
)

// ParseQSS converts a meeting.participant_qos webhook body (Zoom's QSS,
// CONTRACT.md §4a) into the participant's minutes. Each qos item is one
// stream or measure of a minute ({date_time, type, details}); items of the
// same minute make one sample, parsed exactly as the Dashboard API's
// user_qos entries (their details have the same string-valued fields).
// Types that are no QoS measure (audio_quality, notification, …) are
// skipped.
func ParseQSS(body []byte) (store.QSSParticipant, error) {
	var ev struct {
		Event   string `json:"event"`
		Payload struct {
			Object struct {
				UUID        string `json:"uuid"`
				Participant struct {
					UserID            json.RawMessage `json:"user_id"` // a string, or a number in older events
					ParticipantUserID string          `json:"participant_user_id"`
					Email             string          `json:"email"`
					QoS               []struct {
						DateTime time.Time       `json:"date_time"`
						Type     string          `json:"type"`
						Details  json.RawMessage `json:"details"`
					} `json:"qos"`
				} `json:"participant"`
			} `json:"object"`
		} `json:"payload"`
	}
	if err := json.Unmarshal(body, &ev); err != nil {
		return store.QSSParticipant{}, fmt.Errorf("meeting.participant_qos: %w", err)
	}
	if ev.Event != "meeting.participant_qos" {
		return store.QSSParticipant{}, fmt.Errorf("event %q is not meeting.participant_qos", ev.Event)
	}
	o := &ev.Payload.Object
	out := store.QSSParticipant{MeetingUUID: o.UUID, UserID: idText(o.Participant.UserID),
		ZoomUserID: o.Participant.ParticipantUserID, Email: o.Participant.Email}
	if out.MeetingUUID == "" || out.UserID == "" {
		return out, errors.New("meeting.participant_qos without payload.object.uuid or participant.user_id")
	}
	// The items of a minute, as one user_qos object.
	minutes := map[time.Time]map[string]json.RawMessage{}
	var order []time.Time
	for _, q := range o.Participant.QoS {
		if q.DateTime.IsZero() || q.Type == "" || len(q.Details) == 0 {
			continue
		}
		t := q.DateTime.UTC().Truncate(time.Minute)
		m := minutes[t]
		if m == nil {
			m = map[string]json.RawMessage{}
			minutes[t] = m
			order = append(order, t)
		}
		m[q.Type] = q.Details
	}
	var p qosParser
	for _, t := range order {
		raw, err := json.Marshal(minutes[t])
		if err != nil {
			return out, err
		}
		var z zoom.QOSSample
		if err := json.Unmarshal(raw, &z); err != nil {
			return out, fmt.Errorf("meeting.participant_qos details of %s: %w", t.Format(time.RFC3339), err)
		}
		z.DateTime = t
		out.Samples = append(out.Samples, p.sample(&z))
	}
	return out, nil
}

// idText is a JSON string's text or a number's digits.
func idText(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var n json.Number
	if json.Unmarshal(raw, &n) == nil {
		return n.String()
	}
	return ""
}

// PutQSS parses meeting.participant_qos bodies of one account and writes
// their minutes in one store.QSS.PutQSS call (one transaction, rollups
// updated once), which stores what writing them one by one in this order
// would. It returns the minutes newly stored; a body that does not parse
// fails the whole call, and nothing is written.
func PutQSS(ctx context.Context, st store.QSS, accountID int64, bodies [][]byte) (int, error) {
	qs := make([]store.QSSParticipant, 0, len(bodies))
	for i, b := range bodies {
		p, err := ParseQSS(b)
		if err != nil {
			return 0, fmt.Errorf("QSS event %d of %d: %w", i+1, len(bodies), err)
		}
		qs = append(qs, p)
	}
	return st.PutQSS(ctx, accountID, qs)
}
