-- MERGE INTO observations with only UPDATE and DELETE actions (see merge_ratings_ud.sql).
\set r random(1, 1000000000)
\set k random(2, 10)
\set a random_exponential(0, 4320, 6.0)
/* hunt:merge_obs_ud */ WITH locked AS (
    SELECT o.machine_id, o.observed_at FROM reliability.observations o
     WHERE o.machine_id IN (SELECT p.machine_id FROM public.hunt_pick(:r, :k) p)
       AND o.observed_at >= now() - (:a + 15) * interval '1 minute' AND o.observed_at < now() - :a * interval '1 minute'
     ORDER BY o.machine_id, o.observed_at FOR UPDATE)
MERGE INTO reliability.observations t
USING locked s ON t.machine_id = s.machine_id AND t.observed_at = s.observed_at
WHEN MATCHED AND random() < 0.33 THEN DELETE
WHEN MATCHED THEN UPDATE SET online = NOT t.online;
