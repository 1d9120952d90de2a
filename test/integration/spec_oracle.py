#!/usr/bin/env python3
"""Differential test: SPEC.md §2, §4, §6, §8, §11 implemented again from the text alone (pure Python,
exact integer µs), compared field by field with the extension on a random fleet plus edge cases, in
three phases: as inserted; after refresh() materialized history and late writes; after a settings
change. Seconds must be equal exactly (the double nearest µs / 10^6), ratios within 1e-12 relative. Checked:
availability()/uptime() over many windows, summarize()/rollup(), score() at many as_of, compute_score(),
tier(), the cached rows of reliability.scores, daily_uptime(), sparkline(), report(), periods(), errors.
    spec_oracle.py --db DB [--seed N] [--machines N] [--verbose]     (DB: the extension, no data)
Prints the first mismatches of each kind and "spec_oracle: seed S: N comparisons, M mismatches";
exits 1 on a mismatch.
"""
import argparse, bisect, contextlib, datetime as dt, math, random, sys, time, zoneinfo
from collections import defaultdict
import psycopg2, psycopg2.extras

EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)
SEC, MIN, HOUR, DAY = 10**6, 60 * 10**6, 3600 * 10**6, 86400 * 10**6
NINF, PINF = float('-inf'), float('inf')
REL_TOL = 1e-12


def ts(us):  # the exact text of an instant in µs (UTC)
    return (EPOCH + dt.timedelta(microseconds=us)).isoformat()


def ts_us(year):  # January 1st of a year, in µs (10000: the end of 9999)
    return (dt.datetime(min(year, 9999), 1, 1, tzinfo=dt.timezone.utc) - EPOCH) // dt.timedelta(microseconds=1) \
        + (365 * DAY if year == 10000 else 0)


def rng_text(lo, hi, br='[)'):  # a tstzrange literal: None unbounded, NINF/PINF infinite, lo 'empty'
    b = lambda x: '' if x is None else 'infinity' if x == PINF else '-infinity' if x == NINF else '"%s"' % ts(x)
    return 'empty' if lo == 'empty' else br[0] + b(lo) + ',' + b(hi) + br[1]


def US(e):  # SQL: a timestamptz as exact µs (NULL when not finite)
    return f"CASE WHEN isfinite({e}) THEN (extract(epoch FROM {e}) * 1000000)::bigint END"


def sec(us):  # seconds as double precision from exact µs: the nearest double to µs / 10^6, as
    return us / 10**6  # extract(epoch FROM interval) gives it (int / int rounds once, correctly)


# ------------------------------------------------------------------------- the oracle ----
class Machine:
    def __init__(self, mid, name):
        self.id, self.name = mid, name
        self.obsd, self.intr, self.ratings, self.ever = {}, [], {}, False
        self.sort()

    def sort(self):
        self.obs = sorted(self.obsd.items())
        self.times = [t for t, _ in self.obs]
        self.intr.sort()
        self.ever |= bool(self.obsd or self.intr or self.ratings)  # §5: a cached row once it had data


def resolve(m, gap, lo, hi):
    """§2: the window [a, b) after the rules for unbounded / infinite sides; None when empty."""
    if lo == 'empty' or lo == PINF or hi == NINF:
        return None
    if (lo is None or lo == NINF or hi is None or hi == PINF) and not m.obs:
        return None
    a = m.obs[0][0] if lo is None or lo == NINF else lo
    b = m.obs[-1][0] + gap if hi is None or hi == PINF else hi
    return (a, b) if a < b else None


def segments(m, gap, a, b):
    """cover_i ∩ [a, b), in order, the non-empty ones: (start, end, state)."""
    obs, times, n = m.obs, m.times, len(m.obs)
    i = max(0, bisect.bisect_right(times, a) - 1)
    while i < n and times[i] < b:
        t, s = obs[i]
        e = min(t + gap, times[i + 1]) if i + 1 < n else t + gap
        if max(t, a) < min(e, b):
            yield max(t, a), min(e, b), s
        i += 1


def runs_of(m, gap, a, b, unknown=False):
    """Maximal stretches [state, start, end] of one state (with unknown ones if asked)."""
    out, cur = [], a

    def add(st, s, e):
        if out and out[-1][0] == st and out[-1][2] == s:
            out[-1][2] = e
        else:
            out.append([st, s, e])
    for cs, ce, s in segments(m, gap, a, b):
        if unknown and cs > cur:
            add('unknown', cur, cs)
        add('online' if s else 'offline', cs, ce)
        cur = ce
    if unknown and cur < b:
        add('unknown', cur, b)
    return out


def online_offline(m, gap, a, b):
    seg = list(segments(m, gap, a, b))
    return sum(e - s for s, e, st in seg if st), sum(e - s for s, e, st in seg if not st)


def availability(m, gap, lo, hi):  # §2
    w = resolve(m, gap, lo, hi)
    if w is None:
        return dict(online_seconds=0.0, offline_seconds=0.0, unknown_seconds=0.0, covered_seconds=0.0, uptime=None,
                    coverage=None, online_runs=0, outages=0, longest_outage_seconds=None, mean_outage_seconds=None,
                    mean_online_seconds=None)
    a, b = w
    runs = runs_of(m, gap, a, b)
    onr = [e - s for st, s, e in runs if st == 'online']
    offr = [e - s for st, s, e in runs if st == 'offline']
    on, off = sum(onr), sum(offr)
    cov = on + off
    return dict(online_seconds=sec(on), offline_seconds=sec(off), unknown_seconds=sec(b - a - cov),
                covered_seconds=sec(cov), uptime=on / cov if cov else None, coverage=cov / (b - a),
                online_runs=len(onr), outages=len(offr), longest_outage_seconds=sec(max(offr)) if offr else None,
                mean_outage_seconds=off / (len(offr) * 10**6) if offr else None,
                mean_online_seconds=on / (len(onr) * 10**6) if onr else None)


