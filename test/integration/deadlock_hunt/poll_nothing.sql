-- A resent poll cycle: INSERT ... ON CONFLICT DO NOTHING on shared keys (see poll_upsert.sql),
-- rows in machine order.
\set r random(1, 1000000000)
\set k random(3, 30)
\set back random(0, 3)
\set a random(0, 863)
/* hunt:poll_nothing */ INSERT INTO reliability.observations (machine_id, observed_at, online)
SELECT p.machine_id,
       CASE WHEN :back = 0 THEN public.hunt_t0() - :a * interval '5 minutes' ELSE date_trunc('second', now()) END,
       random() < p.p_online
  FROM public.hunt_sorted(:r, :k) p
ON CONFLICT DO NOTHING;
