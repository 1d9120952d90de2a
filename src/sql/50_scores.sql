-- The score cache (SPEC §5): one row per machine with data, kept exact by statement-level
-- triggers with transition tables. Every writer locks the affected rows of
-- reliability.scores in machine_id order, then recomputes them (incrementally where it can)
-- as of max(now(), previous computed_at), so concurrent batches neither deadlock nor lose
-- an update, and computed_at never moves backwards.

-- One row: machine_id, the fields of reliability.score (defined once, there), computed_at.
-- Every poll rewrites each polled machine's row: fillfactor 50 leaves room on its page for
-- the new version, so the update is HOT (no index entry) when the score did not change, and
-- its WAL record carries only the changed bytes.
CREATE TABLE reliability.scores (
    machine_id  bigint PRIMARY KEY REFERENCES reliability.machines ON DELETE CASCADE,
    LIKE reliability.score,
    computed_at timestamptz NOT NULL
) WITH (fillfactor = 50);
ALTER TABLE reliability.scores ALTER COLUMN tier SET NOT NULL;
-- The ranked list: ORDER BY score DESC NULLS LAST (machines without a score last) walks this
-- index, with or without a filter such as score >= x. One index on score, not two: every
-- update that changes a score writes an entry in each index on it.
CREATE INDEX scores_score_idx ON reliability.scores (score DESC NULLS LAST);
COMMENT ON TABLE reliability.scores IS
    'Cached reliability.score(machine_id, computed_at) of every machine with data; written only by the extension''s triggers and reliability.refresh().';

-- A hint beside a cached row, written only by the cache engine under that row's lock: the
-- machine has no observation in [computed_at - score_window - max_gap, unobserved_until), so
-- a slide whose old end lies before it reads nothing there (a machine younger than its
-- window: one index descent less per poll). Kept only while it lies after the window's start;
-- a missing row means unknown. Not dumped: a restore starts without hints.
CREATE TABLE reliability._head_bounds (
    machine_id       bigint PRIMARY KEY REFERENCES reliability.machines ON DELETE CASCADE,
    unobserved_until timestamptz NOT NULL
);
COMMENT ON TABLE reliability._head_bounds IS
    'Internal: cache-engine hint per machine (no observation in [scores.computed_at - score_window - max_gap, unobserved_until)); written only by the extension''s triggers.';

