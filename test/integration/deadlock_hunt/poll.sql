-- A poll cycle: ONE plain INSERT of one observation of each of :k machines, rows in random
-- machine order. The stamp is fresh (odd µs, unique per statement): no duplicate key.
\set r random(1, 1000000000)
\set k random(5, 40)
/* hunt:poll */ INSERT INTO reliability.observations (machine_id, observed_at, online)
SELECT p.machine_id, public.hunt_stamp(x.n), random() < p.p_online
  FROM (SELECT nextval('public.hunt_seq') AS n) x, public.hunt_pick(:r, :k) p;
