package storetest

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/zoomsight/zoomsight/internal/store"
)

// testShared: the rate budget and token lock that processes share. Two
// stores on one database stand for two processes. Drivers without it
// (SQLite: one process syncs at a time) skip.
func testShared(t *testing.T, open func(t *testing.T) store.Store) {
	a, ok := open(t).(store.Shared)
	if !ok {
		t.Skip("the driver shares nothing between processes")
	}
	b := open(t).(store.Shared)
	ctx := t.Context()
	now := time.Date(2024, 3, 5, 23, 59, 0, 0, time.UTC)
	claim := func(s store.Shared, key, label string, n int, at time.Time, caps ...store.BudgetCap) store.BudgetGrant {
		t.Helper()
		g, err := s.ClaimBudget(ctx, key, store.BudgetClaim{Label: label, N: n, Spacing: 100 * time.Millisecond, Now: at, Caps: caps})
		if err != nil {
			t.Fatal(err)
		}
		return g
	}

	t.Run("slots never overlap across processes", func(t *testing.T) {
		g1 := claim(a, "acct1", "Light", 3, now)
		g2 := claim(b, "acct1", "Light", 2, now)
		if !g1.Start.Equal(now) || g1.N != 3 || g1.Left != -1 {
			t.Fatalf("first claim %+v, want 3 slots from now, no daily cap", g1)
		}
		if want := now.Add(300 * time.Millisecond); !g2.Start.Equal(want) || g2.N != 2 {
			t.Fatalf("second claim %+v, want 2 slots from %v", g2, want)
		}
		// Another label and another account have budgets of their own.
		if g := claim(b, "acct1", "Medium", 1, now); !g.Start.Equal(now) {
			t.Fatalf("Medium starts at %v, want now", g.Start)
		}
		if g := claim(b, "acct2", "Light", 1, now); !g.Start.Equal(now) {
			t.Fatalf("another account starts at %v, want now", g.Start)
		}
		// A claim after the booked slots starts when it asks.
		if g := claim(a, "acct1", "Light", 1, now.Add(time.Second)); !g.Start.Equal(now.Add(time.Second)) {
			t.Fatalf("a late claim starts at %v", g.Start)
		}
	})

	t.Run("daily caps", func(t *testing.T) {
		cp := func(spent, refund int) store.BudgetCap {
			return store.BudgetCap{Bucket: "Heavy+Resource-intensive", Cap: 5, Spent: spent, Refund: refund}
		}
		if g := claim(a, "daily", "Heavy", 3, now, cp(0, 0)); g.N != 3 || g.Left != 2 {
			t.Fatalf("claim of 3 of 5: %+v", g)
		}
		// Resource-intensive counts against the same daily budget.
		if g := claim(b, "daily", "Resource-intensive", 3, now, cp(0, 0)); g.N != 2 || g.Left != 0 {
			t.Fatalf("claim of 3 with 2 left: %+v", g)
		}
		g := claim(a, "daily", "Heavy", 1, now, cp(0, 0))
		if midnight := time.Date(2024, 3, 6, 0, 0, 0, 0, time.UTC); g.N != 0 || !g.Until.Equal(midnight) {
			t.Fatalf("claim with none left: %+v, want none until %v", g, midnight)
		}
		if g := claim(a, "daily", "Heavy", 3, now, cp(0, 2)); g.N != 2 {
			t.Fatalf("after 2 slots refunded: %+v", g)
		}
		// The next UTC day has a budget of its own; what Zoom says was
		// spent raises the count.
		if g := claim(b, "daily", "Heavy", 5, now.Add(2*time.Minute), cp(4, 0)); g.N != 1 || g.Left != 0 {
			t.Fatalf("next day, 4 spent elsewhere: %+v", g)
		}
		used, err := a.BudgetUsed(ctx, "daily", now)
		if err != nil || used["Heavy+Resource-intensive"] != 5 {
			t.Fatalf("BudgetUsed: %v, %v", used, err)
		}
		// Days before yesterday are forgotten once a new day begins.
		claim(a, "daily", "Heavy", 1, now.Add(48*time.Hour), cp(0, 0))
		if used, err := a.BudgetUsed(ctx, "daily", now); err != nil || len(used) != 0 {
			t.Fatalf("two days later, the old day's counts are %v, %v", used, err)
		}
		if used, err := a.BudgetUsed(ctx, "daily", now.Add(2*time.Minute)); err != nil || used["Heavy+Resource-intensive"] != 5 {
			t.Fatalf("yesterday's counts are %v, %v", used, err)
		}
	})

	t.Run("holds reach every process", func(t *testing.T) {
		until := now.Add(3 * time.Second)
		if err := a.HoldBudget(ctx, "hold", []string{"Light"}, until, false); err != nil {
			t.Fatal(err)
		}
		if g := claim(b, "hold", "Light", 1, now); !g.Start.Equal(until) || g.N != 1 {
			t.Fatalf("claim during a pause: %+v, want a slot at %v", g, until)
		}
		if err := a.HoldBudget(ctx, "hold", []string{"Heavy", "Resource-intensive"}, until, true); err != nil {
			t.Fatal(err)
		}
		if g := claim(b, "hold", "Resource-intensive", 1, now); g.N != 0 || !g.Until.Equal(until) {
			t.Fatalf("claim during a daily hold: %+v", g)
		}
		if g := claim(b, "hold", "Heavy", 1, until); g.N != 1 {
			t.Fatalf("claim after the hold: %+v", g)
		}
	})

	t.Run("one token minter at a time", func(t *testing.T) {
		if tok, err := a.SharedToken(ctx, "app"); err != nil || tok != nil {
			t.Fatalf("no token yet: %q, %v", tok, err)
		}
		// Each holder reads the count the one before stored and stores it
		// plus one: with a holder at a time, none is lost.
		var wg sync.WaitGroup
		errs := make(chan error, 20)
		for i := range 20 {
			s := a
			if i%2 == 1 {
				s = b
			}
			wg.Go(func() {
				errs <- s.WithTokenLock(ctx, "app", func(_ context.Context, cur []byte) ([]byte, error) {
					n, _ := strconv.Atoi(string(cur))
					return []byte(strconv.Itoa(n + 1)), nil
				})
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		if tok, err := b.SharedToken(ctx, "app"); err != nil || string(tok) != "20" {
			t.Fatalf("after 20 holders: %q, %v", tok, err)
		}
		// A failed holder stores nothing.
		boom := errors.New("mint failed")
		err := a.WithTokenLock(ctx, "app", func(context.Context, []byte) ([]byte, error) { return []byte("x"), boom })
		if !errors.Is(err, boom) {
			t.Fatalf("WithTokenLock returned %v, want fn's error", err)
		}
		if tok, _ := b.SharedToken(ctx, "app"); string(tok) != "20" {
			t.Fatalf("a failed mint stored %q", tok)
		}
	})
}
