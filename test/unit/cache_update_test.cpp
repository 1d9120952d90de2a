// cache_update.hpp: a cached row moved forward through plan_update() and update_row() must
// equal the row computed in full from all rows (SPEC §5: the cache equals score() exactly),
// whether the engine slides it or reads it in full; after_truncate() keeps what the
// truncated table does not touch. The reference is measure() over all rows and the window,
// plus snapshot() of those totals (both checked by hand in their own tests).
#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "availability.hpp"
#include "cache_update.hpp"
#include "test_support.hpp"

namespace reliability {
namespace {

using namespace reliability::testing;

ScoreParameters params() {
    ScoreParameters p;
    p.score_window_us = 2 * kHour;
    p.max_gap_us = 15 * kMin;
    p.min_history_us = kHour;
    return p;
}

// The rows the engine reads for a range: those in [from, to) and the last one before from.
std::vector<Observation> rows_in(const std::vector<Observation>& all, ObservationRange r) {
    std::vector<Observation> out;
    const Observation* before = nullptr;
    for (const Observation& o : all) {
        if (o.at < r.from) before = &o;
        else if (o.at < r.to) out.push_back(o);
    }
    if (before != nullptr && r.with_last_before) out.insert(out.begin(), *before);
    return out;
}

// What the engine would do: read the plan's ranges from `all`, then update.
std::optional<UpdatedRow> run(const CachedRow& cached, const std::vector<Observation>& all, Micros as_of,
                              std::vector<Micros> fresh, bool force_full, const ScoreParameters& p) {
    std::optional<Micros> earliest;
    if (!fresh.empty()) earliest = fresh.front();
    const UpdatePlan plan = plan_update(cached, as_of, earliest, force_full, p);
    // The engine does not read an old end that the hint proves empty.
    const std::vector<Observation> old_end = plan.old_end_empty ? std::vector<Observation>{} : rows_in(all, plan.old_end);
    const std::vector<Observation> new_end = rows_in(all, plan.new_end);
    MachineData data;
    data.old_end = old_end;
    data.new_end = new_end;
    data.fresh = Span<Micros>(fresh.data(), fresh.size());
    data.interruptions = 2;
    if (plan.full) {
        data.rating_count = 3;
        data.rating_sum = 14;
    }
    return update_row(plan, cached, data, p);
}

// The reference: the whole window measured from every row.
UpdatedRow reference(const std::vector<Observation>& all, Micros b2, const ScoreParameters& p) {
    const Availability a = measure(all.data(), all.size(), Window::bounded(b2 - p.score_window_us, b2), p.max_gap_us);
    UpdatedRow row;
    row.computed_at = b2;
    row.score = snapshot(a.online_us, a.offline_us, p.score_window_us, 2, rating_part(3, 14, p), p);
    for (const Observation& o : all)
        if (o.at < b2) row.last_observed = o.at;
    return row;
}

CachedRow as_cached(const UpdatedRow& row) {
    CachedRow c;
    c.computed_at = row.computed_at;
    c.totals = WindowTotals{row.score.online_us, row.score.offline_us};
    c.rating = row.score.rating;
    c.last_observed = row.last_observed;
    c.interruptions = row.score.interruptions;
    c.unobserved_until = row.unobserved_until;
    return c;
}

// The hint's promise (cache_update.hpp): no row in [computed_at - window - max_gap, hint), and
// it is kept only while it lies after the window's start.
void expect_hint_holds(const UpdatedRow& row, const std::vector<Observation>& all, const ScoreParameters& p) {
    if (!row.unobserved_until) return;
    const Micros a = row.computed_at - p.score_window_us;
    EXPECT_GT(*row.unobserved_until, a);
    for (const Observation& o : all)
        EXPECT_FALSE(o.at >= a - p.max_gap_us && o.at < *row.unobserved_until)
            << "row at " << o.at << " before the hint " << *row.unobserved_until;
}

void expect_same(const UpdatedRow& got, const UpdatedRow& want) {
    EXPECT_EQ(got.computed_at, want.computed_at);
    EXPECT_EQ(got.last_observed, want.last_observed);
    EXPECT_EQ(got.score.online_us, want.score.online_us);
    EXPECT_EQ(got.score.offline_us, want.score.offline_us);
    EXPECT_EQ(got.score.score, want.score.score);
    EXPECT_EQ(got.score.tier, want.score.tier);
    EXPECT_EQ(got.score.rating.count, want.score.rating.count);
    EXPECT_EQ(got.score.rating.mean, want.score.rating.mean);
}

TEST(CacheUpdate, NoCacheIsComputedInFull) {
    const ScoreParameters p = params();
    const std::vector<Observation> all{on(0), off(10 * kMin), on(20 * kMin)};
    const UpdatePlan plan = plan_update(CachedRow{}, kHour, std::nullopt, false, p);
    EXPECT_TRUE(plan.full);
    EXPECT_EQ(plan.b2, kHour);
    EXPECT_EQ(plan.new_end.from, kHour - 2 * kHour);
    auto row = run(CachedRow{}, all, kHour, {}, false, p);
    ASSERT_TRUE(row);
    expect_same(*row, reference(all, kHour, p));
    // on [0,10) + [20,35) = 25 min, off [10,20) = 10 min (hand-computed, max_gap 15 min)
    EXPECT_EQ(row->score.online_us, 25 * kMin);
    EXPECT_EQ(row->score.offline_us, 10 * kMin);
}

// SPEC §11: only a cached row that was computed (not a placeholder) and whose tier differs
// from the new one announces a move.
TEST(CacheUpdate, TierMoves) {
    UpdatedRow next;
    next.score.tier = Tier::Poor;
    CachedRow placeholder;  // no computed_at: the machine's first cached row
    placeholder.tier = Tier::New;
    EXPECT_FALSE(tier_moved(placeholder, next));
    CachedRow cached;
    cached.computed_at = kHour;
    cached.tier = Tier::Excellent;
    EXPECT_TRUE(tier_moved(cached, next));
    cached.tier = Tier::Poor;
    EXPECT_FALSE(tier_moved(cached, next));
    cached.tier = std::nullopt;  // unreadable: nothing to compare with
    EXPECT_FALSE(tier_moved(cached, next));
}

TEST(CacheUpdate, PollCyclesSlideToTheFullAnswer) {
    const ScoreParameters p = params();
    std::mt19937 rng(7);
    std::vector<Observation> all;
    for (Micros t = 0; t < 3 * kHour; t += 5 * kMin) all.push_back(Observation{t, rng() % 10 != 0});
    UpdatedRow cached = reference(all, 3 * kHour, p);
    for (Micros t = 3 * kHour; t < 6 * kHour; t += 5 * kMin) {
        all.push_back(Observation{t, rng() % 10 != 0});  // the poll: a fresh row at now
        const Micros now = t + kSec;
        const UpdatePlan plan = plan_update(as_cached(cached), now, std::nullopt, false, p);
        EXPECT_FALSE(plan.full);
        // the new end is read from the cached last observation on, in one forward range
        EXPECT_EQ(plan.new_end.from, *cached.last_observed);
        EXPECT_FALSE(plan.new_end.with_last_before);
        auto row = run(as_cached(cached), all, now, {}, false, p);
        ASSERT_TRUE(row);
        expect_same(*row, reference(all, now, p));
        cached = *row;
    }
}

TEST(CacheUpdate, LateRowsSlideWithTheirTimes) {
    const ScoreParameters p = params();
    std::vector<Observation> all;
    for (Micros t = 0; t < 4 * kHour; t += 10 * kMin) all.push_back(on(t));
    const UpdatedRow cached = reference(all, 4 * kHour, p);
    // two late rows inside the cached window, then the cache moves on by a minute
    all.push_back(off(3 * kHour + 5 * kMin));
    all.push_back(off(3 * kHour + 25 * kMin));
    std::sort(all.begin(), all.end());
    auto row = run(as_cached(cached), all, 4 * kHour + kMin, {3 * kHour + 5 * kMin, 3 * kHour + 25 * kMin}, false, p);
    ASSERT_TRUE(row);
    expect_same(*row, reference(all, 4 * kHour + kMin, p));
    // a late row after the cached last observation (3h50): the new end starts there
    all.push_back(on(3 * kHour + 55 * kMin));
    std::sort(all.begin(), all.end());
    const UpdatedRow cached2 = *row;
    auto row2 = run(as_cached(cached2), all, 4 * kHour + 2 * kMin, {3 * kHour + 55 * kMin}, false, p);
    ASSERT_TRUE(row2);
    expect_same(*row2, reference(all, 4 * kHour + 2 * kMin, p));
    // a late row before the new window's start cannot slide: the plan reads in full
    EXPECT_TRUE(plan_update(as_cached(cached), 4 * kHour + kMin, Micros{kHour}, false, p).full);
}

TEST(CacheUpdate, ComputedAtNeverMovesBack) {
    const ScoreParameters p = params();
    CachedRow c;
    c.computed_at = 5 * kHour;
    EXPECT_EQ(plan_update(c, 4 * kHour, std::nullopt, false, p).b2, 5 * kHour);
    EXPECT_EQ(plan_update(c, 6 * kHour, std::nullopt, true, p).b2, 6 * kHour);
}

TEST(CacheUpdate, FullWithNoRowInTheWindowKeepsTheLastObservation) {
    const ScoreParameters p = params();
    const std::vector<Observation> all{on(0)};
    auto row = run(CachedRow{}, all, 10 * kHour, {}, true, p);
    ASSERT_TRUE(row);
    EXPECT_EQ(row->last_observed, Micros{0});
    EXPECT_EQ(row->score.online_us, 0);
    EXPECT_EQ(row->score.tier, Tier::New);
}

// After a compaction (SPEC §9) rows before raw_from are gone: a slide whose old end would
// read them is planned in full, and a full read that finds no row keeps a cached last
// observation older than raw_from (compacted rows never change), whatever the rows say.
TEST(CacheUpdate, CompactedRowsAreNeverRead) {
    const ScoreParameters p = params();
    std::vector<Observation> all;
    for (Micros t = 0; t < 3 * kHour; t += 5 * kMin) all.push_back(on(t));
    const CachedRow cached = as_cached(reference(all, 3 * kHour, p));
    // sliding by one hour reads the old end from 1h - max_gap on
    const UpdatePlan slide = plan_update(cached, 4 * kHour, std::nullopt, false, p);
    ASSERT_FALSE(slide.full);
    EXPECT_EQ(slide.old_end.from, kHour - 15 * kMin);
    EXPECT_FALSE(plan_update(cached, 4 * kHour, std::nullopt, false, p, kHour - 15 * kMin).full);
    EXPECT_TRUE(plan_update(cached, 4 * kHour, std::nullopt, false, p, kHour).full);

    // a machine silent since 2h55: rows before 3h are compacted, the window [8h, 10h) is empty
    const UpdatePlan full = plan_update(cached, 10 * kHour, std::nullopt, false, p, 3 * kHour);
    ASSERT_TRUE(full.full);
    MachineData none;
    auto row = update_row(full, cached, none, p);
    ASSERT_TRUE(row);
    EXPECT_EQ(row->last_observed, Micros{2 * kHour + 55 * kMin});
    EXPECT_EQ(row->score.online_us, 0);
    // without a compaction the same empty read means there is no earlier row
    const UpdatePlan plain = plan_update(cached, 10 * kHour, std::nullopt, true, p);
    EXPECT_FALSE(update_row(plain, cached, none, p)->last_observed.has_value());
    // a cached last observation at or after raw_from is a raw row: an empty read overrides it
    const UpdatePlan later = plan_update(cached, 10 * kHour, std::nullopt, true, p, 2 * kHour);
    EXPECT_FALSE(update_row(later, cached, none, p)->last_observed.has_value());
}

TEST(CacheUpdate, InconsistentCacheAsksForAFullRead) {
    const ScoreParameters p = params();
    std::vector<Observation> all;
    for (Micros t = 0; t < 3 * kHour; t += 5 * kMin) all.push_back(on(t));
    CachedRow cached = as_cached(reference(all, 3 * kHour, p));
    cached.totals.offline_us = 3 * kHour;  // a cache that cannot be: more covered time than the window
    EXPECT_FALSE(run(cached, all, 3 * kHour + kMin, {}, false, p).has_value());
}

TEST(CacheUpdate, AfterTruncate) {
    const ScoreParameters p = params();
    std::vector<Observation> all;
    for (Micros t = 0; t < 3 * kHour; t += 5 * kMin) all.push_back(Observation{t, t % (30 * kMin) != 0});
    const UpdatedRow full = reference(all, 3 * kHour, p);
    const CachedRow cached = as_cached(full);
    // observations gone: no covered time, no last observation; interruptions and ratings kept
    auto no_obs = after_truncate(cached, DataTable::Observations, p);
    ASSERT_TRUE(no_obs);
    EXPECT_EQ(no_obs->computed_at, 3 * kHour);
    EXPECT_EQ(no_obs->score.online_us, 0);
    EXPECT_FALSE(no_obs->last_observed.has_value());
    EXPECT_EQ(no_obs->score.interruptions, 2);
    EXPECT_EQ(no_obs->score.rating.count, 3);
    // ratings gone: the prior alone; the window kept
    auto no_ratings = after_truncate(cached, DataTable::Ratings, p);
    ASSERT_TRUE(no_ratings);
    EXPECT_EQ(no_ratings->score.rating.count, 0);
    EXPECT_EQ(no_ratings->score.online_us, full.score.online_us);
    // interruptions gone
    auto no_interruptions = after_truncate(cached, DataTable::Interruptions, p);
    ASSERT_TRUE(no_interruptions);
    EXPECT_EQ(no_interruptions->score.interruptions, 0);
    // a placeholder row is left to its writer
    EXPECT_FALSE(after_truncate(CachedRow{}, DataTable::Ratings, p).has_value());
}

// A machine younger than its window: its first row is the hint, so every slide skips the old
// end until the window's start reaches that row; the results stay exact throughout.
TEST(CacheUpdate, HintLetsAYoungMachineSkipItsOldEnd) {
    const ScoreParameters p = params();  // window 2 h, max_gap 15 min
    std::vector<Observation> all;
    for (Micros t = 10 * kHour; t < 10 * kHour + 30 * kMin; t += 5 * kMin) all.push_back(on(t));
    auto first = run(CachedRow{}, all, 10 * kHour + 30 * kMin, {}, true, p);
    ASSERT_TRUE(first);
    EXPECT_EQ(first->unobserved_until, Micros{10 * kHour});
    UpdatedRow cached = *first;
    int skipped = 0, read = 0;
    for (Micros t = 10 * kHour + 30 * kMin; t < 14 * kHour; t += 5 * kMin) {
        all.push_back(Observation{t, (t / kMin) % 35 != 0});
        const Micros now = t + kSec;
        const UpdatePlan plan = plan_update(as_cached(cached), now, std::nullopt, false, p);
        ASSERT_FALSE(plan.full);
        // skipped exactly while the old end [a1 - max_gap, a2) ends by the first row
        EXPECT_EQ(plan.old_end_empty, plan.old_end.to <= 10 * kHour);
        (plan.old_end_empty ? skipped : read) += 1;
        auto row = run(as_cached(cached), all, now, {}, false, p);
        ASSERT_TRUE(row);
        expect_same(*row, reference(all, now, p));
        expect_hint_holds(*row, all, p);
        cached = *row;
    }
    EXPECT_GT(skipped, 10);
    EXPECT_GT(read, 10);
    EXPECT_FALSE(cached.unobserved_until.has_value());  // the window is full: no hint helps
}

// Rows written before the hint (late rows of the same statement, or a first full read that
// finds an earlier row) lower it; truncating the observations leaves none at all.
TEST(CacheUpdate, RowsBeforeTheHintLowerIt) {
    const ScoreParameters p = params();
    std::vector<Observation> all;
    for (Micros t = 10 * kHour; t < 11 * kHour; t += 10 * kMin) all.push_back(on(t));
    auto row = run(CachedRow{}, all, 11 * kHour, {}, true, p);
    ASSERT_TRUE(row);
    EXPECT_EQ(row->unobserved_until, Micros{10 * kHour});
    // a late row at 9h40, inside the window: a slide that carries it as fresh
    all.push_back(off(9 * kHour + 40 * kMin));
    std::sort(all.begin(), all.end());
    auto late = run(as_cached(*row), all, 11 * kHour + kMin, {9 * kHour + 40 * kMin}, false, p);
    ASSERT_TRUE(late);
    expect_same(*late, reference(all, 11 * kHour + kMin, p));
    EXPECT_EQ(late->unobserved_until, Micros{9 * kHour + 40 * kMin});
    expect_hint_holds(*late, all, p);
    // a row 5 minutes before the window's start (within max_gap) leaves no useful hint
    all.push_back(on(9 * kHour - 4 * kMin));
    std::sort(all.begin(), all.end());
    auto full = run(as_cached(*late), all, 11 * kHour + kMin, {}, true, p);
    ASSERT_TRUE(full);
    expect_same(*full, reference(all, 11 * kHour + kMin, p));
    EXPECT_FALSE(full->unobserved_until.has_value());
    // truncated observations: nothing before computed_at; other tables keep the hint
    auto no_obs = after_truncate(as_cached(*late), DataTable::Observations, p);
    ASSERT_TRUE(no_obs);
    EXPECT_EQ(no_obs->unobserved_until, late->computed_at);
    EXPECT_EQ(after_truncate(as_cached(*late), DataTable::Ratings, p)->unobserved_until, late->unobserved_until);
}

// Random fleets of every age with random late rows: every result exact and every hint kept
// true, whichever way (slid, skipped, in full) each step went.
TEST(CacheUpdate, HintsStayTrueUnderRandomWrites) {
    const ScoreParameters p = params();
    std::mt19937 rng(11);
    for (int machine = 0; machine < 40; ++machine) {
        std::vector<Observation> all;
        const Micros start = static_cast<Micros>(rng() % 5) * kHour;
        for (Micros t = start; t < 5 * kHour; t += static_cast<Micros>(1 + rng() % 9) * kMin)
            all.push_back(Observation{t, rng() % 4 != 0});
        std::optional<UpdatedRow> cached = run(CachedRow{}, all, 5 * kHour, {}, true, p);
        ASSERT_TRUE(cached);
        for (Micros now = 5 * kHour + 3 * kMin; now < 9 * kHour; now += static_cast<Micros>(1 + rng() % 20) * kMin) {
            std::vector<Micros> fresh;
            if (rng() % 3 == 0) {  // a late row somewhere in the last two windows
                const Micros at = cached->computed_at - static_cast<Micros>(rng() % (4 * 60)) * kMin - 7;
                all.push_back(Observation{at, rng() % 2 == 0});
                fresh.push_back(at);
            }
            if (rng() % 2 == 0) all.push_back(Observation{now - kSec, rng() % 5 != 0});  // a poll
            std::sort(all.begin(), all.end());
            std::optional<UpdatedRow> row = run(as_cached(*cached), all, now, fresh, false, p);
            if (!row) row = run(as_cached(*cached), all, now, fresh, true, p);  // the engine's second pass
            ASSERT_TRUE(row);
            expect_same(*row, reference(all, now, p));
            expect_hint_holds(*row, all, p);
            cached = row;
        }
    }
}

}  // namespace
}  // namespace reliability
