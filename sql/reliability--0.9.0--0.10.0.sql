-- reliability 0.9.0 -> 0.10.0 (ALTER EXTENSION reliability UPDATE TO '0.10.0')
\echo Use "ALTER EXTENSION reliability UPDATE TO '0.10.0'" to load this file. \quit

-- Brings a 0.9.0 database to exactly the catalog of a fresh 0.10.0 install (src/sql/*.sql;
-- test/upgrade/compare_install.sh checks it). Like the install script, it pins search_path
-- for its own statements and qualifies every operator and function it evaluates or stores.
SET LOCAL search_path = pg_catalog, pg_temp;

-- A settings change recomputes every cached row as refresh() does, whichever parameter
-- changed (SPEC §5): 0.9.0 skipped it when only stale_after or a deploy setting changed, so
-- the auto-blacklist was not applied.
CREATE OR REPLACE FUNCTION reliability._recompute_all() RETURNS trigger
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

-- "Changed" is decided by the record image comparison *=: interval "=" calls '1 year' and
-- '360 days' equal (12 months of 30 days) though their fixed lengths differ, so 0.9.0 skipped
-- such a change of a length: no recompute, no copy for pg_dump, nothing sent to the servers.
DROP TRIGGER settings_copied ON reliability.settings;
CREATE TRIGGER settings_copied AFTER UPDATE ON reliability.settings
    FOR EACH ROW WHEN (NOT (OLD OPERATOR(pg_catalog.*=) NEW)) EXECUTE FUNCTION reliability._settings_copy_sync();
DO $$
BEGIN
    -- settings_changed on a single database or a server; a coordinator has settings_to_shards instead.
    IF EXISTS (SELECT FROM pg_catalog.pg_trigger t WHERE t.tgrelid OPERATOR(pg_catalog.=) 'reliability.settings'::pg_catalog.regclass
                                                  AND t.tgname OPERATOR(pg_catalog.=) 'settings_changed') THEN
        DROP TRIGGER settings_changed ON reliability.settings;
        CREATE TRIGGER settings_changed AFTER UPDATE ON reliability.settings
            FOR EACH ROW WHEN (NOT (OLD OPERATOR(pg_catalog.*=) NEW)) EXECUTE FUNCTION reliability._recompute_all();
    END IF;
    IF EXISTS (SELECT FROM pg_catalog.pg_trigger t WHERE t.tgrelid OPERATOR(pg_catalog.=) 'reliability.settings'::pg_catalog.regclass
                                                  AND t.tgname OPERATOR(pg_catalog.=) 'settings_to_shards') THEN
        DROP TRIGGER settings_to_shards ON reliability.settings;
        CREATE TRIGGER settings_to_shards AFTER UPDATE ON reliability.settings
            FOR EACH ROW WHEN (NOT (OLD OPERATOR(pg_catalog.*=) NEW)) EXECUTE FUNCTION reliability._settings_to_shards();
    END IF;
END
$$;

-- A database where 0.9.0 or earlier skipped such a change still has the old row in the copy
-- for pg_dump, and a cache computed with it: bring the copy in step, then recompute (on a
-- coordinator, send the settings to the servers, whose own triggers recompute).
DO $$
BEGIN
    IF EXISTS (SELECT FROM reliability.settings s, reliability._settings_copy c WHERE NOT (s OPERATOR(pg_catalog.*=) c)) THEN
        ALTER TABLE reliability._settings_copy DISABLE TRIGGER settings_copy_refuse_update;
        EXECUTE 'UPDATE reliability._settings_copy SET ' OPERATOR(pg_catalog.||) reliability._settings_columns('%I = ($1).%I')
          USING (SELECT s FROM reliability.settings s);
        ALTER TABLE reliability._settings_copy ENABLE TRIGGER settings_copy_refuse_update;
        IF reliability._distributed() THEN
            PERFORM reliability._settings_push(s) FROM reliability.settings s;
        ELSE
            PERFORM reliability.rebuild();
        END IF;
    END IF;
END
$$;

-- A coordinator made from now on gets settings_to_shards with *= as well.
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
        FOR EACH ROW WHEN (NOT (OLD OPERATOR(pg_catalog.*=) NEW)) EXECUTE FUNCTION reliability._settings_to_shards();
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

-- After a compaction, lengths compare as fixed lengths too.
CREATE OR REPLACE FUNCTION reliability._settings_check_horizon() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    horizon date := (SELECT r.compacted_before FROM reliability.retention r);
    room double precision;
BEGIN
    IF horizon IS NULL THEN
        RETURN NEW;
    END IF;
    IF pg_catalog.extract('epoch', NEW.max_gap) OPERATOR(pg_catalog.<>) pg_catalog.extract('epoch', OLD.max_gap) THEN
        RAISE EXCEPTION 'max_gap cannot change after a compaction (compacted_before() = %)', horizon
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'The history of compacted days was summarized with max_gap = ' || OLD.max_gap::text || '.';
    END IF;
    -- now() - compacted_before - max_gap, in fixed-length seconds.
    room := pg_catalog.date_part('epoch', pg_catalog.now() - reliability._day_start(horizon))
            - pg_catalog.date_part('epoch', NEW.max_gap);
    IF pg_catalog.extract('epoch', NEW.score_window) OPERATOR(pg_catalog.<>) pg_catalog.extract('epoch', OLD.score_window) AND pg_catalog.date_part('epoch', NEW.score_window) > room THEN
        RAISE EXCEPTION 'score_window % reaches before the compaction horizon % (at most now() - compacted_before() - max_gap)',
                        NEW.score_window, horizon USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF pg_catalog.extract('epoch', NEW.stale_after) OPERATOR(pg_catalog.<>) pg_catalog.extract('epoch', OLD.stale_after) AND pg_catalog.date_part('epoch', NEW.stale_after) > room THEN
        RAISE EXCEPTION 'stale_after % reaches before the compaction horizon % (at most now() - compacted_before() - max_gap)',
                        NEW.stale_after, horizon USING ERRCODE = 'invalid_parameter_value';
    END IF;
    RETURN NEW;
END
$$;
