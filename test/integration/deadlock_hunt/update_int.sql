-- UPDATE of up to 2 interruptions of each of :k machines: moved by -60..+60 minutes
-- (in or out of the score window's edges is not the point; the count and the
-- online_seconds ratio change). Locked in machine order (instance_id is unique here).
\set r random(1, 1000000000)
\set k random(2, 10)
\set d random(-60, 60)
/* hunt:update_int */ UPDATE reliability.interruptions i SET occurred_at = i.occurred_at + :d * interval '1 minute', reason = 'moved'
 WHERE i.instance_id IN (
       SELECT l.instance_id FROM reliability.interruptions l
        WHERE l.machine_id IN (SELECT p.machine_id FROM public.hunt_pick(:r, :k) p)
        ORDER BY l.machine_id, l.instance_id LIMIT 2 * :k FOR UPDATE);
