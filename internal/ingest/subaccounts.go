package ingest

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/zoomsight/zoomsight/internal/store"
	"github.com/zoomsight/zoomsight/zoom"
)

// subAccounts lists a master account's sub-accounts. Most accounts are not
// masters, and most apps lack the master scope: neither is a failure of
// the sync, so neither marks anything stale. Zoom saying "only available
// for master accounts" means there are none, so stored ones are swept; a
// missing scope keeps what an earlier, better-scoped app stored.
func (c *collector) subAccounts(ctx context.Context) error {
	err := c.step(ctx, "sub_accounts", func() (int, error) {
		var batch []store.SubAccount
		for a, err := range c.Client.Accounts.SubAccounts(ctx, nil) {
			if err != nil {
				return 0, err
			}
			raw, _ := json.Marshal(a)
			batch = append(batch, store.SubAccount{ZoomID: a.ID, Name: a.AccountName, OwnerEmail: a.OwnerEmail,
				AccountType: a.AccountType, AccountNumber: int64(a.AccountNumber), Seats: a.Seats, CreatedAt: a.CreatedAt, Raw: raw})
		}
		if err := c.Store.UpsertSubAccounts(ctx, c.run.ID, c.Account.ID, batch); err != nil {
			return 0, fatalError{err}
		}
		return len(batch), nil
	})
	switch {
	case errors.Is(err, zoom.ErrPaidPlan):
		// Not a master account: it has no sub-accounts to keep.
		if err := c.done(ctx, "sub_accounts", ""); err != nil {
			return err
		}
	case errors.Is(err, zoom.ErrMissingScope):
		return c.done(ctx, "sub_accounts", "")
	case err != nil:
		return err
	}
	if _, err := c.Store.Sweep(ctx, c.run.ID, c.Account.ID, store.ResourceSubAccounts); err != nil {
		return fatalError{err}
	}
	return nil
}
