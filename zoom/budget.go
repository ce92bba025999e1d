package zoom

import (
	"context"
	"time"
)

// Budget is one Zoom account's rate and daily budget kept where every
// process that calls the account sees it (zoomsight keeps it in
// PostgreSQL). Zoom counts limits per account, not per process, so two
// processes pacing themselves apart would together send twice the rate.
//
// A RateLimiter made by NewSharedRateLimiter books its requests in the
// budget in batches (Claim) and sends each at the time it was given, so the
// budget costs one round trip per batch, not per request.
type Budget interface {
	// Claim books up to c.N consecutive send slots of c.Label, c.Spacing
	// apart, starting no earlier than c.Now, the label's next free slot or
	// a pause another process set, and counts them against c.Caps. It
	// grants fewer (or none) when a daily budget has less left or is held.
	Claim(ctx context.Context, c Claim) (Grant, error)
	// Hold makes every process wait: until is when labels may go again,
	// after a per-second 429 (daily false) or a daily one (daily true).
	Hold(ctx context.Context, labels []Label, until time.Time, daily bool) error
}

// Claim asks a Budget for send slots.
type Claim struct {
	Label Label
	// N is how many slots are wanted (at least 1).
	N int
	// Spacing is the least time between two slots of the label, by any
	// process: the label's window (plus slack) divided by its size. Zero
	// for a label with no rate limit.
	Spacing time.Duration
	// Now is the claimer's clock.
	Now time.Time
	// Caps are the daily budgets the label's requests count against.
	Caps []DailyCap
}

// DailyCap is one daily budget (UTC day) a claim counts against: a label's
// own (Free plans) or the one Heavy and Resource-intensive share.
type DailyCap struct {
	// Bucket names the budget: a label's name, or SharedBucket.
	Bucket string
	Cap    int
	// Spent is how many of the budget Zoom said were spent today
	// (X-RateLimit-Remaining), as far as this process knows: the budget
	// never counts fewer. Other apps on the account spend it too.
	Spent int
	// Refund is how many slots this process claimed today and let pass
	// unused: they go back to the budget.
	Refund int
}

// SharedBucket names the daily budget Heavy and Resource-intensive
// requests share.
const SharedBucket = "Heavy+Resource-intensive"

// Grant is what a Budget booked.
type Grant struct {
	// Start is the first slot's send time (on the claimer's clock); the
	// others follow Spacing apart.
	Start time.Time
	// N is how many slots were booked: 0 when a daily budget is spent
	// or held.
	N int
	// Left is what the tightest daily budget has left after the claim,
	// -1 when none caps the label.
	Left int
	// Until is, when N is 0, when the label's daily budget refills.
	Until time.Time
}

// DefaultLease is how much of a label's rate a shared limiter books at
// once: a fifth of a second's worth (at least one request). A longer lease
// saves round trips to the budget; a shorter one hands unused slots back
// sooner and lets a pause set by another process reach this one sooner.
const DefaultLease = 200 * time.Millisecond

// NewSharedRateLimiter returns a limiter that books every request in b as
// well as pacing it locally, so that all processes together stay within
// the account's limits.
func NewSharedRateLimiter(l Limits, b Budget) *RateLimiter {
	r := NewRateLimiter(l)
	r.budget = b
	r.leaseSpan = DefaultLease
	r.leases = map[Label]*lease{}
	return r
}

// lease is the slots of one label this process booked in the budget and
// has not used yet.
type lease struct {
	slots    []time.Time   // in order
	claiming chan struct{} // closed when the running claim ends; nil if none
	refund   int           // slots booked today that passed unused
	left     int           // daily budget left at the last claim, -1 if none
}

func (r *RateLimiter) leaseOf(lb Label) *lease {
	ls := r.leases[lb]
	if ls == nil {
		ls = &lease{left: -1}
		r.leases[lb] = ls
	}
	return ls
}

// grace is how late a booked slot may still be used. A slot used later
// could land in the next window with the slots booked after it; half the
// slack (the rest absorbs network jitter) keeps any window at its limit.
func (r *RateLimiter) grace() time.Duration { return r.limits.slack() / 2 }

