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

-- Every cache writer locks in one order: the data tables it reads (ACCESS SHARE: a TRUNCATE
-- waits for it instead of holding a table it needs), then its machines' cached rows in
-- machine order, creating missing ones. A writer that may create rows first takes the
-- settings copy in ROW SHARE mode: a settings change takes it in EXCLUSIVE mode before it
-- lists the rows to recompute, so a machine's first row is either listed or computed with
-- the new settings. (Existing rows need no such lock: a writer reads the settings after
-- locking its rows, and a settings change locks every row it recomputes.) So no two single
-- statements deadlock over these locks, whatever the order of their rows.
CREATE FUNCTION reliability._lock_cache(machine_ids bigint[], create_missing boolean) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF create_missing THEN
        LOCK TABLE reliability._settings_copy IN ROW SHARE MODE;
    END IF;
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
    'Internal: takes a cache writer''s locks in the one order (settings copy if creating rows, data tables, cached rows by machine).';

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

-- Recompute and write the cached rows of machines whose rows the caller has locked
-- (_lock_cache), then apply the auto-blacklist. Returns how many rows it wrote.
CREATE FUNCTION reliability._write(machine_ids bigint[], fresh_machine bigint[], fresh_at timestamptz[],
                                   as_of timestamptz, in_full boolean, ratings_changed boolean, full_ids bigint[])
RETURNS bigint LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    written bigint;
BEGIN
    UPDATE reliability.scores s SET
        score = r.score, tier = r.tier, uptime = r.uptime, uptime_component = r.uptime_component,
        interruption_component = r.interruption_component, rating_component = r.rating_component,
        online_seconds = r.online_seconds, offline_seconds = r.offline_seconds,
        covered_seconds = r.covered_seconds, coverage = r.coverage, interruptions = r.interruptions,
        rating_count = r.rating_count, rating_mean = r.rating_mean, last_observed_at = r.last_observed_at,
        as_of = r.as_of, computed_at = r.computed_at
      FROM reliability._recompute(_write.machine_ids, _write.fresh_machine, _write.fresh_at, _write.as_of,
                                  _write.in_full, _write.ratings_changed, _write.full_ids) r
     WHERE s.machine_id = r.machine_id;
    GET DIAGNOSTICS written = ROW_COUNT;
    PERFORM reliability._auto_blacklist(machine_ids);
    RETURN written;
END
$$;
COMMENT ON FUNCTION reliability._write(bigint[], bigint[], timestamptz[], timestamptz, boolean, boolean, bigint[]) IS
    'Internal: recomputes and writes the locked cached rows of the given machines, then auto-blacklists.';

-- Lock, recompute and write the cached rows of a batch of machines, then apply the
-- auto-blacklist. Runs with the rights of the trigger functions and refresh() that call it.
CREATE FUNCTION reliability._apply(machine_ids bigint[], fresh_machine bigint[], fresh_at timestamptz[],
                                   as_of timestamptz, in_full boolean, ratings_changed boolean, create_missing boolean,
                                   full_ids bigint[] DEFAULT NULL)
RETURNS bigint LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
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
    RETURN reliability._write(machine_ids, fresh_machine, fresh_at, as_of, in_full, ratings_changed, full_ids);
END
$$;
COMMENT ON FUNCTION reliability._apply(bigint[], bigint[], timestamptz[], timestamptz, boolean, boolean, boolean, bigint[]) IS
    'Internal: locks, recomputes and writes cached scores of the given machines, then auto-blacklists.';

-- Trigger functions: SECURITY DEFINER so a role that may only INSERT into observations
-- still gets its cache maintained, and cannot write reliability.scores itself. They call
-- _apply with every argument of exactly its declared type (no untyped NULL, the defaulted
-- full_ids given), so no overload such as _apply(text, ...) can capture the call (SPEC §7).
-- One statement, one ordered pass over its cached rows. A statement may fire several AFTER
-- statement triggers (INSERT ... ON CONFLICT DO UPDATE: UPDATE then INSERT; MERGE: DELETE,
-- UPDATE, INSERT; data-modifying CTEs: one per table); locking each trigger's machines
-- separately let two statements deadlock. So every statement on a data table is counted
-- from its BEFORE to its AFTER statement trigger, and each AFTER trigger hands its machines
-- over while another is still to come: the last one recomputes them all (in full, with its
-- own) in one ordered pass (see src/pg/pending_inserts.hpp).
CREATE FUNCTION reliability._statement_begins() RETURNS trigger
AS 'MODULE_PATHNAME', 'reliability_observations_insert_begins' LANGUAGE C;
CREATE FUNCTION reliability._hand_over(machine_ids bigint[]) RETURNS bigint[]
AS 'MODULE_PATHNAME', 'reliability_hand_over' LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION reliability._statement_begins() IS 'Internal trigger: notes that a statement on a data table has begun.';
COMMENT ON FUNCTION reliability._hand_over(bigint[]) IS
    'Internal: ends a statement trigger; NULL when another of the statement comes later (it gets these machines), else the machines handed to this one.';