def periods(m, gap, lo, hi):  # §11
    w = resolve(m, gap, lo, hi)
    return [] if w is None else [tuple(r) for r in runs_of(m, gap, w[0], w[1], unknown=True)]


def count_intr(m, a, b):  # interruptions with a <= occurred_at < b
    return bisect.bisect_left(m.intr, b) - bisect.bisect_left(m.intr, a)


def score(m, T, st):  # §4
    sw, a = st['score_window'], T - st['score_window']
    on, off = online_offline(m, st['max_gap'], a, T)
    cov = on + off
    U = on / cov if cov else None
    k = count_intr(m, a, T)
    I = math.exp(-k * sec(st['interruption_horizon']) / sec(on)) if on > 0 else 1.0 if k == 0 else 0.0
    r, S = len(m.ratings), sum(m.ratings.values())
    pw, pm = st['rating_prior_weight'], st['rating_prior_mean']
    mean = (pw * pm + S) / (pw + r) if pw + r != 0 else None
    R = None if mean is None else (mean - 1) / 4
    wu, wi, wr = st['weight_uptime'], st['weight_interruption'], st['weight_rating']
    if U is None:
        sc = None
    elif R is None:   # no mean: the rating term left out, the other two weights scaled to sum to 1
        sc = None if wu + wi == 0 else 100 * (wu * U + wi * I) / (wu + wi)
    else:
        sc = 100 * (wu * U + wi * I + wr * R)
    j = bisect.bisect_left(m.times, T) - 1
    return dict(score=sc, tier=tier(sc, cov, st), uptime=U, uptime_component=U, interruption_component=I,
                rating_component=R, online_seconds=sec(on), offline_seconds=sec(off), covered_seconds=sec(cov),
                coverage=cov / sw, interruptions=k, rating_count=r, rating_mean=mean,
                last_observed_at=m.times[j] if j >= 0 else None, as_of=T)


def tier(sc, cov_us, st):
    if sc is None or cov_us < st['min_history']:
        return 'new'
    return ('excellent' if sc >= st['tier_excellent'] else 'good' if sc >= st['tier_good']
            else 'fair' if sc >= st['tier_fair'] else 'poor')


def daily(m, days, T, gap):  # §6: UTC days, each [d, d + 1 day) cut at T
    rows, d0 = [], T // DAY * DAY
    for d in range(d0 - (days - 1) * DAY, d0 + DAY, DAY):
        e, day = min(d + DAY, T), (EPOCH + dt.timedelta(microseconds=d)).date()
        on, off = online_offline(m, gap, d, e) if e > d else (0, 0)
        cov = on + off
        rows.append((day, sec(on), sec(off), on / cov if cov else None, cov / (e - d) if e > d else 0.0,
                     count_intr(m, d, e) if e > d else 0))
    return rows


def spark(rows):
    return ''.join('·' if r[3] is None else '▁▂▃▄▅▆▇█'[min(7, math.floor(r[3] * 8))] for r in rows)


# ---------------------------------------------------------------------- comparing ----
class Cmp:
    def __init__(self, verbose):
        self.n, self.bad, self.shown, self.verbose, self.maxrel = 0, [], defaultdict(int), verbose, 0.0
        self.kinds = defaultdict(int)

    def eq(self, what, field, kind, exp, got):
        self.n += 1
        self.kinds[what.split(':')[0]] += 1
        detail = ''
        if kind == 'ratio' and isinstance(exp, float) and isinstance(got, float):
            d = 0.0 if exp == got else abs(exp - got) / max(abs(exp), abs(got))
            if d <= REL_TOL:
                self.maxrel = max(self.maxrel, d)
                return True
            detail = 'relative difference %.3g' % d
        elif exp == got and type(exp) is type(got):
            return True
        elif isinstance(exp, float) and isinstance(got, float):
            detail = 'difference %.17g' % (got - exp)
        key = (what.split(':')[0], field)
        self.bad.append(key)
        self.shown[key] += 1
        if self.shown[key] <= (50 if self.verbose else 4):
            print(f'MISMATCH {what}: {field}: expected {exp!r}, got {got!r} {detail}')
        return False

    def fields(self, what, names, kinds, exp, got):
        return all([self.eq(what, f, k, exp[f], got[f]) for f, k in zip(names, kinds)])


AV_F = ['online_seconds', 'offline_seconds', 'unknown_seconds', 'covered_seconds', 'uptime', 'coverage',
        'online_runs', 'outages', 'longest_outage_seconds', 'mean_outage_seconds', 'mean_online_seconds']
AV_K = ['exact'] * 4 + ['ratio'] * 2 + ['exact'] * 3 + ['ratio'] * 2
SC_F = ['score', 'tier', 'uptime', 'uptime_component', 'interruption_component', 'rating_component',
        'online_seconds', 'offline_seconds', 'covered_seconds', 'coverage', 'interruptions', 'rating_count',
        'rating_mean', 'last_observed_at', 'as_of']
SC_K = ['ratio', 'exact'] + ['ratio'] * 4 + ['exact'] * 3 + ['ratio', 'exact', 'exact', 'ratio', 'exact', 'exact']
SC_SQL = ', '.join(f'(s).{f}' for f in SC_F[:-2]) + ', ' + US('(s).last_observed_at') + ', ' + US('(s).as_of')
DU_F = ['day', 'online_seconds', 'offline_seconds', 'uptime', 'coverage', 'interruptions']
DU_K = ['exact'] * 3 + ['ratio'] * 2 + ['exact']

# settings profiles (columns of P_COLS), then score_window and max_gap in µs (to put observations on the bounds)
P_COLS = ['score_window', 'max_gap', 'weight_uptime', 'weight_interruption', 'weight_rating', 'interruption_horizon',
          'rating_prior_mean', 'rating_prior_weight', 'min_history', 'tier_excellent', 'tier_good', 'tier_fair']
