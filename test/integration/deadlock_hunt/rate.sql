-- reliability.rate() by one of 3 shared users of any machine: hot rows, insert or update.
\set m random(1, 40)
\set u random(1, 3)
\set s random(1, 5)
/* hunt:rate */ SELECT (reliability.rate((SELECT f.machine_id FROM public.hunt_fleet f WHERE f.n = :m), 'pool-' || :u, :s, 'hunt')).stars;
