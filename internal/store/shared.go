package store

import (
	"context"
	"time"
)

// Shared is what processes on one database share about each Zoom account:
// its rate budget and its access tokens. Zoom counts rate limits per
// account, and under its older rule a new Server-to-Server token voids the
// one before, so processes that sync one account must agree on both. Only
// PostgreSQL, where several processes meet, implements it; on SQLite one
// process at a time syncs (the app paces it in memory).
type Shared interface {
	// ClaimBudget books send slots in key's budget (see BudgetClaim),
	// atomically across processes.
	ClaimBudget(ctx context.Context, key string, c BudgetClaim) (BudgetGrant, error)
	// HoldBudget stops labels of key until until in every process: a
	// pause moves their next free slot (per-second 429), a daily hold
	// refuses claims until then (daily 429).
	HoldBudget(ctx context.Context, key string, labels []string, until time.Time, daily bool) error
	// BudgetUsed returns what key's daily budgets counted on day (UTC),
	// by bucket.
	BudgetUsed(ctx context.Context, key string, day time.Time) (map[string]int, error)

	// WithTokenLock runs fn holding key's token lock, which one caller in
	// all processes holds at a time. fn gets the sealed token stored under
	// key (nil if none) and returns one to store in its place, or nil to
	// keep it. What fn returns is stored only if fn succeeds.
	WithTokenLock(ctx context.Context, key string, fn func(ctx context.Context, sealed []byte) ([]byte, error)) error
	// SharedToken returns the sealed token stored under key without
	// taking the lock, or nil if none.
	SharedToken(ctx context.Context, key string) ([]byte, error)
}

// BudgetClaim asks for N send slots of Label, Spacing apart, starting no
// earlier than Now, the label's next free slot, or a pause. Each slot
// counts against every one of Caps for Now's UTC day.
type BudgetClaim struct {
	Label   string
	N       int
	Spacing time.Duration
	Now     time.Time
	Caps    []BudgetCap
}

// BudgetCap is one daily budget a claim counts against.
type BudgetCap struct {
	Bucket string
	Cap    int
	// Spent raises the day's count to at least this (what Zoom said was
	// spent); Refund lowers it by slots claimed earlier that went unused.
	Spent, Refund int
}

// BudgetGrant is what ClaimBudget booked: N slots from Start; N is 0 when
// a daily budget is spent (Until: the next UTC midnight) or held (Until:
// the end of the hold). Left is what the tightest cap has left, -1 when
// no cap applies.
type BudgetGrant struct {
	Start time.Time
	N     int
	Left  int
	Until time.Time
}
