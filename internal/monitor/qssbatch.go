package monitor

import (
	"context"
	"sync"
	"time"

	"github.com/zoomsight/zoomsight/internal/store"
)

// qssQueue ingests concurrent QSS deliveries together. Zoom sends one
// meeting.participant_qos per participant and minute, so a few thousand
// people in meetings make a steady stream of small events; ingesting each
// alone costs a transaction, the account's rollup lock and a
// read-modify-write of the same rollup rows every time (PostgreSQL then
// falls behind Zoom). Ingested together they cost that once per batch.
//
// A drain goroutine runs while deliveries are queued, each round taking
// all of them (up to QoSBatch) into one ingest; it is started by the first
// delivery queued to an idle queue and ends when the queue is empty. A
// handler waits for its delivery's ingest up to QoSWait and answers then
// anyway: the delivery is durably stored, and Zoom wants an answer within
// 3 seconds whatever the database is doing.
type qssQueue struct {
	mu      sync.Mutex
	running bool
	queue   []*qssJob
	idle    chan struct{} // closed when the drain goroutine ends; nil when none ran
}

type qssJob struct {
	d    *store.WebhookDelivery
	err  error
	done chan struct{} // closed once ingested (or failed)
}

// ingests reports whether the receiver ingests QSS events.
func (rc *Receiver) ingests() bool { return rc.QoS != nil || rc.QoSAll != nil }

// ingest ingests stored QSS bodies of one account: with QoSAll in one go,
// else one by one with QoS, stopping at the first error.
func (rc *Receiver) ingest(ctx context.Context, accountID int64, bodies [][]byte) error {
	if rc.QoSAll != nil {
		return rc.QoSAll(ctx, accountID, bodies)
	}
	for _, b := range bodies {
		if err := rc.QoS(ctx, accountID, b); err != nil {
			return err
		}
	}
	return nil
}

func (rc *Receiver) qosBatch() int {
	if rc.QoSBatch > 0 {
		return rc.QoSBatch
	}
	return 500
}

func (rc *Receiver) qosWait() time.Duration {
	if rc.QoSWait > 0 {
		return rc.QoSWait
	}
	return 2 * time.Second
}

// apply queues stored delivery d for ingest and waits for it up to
// QoSWait. It returns the ingest's error, or nil if it is still under way
// (a failed ingest leaves the delivery pending for Recover).
func (q *qssQueue) apply(rc *Receiver, d *store.WebhookDelivery) error {
	j := &qssJob{d: d, done: make(chan struct{})}
	q.mu.Lock()
	q.queue = append(q.queue, j)
	if !q.running {
		q.running = true
		q.idle = make(chan struct{})
		go q.drain(rc, q.idle)
	}
	q.mu.Unlock()
	t := time.NewTimer(rc.qosWait())
	defer t.Stop()
	select {
	case <-j.done:
		return j.err
	case <-t.C:
		return nil
	}
}

// drain ingests queued deliveries, a batch at a time, until none is left.
// It does not stop with the request that started it: its deliveries are
// acknowledged already.
func (q *qssQueue) drain(rc *Receiver, idle chan struct{}) {
	ctx := context.Background()
	for {
		q.mu.Lock()
		n := min(len(q.queue), rc.qosBatch())
		if n == 0 {
			q.running = false
			close(idle)
			q.mu.Unlock()
			return
		}
		batch := q.queue[:n:n]
		q.queue = q.queue[n:]
		q.mu.Unlock()
		ds := make([]*store.WebhookDelivery, len(batch))
		for i, b := range batch {
			ds[i] = b.d
		}
		errs := rc.applyStored(ctx, ds)
		for i, b := range batch {
			b.err = errs[i]
			close(b.done)
		}
	}
}

// WaitApplied waits until every QSS delivery acknowledged so far was
// ingested (or failed, and is left for Recover), or ctx ends. Handlers
// answer once their delivery is ingested unless that takes over QoSWait;
// tests and a clean shutdown use this to wait for the rest.
func (rc *Receiver) WaitApplied(ctx context.Context) error {
	for {
		rc.qss.mu.Lock()
		idle, running := rc.qss.idle, rc.qss.running
		rc.qss.mu.Unlock()
		if !running {
			return nil
		}
		select {
		case <-idle:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// applyStored ingests stored QSS deliveries, those of each account in
// one QoS call, and marks them applied; it returns each delivery's error.
// Deliveries of other events are left as they are. When a batch fails,
// its deliveries are ingested one by one, so that one bad delivery fails
// alone.
func (rc *Receiver) applyStored(ctx context.Context, ds []*store.WebhookDelivery) []error {
	errs := make([]error, len(ds))
	if !rc.ingests() {
		return errs
	}
	// Accounts in order of first delivery; each account's in arrival order.
	var accounts []int64
	byAccount := map[int64][]int{}
	for i, d := range ds {
		if d.Event != "meeting.participant_qos" {
			continue
		}
		if _, ok := byAccount[d.AccountID]; !ok {
			accounts = append(accounts, d.AccountID)
		}
		byAccount[d.AccountID] = append(byAccount[d.AccountID], i)
	}
	for _, acct := range accounts {
		idx := byAccount[acct]
		bodies := make([][]byte, len(idx))
		ids := make([]int64, len(idx))
		for k, i := range idx {
			bodies[k], ids[k] = ds[i].Body, ds[i].ID
		}
		err := rc.ingest(ctx, acct, bodies)
		if err == nil {
			err = rc.Store.MarkWebhooksApplied(ctx, ids, rc.now())
			for _, i := range idx {
				errs[i] = err
			}
			continue
		}
		if len(idx) == 1 {
			errs[idx[0]] = err
			continue
		}
		for _, i := range idx {
			if errs[i] = rc.ingest(ctx, acct, [][]byte{ds[i].Body}); errs[i] == nil {
				errs[i] = rc.Store.MarkWebhooksApplied(ctx, []int64{ds[i].ID}, rc.now())
			}
		}
	}
	return errs
}
