-- The score cache (SPEC §5): one row per machine with data, kept exact by statement-level
-- triggers with transition tables. Every writer locks the affected rows of
-- reliability.scores in machine_id order, then recomputes them (incrementally where it can)
-- as of max(now(), previous computed_at), so concurrent batches neither deadlock nor lose
-- an update, and computed_at never moves backwards.

CREATE TABLE reliability.scores (
    machine_id             bigint PRIMARY KEY REFERENCES reliability.machines ON DELETE CASCADE,
    score                  double precision,
    tier                   text NOT NULL,
    uptime                 double precision,
    uptime_component       double precision,
    interruption_component double precision,
    rating_component       double precision,
    online_seconds         double precision,
    offline_seconds        double precision,
    covered_seconds        double precision,
    coverage               double precision,
    interruptions          bigint,
    rating_count           bigint,
    rating_mean            double precision,
    last_observed_at       timestamptz,
    as_of                  timestamptz,
    computed_at            timestamptz NOT NULL
);
-- The ranked list: ORDER BY score DESC NULLS LAST (machines without a score last) walks the
-- first index; a query that filters on score (score >= x: no NULLs) and writes plain
-- ORDER BY score DESC walks the second.
CREATE INDEX scores_score_idx ON reliability.scores (score DESC NULLS LAST);
CREATE INDEX scores_scored_idx ON reliability.scores (score DESC) WHERE score IS NOT NULL;
COMMENT ON TABLE reliability.scores IS
    'Cached reliability.score(machine_id, computed_at) of every machine with data; written only by the extension''s triggers and reliability.refresh().';

CREATE FUNCTION reliability._recompute(machine_ids bigint[], fresh_machine bigint[], fresh_at timestamptz[],
                                       as_of timestamptz, in_full boolean, ratings_changed boolean,
                                       full_ids bigint[] DEFAULT NULL)
RETURNS SETOF reliability.scores AS 'MODULE_PATHNAME', 'reliability_recompute'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION reliability._recompute(bigint[], bigint[], timestamptz[], timestamptz, boolean, boolean, bigint[]) IS
    'Internal: the new cached rows for locked machines (sliding the window where the cache allows).';

-- Every cache writer locks in one order: the settings (ROW SHARE: a settings change takes
-- EXCLUSIVE, so it waits for writers that read the old settings and they wait for it),
-- then the data tables it reads (ACCESS SHARE: a TRUNCATE waits for it instead of holding a
-- table it needs), then its machines' cached rows in machine order, creating missing ones.
-- So no two single statements deadlock over these locks, whatever their order of rows.
CREATE FUNCTION reliability._lock_cache(machine_ids bigint[], create_missing boolean) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    LOCK TABLE reliability.settings IN ROW SHARE MODE;
    LOCK TABLE reliability.observations, reliability.interruptions, reliability.ratings IN ACCESS SHARE MODE;
    IF create_missing THEN
        INSERT INTO reliability.scores (machine_id, tier, computed_at)
        SELECT m.machine_id, 'new', '-infinity' FROM reliability.machines m
         WHERE m.machine_id = ANY (machine_ids)
           AND NOT EXISTS (SELECT FROM reliability.scores s WHERE s.machine_id = m.machine_id)
         ORDER BY m.machine_id
        ON CONFLICT (machine_id) DO NOTHING;
    END IF;
    PERFORM FROM reliability.scores s WHERE s.machine_id = ANY (machine_ids) ORDER BY s.machine_id FOR UPDATE;
END
$$;
COMMENT ON FUNCTION reliability._lock_cache(bigint[], boolean) IS
    'Internal: takes a cache writer''s locks in the one order (settings, data tables, cached rows by machine).';

-- Lock, recompute and write the cached rows of a batch of machines, then apply the
-- auto-blacklist. Runs with the rights of the trigger functions and refresh() that call it.
CREATE FUNCTION reliability._apply(machine_ids bigint[], fresh_machine bigint[], fresh_at timestamptz[],
                                   as_of timestamptz, in_full boolean, ratings_changed boolean, create_missing boolean,
                                   full_ids bigint[] DEFAULT NULL)
