-- A new rating (an insert): user 'load-c<client>-<slot>' is unique to this transaction.
\set m random(1, :fleet)
\set stars random(1, 5)
-- The next time slot of this client: 128 µs wide, strictly increasing per client
-- (:slot persists between transactions of a client; pgbench -D slot=0 starts it).
SELECT greatest((extract(epoch FROM clock_timestamp()) * 1000000)::bigint / 128, :slot + 1) AS slot \gset
SELECT (reliability.rate((SELECT f.machine_id FROM public.load_fleet f WHERE f.n = :m),
                         'load-c' || :client_id || '-' || :slot, :stars, 'load test', 1.5, 'i-' || :slot)).stars;
