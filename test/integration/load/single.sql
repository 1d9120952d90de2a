-- One observation of one random machine, at the client's next slot (residue client_id).
\set m random(1, :fleet)
-- The next time slot of this client: 128 µs wide, strictly increasing per client
-- (:slot persists between transactions of a client; pgbench -D slot=0 starts it).
SELECT greatest((extract(epoch FROM clock_timestamp()) * 1000000)::bigint / 128, :slot + 1) AS slot \gset
INSERT INTO reliability.observations (machine_id, observed_at, online)
SELECT f.machine_id, timestamptz 'epoch' + (:slot * 128 + :client_id) * interval '1 microsecond', random() < f.p_online
  FROM public.load_fleet f WHERE f.n = :m;