CREATE FUNCTION reliability._observations_inserted() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    mine bigint[] := ARRAY(SELECT DISTINCT n.machine_id FROM new_rows n ORDER BY 1);
    handed bigint[] := reliability._hand_over(mine);
    ids bigint[];
    late_machine bigint[];
    late_at timestamptz[];
    full_ids bigint[];
BEGIN
    IF handed IS NULL THEN
        RETURN NULL;  -- a later trigger of this statement recomputes these machines
    END IF;
    ids := CASE WHEN pg_catalog.cardinality(handed) = 0 THEN mine
                ELSE ARRAY(SELECT m.id FROM pg_catalog.unnest(mine) AS m(id)
                           UNION SELECT h.id FROM pg_catalog.unnest(handed) AS h(id) ORDER BY 1) END;
    PERFORM reliability._lock_cache(ids, true);
    -- A new row before its machine's cached computed_at (late) changed the cached window:
    -- the slide needs its time. Only those, and at most 16 a machine (else recompute it in
    -- full): memory follows the machines, not the rows of the statement.
    SELECT pg_catalog.array_agg(l.machine_id ORDER BY l.machine_id, l.observed_at) FILTER (WHERE l.late_rows <= 16),
           pg_catalog.array_agg(l.observed_at ORDER BY l.machine_id, l.observed_at) FILTER (WHERE l.late_rows <= 16),
           pg_catalog.array_agg(DISTINCT l.machine_id) FILTER (WHERE l.late_rows > 16)
      INTO late_machine, late_at, full_ids
      FROM (SELECT n.machine_id, n.observed_at, pg_catalog.count(*) OVER (PARTITION BY n.machine_id) AS late_rows
              FROM new_rows n JOIN reliability.scores s ON s.machine_id = n.machine_id AND n.observed_at < s.computed_at) l;
    IF pg_catalog.cardinality(handed) > 0 THEN
        full_ids := ARRAY(SELECT h.id FROM pg_catalog.unnest(handed) AS h(id)
                          UNION SELECT f.id FROM pg_catalog.unnest(full_ids) AS f(id) ORDER BY 1);
    END IF;
    PERFORM reliability._write(ids, COALESCE(late_machine, '{}'::bigint[]), COALESCE(late_at, '{}'::timestamptz[]),
                               pg_catalog.now(), false, false, full_ids);
    RETURN NULL;
END
$$;

