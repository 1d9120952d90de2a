-- UPDATE that moves one observation of each of :k machines to a fresh stamp (now or up to
-- 10 minutes back): the old and the new place both change the window. Machine order.
\set r random(1, 1000000000)
\set k random(1, 10)
\set a random_exponential(0, 4320, 6.0)
\set back random(0, 600)
/* hunt:move_obs */ UPDATE reliability.observations o SET observed_at = public.hunt_stamp(x.n, :back)
  FROM (SELECT nextval('public.hunt_seq') AS n) x
 WHERE (o.machine_id, o.observed_at) IN (
       SELECT l.machine_id, l.observed_at
         FROM public.hunt_sorted(:r, :k) p
        CROSS JOIN LATERAL (SELECT o2.machine_id, o2.observed_at FROM reliability.observations o2
                             WHERE o2.machine_id = p.machine_id AND o2.observed_at >= now() - :a * interval '1 minute'
                             ORDER BY o2.observed_at LIMIT 1 FOR UPDATE) l);
