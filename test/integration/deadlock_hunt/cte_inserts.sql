-- One statement writing three tables (data-modifying CTEs): interruptions of :k1 machines,
-- new ratings of :k2 machines, fresh observations of :k3 machines, each in random machine
-- order (three INSERT statement triggers of one statement).
\set r1 random(1, 1000000000)
\set r2 random(1, 1000000000)
\set r3 random(1, 1000000000)
\set k1 random(1, 6)
\set k2 random(1, 6)
\set k3 random(1, 12)
/* hunt:cte_inserts */ WITH x AS MATERIALIZED (SELECT nextval('public.hunt_seq') AS n),
i AS (INSERT INTO reliability.interruptions (machine_id, occurred_at, instance_id, reason)
      SELECT p.machine_id, now() - random() * interval '2 days', 'c' || x.n || '-' || p.machine_id, 'cte'
        FROM x, public.hunt_pick(:r1, :k1) p RETURNING 1),
r AS (INSERT INTO reliability.ratings (machine_id, user_id, stars, comment)
      SELECT p.machine_id, 'c' || x.n, 1 + floor(random() * 5)::int, 'cte'
        FROM x, public.hunt_pick(:r2, :k2) p RETURNING 1)
INSERT INTO reliability.observations (machine_id, observed_at, online)
SELECT p.machine_id, public.hunt_stamp(x.n), random() < p.p_online FROM x, public.hunt_pick(:r3, :k3) p;
