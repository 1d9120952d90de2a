-- DELETE of some interruptions of :k machines. Locked in machine order.
\set r random(1, 1000000000)
\set k random(2, 10)
/* hunt:delete_int */ DELETE FROM reliability.interruptions i
 WHERE i.instance_id IN (
       SELECT l.instance_id FROM reliability.interruptions l
        WHERE l.machine_id IN (SELECT p.machine_id FROM public.hunt_pick(:r, :k) p)
        ORDER BY l.machine_id, l.instance_id LIMIT :k FOR UPDATE);
