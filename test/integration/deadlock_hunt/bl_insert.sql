-- Manual or temporary blacklist entries for :k machines (in machine order; the
-- auto-blacklist writes its entries in machine order too), replacing what is there.
\set r random(1, 1000000000)
\set k random(1, 5)
\set t random(0, 3)
/* hunt:bl_insert */ INSERT INTO reliability.blacklist AS b (machine_id, kind, reason, blocked_by, expires_at)
SELECT p.machine_id, CASE WHEN :t = 0 THEN 'manual' ELSE 'temporary' END, 'hunt', 'deadlock_hunt',
       CASE WHEN :t = 0 THEN NULL ELSE now() + :t * interval '5 seconds' END
  FROM public.hunt_sorted(:r, :k) p
ON CONFLICT (machine_id) DO UPDATE SET kind = excluded.kind, reason = excluded.reason, blocked_by = excluded.blocked_by,
                                       blacklisted_at = excluded.blacklisted_at, expires_at = excluded.expires_at;
