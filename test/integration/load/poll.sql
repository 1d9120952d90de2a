-- A poll cycle: one statement inserting one observation of every machine of the fleet, in
-- random order (the extension locks in machine order). observed_at = the client's slot
-- + client_id µs: no two clients, no two slots of one client ever produce the same
-- (machine_id, observed_at).
-- The next time slot of this client: 128 µs wide, strictly increasing per client
-- (:slot persists between transactions of a client; pgbench -D slot=0 starts it).
SELECT greatest((extract(epoch FROM clock_timestamp()) * 1000000)::bigint / 128, :slot + 1) AS slot \gset
INSERT INTO reliability.observations (machine_id, observed_at, online)
SELECT f.machine_id, timestamptz 'epoch' + (:slot * 128 + :client_id) * interval '1 microsecond', random() < f.p_online
  FROM public.load_fleet f
 ORDER BY random();
