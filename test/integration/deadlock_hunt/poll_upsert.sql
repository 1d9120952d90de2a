-- An idempotent (re)sent poll cycle: INSERT ... ON CONFLICT (machine_id, observed_at) DO
-- UPDATE on keys shared by every client (the current whole second, or a whole 5-minute
-- point of the history), so the conflict path runs against rows other clients write at the
-- same time. Rows in machine order: existing rows are locked by the statement itself, and
-- two upserts of the same keys in opposite orders deadlock in PostgreSQL with or without
-- the extension.
\set r random(1, 1000000000)
\set k random(3, 30)
\set back random(0, 3)
\set a random(0, 863)
/* hunt:poll_upsert */ INSERT INTO reliability.observations AS o (machine_id, observed_at, online)
SELECT p.machine_id,
       CASE WHEN :back = 0 THEN public.hunt_t0() - :a * interval '5 minutes' ELSE date_trunc('second', now()) END,
       random() < p.p_online
  FROM public.hunt_sorted(:r, :k) p
ON CONFLICT (machine_id, observed_at) DO UPDATE SET online = excluded.online;
