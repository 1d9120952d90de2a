-- New ratings (a new user) of :k machines in one plain INSERT, rows in random machine order.
\set r random(1, 1000000000)
\set k random(1, 10)
/* hunt:rate_fresh */ INSERT INTO reliability.ratings (machine_id, user_id, stars, comment)
SELECT p.machine_id, 'f' || x.n, 1 + floor(random() * 5)::int, 'fresh'
  FROM (SELECT nextval('public.hunt_seq') AS n) x, public.hunt_pick(:r, :k) p;
