-- A settings change: the weights and auto_blacklist_below (off, 65, 80) flip between valid
-- values (the same values as before change nothing and recompute nothing).
\set w random(1, 3)
\set b random(1, 3)
/* hunt:settings */ UPDATE reliability.settings
   SET weight_uptime = (ARRAY[0.4, 0.5, 0.3])[:w], weight_interruption = (ARRAY[0.4, 0.3, 0.5])[:w], weight_rating = 0.2,
       auto_blacklist_below = (ARRAY[NULL, 65, 80]::float8[])[:b];
