-- A rating by one of 3 shared users of one of the first 10 machines: every client upserts
-- the same 30 rows (insert or ON CONFLICT DO UPDATE), so updates of one row collide.
\set m random(1, 10)
\set u random(1, 3)
\set stars random(1, 5)
SELECT (reliability.rate((SELECT f.machine_id FROM public.load_fleet f WHERE f.n = :m),
                         'pool-u' || :u, :stars, 'pool ' || :client_id)).stars;