-- The cache engine (src/pg/cache_engine.hpp) is the one writer of reliability.scores. Every
-- writer takes its locks in one order: the data tables it reads (ACCESS SHARE: a TRUNCATE
-- waits for it instead of holding a table it needs); if it may create rows, the settings copy
-- in ROW SHARE mode (a settings change takes it in EXCLUSIVE mode before it lists the rows to
-- recompute, so a machine's first row is either listed or computed with the new settings) and
-- the missing rows; then its machines' cached rows FOR UPDATE in machine order, chunk by
-- chunk; only then it reads the settings and data. So no two single statements deadlock over
-- these locks, whatever the order of their rows.

-- Auto-blacklist (SPEC §5) after the machines' cached rows were written: renew an auto entry
-- (never earlier), replace an expired one, never touch an active manual or temporary one.
CREATE FUNCTION reliability._auto_blacklist(machine_ids bigint[]) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    threshold double precision;
BEGIN
    SELECT st.auto_blacklist_below INTO threshold FROM reliability.settings st;
    IF threshold IS NULL THEN
        RETURN;
    END IF;
    INSERT INTO reliability.blacklist AS b (machine_id, kind, reason, blocked_by, blacklisted_at, expires_at)
    SELECT s.machine_id, 'auto',
           pg_catalog.format('score %s below auto_blacklist_below %s',
                             pg_catalog.round(s.score::numeric, 2), st.auto_blacklist_below),
           'reliability', s.computed_at, reliability.add_fixed(s.computed_at, st.auto_blacklist_for)
      FROM reliability.scores s CROSS JOIN reliability.settings st
     WHERE s.machine_id = ANY (machine_ids) AND s.score < threshold AND s.tier <> 'new'
     ORDER BY s.machine_id
    ON CONFLICT (machine_id) DO UPDATE SET
        kind = 'auto', reason = excluded.reason, blocked_by = excluded.blocked_by,
        blacklisted_at = CASE WHEN b.kind = 'auto' AND (b.expires_at IS NULL OR pg_catalog.now() < b.expires_at)
                              THEN b.blacklisted_at ELSE excluded.blacklisted_at END,
        -- a renewal never moves an active auto entry's expiry earlier (SPEC §5)
        expires_at = CASE WHEN b.kind = 'auto' AND b.expires_at IS NOT NULL AND pg_catalog.now() < b.expires_at
                          THEN GREATEST(b.expires_at, excluded.expires_at) ELSE excluded.expires_at END
     WHERE b.kind = 'auto' OR (b.expires_at IS NOT NULL AND b.expires_at <= pg_catalog.now());
END
$$;
COMMENT ON FUNCTION reliability._auto_blacklist(bigint[]) IS
    'Internal: applies the auto-blacklist rule to the freshly cached rows of the given machines.';

CREATE FUNCTION reliability._update_cache(machine_ids bigint[], as_of timestamptz, in_full boolean,
                                          create_missing boolean)
RETURNS bigint AS 'MODULE_PATHNAME', 'reliability_update_cache' LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION reliability._update_cache(bigint[], timestamptz, boolean, boolean) IS
    'Internal: moves the machines'' cached rows to max(as_of, computed_at) (in_full: reading every window again), creating missing ones if asked; returns the rows written.';

-- Trigger functions: SECURITY DEFINER so a role that may only INSERT into observations
-- still gets its cache maintained, and cannot write reliability.scores itself.
-- One statement, one ordered pass over its cached rows. A statement may fire several AFTER
-- statement triggers (INSERT ... ON CONFLICT DO UPDATE: UPDATE then INSERT; MERGE: DELETE,
-- UPDATE, INSERT; data-modifying CTEs: one per table); locking each trigger's machines
-- separately let two statements deadlock. So every statement on a data table is counted
-- from its BEFORE to its AFTER statement trigger, and each AFTER trigger hands its machines
-- over while another is still to come: the last one recomputes them all (in full, with its
-- own) in one ordered pass (see src/pg/pending_inserts.hpp).
CREATE FUNCTION reliability._statement_begins() RETURNS trigger
AS 'MODULE_PATHNAME', 'reliability_observations_insert_begins' LANGUAGE C;
COMMENT ON FUNCTION reliability._statement_begins() IS 'Internal trigger: notes that a statement on a data table has begun.';

-- Inserted observations slide their machines' windows (late rows, before the cached
-- computed_at, are read back from the transition table); other changes of observations
-- recompute their machines in full; interruptions always, ratings when they changed, are
-- read again while the window slides.
CREATE FUNCTION reliability._data_changed() RETURNS trigger
AS 'MODULE_PATHNAME', 'reliability_data_changed'
LANGUAGE C SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION reliability._data_changed() IS
    'Internal trigger: keeps the cached scores of the machines a statement on a data table changed exact.';

-- TRUNCATE of a data table: every cached row from the row alone, as of its computed_at (no
-- data table is read, so TRUNCATEs of two tables never deadlock).
CREATE FUNCTION reliability._data_truncated() RETURNS trigger
AS 'MODULE_PATHNAME', 'reliability_data_truncated'
LANGUAGE C SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION reliability._data_truncated() IS 'Internal trigger: recomputes every cached score after a TRUNCATE of a data table.';

-- A change of settings, whichever parameter changed: recompute every cached row in full, as
-- refresh() does, auto-blacklist included (SPEC §5).
CREATE FUNCTION reliability._recompute_all() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM reliability._update_cache(ARRAY(SELECT s.machine_id FROM reliability.scores s ORDER BY 1),
                                      pg_catalog.now(), true, false);
    -- Every history summary was made with max_gap (_settings_check_horizon refuses this
    -- change after a compaction).
    IF pg_catalog.extract('epoch', NEW.max_gap) OPERATOR(pg_catalog.<>) pg_catalog.extract('epoch', OLD.max_gap) THEN
        PERFORM reliability._history_materialize(NULL, (SELECT r.materialized_before FROM reliability.retention r));
    END IF;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION reliability._recompute_all() IS 'Internal trigger: recomputes every cached score (settings change), and the history when max_gap changed.';

