package ingest

import (
	"context"
	"encoding/json"
	"errors"
	"iter"

	"github.com/zoomsight/zoomsight/internal/store"
	"github.com/zoomsight/zoomsight/zoom"
)

// subAccounts lists a master account's sub-accounts. Most accounts are not
// masters: Zoom saying "only available for master accounts" means there
// are none, so stored ones are swept (through the shrink guard, which
// holds back a master that suddenly has none). A missing scope keeps what
// an earlier, better-scoped app stored and is reported as unavailable.
func (c *collector) subAccounts(ctx context.Context) error {
	err := c.step(ctx, "sub_accounts", func() (int, error) {
		subs, err := listAll("sub_accounts", func() iter.Seq2[*zoom.Page[zoom.Account], error] { return c.Client.Accounts.SubAccountsPages(ctx, nil) },
			func(a *zoom.Account) bool { return a.ID == "" })
		if err != nil {
			return 0, err
		}
		batch := make([]store.SubAccount, 0, len(subs))
		for _, a := range subs {
			raw, _ := json.Marshal(a)
			batch = append(batch, store.SubAccount{ZoomID: a.ID, Name: a.AccountName, OwnerEmail: a.OwnerEmail,
				AccountType: a.AccountType, AccountNumber: int64(a.AccountNumber), Seats: a.Seats, CreatedAt: a.CreatedAt, Raw: raw})
		}
		if err := c.Store.UpsertSubAccounts(ctx, c.run.ID, c.Account.ID, batch); err != nil {
			return 0, fatalError{err}
		}
		return len(batch), nil
	})
	if errors.Is(err, zoom.ErrPaidPlan) {
		// Not a master account: it has no sub-accounts to keep.
		if err := c.done(ctx, "sub_accounts"); err != nil {
			return err
		}
		return c.sweep(ctx, store.ResourceSubAccounts)
	}
	return c.sweepAfter(ctx, store.ResourceSubAccounts, err)
}
