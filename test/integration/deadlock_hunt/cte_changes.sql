-- One statement writing two tables without an INSERT: deletes interruptions of :k1
-- machines and updates the shared users' ratings of :k2 machines (each table's rows locked
-- in machine order).
\set r1 random(1, 1000000000)
\set r2 random(1, 1000000000)
\set k1 random(1, 6)
\set k2 random(1, 8)
/* hunt:cte_changes */ WITH d AS (DELETE FROM reliability.interruptions i
            WHERE i.instance_id IN (SELECT l.instance_id FROM reliability.interruptions l
                                     WHERE l.machine_id IN (SELECT p.machine_id FROM public.hunt_pick(:r1, :k1) p)
                                     ORDER BY l.machine_id, l.instance_id LIMIT :k1 FOR UPDATE)
           RETURNING 1)
UPDATE reliability.ratings t SET stars = 1 + floor(random() * 5)::int, comment = 'cte', updated_at = now()
 WHERE (t.machine_id, t.user_id) IN (SELECT l.machine_id, l.user_id FROM reliability.ratings l
                                      WHERE l.machine_id IN (SELECT p.machine_id FROM public.hunt_pick(:r2, :k2) p)
                                        AND l.user_id IN ('pool-1', 'pool-2', 'pool-3')
                                      ORDER BY l.machine_id, l.user_id FOR UPDATE);