// claimFor says what to book for lb. Callers hold mu.
func (r *RateLimiter) claimFor(lb Label, now time.Time, ls *lease) Claim {
	c := Claim{Label: lb, N: 1, Now: now}
	if n, per := r.limits.Window(lb); n > 0 {
		c.Spacing = (per + r.limits.slack()) / time.Duration(n)
		c.N = max(1, int(r.leaseSpan/c.Spacing))
	}
	spent := func(cp int) int {
		if rem, ok := r.remain[lb]; ok && rem >= 0 && rem <= cp {
			return cp - rem
		}
		return 0
	}
	if cp := r.limits.Daily[lb]; cp > 0 {
		c.Caps = append(c.Caps, DailyCap{Bucket: lb.String(), Cap: cp, Spent: spent(cp), Refund: ls.refund})
	}
	if sharesDaily(lb) && r.limits.SharedDaily > 0 {
		cp := r.limits.SharedDaily
		c.Caps = append(c.Caps, DailyCap{Bucket: SharedBucket, Cap: cp, Spent: spent(cp), Refund: ls.refund})
	}
	if len(c.Caps) > 0 && ls.left < 4*c.N {
		// Near the end of a daily budget, slots this process books but
		// does not use would read as spent to the others until handed
		// back: book one at a time (also the first time, to learn what
		// is left).
		c.N = 1
	}
	return c
}

// needsBudget reports whether lb's requests must be booked: it has a rate
// limit or a daily cap.
func (r *RateLimiter) needsBudget(lb Label) bool {
	if r.budget == nil {
		return false
	}
	n, _ := r.limits.Window(lb)
	return n > 0 || r.limits.Daily[lb] > 0 || (sharesDaily(lb) && r.limits.SharedDaily > 0)
}

// waitShared books a send slot of lb in the budget, claiming a batch when
// none is left, and sleeps until it. Callers hold mu; it releases it. done
// is false when the caller should check the local limits again first.
func (r *RateLimiter) waitShared(ctx context.Context, lb Label, now time.Time) (done bool, err error) {
	ls := r.leaseOf(lb)
	late := 0
	for late < len(ls.slots) && now.Sub(ls.slots[late]) > r.grace() {
		late++
	}
	if late > 0 {
		ls.refund += late
		ls.slots = ls.slots[late:]
	}
	if len(ls.slots) > 0 {
		at := ls.slots[0]
		ls.slots = ls.slots[1:]
		r.count(lb)
		r.mu.Unlock()
		return true, sleep(ctx, at.Sub(now))
	}
	if ch := ls.claiming; ch != nil {
		r.mu.Unlock()
		select {
		case <-ch:
			return false, nil
		case <-ctx.Done():
			return true, ctx.Err()
		}
	}
	c := r.claimFor(lb, now, ls)
	ch := make(chan struct{})
	ls.claiming, ls.refund = ch, 0
	r.mu.Unlock()

	g, err := r.budget.Claim(ctx, c)

	r.mu.Lock()
	defer r.mu.Unlock()
	ls.claiming = nil
	close(ch)
	if err != nil {
		if len(c.Caps) > 0 {
			ls.refund += c.Caps[0].Refund
		}
		return true, err
	}
	if g.N <= 0 {
		until := g.Until
		if !until.After(now) {
			until = nextUTCMidnight(now)
		}
		for _, l := range dailyPartners(lb) {
			if until.After(r.blocked[l]) {
				r.blocked[l] = until
			}
		}
		return true, &RateLimitError{Label: lb, Type: "Daily-limit", Daily: true, Remaining: 0, RetryAfter: until}
	}
	for k := range g.N {
		ls.slots = append(ls.slots, g.Start.Add(time.Duration(k)*c.Spacing))
	}
	ls.left = g.Left
	return false, nil
}

// dailyPartners are the labels that share lb's daily budget, lb included.
func dailyPartners(lb Label) []Label {
	if sharesDaily(lb) {
		return []Label{Heavy, ResourceIntensive}
	}
	return []Label{lb}
}

// dropLease hands lb's unused slots back after a 429: they were booked
// for a rate Zoom just refused. Callers hold mu.
func (r *RateLimiter) dropLease(lb Label) {
	if r.leases == nil {
		return
	}
	if ls := r.leases[lb]; ls != nil {
		ls.refund += len(ls.slots)
		ls.slots = nil
	}
}