RETURNS bigint LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    written bigint;
    threshold double precision;
BEGIN
    IF machine_ids IS NULL THEN
        -- Inserted observations: their machines exist (foreign key).
        machine_ids := ARRAY(SELECT DISTINCT f.id FROM pg_catalog.unnest(fresh_machine) AS f(id) ORDER BY 1);
    ELSE
        -- Only machines that still exist: a cascaded delete of a machine recomputes nothing.
        machine_ids := ARRAY(SELECT m.machine_id FROM reliability.machines m
                              WHERE m.machine_id = ANY (machine_ids) ORDER BY m.machine_id);
    END IF;
    IF pg_catalog.cardinality(machine_ids) = 0 THEN
        RETURN 0;
    END IF;
    PERFORM reliability._lock_cache(machine_ids, create_missing);
    UPDATE reliability.scores s SET
        score = r.score, tier = r.tier, uptime = r.uptime, uptime_component = r.uptime_component,
        interruption_component = r.interruption_component, rating_component = r.rating_component,
        online_seconds = r.online_seconds, offline_seconds = r.offline_seconds,
        covered_seconds = r.covered_seconds, coverage = r.coverage, interruptions = r.interruptions,
        rating_count = r.rating_count, rating_mean = r.rating_mean, last_observed_at = r.last_observed_at,
        as_of = r.as_of, computed_at = r.computed_at
      FROM reliability._recompute(_apply.machine_ids, _apply.fresh_machine, _apply.fresh_at, _apply.as_of,
                                  _apply.in_full, _apply.ratings_changed, _apply.full_ids) r
     WHERE s.machine_id = r.machine_id;
    GET DIAGNOSTICS written = ROW_COUNT;

    SELECT st.auto_blacklist_below INTO threshold FROM reliability.settings st;
    IF threshold IS NULL THEN
        RETURN written;
    END IF;
    -- Auto-blacklist (SPEC §5): renew an auto entry, replace an expired one, never touch an
    -- active manual or temporary one.
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
    RETURN written;
END
$$;
COMMENT ON FUNCTION reliability._apply(bigint[], bigint[], timestamptz[], timestamptz, boolean, boolean, boolean, bigint[]) IS
    'Internal: locks, recomputes and writes cached scores of the given machines, then auto-blacklists.';

-- Trigger functions: SECURITY DEFINER so a role that may only INSERT into observations
-- still gets its cache maintained, and cannot write reliability.scores itself. They call
-- _apply with every argument of exactly its declared type (no untyped NULL, the defaulted
-- full_ids given), so no overload such as _apply(text, ...) can capture the call (SPEC §7).
-- One statement, one ordered pass over its cached rows: INSERT ... ON CONFLICT DO UPDATE
-- and MERGE fire several statement triggers (UPDATE and DELETE before INSERT); locking each
-- trigger's machines separately let two statements deadlock. So the data tables count the
-- INSERT statements that have begun and not reached their AFTER trigger, the UPDATE and
-- DELETE triggers hand their machines to such a pending insert, and its AFTER trigger
-- recomputes them all, in full, in one pass (see src/pg/pending_inserts.hpp).
CREATE FUNCTION reliability._insert_begins() RETURNS trigger
AS 'MODULE_PATHNAME', 'reliability_observations_insert_begins' LANGUAGE C;
CREATE FUNCTION reliability._insert_ends() RETURNS bigint[]
AS 'MODULE_PATHNAME', 'reliability_insert_ends' LANGUAGE C VOLATILE PARALLEL UNSAFE;
CREATE FUNCTION reliability._defer_to_pending_insert(machine_ids bigint[]) RETURNS boolean
AS 'MODULE_PATHNAME', 'reliability_defer_to_pending_insert' LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION reliability._insert_begins() IS 'Internal trigger: notes that an INSERT into a data table has begun.';
COMMENT ON FUNCTION reliability._insert_ends() IS
    'Internal: ends the latest pending INSERT; returns the machines handed to it (to recompute in full).';
