-- MERGE INTO ratings with all three actions: the shared users' rows of :k machines are
-- deleted (about 1 in 4) or updated, new users' ratings of :k2 machines (random order) are
-- inserted. The existing rows are locked first, in machine order (the CTE), as a client
-- must for rows other statements lock too.
\set r random(1, 1000000000)
\set r2 random(1, 1000000000)
\set k random(1, 10)
\set k2 random(0, 6)
/* hunt:merge_ratings */ WITH locked AS (
    SELECT r.machine_id, r.user_id FROM reliability.ratings r
     WHERE r.machine_id IN (SELECT p.machine_id FROM public.hunt_pick(:r, :k) p)
       AND r.user_id IN ('pool-1', 'pool-2', 'pool-3')
     ORDER BY r.machine_id, r.user_id FOR UPDATE)
MERGE INTO reliability.ratings t
USING (SELECT l.machine_id, l.user_id, false AS fresh FROM locked l
       UNION ALL
       SELECT p.machine_id, 'mr' || x.n, true
         FROM (SELECT nextval('public.hunt_seq') AS n) x, public.hunt_pick(:r2, :k2) p) s
   ON t.machine_id = s.machine_id AND t.user_id = s.user_id
WHEN MATCHED AND random() < 0.25 THEN DELETE
WHEN MATCHED THEN UPDATE SET stars = 1 + floor(random() * 5)::int, comment = 'merge', updated_at = now()
WHEN NOT MATCHED AND s.fresh THEN INSERT (machine_id, user_id, stars, comment)
    VALUES (s.machine_id, s.user_id, 1 + floor(random() * 5)::int, 'merge');
