-- Shards (SPEC §12): one coordinator over several servers, with PostgreSQL's own facilities.
-- distribute() turns an empty database into a coordinator: every per-machine table becomes a
-- table partitioned by HASH (machine_id) whose partitions are postgres_fdw foreign tables on
-- the servers, where the same extension keeps its own cache with its own triggers.
-- reliability.machines (the registry: ids and (provider, external_id) unique) and settings
-- stay on the coordinator, and triggers copy their changes to the servers in the writer's
-- transaction. docs/SHARDS.md tells the whole design, its limits and its failure modes.

-- Whether any of the extension's data tables holds a row: distribute() refuses such a
-- database, and such a server (SPEC §12).
CREATE FUNCTION reliability._holds_rows() RETURNS boolean LANGUAGE sql STABLE
BEGIN ATOMIC
    SELECT EXISTS (SELECT FROM reliability.machines) OR EXISTS (SELECT FROM reliability.observations)
        OR EXISTS (SELECT FROM reliability.interruptions) OR EXISTS (SELECT FROM reliability.ratings)
        OR EXISTS (SELECT FROM reliability.deploy_attempts) OR EXISTS (SELECT FROM reliability.blacklist)
        OR EXISTS (SELECT FROM reliability.scores) OR EXISTS (SELECT FROM reliability.history);
END;
COMMENT ON FUNCTION reliability._holds_rows() IS 'Internal: whether any data table of the extension holds a row.';

