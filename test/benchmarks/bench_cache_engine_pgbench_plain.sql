-- bench_cache_engine item (2): the same one-row insert into the trigger-less twin.
\set m 2 * random(1, :fleet / 2) - :client_id
INSERT INTO bench.obs_plain (machine_id, observed_at, online) VALUES (:m, now(), random() < 0.97);
