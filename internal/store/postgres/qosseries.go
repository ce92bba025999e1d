package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/zoomsight/zoomsight/internal/store"
)

// moveLegacyQoS finishes, at open, what migrations left to Go: the
// legacy per-minute rows moved to series, then the sessions a migration
// marked stale rolled up, so that readers (insights qos, the dashboard)
// never have to write.
func (db *DB) moveLegacyQoS(ctx context.Context) error {
	if err := db.moveLegacyQoSMinutes(ctx); err != nil {
		return err
	}
	if _, err := db.RefreshQoSRollups(ctx); err != nil {
		return err
	}
	return nil
}

// moveLegacyQoSMinutes moves the rows of the per-minute table migration 0013
// renamed (zoom_qos_minutes_v12) into zoom_qos_series, a batch of
// sessions per transaction, and drops it when empty: resumable, and
// nothing is lost if the process stops midway. A second process opening
// the database at the same time waits on the rows' locks and moves
// nothing twice (a moved session's rows are gone when it gets them).
func (db *DB) moveLegacyQoSMinutes(ctx context.Context) error {
	var exists bool
	if err := db.pool.QueryRow(ctx, "SELECT to_regclass('zoom_qos_minutes_v12') IS NOT NULL").Scan(&exists); err != nil {
		return err
	}
	if !exists {
		return nil
	}
	cols := "ts"
	for _, c := range store.QoSMinuteColumns[1:] {
		cols += ", " + c
	}
	for {
		moved := 0
		err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
			type key struct{ account, pid int64 }
			var batch []key
			err := rollTx{tx}.Query(ctx, "SELECT DISTINCT account_id, participant_id FROM zoom_qos_minutes_v12 ORDER BY participant_id LIMIT 200", nil,
				func(scan func(...any) error) error {
					var k key
					if err := scan(&k.account, &k.pid); err != nil {
						return err
					}
					batch = append(batch, k)
					return nil
				})
			if err != nil {
				return err
			}
			by := map[int64]map[int64][]store.QoSSample{}
			for _, k := range batch {
				if by[k.account] == nil {
					by[k.account] = map[int64][]store.QoSSample{}
				}
				err := rollTx{tx}.Query(ctx, "DELETE FROM zoom_qos_minutes_v12 WHERE account_id = ? AND participant_id = ? RETURNING "+cols,
					[]any{k.account, k.pid}, func(scan func(...any) error) error {
						s, err := store.ScanQoSMinute(scan, rollTx{}.ParseTime)
						if err != nil {
							return err
						}
						by[k.account][k.pid] = append(by[k.account][k.pid], s)
						return nil
					})
				if err != nil {
					return err
				}
			}
			for acc, samples := range by {
				if _, err := store.PutQoSSeries(ctx, rollTx{tx}, acc, samples); err != nil {
					return err
				}
			}
			moved = len(batch)
			return nil
		})
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) && pgErr.Code == "42P01" {
			return nil // another process moved the rest and dropped the table
		}
		if err != nil {
			return fmt.Errorf("moving QoS minutes to series: %w", err)
		}
		if moved == 0 {
			break
		}
	}
	if _, err := db.pool.Exec(ctx, "DROP TABLE IF EXISTS zoom_qos_minutes_v12"); err != nil {
		return fmt.Errorf("moving QoS minutes to series: %w", err)
	}
	return nil
}
