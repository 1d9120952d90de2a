-- INSERT ... ON CONFLICT DO UPDATE on ratings of one shared user for :k machines (machine
-- order: the rows exist and are locked by the statement itself).
\set r random(1, 1000000000)
\set k random(2, 12)
\set u random(1, 3)
/* hunt:rate_upsert */ INSERT INTO reliability.ratings AS t (machine_id, user_id, stars, comment)
SELECT p.machine_id, 'pool-' || :u, 1 + floor(random() * 5)::int, 'upsert'
  FROM public.hunt_sorted(:r, :k) p
ON CONFLICT (machine_id, user_id) DO UPDATE SET stars = excluded.stars, comment = excluded.comment, updated_at = now();
