package postgres

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/zoomsight/zoomsight/internal/store"
)

// rollTx adapts a transaction to store.QoSRollupTx.
type rollTx struct{ tx pgx.Tx }

// dollars renumbers store.RollQoS's ? placeholders as $1, $2, … (its SQL
// has no ? in literals).
func dollars(q string) string {
	var b strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func (r rollTx) Query(ctx context.Context, q string, args []any, row func(scan func(dst ...any) error) error) error {
	rows, err := r.tx.Query(ctx, dollars(q), args...)
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

func (r rollTx) Exec(ctx context.Context, q string, args ...any) error {
	_, err := r.tx.Exec(ctx, dollars(q), args...)
	return err
}

func (rollTx) Time(t time.Time) any { return ts(t) }

func (rollTx) ParseTime(v any) (time.Time, error) {
	switch x := v.(type) {
	case time.Time:
		return x.UTC(), nil
	case pgtype.Timestamptz:
		return fromTS(x), nil
	case nil:
		return time.Time{}, nil
	}
	return time.Time{}, fmt.Errorf("stored time %v of type %T", v, v)
}

// rollupLock is the first key of the advisory lock that serialises an
// account's rollup updates: they read, merge and write rollup rows.
const rollupLock = 0x516f53 // "QoS"

func rollQoS(ctx context.Context, tx pgx.Tx, accountID int64, pids []int64, fresh map[int64][]store.QoSMinute) error {
	if len(pids) == 0 {
		return nil
	}
	if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1, $2)", rollupLock, int32(accountID)); err != nil {
		return err
	}
	return store.RollQoS(ctx, rollTx{tx}, accountID, pids, fresh)
}

// rollMeetings recomputes the QoS rollups of the sessions of ps's
// meetings that have QoS: their site, user or rating may have changed.
func rollMeetings(ctx context.Context, tx pgx.Tx, accountID int64, ps []store.Participant) error {
	seen := map[string]bool{}
	var uuids []string
	for i := range ps {
		if !seen[ps[i].MeetingUUID] {
			seen[ps[i].MeetingUUID] = true
			uuids = append(uuids, ps[i].MeetingUUID)
		}
	}
	rows, err := tx.Query(ctx, "SELECT participant_id FROM qos_sessions WHERE meeting_uuid = ANY($1) AND account_id = $2", uuids, accountID)
	if err != nil {
		return err
	}
	pids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return err
	}
	return rollQoS(ctx, tx, accountID, pids, nil)
}

// rollParticipants recomputes the QoS rollups of those of pids that have
// QoS, by account.
func rollParticipants(ctx context.Context, tx pgx.Tx, pids []int64) error {
	rows, err := tx.Query(ctx, "SELECT account_id, participant_id FROM qos_sessions WHERE participant_id = ANY($1) ORDER BY 1, 2", pids)
	if err != nil {
		return err
	}
	var refs []sessionRef
	for rows.Next() {
		var r sessionRef
		if err := rows.Scan(&r.account, &r.pid); err != nil {
			rows.Close()
			return err
		}
		refs = append(refs, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	accs, by := byAccount(refs)
	for _, acc := range accs {
		if err := rollQoS(ctx, tx, acc, by[acc], nil); err != nil {
			return err
		}
	}
	return nil
}

type sessionRef struct{ account, pid int64 }

func (db *DB) sessionRefs(ctx context.Context, q string, args ...any) ([]sessionRef, error) {
	rows, err := db.pool.Query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []sessionRef
	for rows.Next() {
		var r sessionRef
		if err := rows.Scan(&r.account, &r.pid); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

func byAccount(refs []sessionRef) ([]int64, map[int64][]int64) {
	var accs []int64
	by := map[int64][]int64{}
	for _, r := range refs {
		if by[r.account] == nil {
			accs = append(accs, r.account)
		}
		by[r.account] = append(by[r.account], r.pid)
	}
	return accs, by
}

// RefreshQoSRollups recomputes stale session rollups from their raw
// minutes (see store.Meetings).
func (db *DB) RefreshQoSRollups(ctx context.Context) (int, error) {
	total := 0
	for {
		batch, err := db.sessionRefs(ctx, "SELECT account_id, participant_id FROM qos_sessions WHERE stale = 1 ORDER BY account_id, participant_id LIMIT 500")
		if err != nil {
			return total, fmt.Errorf("refreshing QoS rollups: %w", err)
		}
		if len(batch) == 0 {
			return total, nil
		}
		accs, by := byAccount(batch)
		err = pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
			for _, acc := range accs {
				if err := rollQoS(ctx, tx, acc, by[acc], nil); err != nil {
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

// PruneQoS deletes old raw minutes and rollups (see store.Meetings).
func (db *DB) PruneQoS(ctx context.Context, rawBefore, rollupBefore time.Time) (store.QoSPruned, error) {
	var out store.QoSPruned
	// Stale sessions are rolled up first: their raw minutes are all they have.
	if _, err := db.RefreshQoSRollups(ctx); err != nil {
		return out, err
	}
	for {
		batch, err := db.sessionRefs(ctx, "SELECT account_id, participant_id FROM qos_sessions WHERE raw_pruned = 0 AND last_minute < $1 ORDER BY participant_id LIMIT 500", ts(rawBefore))
		if err != nil {
			return out, fmt.Errorf("pruning QoS minutes: %w", err)
		}
		if len(batch) == 0 {
			break
		}
		accs, by := byAccount(batch)
		err = pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
			for _, acc := range accs {
				var n int64
				if err := tx.QueryRow(ctx, `WITH d AS (DELETE FROM zoom_qos_series WHERE account_id = $1 AND participant_id = ANY($2) RETURNING minutes)
					SELECT COALESCE(sum(minutes), 0) FROM d`, acc, by[acc]).Scan(&n); err != nil {
					return err
				}
				out.RawMinutes += int(n)
				if _, err := tx.Exec(ctx, "UPDATE qos_sessions SET raw_pruned = 1 WHERE participant_id = ANY($1)", by[acc]); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return out, fmt.Errorf("pruning QoS minutes: %w", err)
		}
		out.Sessions += len(batch)
	}
	day := rollupBefore.UTC().Format("2006-01-02")
	err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, "DELETE FROM qos_rollups WHERE period < $1", day)
		if err != nil {
			return err
		}
		out.Rollups = int(tag.RowsAffected())
		tag, err = tx.Exec(ctx, "DELETE FROM qos_sessions WHERE raw_pruned = 1 AND last_minute < $1", ts(rollupBefore.UTC().Truncate(24*time.Hour)))
		out.OldSessions = int(tag.RowsAffected())
		return err
	})
	if err != nil {
		return out, fmt.Errorf("pruning QoS rollups: %w", err)
	}
	return out, nil
}
