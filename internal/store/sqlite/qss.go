package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/zoomsight/zoomsight/internal/store"
)

// PutQSS writes QSS minutes with their rollups (see store.QSS).
func (db *DB) PutQSS(ctx context.Context, accountID int64, qs []store.QSSParticipant) (int, error) {
	n := 0
	err := db.tx(ctx, func(tx *sql.Tx) error {
		var err error
		n, err = store.PutQSS(ctx, rollTx{tx}, accountID, qs, func(ps []store.Participant) (map[[2]string]int64, error) {
			// Run 0: a provisional session belongs to no sync run.
			return upsertParticipants(ctx, tx, 0, accountID, ps, true, nil)
		})
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("writing QSS minutes of account %d: %w", accountID, err)
	}
	return n, nil
}
