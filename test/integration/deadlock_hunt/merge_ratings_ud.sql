-- MERGE INTO ratings with only UPDATE and DELETE actions (no INSERT action: its UPDATE and
-- DELETE statement triggers have no pending insert to hand their machines to).
\set r random(1, 1000000000)
\set k random(2, 10)
/* hunt:merge_ratings_ud */ WITH locked AS (
    SELECT r.machine_id, r.user_id FROM reliability.ratings r
     WHERE r.machine_id IN (SELECT p.machine_id FROM public.hunt_pick(:r, :k) p)
       AND r.user_id IN ('pool-1', 'pool-2', 'pool-3')
     ORDER BY r.machine_id, r.user_id FOR UPDATE)
MERGE INTO reliability.ratings t
USING locked s ON t.machine_id = s.machine_id AND t.user_id = s.user_id
WHEN MATCHED AND random() < 0.3 THEN DELETE
WHEN MATCHED THEN UPDATE SET stars = 1 + floor(random() * 5)::int, comment = 'merge ud', updated_at = now();
