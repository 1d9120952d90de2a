-- Interruptions of :k machines in one INSERT, rows in random machine order, now or up to
-- two days back.
\set r random(1, 1000000000)
\set k random(1, 8)
\set a random_exponential(0, 2880, 4.0)
/* hunt:interrupt */ INSERT INTO reliability.interruptions (machine_id, occurred_at, instance_id, reason)
SELECT p.machine_id, now() - :a * interval '1 minute' - random() * interval '1 minute',
       'i' || x.n || '-' || p.machine_id, 'hunt'
  FROM (SELECT nextval('public.hunt_seq') AS n) x, public.hunt_pick(:r, :k) p;
