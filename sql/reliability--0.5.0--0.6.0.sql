-- reliability 0.5.0 -> 0.6.0 (ALTER EXTENSION reliability UPDATE TO '0.6.0')
\echo Use "ALTER EXTENSION reliability UPDATE TO '0.6.0'" to load this file. \quit

-- Brings a 0.5.0 database to exactly the catalog of a fresh 0.6.0 install (src/sql/*.sql;
-- test/upgrade/compare_install.sh checks it). Like the install script, it pins search_path
-- for its own statements and qualifies every operator and function it evaluates or stores.
SET LOCAL search_path = pg_catalog, pg_temp;

-- The cache engine's hints (src/sql/50_scores.sql): a young machine's slide skips reading the
-- rows leaving its window. Filled here for every cached row from its own window (one index
-- descent per machine), as the engine would after a full recompute.
CREATE TABLE reliability._head_bounds (
    machine_id       bigint PRIMARY KEY REFERENCES reliability.machines ON DELETE CASCADE,
    unobserved_until timestamptz NOT NULL
);
COMMENT ON TABLE reliability._head_bounds IS
    'Internal: cache-engine hint per machine (no observation in [scores.computed_at - score_window - max_gap, unobserved_until)); written only by the extension''s triggers.';
REVOKE ALL ON reliability._head_bounds FROM PUBLIC;
-- Writers wait (their rows then lower the hints as the engine keeps them).
LOCK TABLE reliability.scores IN SHARE MODE;
INSERT INTO reliability._head_bounds (machine_id, unobserved_until)
SELECT s.machine_id, h.until
  FROM reliability.scores s CROSS JOIN reliability.settings st
 CROSS JOIN LATERAL (
       SELECT COALESCE((SELECT pg_catalog.min(o.observed_at) FROM reliability.observations o
                         WHERE o.machine_id OPERATOR(pg_catalog.=) s.machine_id
                           AND o.observed_at OPERATOR(pg_catalog.>=)
                               reliability.sub_fixed(reliability.sub_fixed(s.computed_at, st.score_window), st.max_gap)
                           AND o.observed_at OPERATOR(pg_catalog.<) s.computed_at),
                       s.computed_at) AS until) h
 WHERE pg_catalog.isfinite(s.computed_at)
   AND h.until OPERATOR(pg_catalog.>) reliability.sub_fixed(s.computed_at, st.score_window)
 ORDER BY 1;

-- A restored cached row drops the hint made for the row it replaces.
CREATE OR REPLACE FUNCTION reliability._scores_restore() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    DELETE FROM reliability.scores s WHERE s.machine_id OPERATOR(pg_catalog.=) NEW.machine_id;
    -- The hint was made for the replaced row's window.
    DELETE FROM reliability._head_bounds h WHERE h.machine_id OPERATOR(pg_catalog.=) NEW.machine_id;
    RETURN NEW;
END
$$;