COMMENT ON FUNCTION reliability._defer_to_pending_insert(bigint[]) IS
    'Internal: hands machines to the pending INSERT of the same statement, if any (true then).';

CREATE FUNCTION reliability._observations_inserted() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    handed bigint[] := reliability._insert_ends();  -- machines of this statement's other triggers
    ids bigint[];
    late_machine bigint[];
    late_at timestamptz[];
    full_ids bigint[];
BEGIN
    ids := ARRAY(SELECT n.machine_id FROM new_rows n UNION SELECT h.id FROM pg_catalog.unnest(handed) AS h(id) ORDER BY 1);
    PERFORM reliability._lock_cache(ids, true);
    -- A new row before its machine's cached computed_at (late) changed the cached window:
    -- the slide needs its time. Only those, and at most kLateRows a machine (else recompute
    -- it in full): memory follows the machines, not the rows of the statement.
    SELECT pg_catalog.array_agg(l.machine_id ORDER BY l.machine_id, l.observed_at),
           pg_catalog.array_agg(l.observed_at ORDER BY l.machine_id, l.observed_at)
      INTO late_machine, late_at
      FROM (SELECT n.machine_id, n.observed_at, pg_catalog.count(*) OVER (PARTITION BY n.machine_id) AS late_rows
              FROM new_rows n JOIN reliability.scores s ON s.machine_id = n.machine_id AND n.observed_at < s.computed_at) l
     WHERE l.late_rows <= 16;
    full_ids := ARRAY(SELECT h.id FROM pg_catalog.unnest(handed) AS h(id)
                      UNION
                      SELECT n.machine_id FROM new_rows n JOIN reliability.scores s
                          ON s.machine_id = n.machine_id AND n.observed_at < s.computed_at
                       GROUP BY n.machine_id HAVING pg_catalog.count(*) > 16
                      ORDER BY 1);
    PERFORM reliability._apply(ids, COALESCE(late_machine, '{}'::bigint[]), COALESCE(late_at, '{}'::timestamptz[]),
                               pg_catalog.now(), false, false, true, full_ids);
    RETURN NULL;
END
$$;

CREATE FUNCTION reliability._observations_updated() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    ids bigint[] := ARRAY(SELECT o.machine_id FROM old_rows o UNION SELECT n.machine_id FROM new_rows n ORDER BY 1);
BEGIN
    IF NOT reliability._defer_to_pending_insert(ids) THEN
        PERFORM reliability._apply(ids, NULL::bigint[], NULL::timestamptz[], pg_catalog.now(), true, false, true, NULL::bigint[]);
    END IF;
    RETURN NULL;
END
$$;

CREATE FUNCTION reliability._observations_deleted() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    ids bigint[] := ARRAY(SELECT DISTINCT o.machine_id FROM old_rows o ORDER BY 1);
BEGIN
    IF NOT reliability._defer_to_pending_insert(ids) THEN
        PERFORM reliability._apply(ids, NULL::bigint[], NULL::timestamptz[], pg_catalog.now(), true, false, false, NULL::bigint[]);
    END IF;
    RETURN NULL;
END
$$;

