package alert

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/zoomsight/zoomsight/internal/store"
)

// Dispatcher sends the outbox: it claims due items under a lease, sends
// each notifier's items of one group as one notification, and marks them
// sent, or puts them back with an exponential backoff. Items stay until
// sent: a notifier down for an hour gets them all when it is back, and a
// restart loses none (a crash between sending and marking sends that one
// notification again after the lease; its id lets receivers drop it).
type Dispatcher struct {
	Store store.Store
	// Notifiers are the operator's (the configuration file's), by name.
	Notifiers map[string]Notifier
	// OrgNotifier, if set, builds an org's notifier (OrgNotifiers);
	// without it the orgs' notifications wait in the outbox.
	OrgNotifier func(ctx context.Context, orgID int64, name string) (Notifier, error)
	// Holder names this process in claims (default host:pid:random).
	Holder string
	// Lease is how long a claim holds (default 2m; longer than a send's
	// timeout, SendTimeout).
	Lease time.Duration
	// Backoff is the first retry's delay, doubled per attempt up to
	// MaxBackoff (defaults 10s and 5m).
	Backoff, MaxBackoff time.Duration
	// Batch is how many items one claim takes (default 200).
	Batch int
	// SendTimeout bounds one send (default 30s).
	SendTimeout time.Duration
	Now         func() time.Time
	// Sent, if set, is told of every send (metrics): the notifier, how
	// many alerts, and its error.
	Sent func(notifier string, alerts int, err error)
	// Failed, if set, is told when the outbox could not be read or
	// updated (Run carries on at the next poll).
	Failed func(error)

	once sync.Once
	kick chan struct{}
}

func (d *Dispatcher) defaults() {
	if d.Holder == "" {
		host, _ := os.Hostname()
		b := make([]byte, 4)
		_, _ = rand.Read(b)
		d.Holder = fmt.Sprintf("%s:%d:%s", host, os.Getpid(), hex.EncodeToString(b))
	}
	if d.Lease <= 0 {
		d.Lease = 2 * time.Minute
	}
	if d.Backoff <= 0 {
		d.Backoff = 10 * time.Second
	}
	if d.MaxBackoff <= 0 {
		d.MaxBackoff = 5 * time.Minute
	}
	if d.Batch <= 0 {
		d.Batch = 200
	}
	if d.SendTimeout <= 0 {
		d.SendTimeout = 30 * time.Second
	}
}

func (d *Dispatcher) now() time.Time {
	if d.Now != nil {
		return d.Now().UTC()
	}
	return time.Now().UTC()
}

// backoff is the delay after a failed attempt (attempts before it).
func (d *Dispatcher) backoff(attempts int) time.Duration {
	b := d.Backoff
	for range min(attempts, 30) {
		b *= 2
		if b >= d.MaxBackoff {
			return d.MaxBackoff
		}
	}
	return b
}

// Flush sends everything due now, and returns how many items were sent.
func (d *Dispatcher) Flush(ctx context.Context) (int, error) {
	d.defaults()
	sent := 0
	for {
		items, err := d.Store.ClaimOutbox(ctx, d.Holder, d.now(), d.Lease, d.Batch)
		if err != nil || len(items) == 0 {
			return sent, err
		}
		type group struct {
			notifier, key string
			items         []*store.OutboxItem
		}
		var groups []*group
		index := map[[2]string]*group{}
		for _, it := range items {
			k := [2]string{it.Notifier, it.GroupKey}
			g := index[k]
			if g == nil {
				g = &group{notifier: it.Notifier, key: it.GroupKey}
				index[k] = g
				groups = append(groups, g)
			}
			g.items = append(g.items, it)
		}
		for _, g := range groups {
			err := d.send(ctx, g.notifier, g.key, g.items)
			if d.Sent != nil {
				d.Sent(g.notifier, len(g.items), err)
			}
			now := d.now()
			if err == nil {
				ids := make([]int64, len(g.items))
				for i, it := range g.items {
					ids[i] = it.ID
				}
				if err := d.Store.SentOutbox(context.WithoutCancel(ctx), ids, d.Holder, now); err != nil {
					return sent, err
				}
				sent += len(ids)
			} else {
				for _, it := range g.items {
					if err := d.Store.RetryOutbox(context.WithoutCancel(ctx), it.ID, d.Holder, now.Add(d.backoff(it.Attempts)), trunc(err.Error(), 500)); err != nil {
						return sent, err
					}
				}
			}
			if ctx.Err() != nil {
				return sent, ctx.Err()
			}
		}
	}
}

func (d *Dispatcher) send(ctx context.Context, name, key string, items []*store.OutboxItem) error {
	n, err := d.notifier(ctx, name, items)
	if err != nil {
		// Kept, not dropped: configuring the notifier again delivers it.
		return &SendError{name, err}
	}
	note, err := newNotification(name, key, items)
	if err != nil {
		return &SendError{name, err}
	}
	ctx, cancel := context.WithTimeout(ctx, d.SendTimeout)
	defer cancel()
	if err := n.Notify(ctx, note); err != nil {
		return &SendError{name, err}
	}
	return nil
}

// notifier returns the notifier named name, after checking that every
// item is of its org: an org's alert never reaches the operator's
// notifier or another org's, whatever the outbox says.
func (d *Dispatcher) notifier(ctx context.Context, name string, items []*store.OutboxItem) (Notifier, error) {
	org, short, isOrg := ParseOrgNotifierKey(name)
	for _, it := range items {
		if it.OrgID != org {
			return nil, fmt.Errorf("refusing to send an alert of org %d to a notifier of org %d (0: the operator)", it.OrgID, org)
		}
	}
	if !isOrg {
		n, ok := d.Notifiers[name]
		if !ok {
			return nil, fmt.Errorf("notifier %s is not configured", name)
		}
		return n, nil
	}
	if d.OrgNotifier == nil {
		return nil, errors.New("this process does not send the orgs' notifications")
	}
	n, err := d.OrgNotifier(ctx, org, short)
	if errors.Is(err, ErrNoNotifier) {
		return nil, fmt.Errorf("org %d has no notifier %s (any more)", org, short)
	}
	return n, err
}

// Kick asks Run to flush now (after an evaluation enqueued something).
func (d *Dispatcher) Kick() {
	select {
	case d.kickChan() <- struct{}{}:
	default:
	}
}

func (d *Dispatcher) kickChan() chan struct{} {
	d.once.Do(func() { d.kick = make(chan struct{}, 1) })
	return d.kick
}

// Run flushes every poll and whenever kicked, until ctx ends. Send
// failures are in the outbox (OutboxStatus), not returned.
func (d *Dispatcher) Run(ctx context.Context, poll time.Duration) error {
	d.defaults()
	kick := d.kickChan()
	t := time.NewTicker(poll)
	defer t.Stop()
	for {
		if _, err := d.Flush(ctx); err != nil && ctx.Err() == nil && d.Failed != nil {
			d.Failed(err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		case <-kick:
		}
	}
}
