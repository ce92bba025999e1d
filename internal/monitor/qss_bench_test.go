package monitor_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/zoomsight/zoomsight/internal/monitor"
	"github.com/zoomsight/zoomsight/internal/store"
)

// BenchmarkQSSIngest measures QSS ingest keeping up with 5,000
// participants in meetings at once (100 meetings of 50), each sending one
// meeting.participant_qos a minute: an iteration is one such minute, all
// 5,000 events posted signed by 16 or 64 senders (Zoom sends them concurrently)
// to the receiver, which stores each in the inbox and applies them, many
// at a time, to the QoS series and rollups; the minute ends when all are
// applied. It reports events/s applied and realtime_x: how many times
// faster than Zoom sends them (5,000 a minute) that is.
//
//	go test -run X -bench BenchmarkQSSIngest -benchtime 3x ./internal/monitor/
func BenchmarkQSSIngest(b *testing.B) {
	for _, driver := range []string{"sqlite", "postgres"} {
		for _, senders := range []int{16, 64} {
			b.Run(fmt.Sprintf("%s/senders=%d", driver, senders), func(b *testing.B) {
				benchQSS(b, driver, senders)
			})
		}
	}
}

func benchQSS(b *testing.B, driver string, senders int) {
	ctx := b.Context()
	st := openStore(b, driver)
	acct := &store.Account{Name: "bench", Kind: "s2s", ZoomAccountID: "zacct"}
	if err := st.InsertAccount(ctx, acct); err != nil {
		b.Fatal(err)
	}
	secret := []byte("bench-secret")
	rc := qssReceiver(st, monitor.Target{AccountID: acct.ID, ZoomAccountID: "zacct", Secret: secret}, nil)
	srv := httptest.NewServer(rc)
	defer srv.Close()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: senders}}
	const participants = 5000
	start := time.Now().UTC().Truncate(time.Minute).Add(-time.Hour)
	var seq atomic.Int64
	elapsed := time.Duration(0)
	events := 0
	b.ResetTimer()
	for minute := range b.N {
		at := start.Add(time.Duration(minute) * time.Minute).Format(time.RFC3339)
		var next atomic.Int64
		var wg sync.WaitGroup
		t0 := time.Now()
		for range senders {
			wg.Go(func() {
				for {
					i := next.Add(1) - 1
					if i >= participants {
						return
					}
					lat := 40 + i%7
					if i%10 == 0 {
						lat = 300 // a bad minute
					}
					body := fmt.Appendf(nil, `{"event":"meeting.participant_qos","event_ts":%d,"payload":{"account_id":"zacct","object":{"uuid":"m%03d==","participant":{"user_id":"%d","participant_user_id":"u%d","email":"u%d@example.com","qos":[`+
						`{"date_time":"%s","type":"audio_input","details":{"bitrate":"27.15 kbps","latency":"%d ms","jitter":"3 ms","avg_loss":"0.03%%","max_loss":"0.5%%"}},`+
						`{"date_time":"%s","type":"audio_output","details":{"bitrate":"30.1 kbps","latency":"%d ms","jitter":"2 ms","avg_loss":"0.01%%","max_loss":"0.2%%"}},`+
						`{"date_time":"%s","type":"video_output","details":{"bitrate":"900 kbps","latency":"%d ms","jitter":"4 ms","avg_loss":"0.1%%","max_loss":"1%%","frame_rate":"25 fps","resolution":"1280*720"}}]}}}}`,
						time.Now().UnixMilli(), i/50, 16778240+i, i, i, at, lat, at, lat, at, lat)
					n := seq.Add(1)
					ts := time.Now().Unix()
					req, _ := http.NewRequestWithContext(ctx, "POST", srv.URL+"/webhooks/zoom/bench", bytes.NewReader(body))
					req.Header.Set("x-zm-request-timestamp", strconv.FormatInt(ts, 10))
					req.Header.Set("x-zm-signature", monitor.Sign(secret, ts, body))
					req.Header.Set("x-zm-request-id", "q"+strconv.FormatInt(n, 10))
					resp, err := client.Do(req)
					if err != nil {
						b.Error(err)
						return
					}
					drain(resp)
					if resp.StatusCode != 200 {
						b.Errorf("status %d", resp.StatusCode)
						return
					}
				}
			})
		}
		wg.Wait()
		if err := rc.WaitApplied(ctx); err != nil {
			b.Fatal(err)
		}
		elapsed += time.Since(t0)
		events += participants
	}
	b.StopTimer()
	// Every event was applied: the rollups hold every minute.
	var got int64
	err := st.Query(context.WithoutCancel(ctx), "SELECT COALESCE(sum(participant_minutes), 0) FROM qos_site_hour", func(_ []string, row []any) error {
		got = toInt(row[0])
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	if got != int64(events) {
		b.Fatalf("qos_site_hour holds %d participant-minutes, want %d", got, events)
	}
	rate := float64(events) / elapsed.Seconds()
	b.ReportMetric(rate, "events/s")
	b.ReportMetric(rate/(participants/60.0), "realtime_x")
}