PROFILES = [
    ("'30 days'", "'15 minutes'", 0.4, 0.4, 0.2, "'24 hours'", 4, 5, "'7 days'", 90, 75, 60, 30 * DAY, 15 * MIN),
    ("'2 days'", "'7 minutes'", 0.5000000007, 0.3, 0.2, "'1 hour'", 3.5, 0, "'1 day'", 95, 80, 50, 2 * DAY, 7 * MIN),
    ("'36 hours'", "'00:05:00.000001'", 0, 0, 1, "'10 minutes'", 2, 0, "'0'", 70, 70, 10, 36 * HOUR, 5 * MIN + 1),
    ("'1 mon'", "'1 hour'", 0.6, 0.4000000008, 0, "'1 day'", 5, 1.5, "'12 hours'", 99, 90, 80, 30 * DAY, HOUR),
    ("'5 days 3 hours'", "'10 minutes'", 0, 1, 0, "'36 hours'", 1, 0, "'3 days'", 90, 75, 60, 5 * DAY + 3 * HOUR, 10 * MIN),
    ("'100 years'", "'3 days'", 0.25, 0.25, 0.5, "'100 years'", 4.5, 0.5, "'1 day'", 80, 60, 40, 36525 * DAY, 3 * DAY),
    ("'1 day'", "'100 years'", 1, 0, 0, "'1 second'", 3, 100, "'12:00'", 100, 50, 0, DAY, 36525 * DAY)]
PROFILES_US = [dict(score_window=p[-2], max_gap=p[-1]) for p in PROFILES]


def dst_changes(tz, year):
    """The first two instants (µs) of year at which tz's UTC offset changes (fixed ones for UTC)."""
    z, t0 = zoneinfo.ZoneInfo(tz), ts_us(year)
    off = lambda us: (EPOCH + dt.timedelta(microseconds=us)).astimezone(z).utcoffset()
    out = [t for t in range(t0 + HOUR, t0 + 366 * DAY, 15 * MIN) if off(t) != off(t - 15 * MIN)][:2]
    return out if len(out) == 2 else [t0 + 87 * DAY + HOUR, t0 + 300 * DAY + HOUR]


