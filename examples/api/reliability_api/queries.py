"""Every SQL statement of the API, one per endpoint, with the role it runs as.

Parameters are bound by the driver (:name), never formatted into the text. To change what an
endpoint runs, change its statement here; routes.py only binds parameters and shapes answers.
The list is README's "The SQL an API runs" list, its optional filters written as parameters
(a NULL tier keeps every tier).
"""
from sqlalchemy import text

# --- role api ----------------------------------------------------------------------------

# GET /api/machines: the ranked list (README), blacklisted machines hidden; machines without a
# score yet come last and pass the minimum score, as in README.
MACHINE_LIST = text("""
SELECT machine_id, provider, external_id, score, tier, uptime, interruptions, rating_mean, stale
FROM reliability.ranked(:min_score, CASE WHEN CAST(:tier AS text) IS NULL THEN NULL ELSE ARRAY[CAST(:tier AS text)] END,
                        NOT :hide_stale, :limit)
""")

# POST /api/machines: get or create a machine by the provider's ids.
MACHINE_REGISTER = text("""
SELECT reliability.machine(:provider, :external_id) AS machine_id
""")

# GET /api/machines/{id} and /badge.svg: the cached score and tier (README).
MACHINE = text("""
SELECT * FROM reliability.machine_reliability WHERE machine_id = :machine_id
""")

# GET /api/machines/{id}/report: everything about one machine as one JSON object.
REPORT = text("""
SELECT reliability.report(:machine_id) AS report
""")

# GET /api/machines/{id}/history: one row per UTC day, oldest first (no row: no such machine).
HISTORY = text("""
SELECT * FROM reliability.daily_uptime(:machine_id, :days)
""")

# GET /api/daily-uptime: the daily uptime of several machines at once (the list's bars).
DAILY_UPTIME_MANY = text("""
SELECT m.machine_id, array_agg(d.day ORDER BY d.day) AS days, array_agg(d.uptime ORDER BY d.day) AS uptime
FROM unnest(CAST(:machine_ids AS bigint[])) AS m(machine_id)
CROSS JOIN LATERAL reliability.daily_uptime(m.machine_id, :days) AS d
GROUP BY m.machine_id
""")

# GET /api/machines/{id}/periods: the timeline, online/offline/unknown stretches, oldest first,
# over the last :days days (NULL: the last score_window). No row: no such machine.
PERIODS = text("""
SELECT * FROM reliability.periods(
    :machine_id,
    CASE WHEN CAST(:days AS integer) IS NOT NULL
         THEN tstzrange(now() - make_interval(days => CAST(:days AS integer)), now()) END)
""")

# POST /api/machines/{id}/ratings: one rating per user and machine; rating again updates it.
RATE = text("""
SELECT * FROM reliability.rate(:machine_id, :user_id, :stars, :comment, :rental_duration_hours, :instance_id)
""")

# GET /api/blacklist: the active entries (and the expired ones with include_expired).
BLACKLIST_LIST = text("""
SELECT b.machine_id, m.provider, m.external_id, b.kind, b.reason, b.blocked_by, b.blacklisted_at, b.expires_at,
       (b.expires_at IS NULL OR now() < b.expires_at) AS active
FROM reliability.blacklist b JOIN reliability.machines m ON m.machine_id = b.machine_id
WHERE b.expires_at IS NULL OR now() < b.expires_at OR :include_expired
ORDER BY b.blacklisted_at DESC, b.machine_id
""")

# GET /api/machines/{id}/blacklist: is it blacklisted, and by which active entry (no row: no such machine).
BLACKLIST_CHECK = text("""
SELECT m.machine_id, b.machine_id IS NOT NULL AS blacklisted,
       b.kind, b.reason, b.blocked_by, b.blacklisted_at, b.expires_at
FROM reliability.machines m
LEFT JOIN reliability.blacklist b ON b.machine_id = m.machine_id AND (b.expires_at IS NULL OR now() < b.expires_at)
WHERE m.machine_id = :machine_id
""")

# --- a LOGIN member of operator ------------------------------------------------------------

# PUT /api/machines/{id}/blacklist: blacklist (README's INSERT), replacing the machine's entry if any.
BLACKLIST_ADD = text("""
INSERT INTO reliability.blacklist AS b (machine_id, kind, reason, blocked_by, expires_at)
VALUES (:machine_id, :kind, :reason, session_user, :expires_at)
ON CONFLICT (machine_id) DO UPDATE
SET kind = excluded.kind, reason = excluded.reason, blocked_by = excluded.blocked_by,
    blacklisted_at = now(), expires_at = excluded.expires_at
RETURNING b.*
""")

# DELETE /api/machines/{id}/blacklist: lift it (README).
BLACKLIST_REMOVE = text("""
DELETE FROM reliability.blacklist WHERE machine_id = :machine_id RETURNING *
""")

# --- role instance_manager -----------------------------------------------------------------

# POST /api/machines/{id}/deploy-attempts: one try to start an instance (SPEC §10).
DEPLOY_ATTEMPT = text("""
INSERT INTO reliability.deploy_attempts (machine_id, succeeded, failure_stage, seconds_to_ready, instance_id)
VALUES (:machine_id, :succeeded, :failure_stage, :seconds_to_ready, :instance_id)
RETURNING *
""")

# --- role monitor --------------------------------------------------------------------------

# POST /api/observe: a whole poll cycle keyed by the provider's ids; how many rows it inserted.
OBSERVE = text("""
SELECT reliability.observe(CAST(:provider AS text[]), CAST(:external_id AS text[]),
                           CAST(:observed_at AS timestamptz[]), CAST(:online AS boolean[])) AS inserted
""")