CREATE TRIGGER observations_statement_begins BEFORE INSERT OR UPDATE OR DELETE ON reliability.observations
    FOR EACH STATEMENT EXECUTE FUNCTION reliability._statement_begins();
CREATE TRIGGER interruptions_statement_begins BEFORE INSERT OR UPDATE OR DELETE ON reliability.interruptions
    FOR EACH STATEMENT EXECUTE FUNCTION reliability._statement_begins();
CREATE TRIGGER ratings_statement_begins BEFORE INSERT OR UPDATE OR DELETE ON reliability.ratings
    FOR EACH STATEMENT EXECUTE FUNCTION reliability._statement_begins();

CREATE TRIGGER observations_inserted AFTER INSERT ON reliability.observations
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION reliability._data_changed();
CREATE TRIGGER observations_updated AFTER UPDATE ON reliability.observations
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION reliability._data_changed();
CREATE TRIGGER observations_deleted AFTER DELETE ON reliability.observations
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION reliability._data_changed();
CREATE TRIGGER observations_truncated AFTER TRUNCATE ON reliability.observations
    FOR EACH STATEMENT EXECUTE FUNCTION reliability._data_truncated();

CREATE TRIGGER interruptions_inserted AFTER INSERT ON reliability.interruptions
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION reliability._data_changed();
CREATE TRIGGER interruptions_updated AFTER UPDATE ON reliability.interruptions
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION reliability._data_changed();
CREATE TRIGGER interruptions_deleted AFTER DELETE ON reliability.interruptions
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION reliability._data_changed();
CREATE TRIGGER interruptions_truncated AFTER TRUNCATE ON reliability.interruptions
    FOR EACH STATEMENT EXECUTE FUNCTION reliability._data_truncated();

CREATE TRIGGER ratings_inserted AFTER INSERT ON reliability.ratings
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION reliability._data_changed();
CREATE TRIGGER ratings_updated AFTER UPDATE ON reliability.ratings
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION reliability._data_changed();
CREATE TRIGGER ratings_deleted AFTER DELETE ON reliability.ratings
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION reliability._data_changed();
CREATE TRIGGER ratings_truncated AFTER TRUNCATE ON reliability.ratings
    FOR EACH STATEMENT EXECUTE FUNCTION reliability._data_truncated();

-- Only a real change: a pg_dump restore re-inserts an unchanged settings row. The record
-- image comparison *= (two NULL fields are equal) sees every change of a stored value: "="
-- would call interval '1 year' and '360 days' equal (12 months of 30 days), whose fixed
-- lengths differ (365.25 and 360 days). A qualified operator: IS DISTINCT FROM looks "=" up
-- through search_path.
-- A settings change first waits for the writers that may create cached rows and keeps new
-- ones out (they hold the settings copy in ROW SHARE mode, see the cache engine), before its
-- statement locks the settings row: concurrent settings changes queue here instead of
-- deadlocking over the row and this lock. SECURITY DEFINER: an operator may change the
-- settings without any right on the copy.
CREATE FUNCTION reliability._settings_change_begins() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    LOCK TABLE reliability._settings_copy IN EXCLUSIVE MODE;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION reliability._settings_change_begins() IS
    'Internal trigger: a settings change waits for the cache writers that may create rows.';
CREATE TRIGGER settings_change_begins BEFORE UPDATE ON reliability.settings
    FOR EACH STATEMENT EXECUTE FUNCTION reliability._settings_change_begins();
