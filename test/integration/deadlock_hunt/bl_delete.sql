-- Lift the blacklist entries (any kind) of :k machines. Locked in machine order.
\set r random(1, 1000000000)
\set k random(1, 8)
/* hunt:bl_delete */ DELETE FROM reliability.blacklist b
 WHERE b.machine_id IN (SELECT l.machine_id FROM reliability.blacklist l
                         WHERE l.machine_id IN (SELECT p.machine_id FROM public.hunt_pick(:r, :k) p)
                         ORDER BY l.machine_id FOR UPDATE);
