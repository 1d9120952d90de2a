-- bench_cache_engine item (2): one observation for a random machine of the fleet, into the
-- table with the score triggers. Client 0 writes even machine ids, client 1 odd ones, and
-- now() differs between one client's transactions: no primary key conflict is possible.
\set m 2 * random(1, :fleet / 2) - :client_id
INSERT INTO reliability.observations (machine_id, observed_at, online) VALUES (:m, now(), random() < 0.97);
