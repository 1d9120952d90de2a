-- UPDATE of the observations of :k machines in a 20-minute span (recent, or up to 3 days
-- back): online flipped. The rows are locked in machine order (FOR UPDATE subquery).
\set r random(1, 1000000000)
\set k random(2, 15)
\set a random_exponential(0, 4320, 6.0)
/* hunt:update_obs */ UPDATE reliability.observations o SET online = NOT o.online
 WHERE (o.machine_id, o.observed_at) IN (
       SELECT l.machine_id, l.observed_at FROM reliability.observations l
        WHERE l.machine_id IN (SELECT p.machine_id FROM public.hunt_pick(:r, :k) p)
          AND l.observed_at >= now() - (:a + 20) * interval '1 minute' AND l.observed_at < now() - :a * interval '1 minute'
        ORDER BY l.machine_id, l.observed_at FOR UPDATE);
