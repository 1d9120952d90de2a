-- MERGE INTO observations with all three actions: the rows of :k machines in a 15-minute
-- span (recent, or up to 3 days back) are deleted (about 1 in 3) or flipped, fresh rows of
-- :k2 machines (random order, now or late) are inserted. Existing rows locked first, in
-- machine order.
\set r random(1, 1000000000)
\set r2 random(1, 1000000000)
\set k random(1, 10)
\set k2 random(0, 10)
\set a random_exponential(0, 4320, 6.0)
\set back random(0, 600)
/* hunt:merge_obs */ WITH locked AS (
    SELECT o.machine_id, o.observed_at FROM reliability.observations o
     WHERE o.machine_id IN (SELECT p.machine_id FROM public.hunt_pick(:r, :k) p)
       AND o.observed_at >= now() - (:a + 15) * interval '1 minute' AND o.observed_at < now() - :a * interval '1 minute'
     ORDER BY o.machine_id, o.observed_at FOR UPDATE)
MERGE INTO reliability.observations t
USING (SELECT l.machine_id, l.observed_at, false AS fresh FROM locked l
       UNION ALL
       SELECT p.machine_id, public.hunt_stamp(x.n, :back), true
         FROM (SELECT nextval('public.hunt_seq') AS n) x, public.hunt_pick(:r2, :k2) p) s
   ON t.machine_id = s.machine_id AND t.observed_at = s.observed_at
WHEN MATCHED AND random() < 0.33 THEN DELETE
WHEN MATCHED THEN UPDATE SET online = NOT t.online
WHEN NOT MATCHED AND s.fresh THEN INSERT (machine_id, observed_at, online) VALUES (s.machine_id, s.observed_at, random() < 0.8);
