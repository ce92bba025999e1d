-- When the last sync of each part of an account that finished began
-- (Unix milliseconds), for the scheduler (internal/schedule): a job whose
-- slot began before such a sync is skipped, its freshness already had; a
-- late job no sync has covered still runs, so accounts are never starved
-- by workers that fall behind. part 'all' is a whole sync ("sync now").
CREATE TABLE part_syncs (
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    part       TEXT NOT NULL,
    began_ms   BIGINT NOT NULL,
    PRIMARY KEY (account_id, part)
);