-- Coordinator: the name of its foreign table over one server's relation (calls, settings,
-- retention, reliability, machines).
CREATE FUNCTION reliability._shard_table(remainder integer, relation text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
BEGIN ATOMIC
    SELECT pg_catalog.format('_shard%s_%s', remainder, relation);
END;
COMMENT ON FUNCTION reliability._shard_table(integer, text) IS 'Internal (coordinator): the name of its foreign table over a server''s relation.';

-- Coordinator: a foreign table over reliability.<remote> on a server, made a member of the
-- extension. shape is its column list in parentheses or a PARTITION OF clause.
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

-- Every server: the coordinator's way to run a function there, inside its transaction. An
-- INSERT through a postgres_fdw foreign table over this view runs the call and returns its
-- result (RETURNING sees the row the INSTEAD OF trigger returns). Never holds a row.
CREATE VIEW reliability._remote_calls AS
SELECT NULL::bigint AS machine_id, NULL::text AS call, NULL::jsonb AS args, NULL::jsonb AS result
 WHERE false;
COMMENT ON VIEW reliability._remote_calls IS
    'Internal (SPEC §12): a coordinator runs refresh, rebuild, compact and its checks on this server by inserting (call, args) here.';

-- With the caller's rights: the coordinator's user mapping decides what may run.
CREATE FUNCTION reliability._remote_call() RETURNS trigger
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
COMMENT ON FUNCTION reliability._remote_call() IS 'Internal trigger: runs a coordinator''s call on this server (SPEC §12).';
CREATE TRIGGER remote_call INSTEAD OF INSERT ON reliability._remote_calls
    FOR EACH ROW EXECUTE FUNCTION reliability._remote_call();

-- The coordinator's servers: partition `remainder` of every per-machine table lives on
-- `server`. Empty on a single database and on a server.
CREATE TABLE reliability._shards (
    remainder integer PRIMARY KEY CONSTRAINT _shards_remainder_valid CHECK (remainder OPERATOR(pg_catalog.>=) 0),
    server    name NOT NULL UNIQUE
);
COMMENT ON TABLE reliability._shards IS
    'Internal (SPEC §12): on a coordinator, the foreign server that holds each hash partition of the per-machine tables; empty elsewhere.';

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

-- SECURITY DEFINER: partition_by_time() asks it with the caller's rights, who need not read _shards.
CREATE FUNCTION reliability._distributed() RETURNS boolean LANGUAGE sql STABLE PARALLEL SAFE
SECURITY DEFINER SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
    SELECT EXISTS (SELECT FROM reliability._shards);
END;
COMMENT ON FUNCTION reliability._distributed() IS 'Internal: whether this database is a coordinator (SPEC §12).';

-- Coordinator: "SELECT * FROM <each server's foreign table over relation> UNION ALL ...", in
-- server order (the view over the servers' views, the servers' retention rows).
CREATE FUNCTION reliability._shards_union(relation text) RETURNS text LANGUAGE sql STABLE
BEGIN ATOMIC
    SELECT pg_catalog.string_agg(pg_catalog.format('SELECT * FROM reliability.%I', reliability._shard_table(s.remainder, relation)),
                                 ' UNION ALL ' ORDER BY s.remainder)
      FROM reliability._shards s;
END;
COMMENT ON FUNCTION reliability._shards_union(text) IS 'Internal (coordinator): the UNION ALL of every server''s foreign table over a relation.';

-- Coordinator: its retention row says what every server's says, for the readers that run
-- here (score(), daily_uptime(), report() read whole days from history before
-- materialized_before and refuse windows before compacted_before): the days every server
-- has materialized, and the latest horizon of any. Set after each refresh, rebuild and
-- compact through the coordinator (run those here, not on a server alone).
CREATE FUNCTION reliability._retention_from_shards() RETURNS void
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
COMMENT ON FUNCTION reliability._retention_from_shards() IS 'Internal (coordinator): sets its retention row from the servers'' (SPEC §9, §12).';

-- Runs a call on every server, one after the other, in this transaction; the sum of the
-- results (rows written, rows deleted).
CREATE FUNCTION reliability._on_every_shard(call text, args jsonb) RETURNS bigint
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
COMMENT ON FUNCTION reliability._on_every_shard(text, jsonb) IS 'Internal: runs refresh, rebuild or compact on every server of a coordinator; returns the sum of their results.';

-- Coordinator: ranked()'s rows over the servers. Each server lists its own best rows with the
-- LIMIT (its score index, its own blacklist and observations) and the coordinator merges them
-- (a LIMIT is pushed to a server only inside a query on its one foreign table). SECURITY
-- DEFINER for those foreign tables; it reads no more than the view, which the session's role
-- must be allowed to read (ranked() checks the current role too).
CREATE FUNCTION reliability._ranked_on_shards(min_score double precision, tiers text[], include_stale boolean,
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
COMMENT ON FUNCTION reliability._ranked_on_shards(double precision, text[], boolean, integer, double precision, double precision, boolean) IS
    'Internal (coordinator): ranked()''s rows, each server listing its best; unscored: the machines without a score, newest first.';

-- A column list "name type, ..." of a table, for a foreign table of the same shape.
CREATE FUNCTION reliability._column_definitions(t regclass) RETURNS text LANGUAGE sql STABLE
BEGIN ATOMIC
    SELECT pg_catalog.string_agg(pg_catalog.format('%I %s', a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod)), ', ' ORDER BY a.attnum)
      FROM pg_catalog.pg_attribute a
     WHERE a.attrelid OPERATOR(pg_catalog.=) t AND a.attnum OPERATOR(pg_catalog.>) 0 AND NOT a.attisdropped;
END;
COMMENT ON FUNCTION reliability._column_definitions(regclass) IS 'Internal: the columns of a table as "name type, ...".';

-- GRANTs that give a new object the privileges an old one had (relacl or proacl).
CREATE FUNCTION reliability._grants(privileges aclitem[], object_kind text, object_name text) RETURNS SETOF text
LANGUAGE sql STABLE
BEGIN ATOMIC
    SELECT pg_catalog.format('GRANT %s ON %s %s TO %s%s', x.privilege_type, object_kind, object_name,
                             CASE WHEN x.grantee OPERATOR(pg_catalog.=) 0::oid THEN 'PUBLIC'
                                  ELSE pg_catalog.quote_ident(pg_catalog.pg_get_userbyid(x.grantee)) END,
                             CASE WHEN x.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END)
      FROM pg_catalog.aclexplode(privileges) x;
END;
COMMENT ON FUNCTION reliability._grants(aclitem[], text, text) IS 'Internal: the GRANT statements that rebuild an ACL on another object.';

-- Coordinator: machines registered here are copied to the server that holds them (its
-- foreign keys and row locks need them there), in the writer's transaction.
CREATE FUNCTION reliability._machines_to_shards() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN   -- the servers' machines, and with them all their rows
        TRUNCATE reliability._shard_machines CASCADE;
    ELSIF TG_OP = 'INSERT' THEN
        INSERT INTO reliability._shard_machines (machine_id, provider, external_id, created_at)
        VALUES (NEW.machine_id, NEW.provider, NEW.external_id, NEW.created_at);
    ELSIF TG_OP = 'UPDATE' THEN
        IF NEW.machine_id OPERATOR(pg_catalog.<>) OLD.machine_id THEN
            RAISE EXCEPTION 'a distributed machine keeps its machine_id' USING ERRCODE = 'feature_not_supported';
        END IF;
        UPDATE reliability._shard_machines s
           SET provider = NEW.provider, external_id = NEW.external_id, created_at = NEW.created_at
         WHERE s.machine_id OPERATOR(pg_catalog.=) OLD.machine_id;
    ELSE
        DELETE FROM reliability._shard_machines s WHERE s.machine_id OPERATOR(pg_catalog.=) OLD.machine_id;
    END IF;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION reliability._machines_to_shards() IS 'Internal trigger (coordinator): copies a machine''s registration, change or removal to its server, and a TRUNCATE to every server.';

-- Coordinator: a settings change reaches every server in the same transaction (each server's
-- own triggers then recompute its cache).
CREATE FUNCTION reliability._settings_push(st reliability.settings) RETURNS void
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
COMMENT ON FUNCTION reliability._settings_push(reliability.settings) IS 'Internal (coordinator): writes a settings row to every server.';
CREATE FUNCTION reliability._settings_to_shards() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM reliability._settings_push(NEW);
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION reliability._settings_to_shards() IS 'Internal trigger (coordinator): copies a settings change to every server.';

-- Coordinator: rate() as an UPDATE, else an INSERT (postgres_fdw cannot run INSERT ... ON
-- CONFLICT DO UPDATE). A concurrent first rating by the same user makes the INSERT fail on
-- the server's key; the server's transaction reads at one snapshot (postgres_fdw's remote
-- transactions are REPEATABLE READ), so that rating stays invisible to it and an UPDATE
-- could never find it: 40001, for the client to retry, as a serialization failure is. With
-- the caller's rights, as rate().
CREATE FUNCTION reliability._rate_distributed(machine_id bigint, user_id text, stars integer, comment text,
                                              rental_duration_hours double precision, instance_id text)
RETURNS reliability.ratings LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    result reliability.ratings;
BEGIN
    UPDATE reliability.ratings r
       SET stars = _rate_distributed.stars, comment = _rate_distributed.comment,
           rental_duration_hours = _rate_distributed.rental_duration_hours,
           instance_id = _rate_distributed.instance_id, updated_at = pg_catalog.now()
     WHERE r.machine_id OPERATOR(pg_catalog.=) _rate_distributed.machine_id
       AND r.user_id OPERATOR(pg_catalog.=) _rate_distributed.user_id
    RETURNING r.* INTO result;
    IF FOUND THEN
        RETURN result;
    END IF;
    BEGIN
        INSERT INTO reliability.ratings AS r (machine_id, user_id, stars, comment, rental_duration_hours, instance_id)
        VALUES (_rate_distributed.machine_id, _rate_distributed.user_id, _rate_distributed.stars,
                _rate_distributed.comment, _rate_distributed.rental_duration_hours, _rate_distributed.instance_id)
        RETURNING r.* INTO result;
    EXCEPTION WHEN unique_violation THEN
        RAISE EXCEPTION 'machine % was rated by user % in a concurrent transaction', _rate_distributed.machine_id,
                        pg_catalog.quote_literal(_rate_distributed.user_id)
            USING ERRCODE = 'serialization_failure',
                  HINT = 'Retry the transaction (on a coordinator a server reads at one snapshot per transaction).';
    END;
    RETURN result;
END
$$;
COMMENT ON FUNCTION reliability._rate_distributed(bigint, text, integer, text, double precision, text) IS
    'Internal (coordinator): rate() without ON CONFLICT, which postgres_fdw cannot run.';

-- Coordinator: the machines whose registration differs between the coordinator and the server
-- that holds them, after a crash mid-commit (postgres_fdw has no two-phase commit;
-- docs/SHARDS.md, "Failures"): registered on the server only, on the coordinator only, or on
-- both with another provider or external id. Reads every server's machines.
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

CREATE FUNCTION reliability._set_server_option(server name, option text, value text) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    current text;
BEGIN
    SELECT o.option_value INTO current
      FROM pg_catalog.pg_foreign_server s, pg_catalog.pg_options_to_table(s.srvoptions) o
     WHERE s.srvname OPERATOR(pg_catalog.=) server AND o.option_name OPERATOR(pg_catalog.=) option;
    IF NOT FOUND THEN
        EXECUTE pg_catalog.format('ALTER SERVER %I OPTIONS (ADD %I %L)', server, option, value);
    ELSIF option OPERATOR(pg_catalog.=) 'extensions' THEN
        IF NOT (value OPERATOR(pg_catalog.=) ANY (pg_catalog.string_to_array(pg_catalog.replace(current, ' ', ''), ','))) THEN
            EXECUTE pg_catalog.format('ALTER SERVER %I OPTIONS (SET %I %L)', server, option, current || ',' || value);
        END IF;
    ELSE
        EXECUTE pg_catalog.format('ALTER SERVER %I OPTIONS (SET %I %L)', server, option, value);
    END IF;
END
$$;
COMMENT ON FUNCTION reliability._set_server_option(name, text, text) IS 'Internal: adds or sets a foreign server option (extensions: adds reliability to the list).';

CREATE FUNCTION reliability.distribute(servers text[]) RETURNS void
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
COMMENT ON FUNCTION reliability.distribute(text[]) IS
    'Turns this empty database into a coordinator over the given postgres_fdw servers (SPEC §12): every per-machine table is hash-partitioned by machine_id onto them.';
