package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/zoomsight/zoomsight/internal/store"
)

// PutQSS writes QSS minutes with their rollups (see store.QSS).
func (db *DB) PutQSS(ctx context.Context, accountID int64, qs []store.QSSParticipant) (int, error) {
	n := 0
	err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		// The account's rollup lock first (see rollQoS): PutQSS reads the
		// sessions and series it then rewrites and rolls up.
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1, $2)", rollupLock, int32(accountID)); err != nil {
			return err
		}
		var err error
		n, err = store.PutQSS(ctx, rollTx{tx}, accountID, qs, func(ps []store.Participant) (map[[2]string]int64, error) {
			// Run 0: a provisional session belongs to no sync run.
			return upsertParticipants(ctx, tx, 0, accountID, ps, true)
		})
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("writing QSS minutes of account %d: %w", accountID, err)
	}
	return n, nil
}
