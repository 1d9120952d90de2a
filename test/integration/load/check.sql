-- A checker running among the writers: in one snapshot (REPEATABLE READ, so every query of
-- the transaction sees the same committed state), every cached row must equal
-- reliability.score(machine_id, computed_at). Mismatches are recorded, not raised, so the
-- run goes on and load.sh reports them all.
BEGIN ISOLATION LEVEL REPEATABLE READ;
INSERT INTO public.midrun_problems (client, machine_id, computed_at, cached, exact)
SELECT :client_id, s.machine_id, s.computed_at,
       ROW(s.score, s.tier, s.uptime, s.uptime_component, s.interruption_component, s.rating_component,
           s.online_seconds, s.offline_seconds, s.covered_seconds, s.coverage, s.interruptions,
           s.rating_count, s.rating_mean, s.last_observed_at, s.as_of)::reliability.score,
       reliability.score(s.machine_id, s.computed_at)
  FROM reliability.scores s
 WHERE ROW(s.score, s.tier, s.uptime, s.uptime_component, s.interruption_component, s.rating_component,
           s.online_seconds, s.offline_seconds, s.covered_seconds, s.coverage, s.interruptions,
           s.rating_count, s.rating_mean, s.last_observed_at, s.as_of)::reliability.score
       IS DISTINCT FROM reliability.score(s.machine_id, s.computed_at);
COMMIT;