-- Interruptions and ratings: the window slides with no new observations; ratings are
-- recounted for ratings changes (interruptions are always recounted).
CREATE FUNCTION reliability._machine_data_changed() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    ids bigint[];
    handed bigint[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        handed := reliability._insert_ends();
        ids := ARRAY(SELECT n.machine_id FROM new_rows n UNION SELECT h.id FROM pg_catalog.unnest(handed) AS h(id) ORDER BY 1);
    ELSIF TG_OP = 'UPDATE' THEN
        ids := ARRAY(SELECT o.machine_id FROM old_rows o UNION SELECT n.machine_id FROM new_rows n ORDER BY 1);
    ELSE
        ids := ARRAY(SELECT DISTINCT o.machine_id FROM old_rows o ORDER BY 1);
    END IF;
    IF TG_OP <> 'INSERT' AND reliability._defer_to_pending_insert(ids) THEN
        RETURN NULL;
    END IF;
    PERFORM reliability._apply(ids, NULL::bigint[], NULL::timestamptz[], pg_catalog.now(), false,
                               TG_TABLE_NAME = 'ratings', TG_OP <> 'DELETE', handed);
    RETURN NULL;
END
$$;

-- TRUNCATE of a data table or a change of settings: recompute every cached row in full.
CREATE FUNCTION reliability._recompute_all() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF TG_TABLE_NAME = 'settings' THEN
        -- Wait for every writer that read the old settings (they hold ROW SHARE until they
        -- commit) and keep new ones out, before listing the rows: a machine that gets its
        -- first row meanwhile is listed too (see _lock_cache).
        LOCK TABLE reliability.settings IN EXCLUSIVE MODE;
    END IF;
    PERFORM reliability._apply(ARRAY(SELECT s.machine_id FROM reliability.scores s ORDER BY 1),
                               NULL::bigint[], NULL::timestamptz[], pg_catalog.now(), true, true, false, NULL::bigint[]);
    RETURN NULL;
END
$$;

COMMENT ON FUNCTION reliability._observations_inserted() IS 'Internal trigger: slides the cached scores of the machines a statement observed.';
COMMENT ON FUNCTION reliability._observations_updated() IS 'Internal trigger: recomputes machines whose observations were updated.';
COMMENT ON FUNCTION reliability._observations_deleted() IS 'Internal trigger: recomputes machines whose observations were deleted.';
COMMENT ON FUNCTION reliability._machine_data_changed() IS 'Internal trigger: recomputes machines whose interruptions or ratings changed.';
COMMENT ON FUNCTION reliability._recompute_all() IS 'Internal trigger: recomputes every cached score (truncate, settings change).';

CREATE TRIGGER observations_insert_begins BEFORE INSERT ON reliability.observations
    FOR EACH STATEMENT EXECUTE FUNCTION reliability._insert_begins();
CREATE TRIGGER interruptions_insert_begins BEFORE INSERT ON reliability.interruptions
    FOR EACH STATEMENT EXECUTE FUNCTION reliability._insert_begins();
CREATE TRIGGER ratings_insert_begins BEFORE INSERT ON reliability.ratings
    FOR EACH STATEMENT EXECUTE FUNCTION reliability._insert_begins();
CREATE TRIGGER observations_inserted AFTER INSERT ON reliability.observations
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION reliability._observations_inserted();
CREATE TRIGGER observations_updated AFTER UPDATE ON reliability.observations
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION reliability._observations_updated();
CREATE TRIGGER observations_deleted AFTER DELETE ON reliability.observations
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION reliability._observations_deleted();
CREATE TRIGGER observations_truncated AFTER TRUNCATE ON reliability.observations
    FOR EACH STATEMENT EXECUTE FUNCTION reliability._recompute_all();

CREATE TRIGGER interruptions_inserted AFTER INSERT ON reliability.interruptions
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION reliability._machine_data_changed();
CREATE TRIGGER interruptions_updated AFTER UPDATE ON reliability.interruptions
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION reliability._machine_data_changed();
CREATE TRIGGER interruptions_deleted AFTER DELETE ON reliability.interruptions
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION reliability._machine_data_changed();
CREATE TRIGGER interruptions_truncated AFTER TRUNCATE ON reliability.interruptions
    FOR EACH STATEMENT EXECUTE FUNCTION reliability._recompute_all();

CREATE TRIGGER ratings_inserted AFTER INSERT ON reliability.ratings
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION reliability._machine_data_changed();
CREATE TRIGGER ratings_updated AFTER UPDATE ON reliability.ratings
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION reliability._machine_data_changed();
CREATE TRIGGER ratings_deleted AFTER DELETE ON reliability.ratings
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION reliability._machine_data_changed();
CREATE TRIGGER ratings_truncated AFTER TRUNCATE ON reliability.ratings
    FOR EACH STATEMENT EXECUTE FUNCTION reliability._recompute_all();

-- Only a real change: a pg_dump restore re-inserts an unchanged settings row. (record "="
-- treats two NULL fields as equal, so this is OLD IS DISTINCT FROM NEW for two rows, with a
-- qualified operator: IS DISTINCT FROM looks "=" up through search_path.)
CREATE TRIGGER settings_changed AFTER UPDATE ON reliability.settings
    FOR EACH ROW WHEN (NOT (OLD OPERATOR(pg_catalog.=) NEW)) EXECUTE FUNCTION reliability._recompute_all();

-- pg_dump keeps the cache too (below). Restoring the data tables fires the triggers above,
-- which compute every score as of the restore time; the dumped rows, restored after them,
-- then replace those, so the restored cache equals the dumped one and nothing counts twice.
CREATE FUNCTION reliability._scores_restore() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    UPDATE reliability.scores s SET
        score = NEW.score, tier = NEW.tier, uptime = NEW.uptime, uptime_component = NEW.uptime_component,
        interruption_component = NEW.interruption_component, rating_component = NEW.rating_component,
        online_seconds = NEW.online_seconds, offline_seconds = NEW.offline_seconds,
        covered_seconds = NEW.covered_seconds, coverage = NEW.coverage, interruptions = NEW.interruptions,
        rating_count = NEW.rating_count, rating_mean = NEW.rating_mean, last_observed_at = NEW.last_observed_at,
        as_of = NEW.as_of, computed_at = NEW.computed_at
     WHERE s.machine_id = NEW.machine_id;
    IF FOUND THEN
        RETURN NULL;
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION reliability._scores_restore() IS
    'Internal: a restored (complete) scores row replaces the row the restore''s triggers computed.';
-- Placeholders written by _apply have computed_at = -infinity and skip the trigger.
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
    RETURN reliability._apply(ARRAY(SELECT s.machine_id FROM reliability.scores s ORDER BY 1),
                              NULL::bigint[], NULL::timestamptz[], reliability._finite(as_of, 'as_of'::text),
                              false, false, false, NULL::bigint[]);
END
$$;
COMMENT ON FUNCTION reliability.refresh(timestamptz) IS
    'Moves every cached score''s window to max(as_of, computed_at) (incrementally) and returns how many rows it wrote. Schedule it, e.g. with pg_cron.';

CREATE FUNCTION reliability.rebuild(as_of timestamptz DEFAULT pg_catalog.now()) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF as_of IS NULL THEN
        RAISE EXCEPTION 'as_of must not be NULL' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    RETURN reliability._apply(
        ARRAY(SELECT m.machine_id FROM reliability.machines m
               WHERE EXISTS (SELECT FROM reliability.scores s WHERE s.machine_id = m.machine_id)
                  OR EXISTS (SELECT FROM reliability.observations o WHERE o.machine_id = m.machine_id)
                  OR EXISTS (SELECT FROM reliability.interruptions i WHERE i.machine_id = m.machine_id)
                  OR EXISTS (SELECT FROM reliability.ratings r WHERE r.machine_id = m.machine_id)
               ORDER BY 1),
        NULL::bigint[], NULL::timestamptz[], reliability._finite(as_of, 'as_of'::text), true, true, true, NULL::bigint[]);
END
$$;
COMMENT ON FUNCTION reliability.rebuild(timestamptz) IS
    'Recomputes every cached score from the tables in full (after triggers were bypassed, e.g. by session_replication_role = replica).';
