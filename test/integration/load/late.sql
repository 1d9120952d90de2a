-- A late observation: 5 s (39,062 slots) behind the client's clock, at residue 64 +
-- client_id, so it is older than cached rows' computed_at (the cache must recompute in
-- full, not slide) and still unique (its slot is strictly increasing too).
\set m random(1, :fleet)
-- The next time slot of this client: 128 µs wide, strictly increasing per client
-- (:slot persists between transactions of a client; pgbench -D slot=0 starts it).
SELECT greatest((extract(epoch FROM clock_timestamp()) * 1000000)::bigint / 128, :slot + 1) AS slot \gset
INSERT INTO reliability.observations (machine_id, observed_at, online)
SELECT f.machine_id, timestamptz 'epoch' + ((:slot - 39062) * 128 + 64 + :client_id) * interval '1 microsecond', random() < f.p_online
  FROM public.load_fleet f WHERE f.n = :m;
