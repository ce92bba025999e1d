package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/zoomsight/zoomsight/internal/store"
)

// rollTx adapts a transaction to store.QoSRollupTx.
type rollTx struct{ tx *sql.Tx }

func (r rollTx) Query(ctx context.Context, q string, args []any, row func(scan func(dst ...any) error) error) error {
	return r.query(ctx, r.tx, q, args, row)
}

func (r rollTx) Exec(ctx context.Context, q string, args ...any) error {
	_, err := r.tx.ExecContext(ctx, q, args...)
	return err
}

func (rollTx) Time(t time.Time) any { return timeValue(t) }

func (rollTx) ParseTime(v any) (time.Time, error) {
	switch x := v.(type) {
	case string:
		return parseTime(sql.NullString{String: x, Valid: true})
	case []byte:
		return parseTime(sql.NullString{String: string(x), Valid: true})
	case time.Time:
		return x.UTC(), nil
	case nil:
		return time.Time{}, nil
	}
	return time.Time{}, fmt.Errorf("stored time %v of type %T", v, v)
}

// RefreshQoSRollups recomputes stale session rollups from their raw
// minutes (see store.Meetings).
func (db *DB) RefreshQoSRollups(ctx context.Context) (int, error) {
	total := 0
	for {
		type key struct{ account, pid int64 }
		var batch []key
		err := func() error {
			rows, err := db.w.QueryContext(ctx, "SELECT account_id, participant_id FROM qos_sessions WHERE stale = 1 ORDER BY participant_id LIMIT 500")
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				var k key
				if err := rows.Scan(&k.account, &k.pid); err != nil {
					return err
				}
				batch = append(batch, k)
			}
			return rows.Err()
		}()
		if err != nil {
			return total, fmt.Errorf("refreshing QoS rollups: %w", err)
		}
		if len(batch) == 0 {
			return total, nil
		}
		err = db.tx(ctx, func(tx *sql.Tx) error {
			by := map[int64][]int64{}
			for _, k := range batch {
				by[k.account] = append(by[k.account], k.pid)
			}
			for acc, pids := range by {
				if err := store.RollQoS(ctx, rollTx{tx}, acc, pids, nil); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return total, fmt.Errorf("refreshing QoS rollups: %w", err)
		}
		total += len(batch)
	}
}

// rollMeetings recomputes the QoS rollups of the sessions of ps's
// meetings that have QoS: their site, user or rating may have changed.
func rollMeetings(ctx context.Context, tx *sql.Tx, accountID int64, ps []store.Participant) error {
	seen := map[string]bool{}
	var uuids []any
	for i := range ps {
		if !seen[ps[i].MeetingUUID] {
			seen[ps[i].MeetingUUID] = true
			uuids = append(uuids, ps[i].MeetingUUID)
		}
	}
	var pids []int64
	err := rollTx{tx}.Query(ctx, "SELECT participant_id FROM qos_sessions WHERE meeting_uuid IN "+params(len(uuids))+" AND account_id = ?",
		append(uuids, accountID), func(scan func(...any) error) error {
			var id int64
			if err := scan(&id); err != nil {
				return err
			}
			pids = append(pids, id)
			return nil
		})
	if err != nil {
		return err
	}
	return store.RollQoS(ctx, rollTx{tx}, accountID, pids, nil)
}

// rollParticipants recomputes the QoS rollups of those of pids that have
// QoS, by account.
func rollParticipants(ctx context.Context, tx *sql.Tx, pids []int64) error {
	if len(pids) == 0 {
		return nil
	}
	by := map[int64][]int64{}
	err := rollTx{tx}.Query(ctx, "SELECT account_id, participant_id FROM qos_sessions WHERE participant_id IN "+params(len(pids)),
		ids(pids), func(scan func(...any) error) error {
			var acc, id int64
			if err := scan(&acc, &id); err != nil {
				return err
			}
			by[acc] = append(by[acc], id)
			return nil
		})
	if err != nil {
		return err
	}
	for acc, l := range by {
		if err := store.RollQoS(ctx, rollTx{tx}, acc, l, nil); err != nil {
			return err
		}
	}
	return nil
}

func ids(l []int64) []any {
	out := make([]any, len(l))
	for i, v := range l {
		out[i] = v
	}
	return out
}

// PruneQoS deletes old raw minutes and rollups (see store.Meetings).
func (db *DB) PruneQoS(ctx context.Context, rawBefore, rollupBefore time.Time) (store.QoSPruned, error) {
	var out store.QoSPruned
	// Stale sessions are rolled up first: their raw minutes are all they have.
	if _, err := db.RefreshQoSRollups(ctx); err != nil {
		return out, err
	}
	for {
		var batch []int64
		by := map[int64][]int64{}
		err := rollTx{}.query(ctx, db.w, "SELECT account_id, participant_id FROM qos_sessions WHERE raw_pruned = 0 AND last_minute < ? ORDER BY participant_id LIMIT 500",
			[]any{timeValue(rawBefore)}, func(scan func(...any) error) error {
				var acc, id int64
				if err := scan(&acc, &id); err != nil {
					return err
				}
				batch = append(batch, id)
				by[acc] = append(by[acc], id)
				return nil
			})
		if err != nil {
			return out, fmt.Errorf("pruning QoS minutes: %w", err)
		}
		if len(batch) == 0 {
			break
		}
		err = db.tx(ctx, func(tx *sql.Tx) error {
			for acc, l := range by {
				args := append([]any{acc}, ids(l)...)
				var n int
				if err := tx.QueryRowContext(ctx, "SELECT COALESCE(sum(minutes), 0) FROM zoom_qos_series WHERE account_id = ? AND participant_id IN "+params(len(l)),
					args...).Scan(&n); err != nil {
					return err
				}
				if _, err := tx.ExecContext(ctx, "DELETE FROM zoom_qos_series WHERE account_id = ? AND participant_id IN "+params(len(l)), args...); err != nil {
					return err
				}
				out.RawMinutes += n
			}
			_, err := tx.ExecContext(ctx, "UPDATE qos_sessions SET raw_pruned = 1 WHERE participant_id IN "+params(len(batch)), ids(batch)...)
			return err
		})
		if err != nil {
			return out, fmt.Errorf("pruning QoS minutes: %w", err)
		}
		out.Sessions += len(batch)
	}
	day := rollupBefore.UTC().Format("2006-01-02")
	err := db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, "DELETE FROM qos_rollups WHERE period < ?", day)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return err
		}
		out.Rollups = int(n)
		if res, err = tx.ExecContext(ctx, "DELETE FROM qos_sessions WHERE raw_pruned = 1 AND last_minute < ?", timeValue(rollupBefore.UTC().Truncate(24*time.Hour))); err != nil {
			return err
		}
		n, err = res.RowsAffected()
		out.OldSessions = int(n)
		return err
	})
	if err != nil {
		return out, fmt.Errorf("pruning QoS rollups: %w", err)
	}
	return out, nil
}

type queryer interface {
	QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error)
}

func (rollTx) query(ctx context.Context, db queryer, q string, args []any, row func(scan func(dst ...any) error) error) error {
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := row(rows.Scan); err != nil {
			return err
		}
	}
	return rows.Err()
}
