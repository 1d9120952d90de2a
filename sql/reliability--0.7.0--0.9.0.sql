-- reliability 0.7.0 -> 0.9.0 (ALTER EXTENSION reliability UPDATE TO '0.9.0'), in one step
\echo Use "ALTER EXTENSION reliability UPDATE TO '0.9.0'" to load this file. \quit

-- PostgreSQL takes the shortest path, so every 0.7.0 database updates through this script:
-- reliability--0.7.0--0.8.0.sql, except that a coordinator accepts servers already past
-- 0.8.0 (that released script asks each for exactly 0.8.0, so a coordinator whose servers
-- were updated first, to the newest release, could never follow), then what
-- reliability--0.8.0--0.9.0.sql does. Keep the two in step while 0.9.0 is developed.

-- First as reliability--0.7.0--0.8.0.sql: brings a 0.7.0 database to exactly the catalog of a fresh 0.8.0 install (src/sql/*.sql;
-- test/upgrade/compare_install.sh checks it). Like the install script, it pins search_path
-- for its own statements and qualifies every operator and function it evaluates or stores.
SET LOCAL search_path = pg_catalog, pg_temp;

-- Shards (SPEC §12): a server of a coordinator is marked, and its compact() runs only through
-- the coordinator (whose readers must learn the new horizon); a second coordinator is refused.
-- A server of a coordinator, marked by the coordinator's 'configure' call. Its compact() then
-- runs only through the coordinator, whose readers must learn the new horizon (they would read
-- raw rows that are gone), and a second coordinator is refused. Dumped with the server's rows.
CREATE TABLE reliability._coordinated (
    one_row boolean PRIMARY KEY DEFAULT true CONSTRAINT _coordinated_one_row CHECK (one_row),
    since   timestamptz NOT NULL DEFAULT pg_catalog.now()
);
COMMENT ON TABLE reliability._coordinated IS
    'Internal (SPEC §12): one row on a server of a coordinator, written by distribute() there; empty elsewhere.';
SELECT pg_catalog.pg_extension_config_dump('reliability._coordinated', '');

-- distribute()'s helpers: one name for a server's foreign table, one way to create one.
CREATE FUNCTION reliability._shard_table(remainder integer, relation text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
BEGIN ATOMIC
    SELECT pg_catalog.format('_shard%s_%s', remainder, relation);
END;
COMMENT ON FUNCTION reliability._shard_table(integer, text) IS 'Internal (coordinator): the name of its foreign table over a server''s relation.';

CREATE FUNCTION reliability._create_foreign_member(local_name text, shape text, server text, remote text,
                                                   more_options text DEFAULT '') RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    EXECUTE pg_catalog.format('CREATE FOREIGN TABLE reliability.%I %s SERVER %I OPTIONS (schema_name %L, table_name %L%s)',
                              local_name, shape, server, 'reliability', remote, more_options);
    EXECUTE pg_catalog.format('ALTER EXTENSION reliability ADD FOREIGN TABLE reliability.%I', local_name);
END
$$;
COMMENT ON FUNCTION reliability._create_foreign_member(text, text, text, text, text) IS
    'Internal (distribute()): a foreign table over a server''s relation, as a member of the extension.';

-- Coordinator: "SELECT * FROM <each server's foreign table over relation> UNION ALL ...", in
-- server order (the view over the servers' views, the servers' retention rows).
CREATE FUNCTION reliability._shards_union(relation text) RETURNS text LANGUAGE sql STABLE
BEGIN ATOMIC
    SELECT pg_catalog.string_agg(pg_catalog.format('SELECT * FROM reliability.%I', reliability._shard_table(s.remainder, relation)),
                                 ' UNION ALL ' ORDER BY s.remainder)
      FROM reliability._shards s;
END;
COMMENT ON FUNCTION reliability._shards_union(text) IS 'Internal (coordinator): the UNION ALL of every server''s foreign table over a relation.';

-- compact() split: the work on this database's rows, and the routing around it.
CREATE FUNCTION reliability._compact_here(before date) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    st reliability.settings;
    latest date;
    horizon date;
    obs_cutoff timestamptz;
    int_cutoff timestamptz;
    counted_from timestamptz;
    deleted_observations bigint;
    deleted_interruptions bigint;
BEGIN
    IF before IS NULL THEN
        RAISE EXCEPTION 'before must not be NULL' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF NOT pg_catalog.isfinite(before) THEN
        RAISE EXCEPTION 'before must be finite' USING ERRCODE = 'datetime_field_overflow';
    END IF;
    SELECT * INTO st FROM reliability.settings;
    latest := reliability._utc_day(reliability.sub_fixed(reliability.sub_fixed(pg_catalog.now(), st.score_window), st.max_gap));
    IF before > latest THEN
        RAISE EXCEPTION 'cannot compact before %: the cached scores still need those raw rows', before
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'The latest allowed is ' || latest::text || ', the UTC day of now() - score_window - max_gap.';
    END IF;
    IF reliability.compacted_before() >= before THEN
        RETURN 0;   -- done before (checked again under the locks below)
    END IF;
    obs_cutoff := reliability.sub_fixed(reliability._day_start(before), st.max_gap);
    int_cutoff := reliability._day_start(before);
    -- Time partitions to drop or empty: the tables are locked first (readers wait too).
    IF EXISTS (SELECT FROM reliability._time_partitions('reliability.observations') t
                WHERE t.lower_bound OPERATOR(pg_catalog.<) obs_cutoff)
       OR EXISTS (SELECT FROM reliability._time_partitions('reliability.interruptions') t
                   WHERE t.lower_bound OPERATOR(pg_catalog.<) int_cutoff) THEN
        PERFORM reliability._lock_time_partitioned();
    END IF;
    -- No writer while history takes over, one compaction at a time (the retention row);
    -- readers go on (unless time partitions are dropped).
    PERFORM reliability._history_lock_writers();
    SELECT r.compacted_before INTO horizon FROM reliability.retention r FOR UPDATE;
    IF horizon IS NOT NULL AND horizon >= before THEN
        RETURN 0;
    END IF;
    PERFORM reliability._history_advance(before);
    -- The deleted rows change no cached score and no history day (both no longer read them),
    -- so the triggers do not run for them (replica role: the owner is a superuser).
    SET LOCAL session_replication_role = replica;
    counted_from := COALESCE(reliability._day_start(horizon), '-infinity');
    deleted_observations := reliability._compact_rows('reliability.observations', 'observed_at', obs_cutoff, counted_from, 'observations');
    deleted_interruptions := reliability._compact_rows('reliability.interruptions', 'occurred_at', int_cutoff, counted_from, 'interruptions');
    SET LOCAL session_replication_role = origin;
    UPDATE reliability.retention r SET compacted_before = before;
    RETURN deleted_observations + deleted_interruptions;
END
$$;
COMMENT ON FUNCTION reliability._compact_here(date) IS
    'Internal: compact() on this database''s own rows.';

CREATE OR REPLACE FUNCTION reliability.compact(before date) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF reliability._distributed() THEN   -- a coordinator (SPEC §12): each server compacts (and checks) its rows
        RETURN reliability._on_every_shard('compact', pg_catalog.jsonb_build_object('before', before));
    END IF;
    IF EXISTS (SELECT FROM reliability._coordinated) THEN
        RAISE EXCEPTION 'compact: this database is a server of a coordinator' USING ERRCODE = 'object_not_in_prerequisite_state',
            DETAIL = 'The coordinator''s readers must learn the new compaction horizon, or they would read raw rows that are gone.',
            HINT = 'Run reliability.compact() on the coordinator: it compacts every server.';
    END IF;
    RETURN reliability._compact_here(before);
END
$$;

CREATE OR REPLACE FUNCTION reliability._remote_call() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    a jsonb := COALESCE(NEW.args, '{}'::jsonb);
BEGIN
    CASE NEW.call
    WHEN 'status' THEN
        NEW.result := pg_catalog.jsonb_build_object(
            'version', (SELECT e.extversion FROM pg_catalog.pg_extension e WHERE e.extname OPERATOR(pg_catalog.=) 'reliability'),
            'has_rows', reliability._holds_rows(),
            'distributed', EXISTS (SELECT FROM reliability._shards),
            'coordinated', EXISTS (SELECT FROM reliability._coordinated));
    WHEN 'configure' THEN
        -- Remote scans run as cursors: plan them for every row (sharding.md, trap 2).
        EXECUTE pg_catalog.format('ALTER ROLE %I IN DATABASE %I SET cursor_tuple_fraction = 1',
                                  current_user, pg_catalog.current_database());
        INSERT INTO reliability._coordinated DEFAULT VALUES ON CONFLICT DO NOTHING;
        NEW.result := 'true'::jsonb;
    WHEN 'refresh' THEN
        NEW.result := pg_catalog.to_jsonb(reliability.refresh((a OPERATOR(pg_catalog.->>) 'as_of')::timestamptz));
    WHEN 'rebuild' THEN
        NEW.result := pg_catalog.to_jsonb(reliability.rebuild((a OPERATOR(pg_catalog.->>) 'as_of')::timestamptz));
    WHEN 'compact' THEN
        NEW.result := pg_catalog.to_jsonb(reliability._compact_here((a OPERATOR(pg_catalog.->>) 'before')::date));
    ELSE
        RAISE EXCEPTION 'reliability: unknown remote call %', pg_catalog.quote_literal(NEW.call)
            USING ERRCODE = 'invalid_parameter_value';
    END CASE;
    RETURN NEW;
END
$$;

CREATE OR REPLACE FUNCTION reliability._retention_from_shards() RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    materialized date;
    compacted date;
BEGIN
    EXECUTE 'SELECT CASE WHEN pg_catalog.bool_or(r.materialized_before IS NULL) THEN NULL
                         ELSE pg_catalog.min(r.materialized_before) END,
                    pg_catalog.max(r.compacted_before)
               FROM (' || reliability._shards_union('retention') || ') r'
       INTO materialized, compacted;
    UPDATE reliability.retention r SET materialized_before = materialized, compacted_before = compacted
     WHERE r.materialized_before IS DISTINCT FROM materialized OR r.compacted_before IS DISTINCT FROM compacted;
END
$$;

CREATE OR REPLACE FUNCTION reliability._on_every_shard(call text, args jsonb) RETURNS bigint
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    shard record;
    one jsonb;
    total bigint := 0;
BEGIN
    FOR shard IN SELECT s.remainder FROM reliability._shards s ORDER BY s.remainder LOOP
        EXECUTE pg_catalog.format('INSERT INTO reliability.%I (call, args) VALUES ($1, $2) RETURNING result',
                                  reliability._shard_table(shard.remainder, 'calls'))
           INTO one USING call, args;
        total := total OPERATOR(pg_catalog.+) COALESCE(one::text::bigint, 0);
    END LOOP;
    PERFORM reliability._retention_from_shards();
    RETURN total;
END
$$;

CREATE OR REPLACE FUNCTION reliability._ranked_on_shards(min_score double precision, tiers text[], include_stale boolean,
                                              max_rows integer, lowest double precision, highest double precision,
                                              unscored boolean)
RETURNS SETOF reliability.machine_reliability
LANGUAGE plpgsql STABLE ROWS 50 SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    query text;
BEGIN
    IF NOT pg_catalog.has_table_privilege(session_user, 'reliability.machine_reliability', 'SELECT') THEN
        RAISE EXCEPTION 'permission denied for view machine_reliability' USING ERRCODE = 'insufficient_privilege';
    END IF;
    SELECT 'SELECT * FROM ('
           || pg_catalog.string_agg(
                  pg_catalog.format('(SELECT * FROM reliability.%I r WHERE %s AND NOT r.blacklisted AND ($3 OR NOT r.stale)'
                                    ' AND ($2 IS NULL OR r.tier = ANY ($2)) ORDER BY %s LIMIT $4)',
                                    reliability._shard_table(s.remainder, 'reliability'),
                                    CASE WHEN unscored THEN 'r.score IS NULL'
                                         ELSE 'r.score >= GREATEST($1, $5) AND r.score <= $6' END,
                                    CASE WHEN unscored THEN 'r.machine_id DESC'
                                         ELSE 'r.score DESC NULLS LAST, r.machine_id' END),
                  ' UNION ALL ' ORDER BY s.remainder)
           || ') u ORDER BY '
           || CASE WHEN unscored THEN 'u.machine_id DESC' ELSE 'u.score DESC NULLS LAST, u.machine_id' END
           || ' LIMIT $4'
      INTO query
      FROM reliability._shards s;
    RETURN QUERY EXECUTE query USING min_score, tiers, include_stale, max_rows, lowest, highest;
END
$$;

CREATE OR REPLACE FUNCTION reliability._settings_push(st reliability.settings) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    shard record;
BEGIN
    FOR shard IN SELECT s.remainder FROM reliability._shards s ORDER BY s.remainder LOOP
        EXECUTE pg_catalog.format('UPDATE reliability.%I SET %s', reliability._shard_table(shard.remainder, 'settings'),
                                  reliability._settings_columns('%I = ($1).%I'))
          USING st;
    END LOOP;
END
$$;

CREATE OR REPLACE FUNCTION reliability.distribute(servers text[]) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    per_machine constant text[] := ARRAY['observations', 'interruptions', 'ratings', 'deploy_attempts',
                                         'blacklist', 'scores', 'history'];
    n integer;
    i integer;
    t text;
    server_name text;
    status jsonb;
    version text;
    dependents record;
    saved record;
    member record;
    statement text;
BEGIN
    IF servers IS NULL THEN
        RAISE EXCEPTION 'distribute: servers must not be NULL' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    n := pg_catalog.cardinality(servers);
    IF n OPERATOR(pg_catalog.<) 1 OR COALESCE(pg_catalog.array_ndims(servers), 1) OPERATOR(pg_catalog.<>) 1 THEN
        RAISE EXCEPTION 'distribute: give at least one server, in a one-dimensional array' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF pg_catalog.array_position(servers, NULL) IS NOT NULL THEN
        RAISE EXCEPTION 'distribute: a server name is NULL' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF (SELECT pg_catalog.count(DISTINCT s) FROM pg_catalog.unnest(servers) s) OPERATOR(pg_catalog.<>) n THEN
        RAISE EXCEPTION 'distribute: a server is named twice' USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Give each server once; each holds one hash partition of every per-machine table.';
    END IF;
    FOREACH server_name IN ARRAY servers LOOP
        IF NOT EXISTS (SELECT FROM pg_catalog.pg_foreign_server s WHERE s.srvname OPERATOR(pg_catalog.=) server_name) THEN
            RAISE EXCEPTION 'distribute: server "%" does not exist', server_name USING ERRCODE = 'undefined_object';
        END IF;
        IF NOT EXISTS (SELECT FROM pg_catalog.pg_foreign_server s
                         JOIN pg_catalog.pg_foreign_data_wrapper w ON w.oid OPERATOR(pg_catalog.=) s.srvfdw
                        WHERE s.srvname OPERATOR(pg_catalog.=) server_name
                          AND w.fdwname OPERATOR(pg_catalog.=) 'postgres_fdw') THEN
            RAISE EXCEPTION 'distribute: server "%" is not a postgres_fdw server', server_name USING ERRCODE = 'invalid_parameter_value';
        END IF;
    END LOOP;

    -- No writer while the tables change (and the checks below stay true).
    LOCK TABLE reliability._shards, reliability.machines, reliability.settings, reliability.observations,
               reliability.interruptions, reliability.ratings, reliability.deploy_attempts, reliability.blacklist,
               reliability.scores, reliability.history IN ACCESS EXCLUSIVE MODE;
    IF EXISTS (SELECT FROM reliability._shards) THEN
        RAISE EXCEPTION 'distribute: this database is already a coordinator' USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
    IF EXISTS (SELECT FROM reliability._coordinated) THEN
        RAISE EXCEPTION 'distribute: this database is a server of a coordinator' USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
    IF reliability._holds_rows() THEN
        RAISE EXCEPTION 'distribute: the extension''s tables hold rows' USING ERRCODE = 'object_not_in_prerequisite_state',
            HINT = 'Distribute an empty database, then load it through the coordinator.';
    END IF;
    SELECT e.extversion INTO version FROM pg_catalog.pg_extension e WHERE e.extname OPERATOR(pg_catalog.=) 'reliability';

    -- The servers: how to reach their functions, and that each is an empty server of this version.
    FOR i IN 0 .. n OPERATOR(pg_catalog.-) 1 LOOP
        server_name := servers[i OPERATOR(pg_catalog.+) 1];
        INSERT INTO reliability._shards (remainder, server) VALUES (i, server_name);
        -- Not use_remote_estimate: planning would then ask every server, so a statement about
        -- one machine (whose kept generic plan covers every partition) failed while any
        -- server was down; the per-machine aggregates are pushed down without it.
        PERFORM reliability._set_server_option(server_name, o.option, o.value)
           FROM (VALUES ('extensions', 'reliability'), ('async_capable', 'true'), ('batch_size', '1000'),
                        ('fetch_size', '10000')) AS o(option, value);
        PERFORM reliability._create_foreign_member(reliability._shard_table(i, 'calls'),
                                                   '(machine_id bigint, call text, args jsonb, result jsonb)', server_name, '_remote_calls');
        EXECUTE pg_catalog.format('INSERT INTO reliability.%I (call) VALUES (%L) RETURNING result', reliability._shard_table(i, 'calls'), 'status')
           INTO status;
        IF (status OPERATOR(pg_catalog.->>) 'version') IS DISTINCT FROM version THEN
            RAISE EXCEPTION 'distribute: server "%" has reliability %, this database %', server_name,
                COALESCE(status OPERATOR(pg_catalog.->>) 'version', 'not installed'), version
                USING ERRCODE = 'object_not_in_prerequisite_state';
        END IF;
        IF (status OPERATOR(pg_catalog.->>) 'has_rows')::boolean OR (status OPERATOR(pg_catalog.->>) 'distributed')::boolean
           OR (status OPERATOR(pg_catalog.->>) 'coordinated')::boolean THEN
            RAISE EXCEPTION 'distribute: server "%" is not empty', server_name USING ERRCODE = 'object_not_in_prerequisite_state',
                HINT = 'A server must hold no row of the extension''s tables, and be neither a coordinator nor the server of one.';
        END IF;
        EXECUTE pg_catalog.format('INSERT INTO reliability.%I (call) VALUES (%L)', reliability._shard_table(i, 'calls'), 'configure');
        PERFORM reliability._create_foreign_member(reliability._shard_table(i, r.relation),
                                                   '(' || reliability._column_definitions(pg_catalog.format('reliability.%I', r.relation)::pg_catalog.regclass) || ')',
                                                   server_name, r.relation)
           FROM pg_catalog.unnest(ARRAY['settings', 'retention']) AS r(relation);
        -- The server's own view: it computes blacklisted and stale next to the rows. Remote
        -- estimates here only: with them the planner sends ranked()'s ORDER BY and LIMIT to
        -- the server (its score index) instead of fetching every row to sort it here.
        PERFORM reliability._create_foreign_member(reliability._shard_table(i, 'reliability'),
                                                   '(' || reliability._column_definitions('reliability.machine_reliability') || ')',
                                                   server_name, 'machine_reliability',
                                                   pg_catalog.format(', fetch_size %L, use_remote_estimate %L', '1000', 'true'));
    END LOOP;
    -- The servers start with this database's settings.
    PERFORM reliability._settings_push(st) FROM reliability.settings st;

    -- Routing table: a machine's registration goes to its server.
    EXECUTE pg_catalog.format('CREATE TABLE reliability._shard_machines (%s) PARTITION BY HASH (machine_id)',
                              reliability._column_definitions('reliability.machines'));
    ALTER EXTENSION reliability ADD TABLE reliability._shard_machines;
    FOR i IN 0 .. n OPERATOR(pg_catalog.-) 1 LOOP
        PERFORM reliability._create_foreign_member(reliability._shard_table(i, 'machines'),
                                                   pg_catalog.format('PARTITION OF reliability._shard_machines FOR VALUES WITH (MODULUS %s, REMAINDER %s)', n, i),
                                                   servers[i OPERATOR(pg_catalog.+) 1], 'machines');
    END LOOP;

    -- The views and SQL functions bound to the per-machine tables (BEGIN ATOMIC bodies, row
    -- types), in creation order: dropped with the tables, then created again over the new ones
    -- with their privileges and comments.
    CREATE TEMPORARY TABLE pg_temp.reliability_dependents ON COMMIT DROP AS
    WITH RECURSIVE tables AS (
        SELECT c.oid, c.reltype FROM pg_catalog.pg_class c
         WHERE c.relnamespace OPERATOR(pg_catalog.=) 'reliability'::pg_catalog.regnamespace
           AND c.relname OPERATOR(pg_catalog.=) ANY (per_machine)
    ), found (classid, objid) AS (
        SELECT CASE WHEN d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_rewrite'::pg_catalog.regclass
                    THEN 'pg_catalog.pg_class'::pg_catalog.regclass ELSE d.classid END,
               CASE WHEN d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_rewrite'::pg_catalog.regclass
                    THEN (SELECT r.ev_class FROM pg_catalog.pg_rewrite r WHERE r.oid OPERATOR(pg_catalog.=) d.objid) ELSE d.objid END
          FROM pg_catalog.pg_depend d, tables t
         WHERE (d.refobjid OPERATOR(pg_catalog.=) t.oid OR d.refobjid OPERATOR(pg_catalog.=) t.reltype)
           AND d.classid OPERATOR(pg_catalog.=) ANY (ARRAY['pg_catalog.pg_proc'::pg_catalog.regclass, 'pg_catalog.pg_rewrite'::pg_catalog.regclass])
        UNION
        SELECT CASE WHEN d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_rewrite'::pg_catalog.regclass
                    THEN 'pg_catalog.pg_class'::pg_catalog.regclass ELSE d.classid END,
               CASE WHEN d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_rewrite'::pg_catalog.regclass
                    THEN (SELECT r.ev_class FROM pg_catalog.pg_rewrite r WHERE r.oid OPERATOR(pg_catalog.=) d.objid) ELSE d.objid END
          FROM pg_catalog.pg_depend d, found f, pg_catalog.pg_class v
         WHERE f.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass AND v.oid OPERATOR(pg_catalog.=) f.objid
           AND (d.refobjid OPERATOR(pg_catalog.=) v.oid OR d.refobjid OPERATOR(pg_catalog.=) v.reltype)
           AND d.classid OPERATOR(pg_catalog.=) ANY (ARRAY['pg_catalog.pg_proc'::pg_catalog.regclass, 'pg_catalog.pg_rewrite'::pg_catalog.regclass])
    )
    SELECT DISTINCT f.classid, f.objid,
           CASE WHEN f.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass THEN 'VIEW' ELSE 'FUNCTION' END AS kind,
           CASE WHEN f.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass THEN f.objid::pg_catalog.regclass::text
                ELSE f.objid::pg_catalog.regprocedure::text END AS name,
           CASE WHEN f.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass
                THEN pg_catalog.format('CREATE VIEW %s%s AS %s', f.objid::pg_catalog.regclass,
                                       (SELECT ' WITH (' || pg_catalog.array_to_string(c.reloptions, ', ') || ')'
                                          FROM pg_catalog.pg_class c WHERE c.oid OPERATOR(pg_catalog.=) f.objid),
                                       pg_catalog.pg_get_viewdef(f.objid))
                ELSE pg_catalog.pg_get_functiondef(f.objid) END AS definition,
           CASE WHEN f.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass
                THEN (SELECT c.relacl FROM pg_catalog.pg_class c WHERE c.oid OPERATOR(pg_catalog.=) f.objid)
                ELSE (SELECT p.proacl FROM pg_catalog.pg_proc p WHERE p.oid OPERATOR(pg_catalog.=) f.objid) END AS acl,
           pg_catalog.obj_description(f.objid, CASE WHEN f.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass
                                                    THEN 'pg_class' ELSE 'pg_proc' END) AS description
      FROM found f
     WHERE f.objid IS NOT NULL
       AND NOT (f.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass
                AND f.objid OPERATOR(pg_catalog.=) ANY (SELECT t.oid FROM tables t));
    -- Column comments of the views.
    CREATE TEMPORARY TABLE pg_temp.reliability_column_comments ON COMMIT DROP AS
    SELECT d.name, a.attname, pg_catalog.col_description(d.objid, a.attnum) AS description
      FROM pg_temp.reliability_dependents d
      JOIN pg_catalog.pg_attribute a ON a.attrelid OPERATOR(pg_catalog.=) d.objid AND a.attnum OPERATOR(pg_catalog.>) 0
     WHERE d.kind OPERATOR(pg_catalog.=) 'VIEW' AND pg_catalog.col_description(d.objid, a.attnum) IS NOT NULL;
    FOR dependents IN SELECT * FROM pg_temp.reliability_dependents ORDER BY kind, objid DESC LOOP
        EXECUTE pg_catalog.format('ALTER EXTENSION reliability DROP %s %s', dependents.kind, dependents.name);
        EXECUTE pg_catalog.format('DROP %s %s', dependents.kind, dependents.name);
    END LOOP;

    -- The per-machine tables: hash-partitioned here, their partitions on the servers. The
    -- servers' own tables keep the keys, foreign keys, time partitions and triggers.
    FOREACH t IN ARRAY per_machine LOOP
        SELECT c.relacl AS acl, pg_catalog.obj_description(c.oid, 'pg_class') AS description INTO saved
          FROM pg_catalog.pg_class c
         WHERE c.oid OPERATOR(pg_catalog.=) pg_catalog.format('reliability.%I', t)::pg_catalog.regclass;
        EXECUTE pg_catalog.format('CREATE TABLE reliability.%I (LIKE reliability.%I INCLUDING DEFAULTS INCLUDING CONSTRAINTS '
                                  'INCLUDING GENERATED INCLUDING COMMENTS) PARTITION BY HASH (machine_id)', '_new_' || t, t);
        -- Its partitions and identity sequence are members too.
        FOR member IN SELECT c.oid::pg_catalog.regclass AS name, CASE c.relkind WHEN 'S' THEN 'SEQUENCE' ELSE 'TABLE' END AS kind
                       FROM pg_catalog.pg_class c
                      WHERE (c.oid OPERATOR(pg_catalog.=) ANY (SELECT p.relid FROM pg_catalog.pg_partition_tree(pg_catalog.format('reliability.%I', t)) p
                                                                WHERE p.level OPERATOR(pg_catalog.>) 0)
                             OR c.relkind OPERATOR(pg_catalog.=) 'S' AND c.oid OPERATOR(pg_catalog.=) ANY (
                                    SELECT o.objid FROM pg_catalog.pg_depend o
                                     WHERE o.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass
                                       AND o.refobjid OPERATOR(pg_catalog.=) pg_catalog.format('reliability.%I', t)::pg_catalog.regclass
                                       AND o.deptype OPERATOR(pg_catalog.=) ANY (ARRAY['a', 'i']::"char"[])))
                        AND EXISTS (SELECT FROM pg_catalog.pg_depend d
                                     WHERE d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass
                                       AND d.objid OPERATOR(pg_catalog.=) c.oid AND d.deptype OPERATOR(pg_catalog.=) 'e') LOOP
            EXECUTE pg_catalog.format('ALTER EXTENSION reliability DROP %s %s', member.kind, member.name);
        END LOOP;
        EXECUTE pg_catalog.format('ALTER EXTENSION reliability DROP TABLE reliability.%I', t);
        EXECUTE pg_catalog.format('DROP TABLE reliability.%I', t);
        EXECUTE pg_catalog.format('ALTER TABLE reliability.%I RENAME TO %I', '_new_' || t, t);
        EXECUTE pg_catalog.format('ALTER EXTENSION reliability ADD TABLE reliability.%I', t);
        FOR i IN 0 .. n OPERATOR(pg_catalog.-) 1 LOOP
            PERFORM reliability._create_foreign_member(t || '_shard' || i,
                                                       pg_catalog.format('PARTITION OF reliability.%I FOR VALUES WITH (MODULUS %s, REMAINDER %s)', t, n, i),
                                                       servers[i OPERATOR(pg_catalog.+) 1], t);
        END LOOP;
        FOR statement IN SELECT reliability._grants(saved.acl, 'TABLE', pg_catalog.format('reliability.%I', t)) LOOP
            EXECUTE statement;
        END LOOP;
        EXECUTE pg_catalog.format('COMMENT ON TABLE reliability.%I IS %L', t, saved.description);
    END LOOP;
    -- deploy_attempts.attempt_id: numbered here for every server (identity columns cannot be
    -- partitioned in PostgreSQL 15; the servers' columns accept given values).
    CREATE SEQUENCE reliability.deploy_attempts_attempt_id_seq OWNED BY reliability.deploy_attempts.attempt_id;
    ALTER TABLE reliability.deploy_attempts ALTER COLUMN attempt_id
        SET DEFAULT pg_catalog.nextval('reliability.deploy_attempts_attempt_id_seq'::pg_catalog.regclass);
    ALTER EXTENSION reliability ADD SEQUENCE reliability.deploy_attempts_attempt_id_seq;

    FOR dependents IN SELECT * FROM pg_temp.reliability_dependents ORDER BY kind DESC, objid LOOP
        EXECUTE dependents.definition;
        EXECUTE pg_catalog.format('ALTER EXTENSION reliability ADD %s %s', dependents.kind, dependents.name);
        IF dependents.acl IS NOT NULL THEN
            -- (GRANT names a view TABLE)
            EXECUTE pg_catalog.format('REVOKE ALL ON %s %s FROM PUBLIC', pg_catalog.replace(dependents.kind, 'VIEW', 'TABLE'), dependents.name);
            FOR statement IN SELECT reliability._grants(dependents.acl, pg_catalog.replace(dependents.kind, 'VIEW', 'TABLE'), dependents.name) LOOP
                EXECUTE statement;
            END LOOP;
        END IF;
        EXECUTE pg_catalog.format('COMMENT ON %s %s IS %L', dependents.kind, dependents.name, dependents.description);
    END LOOP;
    FOR saved IN SELECT * FROM pg_temp.reliability_column_comments LOOP
        EXECUTE pg_catalog.format('COMMENT ON COLUMN %s.%I IS %L', saved.name, saved.attname, saved.description);
    END LOOP;

    -- The view: every server's own rows (blacklisted and stale computed there, next to the rows
    -- they read, instead of a remote query per machine from here).
    EXECUTE 'CREATE OR REPLACE VIEW reliability.machine_reliability AS ' || reliability._shards_union('reliability');

    -- rate() without ON CONFLICT DO UPDATE, which postgres_fdw cannot run.
    CREATE OR REPLACE FUNCTION reliability.rate(machine_id bigint, user_id text, stars integer, comment text DEFAULT NULL,
                                                rental_duration_hours double precision DEFAULT NULL, instance_id text DEFAULT NULL)
    RETURNS reliability.ratings LANGUAGE sql VOLATILE
    BEGIN ATOMIC
        SELECT reliability._rate_distributed(rate.machine_id, rate.user_id, rate.stars, rate.comment,
                                             rate.rental_duration_hours, rate.instance_id);
    END;

    -- Triggers of the coordinator's own tables: registrations and settings go to the servers
    -- (the cache engine runs there, never here).
    DROP TRIGGER settings_changed ON reliability.settings;
    CREATE TRIGGER settings_to_shards AFTER UPDATE ON reliability.settings
        FOR EACH ROW WHEN (NOT (OLD OPERATOR(pg_catalog.=) NEW)) EXECUTE FUNCTION reliability._settings_to_shards();
    CREATE TRIGGER machines_to_shards AFTER INSERT OR UPDATE OR DELETE ON reliability.machines
        FOR EACH ROW EXECUTE FUNCTION reliability._machines_to_shards();
    CREATE TRIGGER machines_truncated_on_shards AFTER TRUNCATE ON reliability.machines
        FOR EACH STATEMENT EXECUTE FUNCTION reliability._machines_to_shards();

    -- The readers of one machine plan without partitionwise aggregation: it turns off run-time
    -- partition pruning, and their kept generic plans would then open every server, so one
    -- stopped server would stop them all (test/integration/shards.sh).
    ALTER FUNCTION reliability.score(bigint, timestamptz) SET enable_partitionwise_aggregate = off;
    ALTER FUNCTION reliability.report(bigint, timestamptz) SET enable_partitionwise_aggregate = off;
    ALTER FUNCTION reliability.daily_uptime(bigint, integer, timestamptz) SET enable_partitionwise_aggregate = off;
    ALTER FUNCTION reliability.sparkline(bigint, integer, timestamptz) SET enable_partitionwise_aggregate = off;
    ALTER FUNCTION reliability.periods(bigint, tstzrange) SET enable_partitionwise_aggregate = off;

    -- Whole per-machine aggregates on the servers, at once (sharding.md).
    EXECUTE pg_catalog.format('ALTER DATABASE %I SET enable_partitionwise_aggregate = on', pg_catalog.current_database());
    EXECUTE pg_catalog.format('ALTER DATABASE %I SET enable_partitionwise_join = on', pg_catalog.current_database());
    PERFORM pg_catalog.set_config('enable_partitionwise_aggregate', 'on', false);
    PERFORM pg_catalog.set_config('enable_partitionwise_join', 'on', false);
END
$$;

-- The settings columns listed once (by the table): the functions that copy the row build their statements from it.
CREATE FUNCTION reliability._settings_columns(pattern text) RETURNS text LANGUAGE sql STABLE
BEGIN ATOMIC
    SELECT pg_catalog.string_agg(pg_catalog.format(pattern, a.attname, a.attname), ', ' ORDER BY a.attnum)
      FROM pg_catalog.pg_attribute a
     WHERE a.attrelid OPERATOR(pg_catalog.=) 'reliability.settings'::pg_catalog.regclass
       AND a.attnum OPERATOR(pg_catalog.>) 0 AND NOT a.attisdropped
       AND a.attname OPERATOR(pg_catalog.<>) 'singleton';
END;
COMMENT ON FUNCTION reliability._settings_columns(text) IS 'Internal: the settings columns through a format() pattern, for the statements that copy the row.';

CREATE OR REPLACE FUNCTION reliability._settings_merge_insert() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF EXISTS (SELECT FROM reliability.settings) THEN
        EXECUTE 'UPDATE reliability.settings SET ' || reliability._settings_columns('%I = ($1).%I') USING NEW;
        RETURN NULL;
    END IF;
    RETURN NEW;
END
$$;

CREATE OR REPLACE FUNCTION reliability._settings_copy_insert() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    EXECUTE pg_catalog.format('INSERT INTO reliability.settings (%s) VALUES (%s)',
                              reliability._settings_columns('%I'), reliability._settings_columns('($1).%I'))
      USING NEW;
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION reliability._settings_copy_sync() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    EXECUTE 'UPDATE reliability._settings_copy SET ' || reliability._settings_columns('%I = ($1).%I') USING NEW;
    RETURN NULL;
END
$$;

-- A coordinator's check after a crash mid-commit (docs/SHARDS.md, "Failures").
CREATE FUNCTION reliability.shard_mismatches()
RETURNS TABLE (server name, machine_id bigint, provider text, external_id text, registered_on text)
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    shard record;
    n integer;
BEGIN
    SELECT pg_catalog.count(*) INTO n FROM reliability._shards;
    IF n OPERATOR(pg_catalog.=) 0 THEN
        RAISE EXCEPTION 'shard_mismatches: this database is not a coordinator' USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
    FOR shard IN SELECT s.remainder, s.server FROM reliability._shards s ORDER BY s.remainder LOOP
        RETURN QUERY EXECUTE pg_catalog.format(
            'SELECT $1, COALESCE(r.machine_id, m.machine_id), COALESCE(r.provider, m.provider), COALESCE(r.external_id, m.external_id),
                    CASE WHEN m.machine_id IS NULL THEN %L WHEN r.machine_id IS NULL THEN %L ELSE %L END
               FROM reliability.%I r
               FULL JOIN (SELECT * FROM reliability.machines c
                           WHERE pg_catalog.satisfies_hash_partition(%L::pg_catalog.regclass, $2, $3, c.machine_id)) m
                 ON m.machine_id OPERATOR(pg_catalog.=) r.machine_id
              WHERE m.machine_id IS NULL OR r.machine_id IS NULL
                 OR (m.provider, m.external_id) IS DISTINCT FROM (r.provider, r.external_id)
              ORDER BY 2',
            'server', 'coordinator', 'both, differently', reliability._shard_table(shard.remainder, 'machines'),
            'reliability._shard_machines')
          USING shard.server, n, shard.remainder;
    END LOOP;
END
$$;
COMMENT ON FUNCTION reliability.shard_mismatches() IS
    'On a coordinator (SPEC §12): the machines registered on their server only, on the coordinator only, or differently on both (after a crash mid-commit).';

REVOKE ALL ON TABLE reliability._coordinated FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._compact_here(date) FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._shard_table(integer, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._shards_union(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._create_foreign_member(text, text, text, text, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._settings_columns(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability.shard_mismatches() FROM PUBLIC;

-- A coordinator: its servers are marked as a fresh distribute() marks them. They must be
-- updated first (docs/SHARDS.md, "Updating"): a server still at 0.7.0 could not be marked;
-- one at 0.8.0 or later can.
DO $$
DECLARE
    shard record;
    status jsonb;
BEGIN
    FOR shard IN SELECT s.remainder, s.server FROM reliability._shards s ORDER BY s.remainder LOOP
        EXECUTE pg_catalog.format('INSERT INTO reliability.%I (call) VALUES (%L) RETURNING result',
                                  reliability._shard_table(shard.remainder, 'calls'), 'status')
           INTO status;
        IF (status OPERATOR(pg_catalog.->>) 'version') IS NULL
           OR pg_catalog.string_to_array(status OPERATOR(pg_catalog.->>) 'version', '.')::integer[]
              OPERATOR(pg_catalog.<) ARRAY[0, 8, 0] THEN
            RAISE EXCEPTION 'server "%" has reliability %: update every server to 0.8.0 or later before its coordinator',
                            shard.server, status OPERATOR(pg_catalog.->>) 'version'
                USING ERRCODE = 'object_not_in_prerequisite_state';
        END IF;
        EXECUTE pg_catalog.format('INSERT INTO reliability.%I (call) VALUES (%L)',
                                  reliability._shard_table(shard.remainder, 'calls'), 'configure');
    END LOOP;
END
$$;

-- What reliability--0.8.0--0.9.0.sql does.
-- Brings a 0.8.0 database to exactly the catalog of a fresh 0.9.0 install (src/sql/*.sql;
-- test/upgrade/compare_install.sh checks it). Like the install script, it pins search_path
-- for its own statements and qualifies every operator and function it evaluates or stores.
SET LOCAL search_path = pg_catalog, pg_temp;