-- Every other change of the data tables: updated or deleted observations recompute their
-- machines in full; for interruptions and ratings the window slides with no new
-- observations (interruptions are always recounted, ratings when they changed); machines
-- handed over by the statement's other triggers are recomputed in full.
CREATE FUNCTION reliability._machine_data_changed() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    ids bigint[];
    handed bigint[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        ids := ARRAY(SELECT DISTINCT n.machine_id FROM new_rows n ORDER BY 1);
    ELSIF TG_OP = 'UPDATE' THEN
        ids := ARRAY(SELECT o.machine_id FROM old_rows o UNION SELECT n.machine_id FROM new_rows n ORDER BY 1);
    ELSE
        ids := ARRAY(SELECT DISTINCT o.machine_id FROM old_rows o ORDER BY 1);
    END IF;
    handed := reliability._hand_over(ids);
    IF handed IS NULL THEN
        RETURN NULL;
    END IF;
    PERFORM reliability._apply(ARRAY(SELECT i.id FROM pg_catalog.unnest(ids) AS i(id)
                                     UNION SELECT h.id FROM pg_catalog.unnest(handed) AS h(id) ORDER BY 1),
                               NULL::bigint[], NULL::timestamptz[], pg_catalog.now(), TG_TABLE_NAME = 'observations',
                               TG_TABLE_NAME = 'ratings', TG_OP <> 'DELETE' OR pg_catalog.cardinality(handed) > 0, handed);
    RETURN NULL;
END
$$;

-- TRUNCATE of a data table: every cached row from the row alone, as of its computed_at (see
-- _recompute_truncated: no data table is read, so TRUNCATEs of two tables never deadlock).
CREATE FUNCTION reliability._recompute_truncated(machine_ids bigint[], truncated text)
RETURNS SETOF reliability.scores AS 'MODULE_PATHNAME', 'reliability_recompute_truncated'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION reliability._recompute_truncated(bigint[], text) IS
    'Internal: the cached rows after a TRUNCATE of the named data table, from the rows alone (locks them in machine order).';

CREATE FUNCTION reliability._truncated() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    ids bigint[] := ARRAY(SELECT s.machine_id FROM reliability.scores s ORDER BY 1);
BEGIN
    UPDATE reliability.scores s SET
        score = r.score, tier = r.tier, uptime = r.uptime, uptime_component = r.uptime_component,
        interruption_component = r.interruption_component, rating_component = r.rating_component,
        online_seconds = r.online_seconds, offline_seconds = r.offline_seconds,
        covered_seconds = r.covered_seconds, coverage = r.coverage, interruptions = r.interruptions,
        rating_count = r.rating_count, rating_mean = r.rating_mean, last_observed_at = r.last_observed_at,
        as_of = r.as_of, computed_at = r.computed_at
      FROM reliability._recompute_truncated(ids, TG_TABLE_NAME::text) r
     WHERE s.machine_id = r.machine_id;
    PERFORM reliability._auto_blacklist(ids);
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION reliability._truncated() IS 'Internal trigger: recomputes every cached score after a TRUNCATE of a data table.';

-- A change of settings: recompute every cached row in full.
CREATE FUNCTION reliability._recompute_all() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM reliability._apply(ARRAY(SELECT s.machine_id FROM reliability.scores s ORDER BY 1),
                               NULL::bigint[], NULL::timestamptz[], pg_catalog.now(), true, true, false, NULL::bigint[]);
    RETURN NULL;
END
$$;

COMMENT ON FUNCTION reliability._observations_inserted() IS 'Internal trigger: slides the cached scores of the machines a statement observed.';
COMMENT ON FUNCTION reliability._machine_data_changed() IS 'Internal trigger: recomputes machines whose data changed (all but inserted observations).';
COMMENT ON FUNCTION reliability._recompute_all() IS 'Internal trigger: recomputes every cached score (settings change).';

CREATE TRIGGER observations_statement_begins BEFORE INSERT OR UPDATE OR DELETE ON reliability.observations
    FOR EACH STATEMENT EXECUTE FUNCTION reliability._statement_begins();
CREATE TRIGGER interruptions_statement_begins BEFORE INSERT OR UPDATE OR DELETE ON reliability.interruptions
    FOR EACH STATEMENT EXECUTE FUNCTION reliability._statement_begins();
CREATE TRIGGER ratings_statement_begins BEFORE INSERT OR UPDATE OR DELETE ON reliability.ratings
    FOR EACH STATEMENT EXECUTE FUNCTION reliability._statement_begins();
CREATE TRIGGER observations_inserted AFTER INSERT ON reliability.observations
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION reliability._observations_inserted();
CREATE TRIGGER observations_updated AFTER UPDATE ON reliability.observations
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION reliability._machine_data_changed();
CREATE TRIGGER observations_deleted AFTER DELETE ON reliability.observations
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION reliability._machine_data_changed();
CREATE TRIGGER observations_truncated AFTER TRUNCATE ON reliability.observations
    FOR EACH STATEMENT EXECUTE FUNCTION reliability._truncated();

CREATE TRIGGER interruptions_inserted AFTER INSERT ON reliability.interruptions
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION reliability._machine_data_changed();
CREATE TRIGGER interruptions_updated AFTER UPDATE ON reliability.interruptions
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION reliability._machine_data_changed();
CREATE TRIGGER interruptions_deleted AFTER DELETE ON reliability.interruptions
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION reliability._machine_data_changed();
CREATE TRIGGER interruptions_truncated AFTER TRUNCATE ON reliability.interruptions
    FOR EACH STATEMENT EXECUTE FUNCTION reliability._truncated();

CREATE TRIGGER ratings_inserted AFTER INSERT ON reliability.ratings
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION reliability._machine_data_changed();
CREATE TRIGGER ratings_updated AFTER UPDATE ON reliability.ratings
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION reliability._machine_data_changed();
CREATE TRIGGER ratings_deleted AFTER DELETE ON reliability.ratings
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION reliability._machine_data_changed();
CREATE TRIGGER ratings_truncated AFTER TRUNCATE ON reliability.ratings
    FOR EACH STATEMENT EXECUTE FUNCTION reliability._truncated();

-- Only a real change: a pg_dump restore re-inserts an unchanged settings row. (record "="
-- treats two NULL fields as equal, so this is OLD IS DISTINCT FROM NEW for two rows, with a
-- qualified operator: IS DISTINCT FROM looks "=" up through search_path.)
-- A settings change first waits for the writers that may create cached rows and keeps new
-- ones out (they hold the settings copy in ROW SHARE mode, see _lock_cache), before its
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
