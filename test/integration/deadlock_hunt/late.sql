-- Late rows: :j observations of each of :k machines (random machine order), stamped
-- between about 2 s and 70 min in the past, so before the machines' cached computed_at;
-- more than 16 rows of one machine take the trigger's full-recompute path.
\set r random(1, 1000000000)
\set k random(1, 6)
\set j random(1, 20)
\set back random(2, 4000)
/* hunt:late */ INSERT INTO reliability.observations (machine_id, observed_at, online)
SELECT p.machine_id, public.hunt_stamp(x.n, :back + g), random() < p.p_online
  FROM (SELECT nextval('public.hunt_seq') AS n) x, public.hunt_pick(:r, :k) p, generate_series(0, :j - 1) g;
