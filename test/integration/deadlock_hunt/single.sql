-- One observation of one machine.
\set m random(1, 40)
/* hunt:single */ INSERT INTO reliability.observations (machine_id, observed_at, online)
SELECT f.machine_id, public.hunt_stamp(nextval('public.hunt_seq')), random() < f.p_online
  FROM public.hunt_fleet f WHERE f.n = :m;
