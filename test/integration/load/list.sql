-- What an API asks: the 50 best machines that are not blacklisted, score 70 or more.
SELECT machine_id, provider, external_id, score, tier
  FROM reliability.machine_reliability
 WHERE NOT blacklisted AND score >= 70
 ORDER BY score DESC NULLS LAST
 LIMIT 50;