# ------------------------------------------------------------------------ the fleet ----
class Test:
    def __init__(self, args):
        self.args, self.rng = args, random.Random(args.seed)
        self.conn = psycopg2.connect(dbname=args.db)
        self.conn.autocommit = True
        self.cur = self.conn.cursor()
        self.c, self.M, self.computed = Cmp(args.verbose), {}, {}

    def q(self, sql, params=None):
        self.cur.execute(sql, params)
        return self.cur.fetchall() if self.cur.description else None

    @contextlib.contextmanager
    def now(self):  # a transaction (rolled back); yields its now() in µs
        self.conn.autocommit = False
        try:
            yield self.q(f"SELECT {US('now()')}")[0][0]
        finally:
            self.conn.rollback()
            self.conn.autocommit = True

    def parallel(self, on):  # parallel plans (combine, serialize, deserialize) for the next queries
        for p, v in (('parallel_setup_cost', 0), ('parallel_tuple_cost', 0), ('min_parallel_table_scan_size', 0),
                     ('max_parallel_workers_per_gather', 4), ('parallel_leader_participation', 'off')):
            self.q(f'SET {p} = {v}' if on else f'RESET {p}')

    def settings(self):   # the settings row drives the oracle (lengths as exact µs)
        iv = ['score_window', 'max_gap', 'interruption_horizon', 'min_history']
        self.st = dict(zip(P_COLS, self.q('SELECT ' + ', '.join(f'(extract(epoch FROM {c}) * 1000000)::bigint' if c in iv
                                                                  else c for c in P_COLS) + ' FROM reliability.settings')[0]))

    def insert_obs(self, rows):
        psycopg2.extras.execute_values(self.cur, 'INSERT INTO reliability.observations VALUES %s',
                                       [(m, ts(t), s) for m, t, s in rows], template='(%s, %s::timestamptz, %s)',
                                       page_size=len(rows) + 1)

    def build(self):
        rng, a, base = self.rng, self.args, self.base
        gaps = sorted({p['max_gap'] for p in PROFILES_US})
        names = ['m%03d' % i for i in range(a.machines)] + ['one', 'ratings_only', 'intr_only', 'empty', 'future',
                 'bounds', 'all_on', 'all_off', 'burst', 'wiped', 'sparse', 'ancient', 'dst', 'h12', 'h24', 'h72', 'h168']
        for nm in names:
            self.M[nm] = Machine(self.q('SELECT reliability.machine(%s, %s)', ('oracle', nm))[0][0], nm)
        M = self.M
        for nm in names[:a.machines]:
            m, flip, t = M[nm], rng.choice([0.01, 0.05, 0.2]), base - rng.randrange(DAY, 8 * DAY)
            end, s, spacing = base + rng.randrange(-6 * HOUR, 3 * HOUR), rng.random() < 0.85, rng.choice([5, 5, 5, 10]) * MIN
            while t < end:
                m.obsd[t] = s
                r = rng.random()
                t += (spacing + rng.randrange(-2 * SEC, 2 * SEC) if r < 0.8 else
                      rng.randrange(16 * MIN, 4 * HOUR) if r < 0.85 else           # longer than max_gap
                      rng.randrange(1, SEC) if r < 0.92 else                      # a burst under a second
                      rng.choice(gaps) + rng.choice([-1, 0, 0, 1]) if r < 0.97 else  # right at a max_gap
                      12 * HOUR * (rng.random() < 0.1) + rng.randrange(MIN, 14 * MIN))
                s = s != (rng.random() < flip)
            m.intr += [rng.randrange(base - 8 * DAY, base + HOUR) for _ in range(rng.choice([0, 0, 1, 3, 8]))]
        M['one'].obsd[base - 3 * HOUR] = True
        M['ratings_only'].ratings.update({'u1': 5, 'u2': 2})
        M['intr_only'].intr += [base - DAY, base - DAY, base - 2 * HOUR]
        for i in range(30):   # all after the as_of values near base
            M['future'].obsd[base + HOUR + i * 5 * MIN] = i % 7 != 3
        M['future'].intr.append(base + 2 * HOUR)
        for i in range(600):
            M['all_on'].obsd[base - 2 * DAY + i * 5 * MIN + rng.randrange(SEC)] = True
            M['all_off'].obsd[base - 2 * DAY + i * 5 * MIN + rng.randrange(SEC)] = False
        t = base - DAY
        for i in range(400):
            M['burst'].obsd[t] = rng.random() < 0.6
            t += rng.choice([1, 2, 999_999, 5 * MIN, 15 * MIN, 15 * MIN + 1])
        for h in (12, 24, 72, 168):  # covered time exactly min_history in the window as of base
            M['h%d' % h].obsd.update({base - h * HOUR + i * 5 * MIN: True for i in range(h * 12)} | {base: False})
        for i in range(40):  # gaps of days: covers of a large max_gap reach across days and windows
            M['sparse'].obsd[base - 20 * DAY + i * 13 * HOUR + rng.randrange(HOUR)] = rng.random() < 0.5
        M['wiped'].obsd[base - HOUR] = False
        for t in (0, 1, 5 * MIN, DAY + 7):  # the edges of time
            M['ancient'].obsd[ts_us(1900) + t] = rng.random() < 0.5
            M['ancient'].obsd[ts_us(10000) - 1 - t - (HOUR if t else 0)] = rng.random() < 0.5
        M['ancient'].intr += [ts_us(1900) + 2, ts_us(10000) - HOUR]
        for tr in self.dst:   # around the session time zone's DST changes: no result may depend on them
            for i in range(-864, 864):
                M['dst'].obsd[tr + i * 5 * MIN + rng.randrange(-SEC, SEC)] = rng.random() < 0.9
            M['dst'].intr += [tr - HOUR, tr + 23 * HOUR]
        for m in M.values():
            m.sort()
        some, first = M['m000'].times, min(m.times[0] for m in M.values() if m.times)
        t_obs, b, mid = some[len(some) // 2], base, base // DAY * DAY
        self.asofs = [b, b - DAY + 123, b - 3 * DAY - 7_777_777, mid, mid - DAY, t_obs, t_obs + 1,
                      first + PROFILES_US[0]['score_window'], b + 5 * DAY, b - 40 * DAY, b + rng.randrange(-2 * DAY, 2 * DAY),
                      b - rng.randrange(10 * DAY), b + rng.randrange(DAY)] + [tr + d for tr in self.dst for d in (12 * HOUR, DAY + 123)]
        self.random_windows = [(x, x + rng.choice([1, SEC, HOUR, DAY, 5 * DAY]) + rng.randrange(DAY),
                                rng.choice(['[)', '[]', '()', '(]'])) for x in (b - rng.randrange(9 * DAY) for _ in range(6))]
        bm = M['bounds']   # observations exactly at window bounds and UTC midnights
        special = {b - 3 * DAY + i * 7 * MIN for i in range(900)} | {mid - i * DAY for i in range(5)}
        for T in self.asofs[:8]:
            for p in PROFILES_US:
                special |= {T, T - p['score_window'], T - p['score_window'] - p['max_gap'], T - p['max_gap']}
        bm.obsd.update({t: rng.random() < 0.7 for t in sorted(special)})
        bm.intr += [b, mid] + [b - p['score_window'] for p in PROFILES_US]
        for nm in names[:a.machines] + ['one', 'future', 'all_on', 'burst']:
            M[nm].ratings.update({'user%d' % u: rng.randint(1, 5) for u in range(rng.choice([0, 0, 1, 2, 5, 12]))})
        for m in M.values():
            m.sort()
        # the writes: half the machines in one statement (a poll cycle), the rest in chunks, late chunks first
        ms = list(M.values())
        big = [(m.id, t, s) for m in ms[::2] for t, s in m.obs]
        rng.shuffle(big)
        self.insert_obs(big)
        for m in ms[1::2]:
            k = len(m.obs) // 3
            for chunk in (m.obs[2 * k:], m.obs[:k], m.obs[k:2 * k]):
                if chunk:
                    self.insert_obs([(m.id, t, s) for t, s in chunk])
        psycopg2.extras.execute_values(self.cur, 'INSERT INTO reliability.interruptions VALUES %s',
                                       [(m.id, ts(t), 'i-%d' % m.id, 'oracle') for m in ms for t in m.intr],
                                       template='(%s, %s::timestamptz, %s, %s)')
        rates = [(m.id, u, s) for m in ms for u, s in m.ratings.items()]
        for mid_, u, s in rates[:10]:   # rated otherwise first, then updated by rate()
            self.q('SELECT reliability.rate(%s, %s, %s, %s)', (mid_, u, 6 - s, 'first'))
        self.q('SELECT count(reliability.rate(x.m, x.u, x.s)) FROM unnest(%s::bigint[], %s::text[], %s::int[]) x(m, u, s)',
               [list(col) for col in zip(*rates)])
        n = self.q('SELECT (SELECT count(*) FROM reliability.observations), (SELECT count(*) FROM reliability.interruptions),'
                   ' (SELECT count(*) FROM reliability.ratings)')[0]
        self.c.eq('setup', 'row counts', 'exact', tuple(sum(len(x) for x in col) for col in
                                                         zip(*[(m.obs, m.intr, m.ratings) for m in ms])), n)
        print(f'spec_oracle: seed {a.seed}: {len(ms)} machines, {n[0]} observations, {n[1]} interruptions, {n[2]} ratings')

    def late_writes(self):
        """After history was materialized (refresh): late rows, deletes, updates, rows in days materialized ahead."""
        rng, b = self.rng, self.base
        for m in (self.M[n] for n in ('m001', 'm002', 'bounds', 'all_on') if self.M[n].obs):
            t = b - 2 * DAY + rng.randrange(DAY)
            while t in m.obsd:
                t += 1
            old, m.obsd[t] = m.times[len(m.times) // 3], False
            self.q('INSERT INTO reliability.observations VALUES (%s, %s, false)', (m.id, ts(t)))
            del m.obsd[old]
            self.q('DELETE FROM reliability.observations WHERE machine_id = %s AND observed_at = %s', (m.id, ts(old)))
            m.sort()
            u = m.times[len(m.times) // 4]
            m.obsd[u] = not m.obsd[u]
            self.q('UPDATE reliability.observations SET online = NOT online WHERE machine_id = %s AND observed_at = %s',
                   (m.id, ts(u)))
            m.intr.append(b - DAY - rng.randrange(DAY))
            self.q("INSERT INTO reliability.interruptions VALUES (%s, %s, 'late', 'oracle')", (m.id, ts(m.intr[-1])))
            m.ratings['late'] = 1
            self.q("SELECT reliability.rate(%s, 'late', 1)", (m.id,))
            t = b + DAY + rng.randrange(DAY)
            if t not in m.obsd:
                m.obsd[t] = True
                self.q('INSERT INTO reliability.observations VALUES (%s, %s, true)', (m.id, ts(t)))
            m.sort()
        m = self.M['wiped']  # all its data deleted: its cached row stays, recomputed
        m.obsd.clear()
        m.sort()
        self.q('DELETE FROM reliability.observations WHERE machine_id = %s', (m.id,))

    # ----------------------------------------------------------------------- checks ----
    def check_availability(self, phase):
        st, b, c, bm = self.st, self.base, self.c, self.M['bounds']
        withobs = [m for m in self.M.values() if m.obs]
        t1, t2 = bm.times[10], bm.times[-10]
        W = [(b - 2 * DAY, b, '[)'), (b - 2 * DAY + 1, b - 7, '[]'), (b - DAY, b + DAY, '()'), (None, None, '()'),
             (NINF, PINF, '[]'), (None, b, '()'), (b - DAY, None, '[)'), (b - DAY, PINF, '[)'), (NINF, b - DAY, '()'),
             (PINF, None, '[)'), (None, NINF, '(]'), ('empty', None, ''), (b - HOUR, b - HOUR, '[]'),
             (t1, t2, '[)'), (t1, t1 + st['max_gap'], '[)'), (None, b - 9 * DAY, '()'), (b + 4 * HOUR, None, '[)'),
             (ts_us(1900), ts_us(9999), '[)'), (b // DAY * DAY - 3 * DAY, b // DAY * DAY, '[)'),
             (None, bm.times[0], '(]'), (bm.times[-1] + st['max_gap'], None, '[)'), (t1, t2, '(]'),
             (self.dst[0] - 2 * DAY, self.dst[0] + 2 * DAY, '[)')] + self.random_windows
        gaps = [None, SEC, HOUR, 30 * DAY, st['max_gap'] + 1, 1]
        for i, (lo, hi, br) in enumerate(W):
            r = rng_text(lo, hi, br)
            for g in (gaps if i < 4 else [None, gaps[1 + i % 5]]):
                ga = '' if g is None else ", '%s'::interval" % ('%d microseconds' % g if g != 30 * DAY else '1 mon')
                par = i % 5 == 0 and g is None
                self.parallel(par)
                rows = self.q(f"""SELECT machine_id, {', '.join('(a).' + f for f in AV_F)}, u FROM
                    (SELECT machine_id, reliability.availability(observed_at, online, %s::tstzrange{ga}) a,
                            reliability.uptime(observed_at, online, %s::tstzrange{ga}) u
                       FROM reliability.observations GROUP BY machine_id) s""", (r, r))
                self.parallel(False)
                got = {x[0]: x for x in rows}
                c.eq(f'availability:{phase} {r} gap {g}', 'machines', 'exact', sorted(m.id for m in withobs), sorted(got))
                for m in (m for m in withobs if m.id in got):
                    exp = availability(m, st['max_gap'] if g is None else g, lo, hi)
                    w = f'availability:{phase} machine {m.name} ({m.id}) during {r} max_gap {g}{" parallel" * par}'
                    c.fields(w, AV_F, AV_K, exp, dict(zip(AV_F, got[m.id][1:12])))
                    c.eq(w.replace('availability:', 'uptime:'), 'uptime', 'ratio', exp['uptime'], got[m.id][12])
        # rows with a NULL argument are skipped; no row left (or a NULL during / max_gap) gives NULL
        m, k = self.M['burst'], f"{US('observed_at')} %% 1009"   # k: deterministic, to NULL some arguments
        r = self.q(f"""SELECT {', '.join('(a).' + f for f in AV_F)}, n1, n2, n3 FROM (SELECT
                      reliability.availability(t, o, CASE WHEN k %% 5 = 1 THEN NULL ELSE '(,)' END::tstzrange) a,
                      reliability.availability(t, o, NULL::tstzrange) IS NULL n1, reliability.uptime(t, o, '(,)', NULL) IS NULL n2,
                      reliability.availability(t, o, '(,)') FILTER (WHERE false) IS NULL n3
                      FROM (SELECT CASE WHEN k %% 7 = 3 THEN NULL ELSE observed_at END t,
                                   CASE WHEN k %% 11 = 4 THEN NULL ELSE online END o, k
                              FROM (SELECT *, {k} k FROM reliability.observations WHERE machine_id = %s) y) x) z""", (m.id,))[0]
        c.eq(f'availability:{phase} NULL arguments', 'NULL when no row is left', 'exact', (True, True, True), r[11:])
        sub = Machine(0, 'sub')   # the rows of burst without a NULL argument
        sub.obsd = {t: s for t, s in m.obs if not (t % 1009 % 7 == 3 or t % 1009 % 11 == 4 or t % 1009 % 5 == 1)}
        sub.sort()
        c.fields(f'availability:{phase} burst rows with NULL arguments', AV_F, AV_K,
                 availability(sub, st['max_gap'], None, None), dict(zip(AV_F, r[:11])))

    def check_summaries(self, phase):
        b, c, st, byid = self.base, self.c, self.st, {m.id: m for m in self.M.values()}
        d0, bt = b // DAY * DAY - 6 * DAY, self.M['bounds'].times
        cuts = sorted({d0 + i * DAY for i in range(8)} | {d0 + 3 * DAY + 12345, d0 + 5 * DAY - 1, bt[len(bt) // 2]})
        tiles, lo, hi = [rng_text(x, y) for x, y in zip(cuts, cuts[1:])], cuts[0], cuts[-1]
        whole = rng_text(lo, hi)
        for g in (None, 7 * MIN + 1):
            ga = '' if g is None else ", '%d microseconds'::interval" % g
            self.parallel(g is None)
            rows = self.q(f"""
              WITH t AS (SELECT w::tstzrange AS w FROM unnest(%s::text[]) w),
                   s AS (SELECT o.machine_id, reliability.summarize(o.observed_at, o.online, t.w{ga}) AS s
                           FROM reliability.observations o CROSS JOIN t GROUP BY o.machine_id, t.w),
                   r AS (SELECT machine_id, reliability.rollup(s ORDER BY random()) AS r FROM s GROUP BY machine_id),
                   d AS (SELECT machine_id, reliability.availability(observed_at, online, %s::tstzrange{ga}) AS a,
                                reliability.summarize(observed_at, online, %s::tstzrange{ga}) AS z
                           FROM reliability.observations GROUP BY machine_id)
              SELECT d.machine_id, {', '.join('(reliability.availability(r.r)).' + f for f in AV_F)},
                     {', '.join('(d.a).' + f for f in AV_F)}, {', '.join('(reliability.availability(d.z)).' + f for f in AV_F)},
                     reliability.during(r.r)::text = reliability.during(d.z)::text,
                     reliability.uptime(d.z) IS NOT DISTINCT FROM (d.a).uptime,
                     reliability.availability(d.z::text::reliability.uptime_summary) IS NOT DISTINCT FROM d.a
                FROM d LEFT JOIN r USING (machine_id)""", (tiles, whole, whole))
            self.parallel(False)
            for x in rows:
                m = byid[x[0]]
                exp = availability(m, st['max_gap'] if g is None else g, lo, hi)
                w = f'summaries:{phase} machine {m.name} ({m.id}) range {whole} max_gap {g}'
                c.fields(w + ' availability(rollup of tiles)', AV_F, AV_K, exp, dict(zip(AV_F, x[1:12])))
                c.fields(w + ' availability', AV_F, AV_K, exp, dict(zip(AV_F, x[12:23])))
                for f, e, g1, g2 in zip(AV_F, x[12:23], x[23:34], x[1:12]):   # §8: bit for bit
                    c.eq(w + ' availability(summarize) vs availability', f, 'exact', e, g1)
                    c.eq(w + ' availability(rollup) vs availability', f, 'exact', e, g2)
                c.eq(w, 'during(rollup) = during(summarize), uptime(summary), text round trip', 'exact',
                     (True, True, True), tuple(x[34:37]))

    def check_scores(self, phase):
        st, c, ids, byid = self.st, self.c, [m.id for m in self.M.values()], {m.id: m for m in self.M.values()}
        formula = []

        def cmp_rows(rows, T, label):
            for x in rows:
                m, exp = byid[x[0]], score(byid[x[0]], T, st)
                c.fields(f'score:{phase} machine {m.name} ({m.id}) as_of {label}', SC_F, SC_K, exp, dict(zip(SC_F, x[1:])))
                if exp['uptime'] is not None:
                    formula.append((exp['uptime'], exp['interruptions'], exp['online_seconds'], exp['rating_count'],
                                    sum(m.ratings.values()), exp['covered_seconds'], exp['score'], exp['tier'],
                                    f'{m.name} as_of {label}'))
        for T in self.asofs + [ts_us(1900) + 1, ts_us(10000) - 1]:
            cmp_rows(self.q(f'SELECT m, {SC_SQL} FROM (SELECT m, reliability.score(m, %s::timestamptz) s '
                            'FROM unnest(%s::bigint[]) m OFFSET 0) x', (ts(T), ids)), T, ts(T))
        with self.now() as T:   # the default as_of: now()
            cmp_rows(self.q(f'SELECT m, {SC_SQL} FROM (SELECT m, reliability.score(m) s FROM unnest(%s::bigint[]) m '
                            'OFFSET 0) x', (ids,)), T, 'now() ' + ts(T))
        r = self.q('SELECT reliability.score(%s, now()) IS NULL', (max(ids) + 1000,))
        c.eq(f'score:{phase} unknown machine', 'is null', 'exact', True, r[0][0])
        rows = self.q('SELECT reliability.compute_score(u, k, o, n, s), reliability.tier(sc, cov) FROM unnest(%s::float8[], '
                      '%s::bigint[], %s::float8[], %s::bigint[], %s::bigint[], %s::float8[], %s::float8[]) '
                      'WITH ORDINALITY x(u, k, o, n, s, cov, sc, i) ORDER BY i', [list(col) for col in zip(*formula)][:7] or [[]] * 7)
        for o, x in zip(formula, rows):   # compute_score() and tier(): the formula alone
            c.eq(f'compute_score:{phase} {o[8]}', 'compute_score', 'ratio', o[6], x[0])
            c.eq(f'tier:{phase} {o[8]}', 'tier', 'exact', o[7], x[1])
        # the cache: a row for every machine that had data, equal to score(machine_id, computed_at)
        rows = self.q(f"""SELECT machine_id, {US('computed_at')}, s IS NOT DISTINCT FROM reliability.score(machine_id,
                          computed_at), {SC_SQL} FROM (SELECT machine_id, computed_at,
                          ROW({', '.join(SC_F)})::reliability.score AS s FROM reliability.scores) x""")
        c.eq(f'cache:{phase}', 'machines with a cached row', 'exact',
             sorted(m.id for m in self.M.values() if m.ever), sorted(x[0] for x in rows))
        for x in rows:
            m = byid[x[0]]
            w = f'cache:{phase} machine {m.name} ({m.id}) computed_at {ts(x[1])}'
            c.eq(w, 'computed_at not before the previous phase\'s', 'exact', True, x[1] >= self.computed.get(m.id, x[1]))
            self.computed[m.id] = x[1]
            c.eq(w, 'row = score(machine_id, computed_at)', 'exact', True, x[2])
            c.fields(w, SC_F, SC_K, score(m, x[1], st), dict(zip(SC_F, x[3:])))

    def check_daily(self, phase):
        A, few = self.asofs, [self.M[n] for n in ('ancient', 'one', 'bounds', 'dst')]
        for days, T in [(30, A[0]), (7, A[3]), (1, A[2]), (45, A[8]), (10, A[5])]:
            self.cmp_daily(phase, self.M.values(), days, T)
        for days, T in ((10, self.dst[0] + DAY + 123), (30, self.dst[1] + 5 * HOUR), (3660, ts_us(1900) + 1),
                        (40, ts_us(1900) + 2 * DAY), (3660, ts_us(10000) - 1), (2, ts_us(10000) - HOUR)):
            self.cmp_daily(phase, few, days, T)   # §4: every as_of between 1900 and 9999
        with self.now() as T:   # the defaults: 30 days as of now()
            self.cmp_daily(phase, few, None, T)
        u = max([m.id for m in self.M.values()]) + 1000
        r = self.q('SELECT (SELECT count(*) FROM reliability.daily_uptime(%s)), reliability.sparkline(%s) IS NULL,'
                   ' (SELECT count(*) FROM reliability.periods(%s)), reliability.report(%s) IS NULL', (u, u, u, u))[0]
        self.c.eq(f'daily_uptime:{phase} unknown machine', 'rows, sparkline NULL, periods rows, report NULL', 'exact',
                  (0, True, 0, True), r)

    def cmp_daily(self, phase, ms, days, T):
        c, ids = self.c, [m.id for m in ms]
        args = '' if days is None else ", %d, '%s'::timestamptz" % (days, ts(T))
        rows = self.q(f"""SELECT m, d.* FROM unnest(%s::bigint[]) m, LATERAL reliability.daily_uptime(m{args})
                          WITH ORDINALITY d({', '.join(DU_F)}, n) ORDER BY m, d.n""", (ids,))
        sp = dict(self.q(f'SELECT m, reliability.sparkline(m{args}) FROM unnest(%s::bigint[]) m', (ids,)))
        got = defaultdict(list)
        for x in rows:
            got[x[0]].append(dict(zip(DU_F, x[1:7])))
        for m in ms:
            exp = [dict(zip(DU_F, e)) for e in daily(m, days or 30, T, self.st['max_gap'])]
            w = f'daily_uptime:{phase} machine {m.name} ({m.id}) days {days} as_of {ts(T)}'
            if c.eq(w, 'rows', 'exact', len(exp), len(got[m.id])):
                for e, g in zip(exp, got[m.id]):
                    c.fields(f'{w} day {e["day"]}', DU_F, DU_K, e, g)
            c.eq(w.replace('daily_uptime:', 'sparkline:'), 'sparkline', 'exact',
                 spark([tuple(e.values()) for e in exp]), sp.get(m.id))
            if days != 30:
                continue
            # report(): its score and history, as of the same instant (the numbers of the JSON)
            rp = self.q('SELECT reliability.report(%s, %s::timestamptz)', (m.id, ts(T)))[0][0]
            w = f'report:{phase} machine {m.name} ({m.id}) as_of {ts(T)}'
            fl = lambda v, f: float(v) if isinstance(v, int) and f not in ('interruptions', 'rating_count') else v
            es = score(m, T, self.st)
            for f, k in zip(SC_F[:-2], SC_K):
                c.eq(w, 'score.' + f, k, es[f], fl(rp['score'][f], f))
            if c.eq(w, 'history rows', 'exact', len(exp), len(rp['history'])):
                for e, h in zip(exp, rp['history']):
                    c.fields(f'{w} history {e["day"]}', DU_F, DU_K, dict(e, day=e['day'].isoformat()),
                             {f: fl(h[f], f) for f in DU_F})

    def check_periods(self, phase):
        b, c, st, ids, bm = self.base, self.c, self.st, [m.id for m in self.M.values()], self.M['bounds']
        W = [(b - 2 * DAY, b, '[)'), (None, None, '()'), (b - DAY, PINF, '[]'), (NINF, b - 3 * DAY, '[)'),
             (bm.times[5], bm.times[-5], '[)'), (PINF, None, '[)'), ('empty', None, ''), (b - HOUR, b - HOUR, '[]'),
             (b + 4 * HOUR, None, '[)'), (self.dst[0] - DAY, self.dst[0] + DAY, '[)')]

        def cmp(label, m, exp, got):
            if exp == got:
                return c.eq(f'periods:{phase}', 'rows', 'exact', 0, 0)
            k = next((i for i, (e, g) in enumerate(zip(exp, got)) if e != g), min(len(exp), len(got)))
            c.eq(f'periods:{phase} machine {m.name} ({m.id}) {label} ({len(exp)} vs {len(got)} rows)', f'row {k + 1}',
                 'exact', exp[k] if k < len(exp) else None, got[k] if k < len(got) else None)
        for lo, hi, br in W:
            r = rng_text(lo, hi, br)
            got = defaultdict(list)
            for x in self.q(f"""SELECT m, p.state, {US('p.s')}, {US('p.e')} FROM unnest(%s::bigint[]) m,
                                LATERAL reliability.periods(m, %s::tstzrange) WITH ORDINALITY p(state, s, e, n)
                                ORDER BY m, p.n""", (ids, r)):
                got[x[0]].append(tuple(x[1:]))
            for m in self.M.values():
                cmp(f'during {r}', m, periods(m, st['max_gap'], lo, hi), got[m.id])
        with self.now() as T:   # the default window: the last score_window before now()
            for m in [self.M['m000'], self.M['bounds'], self.M['empty']]:
                got = self.q(f"SELECT state, {US('started_at')}, {US('ended_at')} FROM reliability.periods(%s)", (m.id,))
                cmp('default window', m, periods(m, st['max_gap'], T - st['score_window'], T), [tuple(x) for x in got])

    def check_errors(self, phase):
        m, v = self.M['m000'].id, "(VALUES ('2020-01-01'::timestamptz)) v(t)"
        roll = ("SELECT reliability.rollup(s) FROM (SELECT reliability.summarize(t, true, w::tstzrange, g::interval) s FROM "
                "(VALUES ('2020-01-01'::timestamptz, '[2020-01-01,%s)', '1 hour'), ('2020-01-0%s', '[2020-01-0%s,2020-01-04)',"
                " '%s')) v(t, w, g) GROUP BY w, g) x")
        cases = [(f"SELECT reliability.score({m}, 'infinity')", '22'),
                 (f"SELECT * FROM reliability.daily_uptime({m}, 0, now())", '22'),
                 (f"SELECT * FROM reliability.daily_uptime({m}, 3661, now())", '22'),
                 (f"SELECT * FROM reliability.daily_uptime({m}, 30, '-infinity')", '22'),
                 (f"SELECT reliability.sparkline({m}, 30, 'infinity')", '22'),
                 (f"SELECT reliability.availability(t, true, '[2020-01-01,2020-01-02)', '0 seconds') FROM {v}", '22'),
                 (f"SELECT reliability.uptime(t, true, '[2020-01-01,2020-01-02)', '-1 minute') FROM {v}", '22'),
                 ("SELECT reliability.availability(t, true, '[2020-01-01,2020-01-02)') FROM "
                  "(VALUES ('2020-01-01 01:00'::timestamptz), ('2020-01-01 01:00')) v(t)", '22'),
                 (f"SELECT reliability.summarize(t, true, '[2020-01-01,2020-01-01]') FROM {v}", '22023'),
                 (f"SELECT reliability.summarize(t, true, '[2020-01-01,)') FROM {v}", '22023'),
                 (f"SELECT reliability.summarize(t, true, '[-infinity,2020-01-01)') FROM {v}", '22023'),
                 (roll % ('2020-01-03', 2, 2, '1 hour'), '22023'),    # overlap
                 (roll % ('2020-01-02', 3, 3, '1 hour'), '22023'),    # a hole
                 (roll % ('2020-01-02', 2, 2, '2 hours'), '22023'),   # different max_gap
                 ("UPDATE reliability.settings SET score_window = '0 seconds'", '2'),
                 ("UPDATE reliability.settings SET max_gap = '-1 second'", '2')]
        for sql, state in cases:   # each in a transaction rolled back: a wrong success changes nothing
            with self.now():
                try:
                    got = 'no error: %s' % self.q(sql)
                except psycopg2.Error as e:
                    got = e.pgcode or 'no sqlstate'
            self.c.eq(f'errors:{phase} {sql}', 'sqlstate ' + state, 'exact', state, got[:len(state)])

    def phase(self, name):
        self.settings()
        took = []
        for f in (self.check_availability, self.check_summaries, self.check_scores, self.check_daily,
                  self.check_periods, self.check_errors):
            t0 = time.time()
            f(name)
            took.append('%s %.1f s' % (f.__name__[6:], time.time() - t0))
        st = ' '.join(f'{k}={v / 1e6:g}s' if isinstance(v, int) else f'{k}={v:g}' for k, v in self.st.items())
        print(f'spec_oracle: seed {self.args.seed}: phase {name}: {self.c.n} comparisons so far, {len(self.c.bad)} '
              f'mismatches; {", ".join(took)}; settings {st}')


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--db', required=True)
    ap.add_argument('--seed', type=int, default=20240607)
    ap.add_argument('--machines', type=int, default=36)
    ap.add_argument('--verbose', action='store_true')
    args = ap.parse_args()
    t = Test(args)
    tz = ['UTC', 'America/New_York', 'Europe/Berlin', 'Pacific/Chatham'][args.seed % 4]
    t.q(f"SET TimeZone = '{tz}'")
    first, second = PROFILES[args.seed % len(PROFILES)], PROFILES[(args.seed + 1) % len(PROFILES)]
    t.q('UPDATE reliability.settings SET ' + ', '.join(f'{c} = {v}' for c, v in zip(P_COLS, first)))
    t.base = t.q(f"SELECT {US('now()')}")[0][0] // SEC * SEC + t.rng.randrange(SEC)
    t.dst = dst_changes(tz, (EPOCH + dt.timedelta(microseconds=t.base)).year - 1)
    t.build()
    t.phase('inserted')
    t.q('SELECT reliability.refresh(%s::timestamptz)', (ts(t.base + 3 * DAY),))
    t.late_writes()
    t.phase('after refresh (history) and late writes')
    if args.seed % 2:   # §1: an INSERT replaces the row (what it does not name takes its default)
        t.q(f"INSERT INTO reliability.settings ({', '.join(P_COLS)}) VALUES ({', '.join(map(str, second[:12]))})")
    else:
        t.q('UPDATE reliability.settings SET ' + ', '.join(f'{c} = {v}' for c, v in zip(P_COLS, second)))
    t.phase('after a settings change')
    print(f'spec_oracle: seed {args.seed}: comparisons by kind: {dict(sorted(t.c.kinds.items()))}')
    print(f'spec_oracle: seed {args.seed}: largest relative difference accepted {t.c.maxrel:.3g}')
    by = defaultdict(int)
    for key in t.c.bad:
        by[key] += 1
    for (kind, field), n in sorted(by.items()):
        print(f'spec_oracle: seed {args.seed}: {n} mismatches in {kind} / {field}')
    print(f'spec_oracle: seed {args.seed}: {t.c.n} comparisons, {len(t.c.bad)} mismatches')
    sys.exit(1 if t.c.bad else 0)


if __name__ == '__main__':
    main()