CREATE TRIGGER settings_changed AFTER UPDATE ON reliability.settings
    FOR EACH ROW WHEN (NOT (OLD OPERATOR(pg_catalog.*=) NEW)) EXECUTE FUNCTION reliability._recompute_all();

-- pg_dump keeps the cache too (below). Restoring the data tables fires the triggers above,
-- which compute every score as of the restore time; the dumped rows, restored after them,
-- then replace those, so the restored cache equals the dumped one and nothing counts twice.
CREATE FUNCTION reliability._scores_restore() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    DELETE FROM reliability.scores s WHERE s.machine_id OPERATOR(pg_catalog.=) NEW.machine_id;
    -- The hint was made for the replaced row's window.
    DELETE FROM reliability._head_bounds h WHERE h.machine_id OPERATOR(pg_catalog.=) NEW.machine_id;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION reliability._scores_restore() IS
    'Internal: a restored (complete) scores row replaces the row the restore''s triggers computed.';
-- Placeholders written by the cache engine have computed_at = -infinity and skip the trigger.
CREATE TRIGGER scores_restore BEFORE INSERT ON reliability.scores
    FOR EACH ROW WHEN (NEW.computed_at OPERATOR(pg_catalog.<>) '-infinity'::pg_catalog.timestamptz)
    EXECUTE FUNCTION reliability._scores_restore();
SELECT pg_catalog.pg_extension_config_dump('reliability.scores', '');

CREATE FUNCTION reliability.refresh(as_of timestamptz DEFAULT pg_catalog.now()) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF as_of IS NULL THEN
        RAISE EXCEPTION 'as_of must not be NULL' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF reliability._distributed() THEN   -- a coordinator (SPEC §12): each server refreshes its machines
        RETURN reliability._on_every_shard('refresh', pg_catalog.jsonb_build_object('as_of', reliability._finite(as_of, 'as_of'::text)));
    END IF;
    -- History first (SPEC §9): every day that has ended by as_of.
    PERFORM reliability._history_advance(reliability._utc_day(reliability._finite(as_of, 'as_of'::text)));
    RETURN reliability._update_cache(ARRAY(SELECT s.machine_id FROM reliability.scores s ORDER BY 1),
                                     reliability._finite(as_of, 'as_of'::text), false, false);
END
$$;
COMMENT ON FUNCTION reliability.refresh(timestamptz) IS
    'Materializes the history of every day ended by as_of, then moves every cached score''s window to max(as_of, computed_at) (incrementally); returns how many cached rows it wrote. Schedule it, e.g. with pg_cron.';

CREATE FUNCTION reliability.rebuild(as_of timestamptz DEFAULT pg_catalog.now()) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF as_of IS NULL THEN
        RAISE EXCEPTION 'as_of must not be NULL' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF reliability._distributed() THEN   -- a coordinator (SPEC §12): each server rebuilds its machines
        RETURN reliability._on_every_shard('rebuild', pg_catalog.jsonb_build_object('as_of', reliability._finite(as_of, 'as_of'::text)));
    END IF;
    -- The history too (SPEC §9), from the compaction horizon on (earlier days have no raw rows).
    PERFORM reliability._history_lock_writers();
    PERFORM reliability._history_materialize(r.compacted_before, r.materialized_before) FROM reliability.retention r;
    RETURN reliability._update_cache(
        ARRAY(SELECT m.machine_id FROM reliability.machines m
               WHERE EXISTS (SELECT FROM reliability.scores s WHERE s.machine_id = m.machine_id)
                  OR EXISTS (SELECT FROM reliability.observations o WHERE o.machine_id = m.machine_id)
                  OR EXISTS (SELECT FROM reliability.interruptions i WHERE i.machine_id = m.machine_id)
                  OR EXISTS (SELECT FROM reliability.ratings r WHERE r.machine_id = m.machine_id)
               ORDER BY 1),
        reliability._finite(as_of, 'as_of'::text), true, true);
END
$$;
COMMENT ON FUNCTION reliability.rebuild(timestamptz) IS
    'Recomputes every cached score and the history from the tables in full (after triggers were bypassed, e.g. by session_replication_role = replica).';
