package zoomsim

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"time"
)

// QSS: for the meetings in progress (the generated meetings that are live
// at the simulator's clock), EmitQSS sends Zoom's meeting.participant_qos
// webhook (CONTRACT.md §4a): one signed event per participant session and
// minute, through the webhook emitter (SetWebhook). Each event's values
// are the very minute the Dashboard API's participants QoS returns for
// that session, split into QSS's {date_time, type, details} items, so a
// receiver that later syncs the meeting sees the same minutes twice.
// With a test clock (Options.Now) a test advances time and emits the
// minutes since its last call: no one waits a minute.

// qssTypes are the user_qos fields QSS sends as items of these types.
var qssTypes = []string{"audio_input", "audio_output", "video_input", "video_output", "as_input", "as_output", "cpu_usage", "wifi_rssi"}

// EmitQSS queues meeting.participant_qos events for the minutes in
// (from, to] (and not after now) of every participant session of account
// accountID's meetings in progress then, and returns how many it queued.
func (s *Server) EmitQSS(accountID string, from, to time.Time) (int, error) {
	t := s.byID[accountID]
	if t == nil {
		return 0, fmt.Errorf("%w: %q", ErrNoAccount, accountID)
	}
	var evs []map[string]any
	err := func() error {
		t.mu.RLock()
		defer t.mu.RUnlock()
		now := s.opts.Now().Unix()
		lo, hi := from.Unix(), min(to.Unix(), now)
		g := t.gen
		// A meeting lasts less than a day.
		for _, m := range g.meetingsIn(lo-daySeconds, hi, now) {
			if m.end() <= lo || m.start >= hi {
				continue
			}
			for _, ss := range g.sessions(m, now, t) {
				row := g.participantRow(m, &ss, now, true)
				for i := range ss.samples(now) {
					// Sent when the minute is complete (a minute of
					// attendance after the previous one), though stamped
					// on the minute: consecutive windows send each once.
					if ready := ss.join + int64(i+1)*60; ready <= lo || ready > hi {
						continue
					}
					var sample map[string]json.RawMessage
					if err := json.Unmarshal(g.appendQoS(nil, m, &ss, i, i+1), &sample); err != nil {
						return err
					}
					var dt string
					_ = json.Unmarshal(sample["date_time"], &dt)
					var items []map[string]any
					for _, typ := range qssTypes {
						if d, ok := sample[typ]; ok {
							items = append(items, map[string]any{"date_time": dt, "type": typ, "details": d})
						}
					}
					p := map[string]any{"user_id": row.UserID, "email": row.Email, "qos": items}
					if row.ParticipantUserID != "" {
						p["participant_user_id"] = row.ParticipantUserID
					}
					evs = append(evs, map[string]any{"object": map[string]any{"uuid": m.uuid, "participant": p}})
				}
			}
		}
		return nil
	}()
	if err != nil {
		return 0, err
	}
	s.emitQSS(accountID, evs)
	return len(evs), nil
}

// qssSenders is how many QSS events the simulator has in flight at once.
const qssSenders = 8

// emitQSS sends QSS events from qssSenders goroutines, not through the
// emitter's one ordered queue: Zoom sends each participant's events on
// their own, so a receiver gets them concurrently and interleaved. They
// count in WebhookStats and WaitWebhooks like the emitter's.
func (s *Server) emitQSS(accountID string, payloads []map[string]any) {
	t, ok := s.hookTarget(accountID)
	if !ok || len(payloads) == 0 {
		return
	}
	h := &s.hooks
	h.idle.Add(len(payloads))
	work := make(chan WebhookEvent, len(payloads))
	for _, p := range payloads {
		p["account_id"] = accountID
		p["operator"] = "admin@zoomsim.example"
		p["time_stamp"] = s.opts.Now().UnixMilli()
		work <- WebhookEvent{Event: "meeting.participant_qos", Payload: p}
	}
	close(work)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for range min(qssSenders, len(payloads)) {
		wg.Go(func() {
			for ev := range work {
				res, err := s.SendWebhook(ctx, t.url, t.secret, ev)
				if err == nil && res.StatusCode/100 == 2 {
					h.sent.Add(1)
				} else {
					h.failed.Add(1)
				}
				h.idle.Done()
			}
		})
	}
	go func() {
		select {
		case <-s.closing:
		case <-waitDone(&wg):
		}
		cancel()
	}()
}

// waitDone is closed when wg's goroutines are done.
func waitDone(wg *sync.WaitGroup) <-chan struct{} {
	done := make(chan struct{})
	go func() {
		wg.Wait()
		close(done)
	}()
	return done
}

// registerQSSAdmin serves
//
//	POST /_sim/accounts/{accountId}/qss   {"minutes": N}: EmitQSS over the last N minutes (default 1)
func (s *Server) registerQSSAdmin(mux *http.ServeMux) {
	mux.HandleFunc("POST /_sim/accounts/{accountId}/qss", func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			Minutes int `json:"minutes"`
		}
		if body, _ := idReadAll(r); len(body) > 0 {
			if err := json.Unmarshal(body, &in); err != nil || in.Minutes < 0 || in.Minutes > 24*60 {
				adminError(w, http.StatusBadRequest, `want {"minutes": N} with N from 1 to 1440`)
				return
			}
		}
		if in.Minutes == 0 {
			in.Minutes = 1
		}
		now := s.opts.Now()
		n, err := s.EmitQSS(r.PathValue("accountId"), now.Add(-time.Duration(in.Minutes)*time.Minute), now)
		if err != nil {
			adminError(w, http.StatusNotFound, err.Error())
			return
		}
		adminJSON(w, http.StatusOK, map[string]any{"events": n, "minutes": in.Minutes, "through": now.UTC().Format(time.RFC3339)})
	})
}
