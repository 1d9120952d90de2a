// score.hpp: SPEC §4. Expected values are worked out by hand; transcendental constants are
// written as literals (exp(-0.1) = 0.9048374180359595, exp(-0.5) = 0.6065306597126334,
// exp(-1) = 0.36787944117144233, exp(-2) = 0.1353352832366127).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

#include "score.hpp"
#include "test_support.hpp"

namespace reliability {
namespace {

using namespace reliability::testing;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr std::int64_t kI64Max = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t kI64Min = std::numeric_limits<std::int64_t>::min();

ScoreParameters with_weights(double u, double i, double r) {
    ScoreParameters p;
    p.weight_uptime = u;
    p.weight_interruption = i;
    p.weight_rating = r;
    return p;
}

// ---------------------------------------------------------------------------------------------
// I: interruption component
// ---------------------------------------------------------------------------------------------

TEST(InterruptionComponent, NoOnlineTime) {
    // on = 0: 1 when k = 0, else 0.
    EXPECT_EQ(interruption_component(0, 0.0, 24 * kHour), 1.0);
    EXPECT_EQ(interruption_component(1, 0.0, 24 * kHour), 0.0);
    EXPECT_EQ(interruption_component(1000, 0.0, 24 * kHour), 0.0);
}

TEST(InterruptionComponent, ExponentialFormula) {
    // I = exp(-k * horizon_s / on)
    EXPECT_EQ(interruption_component(0, 5000.0, 24 * kHour), 1.0);                   // exp(0)
    EXPECT_NEAR(interruption_component(3, 259'200.0, 24 * kHour), 0.36787944117144233, 1e-15);  // 3*86400/259200 = 1
    EXPECT_NEAR(interruption_component(1, 7200.0, kHour), 0.6065306597126334, 1e-15);          // 3600/7200 = 0.5
    EXPECT_NEAR(interruption_component(2, 86'400.0, 24 * kHour), 0.1353352832366127, 1e-15);   // 2
    EXPECT_NEAR(interruption_component(1, 864'000.0, 24 * kHour), 0.9048374180359595, 1e-15);  // 0.1
    // An enormous rate underflows to exactly 0: exp(-1e9 * 86400 / 1).
    EXPECT_EQ(interruption_component(1'000'000'000, 1.0, 24 * kHour), 0.0);
    // More interruptions, lower component.
    EXPECT_LT(interruption_component(2, 1e6, kHour), interruption_component(1, 1e6, kHour));
}

// ---------------------------------------------------------------------------------------------
// Smoothed rating mean
// ---------------------------------------------------------------------------------------------

TEST(SmoothedRatingMean, DefaultPrior) {
    const ScoreParameters p;  // prior mean 4, weight 5
    EXPECT_EQ(smoothed_rating_mean(0, 0, p), 4.0);            // (5*4 + 0) / 5
    EXPECT_EQ(smoothed_rating_mean(1, 1, p), 3.5);            // (20 + 1) / 6
    EXPECT_DOUBLE_EQ(*smoothed_rating_mean(2, 6, p), 26.0 / 7.0);  // (20 + 6) / 7
    EXPECT_EQ(smoothed_rating_mean(5, 25, p), 4.5);           // (20 + 25) / 10
}

TEST(SmoothedRatingMean, ZeroPriorWeight) {
    ScoreParameters p;
    p.rating_prior_weight = 0;
    EXPECT_EQ(smoothed_rating_mean(0, 0, p), std::nullopt);  // 0 + 0 = 0: no mean
    EXPECT_EQ(smoothed_rating_mean(4, 18, p), 4.5);          // plain mean 18/4
    EXPECT_EQ(smoothed_rating_mean(3, 3, p), 1.0);
}

TEST(SmoothedRatingMean, OtherPrior) {
    ScoreParameters p;
    p.rating_prior_weight = 2;
    p.rating_prior_mean = 1;
    EXPECT_EQ(smoothed_rating_mean(2, 10, p), 3.0);  // (2*1 + 10) / 4
    EXPECT_EQ(smoothed_rating_mean(0, 0, p), 1.0);
}

TEST(SmoothedRatingMean, HugeCounts) {
    const ScoreParameters p;
    // (20 + 2^63-1) / (5 + 2^63-1) rounds to 1 in double.
    EXPECT_DOUBLE_EQ(*smoothed_rating_mean(kI64Max, kI64Max, p), 1.0);
}

TEST(SmoothedRatingMean, StaysWithinOneToFive) {
    // prior mean 5 with prior weight 0.237: (0.237 * 5) / 0.237 is 5.000000000000001 in double
    // arithmetic; the mean of values in [1, 5] must not leave [1, 5], nor R leave [0, 1].
    ScoreParameters p;
    p.rating_prior_mean = 5.0;
    p.rating_prior_weight = 0.237;
    EXPECT_EQ(smoothed_rating_mean(0, 0, p), 5.0);
    EXPECT_EQ(rating_part(0, 0, p).component, 1.0);
}

// ---------------------------------------------------------------------------------------------
// rating_part
// ---------------------------------------------------------------------------------------------

TEST(RatingPart, CountMeanAndComponent) {
    // 5 ratings summing to 20 with the default prior: mean (20 + 20) / 10 = 4, R = 0.75.
    const RatingPart r = rating_part(5, 20, ScoreParameters{});
    EXPECT_EQ(r.count, 5);
    EXPECT_EQ(r.mean, 4.0);
    EXPECT_EQ(r.component, 0.75);
    // 1-star only, no prior: mean 1, R = 0.
    ScoreParameters p;
    p.rating_prior_weight = 0;
    const RatingPart low = rating_part(2, 2, p);
    EXPECT_EQ(low.mean, 1.0);
    EXPECT_EQ(low.component, 0.0);
    // nothing at all: no mean, no component
    const RatingPart none = rating_part(0, 0, p);
    EXPECT_EQ(none.count, 0);
    EXPECT_EQ(none.mean, std::nullopt);
    EXPECT_EQ(none.component, std::nullopt);
}

// ---------------------------------------------------------------------------------------------
// combine
// ---------------------------------------------------------------------------------------------

TEST(Combine, DefaultWeights) {
    // 100 * (0.4*0.9 + 0.4*0.5 + 0.2*0.75) = 100 * (0.36 + 0.2 + 0.15) = 71
    EXPECT_NEAR(*combine(0.9, 0.5, 0.75, ScoreParameters{}), 71.0, 1e-12);
    EXPECT_NEAR(*combine(1.0, 1.0, 1.0, ScoreParameters{}), 100.0, 1e-12);
    EXPECT_EQ(*combine(0.0, 0.0, 0.0, ScoreParameters{}), 0.0);
}

TEST(Combine, OtherWeights) {
    // 100 * (0.2*0.5 + 0.3*1 + 0.5*0.2) = 100 * (0.1 + 0.3 + 0.1) = 50
    EXPECT_NEAR(*combine(0.5, 1.0, 0.2, with_weights(0.2, 0.3, 0.5)), 50.0, 1e-12);
    // only rating counts: 100 * 0.75
    EXPECT_NEAR(*combine(0.1, 0.2, 0.75, with_weights(0, 0, 1)), 75.0, 1e-12);
}

TEST(Combine, MissingRatingRescalesTheOtherTwo) {
    // 100 * (0.4*0.9 + 0.4*0.5) / 0.8 = 100 * 0.56 / 0.8 = 70
    EXPECT_NEAR(*combine(0.9, 0.5, std::nullopt, ScoreParameters{}), 70.0, 1e-12);
    // weights 0.5 / 0 / 0.5: 100 * 0.5*0.9 / 0.5 = 90
    EXPECT_NEAR(*combine(0.9, 0.5, std::nullopt, with_weights(0.5, 0, 0.5)), 90.0, 1e-12);
    // weights 0 / 0.25 / 0.75: 100 * 0.25*0.5 / 0.25 = 50
    EXPECT_NEAR(*combine(0.9, 0.5, std::nullopt, with_weights(0, 0.25, 0.75)), 50.0, 1e-12);
    // weights 0.1 / 0.3 / 0.6: 100 * (0.1*1 + 0.3*0) / 0.4 = 25
    EXPECT_NEAR(*combine(1.0, 0.0, std::nullopt, with_weights(0.1, 0.3, 0.6)), 25.0, 1e-12);
}

TEST(Combine, MissingRatingWithBothOtherWeightsZeroIsNull) {
    EXPECT_EQ(combine(0.9, 0.5, std::nullopt, with_weights(0, 0, 1)), std::nullopt);
}

TEST(Combine, MissingUptimeIsNull) {
    EXPECT_EQ(combine(std::nullopt, 1.0, 1.0, ScoreParameters{}), std::nullopt);
    EXPECT_EQ(combine(std::nullopt, 1.0, std::nullopt, ScoreParameters{}), std::nullopt);
    // even when uptime has weight 0
    EXPECT_EQ(combine(std::nullopt, 1.0, 1.0, with_weights(0, 0.5, 0.5)), std::nullopt);
}

// ---------------------------------------------------------------------------------------------
// compute
// ---------------------------------------------------------------------------------------------

TEST(Compute, AllComponents) {
    // U = 0.95; k = 1, on = 864,000 s, horizon 86,400 s -> I = exp(-0.1) = 0.9048374180359595;
    // r = 5, S = 20 -> mean = (5*4 + 20) / 10 = 4, R = (4 - 1)/4 = 0.75.
    // score = 100 * (0.4*0.95 + 0.4*0.9048374180359595 + 0.2*0.75) = 38 + 36.19349672143838 + 15
    //       = 89.19349672143838
    ScoreInputs in;
    in.uptime = 0.95;
    in.interruptions = 1;
    in.online_seconds = 864'000;
    in.rating_count = 5;
    in.rating_sum = 20;
    const ScoreComponents c = compute(in, ScoreParameters{});
    EXPECT_EQ(c.uptime, 0.95);
    EXPECT_NEAR(c.interruption, 0.9048374180359595, 1e-15);
    EXPECT_EQ(c.rating_mean, 4.0);
    EXPECT_EQ(c.rating, 0.75);
    ASSERT_TRUE(c.score.has_value());
    EXPECT_NEAR(*c.score, 89.19349672143838, 1e-10);
    EXPECT_EQ(tier_of(c.score, 30.0 * 86'400, ScoreParameters{}), Tier::Good);
}

TEST(Compute, NoRatingsAndZeroPriorWeightRescales) {
    // U = 0.8, k = 0 -> I = 1, no mean: 100 * (0.4*0.8 + 0.4*1) / 0.8 = 100 * 0.72 / 0.8 = 90
    ScoreParameters p;
    p.rating_prior_weight = 0;
    ScoreInputs in;
    in.uptime = 0.8;
    in.online_seconds = 1000;
    const ScoreComponents c = compute(in, p);
    EXPECT_EQ(c.interruption, 1.0);
    EXPECT_EQ(c.rating_mean, std::nullopt);
    EXPECT_EQ(c.rating, std::nullopt);
    EXPECT_NEAR(*c.score, 90.0, 1e-12);
}

TEST(Compute, NoRatingsWithDefaultPriorUsesPrior) {
    // mean = prior 4 -> R = 0.75; U = 1, I = 1: 100 * (0.4 + 0.4 + 0.15) = 95
    ScoreInputs in;
    in.uptime = 1.0;
    in.online_seconds = 3600;
    const ScoreComponents c = compute(in, ScoreParameters{});
    EXPECT_EQ(c.rating_mean, 4.0);
    EXPECT_EQ(c.rating, 0.75);
    EXPECT_NEAR(*c.score, 95.0, 1e-12);
}

TEST(Compute, MissingUptimeGivesNullScoreButComponents) {
    ScoreInputs in;  // nothing covered: U NULL, on = 0, k = 0 -> I = 1
    const ScoreComponents c = compute(in, ScoreParameters{});
    EXPECT_EQ(c.uptime, std::nullopt);
    EXPECT_EQ(c.score, std::nullopt);
    EXPECT_EQ(c.interruption, 1.0);
    EXPECT_EQ(c.rating_mean, 4.0);
    EXPECT_EQ(tier_of(c.score, 1e9, ScoreParameters{}), Tier::New);
}

TEST(Compute, InterruptedWithoutOnlineTime) {
    // U = 0 (all offline), k = 2, on = 0 -> I = 0; prior 0, 3 ratings of 1 star -> mean 1, R = 0.
    // score = 0
    ScoreParameters p;
    p.rating_prior_weight = 0;
    ScoreInputs in;
    in.uptime = 0.0;
    in.interruptions = 2;
    in.rating_count = 3;
    in.rating_sum = 3;
    const ScoreComponents c = compute(in, p);
    EXPECT_EQ(c.interruption, 0.0);
    EXPECT_EQ(c.rating, 0.0);
    EXPECT_EQ(c.score, 0.0);
    EXPECT_EQ(tier_of(c.score, 8.0 * 86'400, p), Tier::Poor);
}

TEST(Compute, PerfectMachine) {
    // prior 0, 4 five-star ratings: R = 1; U = 1, I = 1 -> 100.
    ScoreParameters p;
    p.rating_prior_weight = 0;
    ScoreInputs in;
    in.uptime = 1.0;
    in.online_seconds = 86'400;
    in.rating_count = 4;
    in.rating_sum = 20;
    const ScoreComponents c = compute(in, p);
    EXPECT_EQ(c.rating, 1.0);
    EXPECT_NEAR(*c.score, 100.0, 1e-12);
    EXPECT_EQ(tier_of(c.score, 7.0 * 86'400, p), Tier::Excellent);
}

// ---------------------------------------------------------------------------------------------
// snapshot: the whole score from window totals
// ---------------------------------------------------------------------------------------------

TEST(Snapshot, FromWindowTotals) {
    // online 6 days = 518,400 s, offline 2 days, window 30 days; k = 3; no ratings (prior 4 -> R 0.75).
    // U = 6/8 = 0.75; I = exp(-3 * 86,400 / 518,400) = exp(-0.5) = 0.6065306597126334
    // score = 100 * (0.4*0.75 + 0.4*0.6065306597126334 + 0.2*0.75) = 30 + 24.261226388505336 + 15
    //       = 69.26122638850534 -> fair (covered 8 days >= 7 days)
    // coverage = 8 / 30
    const ScoreParameters p;
    const ScoreSnapshot s = snapshot(6 * kDay, 2 * kDay, 30 * kDay, 3, rating_part(0, 0, p), p);
    EXPECT_EQ(s.covered_us(), 8 * kDay);
    EXPECT_EQ(s.uptime, 0.75);
    EXPECT_NEAR(s.interruption, 0.6065306597126334, 1e-15);
    EXPECT_EQ(s.rating.component, 0.75);
    ASSERT_TRUE(s.score.has_value());
    EXPECT_NEAR(*s.score, 69.26122638850534, 1e-10);
    EXPECT_EQ(s.tier, Tier::Fair);
    EXPECT_DOUBLE_EQ(*s.coverage(), 8.0 / 30.0);
    EXPECT_EQ(s.interruptions, 3);
}

TEST(Snapshot, ShortHistoryIsNew) {
    // online 6 days, offline 1 day - 1 µs: covered is 1 µs short of min_history (7 days).
    const ScoreParameters p;
    const ScoreSnapshot s = snapshot(6 * kDay, kDay - 1, 30 * kDay, 0, rating_part(0, 0, p), p);
    ASSERT_TRUE(s.score.has_value());
    EXPECT_EQ(s.tier, Tier::New);
    const ScoreSnapshot t = snapshot(6 * kDay, kDay, 30 * kDay, 0, rating_part(0, 0, p), p);
    EXPECT_NE(t.tier, Tier::New);
}

TEST(Snapshot, NothingCovered) {
    const ScoreParameters p;
    const ScoreSnapshot s = snapshot(0, 0, 30 * kDay, 2, rating_part(0, 0, p), p);
    EXPECT_EQ(s.uptime, std::nullopt);
    EXPECT_EQ(s.score, std::nullopt);
    EXPECT_EQ(s.tier, Tier::New);
    EXPECT_EQ(s.interruption, 0.0);  // k = 2, on = 0
    EXPECT_EQ(s.coverage(), 0.0);
    const ScoreSnapshot e = snapshot(0, 0, 0, 0, rating_part(0, 0, p), p);
    EXPECT_EQ(e.coverage(), std::nullopt);  // empty window
    EXPECT_EQ(e.interruption, 1.0);
}

// ---------------------------------------------------------------------------------------------
// tier_of
// ---------------------------------------------------------------------------------------------

TEST(TierOf, BoundariesAreInclusive) {
    const ScoreParameters p;  // 90 / 75 / 60, min_history 7 days = 604,800 s
    const double h = 604'800.0;
    EXPECT_EQ(tier_of(100.0, h, p), Tier::Excellent);
    EXPECT_EQ(tier_of(90.0, h, p), Tier::Excellent);
    EXPECT_EQ(tier_of(89.999999, h, p), Tier::Good);
    EXPECT_EQ(tier_of(75.0, h, p), Tier::Good);
    EXPECT_EQ(tier_of(74.999999, h, p), Tier::Fair);
    EXPECT_EQ(tier_of(60.0, h, p), Tier::Fair);
    EXPECT_EQ(tier_of(59.999999, h, p), Tier::Poor);
    EXPECT_EQ(tier_of(0.0, h, p), Tier::Poor);
}

TEST(TierOf, ShortHistoryOrNullScoreIsNew) {
    const ScoreParameters p;
    EXPECT_EQ(tier_of(100.0, 604'799.999999, p), Tier::New);  // 1 µs short of 7 days
    EXPECT_EQ(tier_of(100.0, 0.0, p), Tier::New);
    EXPECT_EQ(tier_of(std::nullopt, 604'800.0, p), Tier::New);
    EXPECT_EQ(tier_of(std::nullopt, 1e12, p), Tier::New);
}

TEST(TierOf, ZeroMinHistoryAndEqualTiers) {
    ScoreParameters p;
    p.min_history_us = 0;
    EXPECT_EQ(tier_of(95.0, 0.0, p), Tier::Excellent);
    EXPECT_EQ(tier_of(std::nullopt, 0.0, p), Tier::New);
    p.tier_excellent = p.tier_good = p.tier_fair = 80;
    EXPECT_EQ(tier_of(80.0, 1.0, p), Tier::Excellent);
    EXPECT_EQ(tier_of(79.9, 1.0, p), Tier::Poor);
}

TEST(TierOf, Names) {
    EXPECT_EQ(std::string(tier_name(Tier::Excellent)), "excellent");
    EXPECT_EQ(std::string(tier_name(Tier::Good)), "good");
    EXPECT_EQ(std::string(tier_name(Tier::Fair)), "fair");
    EXPECT_EQ(std::string(tier_name(Tier::Poor)), "poor");
    EXPECT_EQ(std::string(tier_name(Tier::New)), "new");
}

TEST(TierOf, NamesReadBack) {
    for (Tier t : {Tier::Excellent, Tier::Good, Tier::Fair, Tier::Poor, Tier::New}) EXPECT_EQ(tier_from_name(tier_name(t)), t);
    EXPECT_EQ(tier_from_name("Excellent"), std::nullopt);
    EXPECT_EQ(tier_from_name(""), std::nullopt);
    EXPECT_EQ(tier_from_name("good "), std::nullopt);
}

// ---------------------------------------------------------------------------------------------
// ScoreParameters::validate
// ---------------------------------------------------------------------------------------------

::testing::AssertionResult Invalid(const ScoreParameters& p) {
    return ThrowsKind([&] { p.validate(); }, ErrorKind::InvalidParameter);
}

TEST(ValidateParameters, DefaultsAreValid) {
    const ScoreParameters p;
    // SPEC §4 defaults
    EXPECT_EQ(p.score_window_us, 30 * kDay);
    EXPECT_EQ(p.max_gap_us, 15 * kMin);
    EXPECT_EQ(p.weight_uptime, 0.4);
    EXPECT_EQ(p.weight_interruption, 0.4);
    EXPECT_EQ(p.weight_rating, 0.2);
    EXPECT_EQ(p.interruption_horizon_us, 24 * kHour);
    EXPECT_EQ(p.rating_prior_mean, 4.0);
    EXPECT_EQ(p.rating_prior_weight, 5.0);
    EXPECT_EQ(p.min_history_us, 7 * kDay);
    EXPECT_EQ(p.tier_excellent, 90.0);
    EXPECT_EQ(p.tier_good, 75.0);
    EXPECT_EQ(p.tier_fair, 60.0);
    EXPECT_EQ(p.stale_after_us, 24 * kHour);
    EXPECT_EQ(p.auto_blacklist_below, std::nullopt);
    EXPECT_EQ(p.auto_blacklist_for_us, 24 * kHour);
    EXPECT_NO_THROW(p.validate());
}

TEST(ValidateParameters, WeightsSumToOneWithin1e9) {
    EXPECT_NO_THROW(with_weights(1, 0, 0).validate());
    EXPECT_NO_THROW(with_weights(0, 0, 1).validate());
    EXPECT_NO_THROW(with_weights(0.1, 0.2, 0.7).validate());  // 1.0000000000000000x in binary
    EXPECT_NO_THROW(with_weights(0.4, 0.4, 0.2 + 5e-10).validate());
    EXPECT_NO_THROW(with_weights(0.4, 0.4, 0.2 - 5e-10).validate());
    EXPECT_TRUE(Invalid(with_weights(0.4, 0.4, 0.2 + 2e-9)));
    EXPECT_TRUE(Invalid(with_weights(0.4, 0.4, 0.2 - 2e-9)));
    EXPECT_TRUE(Invalid(with_weights(0.5, 0.4, 0.2)));
    EXPECT_TRUE(Invalid(with_weights(0.3, 0.3, 0.3)));
    EXPECT_TRUE(Invalid(with_weights(0, 0, 0)));
}

TEST(ValidateParameters, WeightsEachInUnitInterval) {
    EXPECT_TRUE(Invalid(with_weights(-0.2, 0.8, 0.4)));  // sums to 1, but negative
    EXPECT_TRUE(Invalid(with_weights(1.2, -0.2, 0)));
    EXPECT_TRUE(Invalid(with_weights(0.5, 0.7, -0.2)));
}

TEST(ValidateParameters, NaNAndInfinityRejected) {
    EXPECT_TRUE(Invalid(with_weights(kNaN, 0.6, 0.4)));
    EXPECT_TRUE(Invalid(with_weights(0.6, kNaN, 0.4)));
    EXPECT_TRUE(Invalid(with_weights(0.6, 0.4, kNaN)));
    EXPECT_TRUE(Invalid(with_weights(kInf, 0, 0)));
    for (double bad : {kNaN, kInf, -kInf}) {
        ScoreParameters p;
        p.rating_prior_mean = bad;
        EXPECT_TRUE(Invalid(p)) << "rating_prior_mean " << bad;
        p = ScoreParameters{};
        p.rating_prior_weight = bad;
        EXPECT_TRUE(Invalid(p)) << "rating_prior_weight " << bad;
        p = ScoreParameters{};
        p.tier_excellent = bad;
        EXPECT_TRUE(Invalid(p)) << "tier_excellent " << bad;
        p = ScoreParameters{};
        p.tier_good = bad;
        EXPECT_TRUE(Invalid(p)) << "tier_good " << bad;
        p = ScoreParameters{};
        p.tier_fair = bad;
        EXPECT_TRUE(Invalid(p)) << "tier_fair " << bad;
        p = ScoreParameters{};
        p.auto_blacklist_below = bad;
        EXPECT_TRUE(Invalid(p)) << "auto_blacklist_below " << bad;
    }
}

TEST(ValidateParameters, RatingPrior) {
    ScoreParameters p;
    p.rating_prior_mean = 1.0;
    EXPECT_NO_THROW(p.validate());
    p.rating_prior_mean = 5.0;
    EXPECT_NO_THROW(p.validate());
    p.rating_prior_mean = 0.999;
    EXPECT_TRUE(Invalid(p));
    p.rating_prior_mean = 5.001;
    EXPECT_TRUE(Invalid(p));

    p = ScoreParameters{};
    p.rating_prior_weight = 0;
    EXPECT_NO_THROW(p.validate());
    p.rating_prior_weight = 1000;
    EXPECT_NO_THROW(p.validate());
    p.rating_prior_weight = -0.001;
    EXPECT_TRUE(Invalid(p));
}

TEST(ValidateParameters, TiersInRangeAndOrdered) {
    ScoreParameters p;
    p.tier_excellent = 100;
    p.tier_good = 50;
    p.tier_fair = 0;
    EXPECT_NO_THROW(p.validate());
    p.tier_excellent = p.tier_good = p.tier_fair = 70;  // equal is allowed
    EXPECT_NO_THROW(p.validate());

    p = ScoreParameters{};
    p.tier_excellent = 100.5;
    EXPECT_TRUE(Invalid(p));
    p = ScoreParameters{};
    p.tier_fair = -1;
    EXPECT_TRUE(Invalid(p));
    p = ScoreParameters{};
    p.tier_excellent = 70;  // < tier_good 75
    EXPECT_TRUE(Invalid(p));
    p = ScoreParameters{};
    p.tier_good = 50;  // < tier_fair 60
    EXPECT_TRUE(Invalid(p));
    p = ScoreParameters{};
    p.tier_fair = 95;  // > both
    EXPECT_TRUE(Invalid(p));
}

TEST(ValidateParameters, AutoBlacklistBelow) {
    ScoreParameters p;
    p.auto_blacklist_below = 0.0;
    EXPECT_NO_THROW(p.validate());
    p.auto_blacklist_below = 100.0;
    EXPECT_NO_THROW(p.validate());
    p.auto_blacklist_below = -0.5;
    EXPECT_TRUE(Invalid(p));
    p.auto_blacklist_below = 100.5;
    EXPECT_TRUE(Invalid(p));
}

TEST(ValidateParameters, IntervalsPositiveMinHistoryNonNegative) {
    for (Micros bad : {Micros{0}, Micros{-1}}) {
        ScoreParameters p;
        p.score_window_us = bad;
        EXPECT_TRUE(Invalid(p)) << "score_window " << bad;
        p = ScoreParameters{};
        p.max_gap_us = bad;
        EXPECT_TRUE(Invalid(p)) << "max_gap " << bad;
        p = ScoreParameters{};
        p.interruption_horizon_us = bad;
        EXPECT_TRUE(Invalid(p)) << "interruption_horizon " << bad;
        p = ScoreParameters{};
        p.stale_after_us = bad;
        EXPECT_TRUE(Invalid(p)) << "stale_after " << bad;
        p = ScoreParameters{};
        p.auto_blacklist_for_us = bad;
        EXPECT_TRUE(Invalid(p)) << "auto_blacklist_for " << bad;
    }
    ScoreParameters p;
    p.min_history_us = 0;
    EXPECT_NO_THROW(p.validate());
    p.min_history_us = -1;
    EXPECT_TRUE(Invalid(p));
    // 1 µs is positive
    p = ScoreParameters{};
    p.score_window_us = p.max_gap_us = p.interruption_horizon_us = p.stale_after_us = p.auto_blacklist_for_us = 1;
    EXPECT_NO_THROW(p.validate());
}

// ---------------------------------------------------------------------------------------------
// validate(ScoreInputs)
// ---------------------------------------------------------------------------------------------

ScoreInputs inputs(std::int64_t count, std::int64_t sum) {
    ScoreInputs in;
    in.uptime = 0.5;
    in.online_seconds = 100;
    in.rating_count = count;
    in.rating_sum = sum;
    return in;
}

::testing::AssertionResult InvalidInputs(const ScoreInputs& in) {
    return ThrowsKind([&] { validate(in); }, ErrorKind::InvalidParameter);
}

TEST(ValidateInputs, RatingSumBetweenCountAndFiveTimesCount) {
    EXPECT_NO_THROW(validate(inputs(0, 0)));
    EXPECT_NO_THROW(validate(inputs(2, 2)));   // two 1-star
    EXPECT_NO_THROW(validate(inputs(2, 10)));  // two 5-star
    EXPECT_NO_THROW(validate(inputs(3, 11)));
    EXPECT_TRUE(InvalidInputs(inputs(0, 1)));
    EXPECT_TRUE(InvalidInputs(inputs(2, 1)));
    EXPECT_TRUE(InvalidInputs(inputs(2, 11)));
    EXPECT_TRUE(InvalidInputs(inputs(3, 16)));
    EXPECT_TRUE(InvalidInputs(inputs(1, -1)));
}

TEST(ValidateInputs, NegativeCounts) {
    EXPECT_TRUE(InvalidInputs(inputs(-1, 0)));
    EXPECT_TRUE(InvalidInputs(inputs(-1, -1)));
    ScoreInputs in = inputs(0, 0);
    in.interruptions = -1;
    EXPECT_TRUE(InvalidInputs(in));
    in.interruptions = 0;
    EXPECT_NO_THROW(validate(in));
}

TEST(ValidateInputs, HugeCountsDoNotOverflow) {
    // 5 * count would overflow int64 here; the check must still be exact.
    EXPECT_NO_THROW(validate(inputs(kI64Max, kI64Max)));
    // count = floor(MAX / 5) = 1,844,674,407,370,955,161; 5 * count = 9,223,372,036,854,775,805.
    const std::int64_t c = 1'844'674'407'370'955'161LL;
    EXPECT_NO_THROW(validate(inputs(c, 9'223'372'036'854'775'805LL)));
    EXPECT_TRUE(InvalidInputs(inputs(c, 9'223'372'036'854'775'806LL)));
    EXPECT_TRUE(InvalidInputs(inputs(c, kI64Max)));
    EXPECT_TRUE(InvalidInputs(inputs(kI64Max, kI64Min)));
    EXPECT_TRUE(InvalidInputs(inputs(kI64Max, kI64Max - 1)));
    // 2^61: 5 * 2^61 > MAX, so sum = MAX is within [count, 5 * count].
    EXPECT_NO_THROW(validate(inputs(std::int64_t{1} << 61, kI64Max)));
    ScoreInputs in = inputs(0, 0);
    in.interruptions = kI64Max;
    EXPECT_NO_THROW(validate(in));
}

TEST(ValidateInputs, UptimeInUnitInterval) {
    ScoreInputs in = inputs(0, 0);
    for (double ok : {0.0, 1.0, 0.25}) {
        in.uptime = ok;
        EXPECT_NO_THROW(validate(in)) << ok;
    }
    in.uptime = std::nullopt;
    EXPECT_NO_THROW(validate(in));
    for (double bad : {-0.01, 1.01, kNaN, kInf}) {
        in.uptime = bad;
        EXPECT_TRUE(InvalidInputs(in)) << bad;
    }
}

TEST(ValidateInputs, OnlineSecondsFiniteAndNonNegative) {
    ScoreInputs in = inputs(0, 0);
    in.online_seconds = 0;
    EXPECT_NO_THROW(validate(in));
    for (double bad : {-1.0, kNaN, kInf, -kInf}) {
        in.online_seconds = bad;
        EXPECT_TRUE(InvalidInputs(in)) << bad;
    }
}

}  // namespace
}  // namespace reliability
