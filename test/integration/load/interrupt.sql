-- An interruption of a random machine now; instance_id 'load-c<client>-<slot>' is unique.
\set m random(1, :fleet)
-- The next time slot of this client: 128 µs wide, strictly increasing per client
-- (:slot persists between transactions of a client; pgbench -D slot=0 starts it).
SELECT greatest((extract(epoch FROM clock_timestamp()) * 1000000)::bigint / 128, :slot + 1) AS slot \gset
INSERT INTO reliability.interruptions (machine_id, occurred_at, instance_id, reason)
SELECT f.machine_id, clock_timestamp(), 'load-c' || :client_id || '-' || :slot, 'load test'
  FROM public.load_fleet f WHERE f.n = :m;
