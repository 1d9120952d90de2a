-- INSERT ... ON CONFLICT DO UPDATE (or DO NOTHING) of fresh keys, rows in random machine
-- order: no row conflicts, but the statement fires the insert and the update statement
-- triggers (DO UPDATE) like an idempotent poll cycle does.
\set r random(1, 1000000000)
\set k random(5, 40)
\set nothing random(0, 1)
/* hunt:poll_fresh_upsert */ INSERT INTO reliability.observations AS o (machine_id, observed_at, online)
SELECT p.machine_id, public.hunt_stamp(x.n), random() < p.p_online
  FROM (SELECT nextval('public.hunt_seq') AS n) x, public.hunt_pick(:r, :k) p
ON CONFLICT (machine_id, observed_at) DO UPDATE SET online = excluded.online WHERE :nothing = 0;
