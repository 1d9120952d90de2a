-- reliability: exact, trigger-maintained reliability scores for GPU marketplace machines.
-- Assembled from src/sql/*.sql by the Makefile. Every object is schema-qualified so the
-- script (and every function body) behaves the same under any search_path.
--
-- Security (SPEC §7; PostgreSQL's "Security Considerations for Extensions"): this script
-- runs as a superuser with search_path = reliability, pg_temp, so anything that resolves a
-- name through search_path could pick an object planted in schema reliability. Therefore:
--   * the script runs with search_path = pg_catalog, pg_temp (SET LOCAL: CREATE EXTENSION
--     restores the caller's search_path when the script ends);
--   * it refuses a schema reliability that someone else prepared (below);
--   * every operator in what the script evaluates or stores outside a function body with a
--     pinned search_path (CHECK constraints, trigger WHEN clauses, index expressions, the
--     view, BEGIN ATOMIC bodies, top-level statements) is written OPERATOR(pg_catalog.x)
--     (BETWEEN, IN, IS DISTINCT FROM, LIKE and CASE x WHEN are operator lookups too, so none
--     is used there);
--   * every call of one of the extension's own functions passes arguments of exactly the
--     declared types (NULL::bigint[], 'as_of'::pg_catalog.text, every defaulted argument
--     given), so no overload that someone adds to schema reliability can capture it;
--   * every PL/pgSQL function pins search_path = pg_catalog, pg_temp; every SQL function
--     is BEGIN ATOMIC (parsed here, not at call time).

\echo Use "CREATE EXTENSION reliability" to load this file. \quit

SET LOCAL search_path = pg_catalog, pg_temp;

-- Refuse a schema reliability that this CREATE EXTENSION cannot trust. The control file's
-- "schema = reliability" makes CREATE EXTENSION create the schema when it does not exist
-- (owned by the installing superuser, empty, no privileges for anyone else), but it
-- silently reuses an existing one: one created beforehand by, e.g., a database owner who is
-- not a superuser (as on managed services), with operators or functions planted in it that
-- this script or the extension's SECURITY DEFINER functions would run with superuser
-- rights. PostgreSQL 15 records neither case as an extension member, so the schema is
-- judged by what can be seen of it: it must be owned by a superuser, no other role may
-- create objects in it, and it must hold nothing yet (this extension's own pg_extension
-- row aside). That accepts the schema CREATE EXTENSION has just made, and the empty,
-- superuser-owned schema that a pg_dump restore creates right before its CREATE EXTENSION
-- (pg_dump dumps the schema, which is not an extension member, as CREATE SCHEMA; its ACL
-- is restored later), and refuses everything a less privileged role could have prepared.
-- Written with qualified operators and functions only: it runs before the schema is known
-- to be safe.
DO $guard$
DECLARE
    nsp pg_catalog.oid;
    owner_name pg_catalog.text;
    owner_is_superuser boolean;
    creators pg_catalog.text;
    contents pg_catalog.text;
    problems pg_catalog.text[] := '{}';
BEGIN
    SELECT n.oid, r.rolname::pg_catalog.text, r.rolsuper INTO nsp, owner_name, owner_is_superuser
      FROM pg_catalog.pg_namespace n
      JOIN pg_catalog.pg_authid r ON r.oid OPERATOR(pg_catalog.=) n.nspowner
     WHERE n.nspname OPERATOR(pg_catalog.=) 'reliability'::pg_catalog.name;

    -- Roles other than the owner (and superusers) that may create objects in the schema.
    SELECT pg_catalog.string_agg(DISTINCT CASE WHEN a.grantee OPERATOR(pg_catalog.=) 0::pg_catalog.oid THEN 'PUBLIC'
                                               ELSE pg_catalog.quote_ident(g.rolname::pg_catalog.text) END, ', ')
      INTO creators
      FROM pg_catalog.pg_namespace n
     CROSS JOIN LATERAL pg_catalog.aclexplode(n.nspacl) a
      LEFT JOIN pg_catalog.pg_authid g ON g.oid OPERATOR(pg_catalog.=) a.grantee
     WHERE n.oid OPERATOR(pg_catalog.=) nsp
       AND a.privilege_type OPERATOR(pg_catalog.=) 'CREATE'::pg_catalog.text
       AND a.grantee OPERATOR(pg_catalog.<>) n.nspowner
       AND NOT COALESCE(g.rolsuper, false);

    -- Anything already in it (the first few, by name).
    SELECT pg_catalog.string_agg(x.what, ', ') INTO contents
      FROM (SELECT o.what FROM (
                SELECT pg_catalog.pg_describe_object(k.classid, k.objid, 0) AS what
                  FROM (SELECT 'pg_catalog.pg_class'::pg_catalog.regclass AS classid, c.oid AS objid
                          FROM pg_catalog.pg_class c WHERE c.relnamespace OPERATOR(pg_catalog.=) nsp
                        UNION ALL
                        SELECT 'pg_catalog.pg_proc'::pg_catalog.regclass, p.oid
                          FROM pg_catalog.pg_proc p WHERE p.pronamespace OPERATOR(pg_catalog.=) nsp
                        UNION ALL
                        SELECT 'pg_catalog.pg_type'::pg_catalog.regclass, t.oid
                          FROM pg_catalog.pg_type t WHERE t.typnamespace OPERATOR(pg_catalog.=) nsp
                        UNION ALL
                        SELECT 'pg_catalog.pg_operator'::pg_catalog.regclass, o.oid
                          FROM pg_catalog.pg_operator o WHERE o.oprnamespace OPERATOR(pg_catalog.=) nsp
                        UNION ALL
                        SELECT 'pg_catalog.pg_opclass'::pg_catalog.regclass, oc.oid
                          FROM pg_catalog.pg_opclass oc WHERE oc.opcnamespace OPERATOR(pg_catalog.=) nsp
                        UNION ALL
                        SELECT 'pg_catalog.pg_opfamily'::pg_catalog.regclass, f.oid
                          FROM pg_catalog.pg_opfamily f WHERE f.opfnamespace OPERATOR(pg_catalog.=) nsp
                        UNION ALL
                        SELECT 'pg_catalog.pg_collation'::pg_catalog.regclass, co.oid
                          FROM pg_catalog.pg_collation co WHERE co.collnamespace OPERATOR(pg_catalog.=) nsp
                        UNION ALL
                        SELECT 'pg_catalog.pg_conversion'::pg_catalog.regclass, cv.oid
                          FROM pg_catalog.pg_conversion cv WHERE cv.connamespace OPERATOR(pg_catalog.=) nsp
                        UNION ALL
                        SELECT 'pg_catalog.pg_statistic_ext'::pg_catalog.regclass, s.oid
                          FROM pg_catalog.pg_statistic_ext s WHERE s.stxnamespace OPERATOR(pg_catalog.=) nsp
                        UNION ALL
                        SELECT 'pg_catalog.pg_ts_config'::pg_catalog.regclass, tc.oid
                          FROM pg_catalog.pg_ts_config tc WHERE tc.cfgnamespace OPERATOR(pg_catalog.=) nsp
                        UNION ALL
                        SELECT 'pg_catalog.pg_ts_dict'::pg_catalog.regclass, td.oid
                          FROM pg_catalog.pg_ts_dict td WHERE td.dictnamespace OPERATOR(pg_catalog.=) nsp
                        UNION ALL
                        SELECT 'pg_catalog.pg_ts_parser'::pg_catalog.regclass, tp.oid
                          FROM pg_catalog.pg_ts_parser tp WHERE tp.prsnamespace OPERATOR(pg_catalog.=) nsp
                        UNION ALL
                        SELECT 'pg_catalog.pg_ts_template'::pg_catalog.regclass, tt.oid
                          FROM pg_catalog.pg_ts_template tt WHERE tt.tmplnamespace OPERATOR(pg_catalog.=) nsp
                        UNION ALL
                        SELECT 'pg_catalog.pg_extension'::pg_catalog.regclass, e.oid
                          FROM pg_catalog.pg_extension e
                         WHERE e.extnamespace OPERATOR(pg_catalog.=) nsp
                           AND e.extname OPERATOR(pg_catalog.<>) 'reliability'::pg_catalog.name) k
            ) o ORDER BY o.what LIMIT 5) x;

    IF NOT owner_is_superuser THEN
        problems := problems OPERATOR(pg_catalog.||)
            pg_catalog.format('it is owned by role %I, which is not a superuser', owner_name);
    END IF;
    IF creators IS NOT NULL THEN
        problems := problems OPERATOR(pg_catalog.||)
            pg_catalog.format('roles other than its owner may create objects in it (%s)', creators);
    END IF;
    IF contents IS NOT NULL THEN
        problems := problems OPERATOR(pg_catalog.||)
            pg_catalog.format('it already holds objects (%s)', contents);
    END IF;
    IF pg_catalog.cardinality(problems) OPERATOR(pg_catalog.>) 0 THEN
        RAISE EXCEPTION 'schema "reliability" already exists and cannot hold the extension safely'
            USING ERRCODE = 'duplicate_schema',
                  DETAIL = pg_catalog.format('The schema was not created by this CREATE EXTENSION: %s. Whoever controls it could run code with the installing superuser''s rights.',
                                             pg_catalog.array_to_string(problems, '; ')),
                  HINT = 'Drop or rename schema "reliability" and run CREATE EXTENSION reliability again: it then creates the schema itself.';
    END IF;
END
$guard$;
