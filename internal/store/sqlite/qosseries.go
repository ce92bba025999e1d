package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"

	sqlite "modernc.org/sqlite"

	"github.com/zoomsight/zoomsight/internal/store"
)

// The _qos_minutes and _qos_minute_core views unfold each stored series
// with these functions: a SQLite view cannot call Go otherwise. modernc's driver
// keeps functions in a registry of its own, read by every connection it
// opens, so it is registered once, before any database is opened.
func init() {
	for name, fn := range map[string]func(int64, []byte, []byte, string) ([]byte, error){
		"zoomsight_qos_minutes": store.QoSSeriesJSON,
		"zoomsight_qos_core":    store.QoSSeriesCoreJSON,
	} {
		err := sqlite.RegisterDeterministicScalarFunction(name, 3, func(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
			t0, ok := args[0].(int64)
			if !ok {
				return nil, fmt.Errorf("%s: t0 is %T, want an integer", name, args[0])
			}
			data, _ := args[1].([]byte)
			var extra []byte
			switch x := args[2].(type) {
			case string:
				extra = []byte(x)
			case []byte:
				extra = x
			}
			b, err := fn(t0, data, extra, timeLayout)
			if err != nil {
				return nil, err
			}
			return string(b), nil
		})
		if err != nil {
			panic("registering " + name + ": " + err.Error())
		}
	}
}

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
// nothing is lost if the process stops midway.
func (db *DB) moveLegacyQoSMinutes(ctx context.Context) error {
	var n int
	if err := db.w.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'zoom_qos_minutes_v12'").Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return nil
	}
	cols := "ts"
	for _, c := range store.QoSMinuteColumns[1:] {
		cols += ", " + c
	}
	for {
		type key struct{ account, pid int64 }
		var batch []key
		err := rollTx{}.query(ctx, db.w, "SELECT DISTINCT account_id, participant_id FROM zoom_qos_minutes_v12 ORDER BY participant_id LIMIT 200", nil,
			func(scan func(...any) error) error {
				var k key
				if err := scan(&k.account, &k.pid); err != nil {
					return err
				}
				batch = append(batch, k)
				return nil
			})
		if err != nil {
			return fmt.Errorf("moving QoS minutes to series: %w", err)
		}
		if len(batch) == 0 {
			break
		}
		err = db.tx(ctx, func(tx *sql.Tx) error {
			by := map[int64]map[int64][]store.QoSSample{}
			for _, k := range batch {
				if by[k.account] == nil {
					by[k.account] = map[int64][]store.QoSSample{}
				}
				err := rollTx{}.query(ctx, tx, "SELECT "+cols+" FROM zoom_qos_minutes_v12 WHERE account_id = ? AND participant_id = ?",
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
				if _, err := tx.ExecContext(ctx, "DELETE FROM zoom_qos_minutes_v12 WHERE account_id = ? AND participant_id = ?", k.account, k.pid); err != nil {
					return err
				}
			}
			for acc, samples := range by {
				if _, err := store.PutQoSSeries(ctx, rollTx{tx}, acc, samples); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("moving QoS minutes to series: %w", err)
		}
	}
	if _, err := db.w.ExecContext(ctx, "DROP TABLE zoom_qos_minutes_v12"); err != nil {
		return fmt.Errorf("moving QoS minutes to series: %w", err)
	}
	return nil
}
