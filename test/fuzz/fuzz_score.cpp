// libFuzzer harness for the score of SPEC §4: arbitrary ScoreParameters and ScoreInputs
// (NaN, infinities, extremes, negative counts, ...), and interval_micros.
//
// Checked on every input:
//  - ScoreParameters::validate() and validate(ScoreInputs) throw only reliability::Error
//    (InvalidParameter), and agree with an independent reading of the rules of SPEC §4;
//  - for valid parameters and inputs, compute() gives components U, I, R in [0, 1], a smoothed
//    rating mean in [1, 5], and a score in [0, 100] (up to the 1e-9 that the weights may be
//    off 1), present exactly when SPEC §4 says;
//  - tier_of never crashes, and follows the thresholds for valid parameters;
//  - interval_micros is exact or throws DatetimeOutOfRange (22008).
#include <cmath>
#include <cstdint>
#include <exception>
#include <limits>
#include <optional>

#include "fuzz_common.hpp"
#include "score.hpp"

using reliability::ErrorKind;
using reliability::Micros;
using reliability::ScoreComponents;
using reliability::ScoreInputs;
using reliability::ScoreParameters;
using reliability::Tier;

namespace {

using i128 = __int128;

std::int64_t count(fuzz::Reader& r) {
    switch (r.u8() % 6) {
        case 0: return 0;
        case 1: return std::numeric_limits<std::int64_t>::max();
        case 2: return std::numeric_limits<std::int64_t>::min();
        case 3: return static_cast<std::int64_t>(r.u8());
        case 4: return static_cast<std::int64_t>(r.i16());
        default: return r.i64();
    }
}

Micros length(fuzz::Reader& r) {
    // Mostly sane lengths (seconds to years), sometimes anything.
    const std::uint8_t k = r.u8();
    if (k % 4 == 0) return r.time();
    return static_cast<Micros>(r.u8() + 1) * (k % 2 ? 3'600'000'000LL : 1'000'000LL) * (k % 3 ? 1 : 24);
}

ScoreParameters parameters(fuzz::Reader& r) {
    ScoreParameters p;
    const std::uint8_t mode = r.u8();
    if (mode & 0x01) {
        p.score_window_us = length(r);
        p.max_gap_us = length(r);
        p.interruption_horizon_us = length(r);
        p.min_history_us = length(r);
        p.stale_after_us = length(r);
        p.auto_blacklist_for_us = length(r);
    }
    if (mode & 0x02) {
        // Weights that sum to 1 by construction (the common valid case), or anything.
        if (mode & 0x04) {
            p.weight_uptime = static_cast<double>(r.u8()) / 255.0;
            p.weight_interruption = (1.0 - p.weight_uptime) * static_cast<double>(r.u8()) / 255.0;
            p.weight_rating = 1.0 - p.weight_uptime - p.weight_interruption;
            if (mode & 0x08) p.weight_rating = 0.0, p.weight_interruption = 1.0 - p.weight_uptime;
        } else {
            p.weight_uptime = r.real();
            p.weight_interruption = r.real();
            p.weight_rating = r.real();
        }
    }
    if (mode & 0x10) {
        p.rating_prior_mean = r.real();
        p.rating_prior_weight = r.real();
    }
    if (mode & 0x20) {
        p.tier_excellent = r.real();
        p.tier_good = r.real();
        p.tier_fair = r.real();
    }
    if (mode & 0x40) p.auto_blacklist_below = r.real();
    return p;
}

ScoreInputs inputs(fuzz::Reader& r) {
    ScoreInputs in;
    const std::uint8_t mode = r.u8();
    if (mode & 0x01) in.uptime = r.real();
    in.interruptions = count(r);
    in.online_seconds = r.real();
    in.rating_count = count(r);
    if (mode & 0x02) {
        // A sum that a table could produce: count..5*count.
        const std::int64_t c = in.rating_count;
        if (c >= 0 && c <= std::numeric_limits<std::int64_t>::max() / 5) {
            in.rating_sum = c + static_cast<std::int64_t>(static_cast<i128>(c) * (r.u8() % 17) / 16 * 4);
        }
        else in.rating_sum = count(r);
    } else {
        in.rating_sum = count(r);
    }
    return in;
}

bool unit(double v) { return v >= 0.0 && v <= 1.0; }
bool percent(double v) { return v >= 0.0 && v <= 100.0; }

// SPEC §4, read independently. Returns nullopt when the weight sum is too close to the
// 1e-9 tolerance to call without reproducing the implementation's rounding.
std::optional<bool> spec_valid(const ScoreParameters& p) {
    if (p.score_window_us <= 0 || p.max_gap_us <= 0 || p.interruption_horizon_us <= 0 || p.stale_after_us <= 0 ||
        p.auto_blacklist_for_us <= 0 || p.min_history_us < 0)
        return false;
    if (!unit(p.weight_uptime) || !unit(p.weight_interruption) || !unit(p.weight_rating)) return false;
    if (!(p.rating_prior_mean >= 1.0 && p.rating_prior_mean <= 5.0)) return false;
    if (!(p.rating_prior_weight >= 0.0) || std::isinf(p.rating_prior_weight)) return false;
    if (!percent(p.tier_excellent) || !percent(p.tier_good) || !percent(p.tier_fair)) return false;
    if (!(p.tier_excellent >= p.tier_good && p.tier_good >= p.tier_fair)) return false;
    if (p.auto_blacklist_below && !percent(*p.auto_blacklist_below)) return false;
    const long double off = std::fabs(static_cast<long double>(p.weight_uptime) + p.weight_interruption +
                                      p.weight_rating - 1.0L);
    if (off < 0.9e-9L) return true;
    if (off > 1.1e-9L) return false;
    return std::nullopt;
}

std::optional<bool> spec_valid(const ScoreInputs& in) {
    if (in.uptime && !unit(*in.uptime)) return false;
    if (in.interruptions < 0 || in.rating_count < 0) return false;
    if (!(in.online_seconds >= 0.0) || std::isinf(in.online_seconds)) return false;
    const i128 c = in.rating_count, s = in.rating_sum;
    return s >= c && s <= 5 * c;
}

void check_tier(Tier t, std::optional<double> score, double covered, const ScoreParameters& p, bool valid) {
    const char* name = reliability::tier_name(t);
    FUZZ_CHECK(name != nullptr && name[0] != '\0');
    FUZZ_CHECK(t == Tier::Excellent || t == Tier::Good || t == Tier::Fair || t == Tier::Poor || t == Tier::New);
    if (!score) FUZZ_CHECK(t == Tier::New);
    if (!valid || !score || std::isnan(*score) || std::isnan(covered)) return;
    if (covered < reliability::to_seconds(p.min_history_us)) {
        FUZZ_CHECK(t == Tier::New);
        return;
    }
    const double s = *score;
    const Tier want = s >= p.tier_excellent ? Tier::Excellent
                      : s >= p.tier_good    ? Tier::Good
                      : s >= p.tier_fair    ? Tier::Fair
                                            : Tier::Poor;
    FUZZ_CHECK(t == want);
}

void check_interval(fuzz::Reader& r) {
    const std::int64_t time_us = r.time();
    const auto days = static_cast<std::int32_t>(static_cast<std::uint32_t>(r.u64()));
    const auto months = static_cast<std::int32_t>(static_cast<std::uint32_t>(r.u64()));
    const i128 want = i128(time_us) + i128(days) * 86'400'000'000LL + i128(months / 12) * 31'557'600'000'000LL +
                      i128(months % 12) * 2'592'000'000'000LL;
    const bool fits = want >= reliability::kMinMicros && want <= reliability::kMaxMicros;
    if (std::getenv("FUZZ_DEBUG") != nullptr) {
        std::fprintf(stderr, "interval_micros(%lld, %d, %d): exact length %s int64\n", (long long)time_us, days, months,
                     fits ? "fits in" : "does not fit in");
    }
    Micros got = 0;
    ErrorKind kind{};
    const bool ok = fuzz::run([&] { got = reliability::interval_micros(time_us, days, months); }, kind);
    if (ok) {
        FUZZ_CHECK(i128(got) == want);
    } else {
        FUZZ_CHECK(kind == ErrorKind::DatetimeOutOfRange);
        FUZZ_CHECK(!fits);
    }
}

// FUZZ_DEBUG=1 ./fuzz_score crash-file prints the decoded input.
void describe(const ScoreParameters& p, const ScoreInputs& in, double covered, std::optional<double> raw_score) {
    std::fprintf(stderr,
                 "params: score_window=%lld max_gap=%lld weights=(%.17g, %.17g, %.17g) horizon=%lld "
                 "prior_mean=%.17g prior_weight=%.17g min_history=%lld tiers=(%.17g, %.17g, %.17g) "
                 "stale_after=%lld auto_blacklist_below=%s%.17g auto_blacklist_for=%lld\n",
                 (long long)p.score_window_us, (long long)p.max_gap_us, p.weight_uptime, p.weight_interruption,
                 p.weight_rating, (long long)p.interruption_horizon_us, p.rating_prior_mean, p.rating_prior_weight,
                 (long long)p.min_history_us, p.tier_excellent, p.tier_good, p.tier_fair,
                 (long long)p.stale_after_us, p.auto_blacklist_below ? "" : "(none) ",
                 p.auto_blacklist_below.value_or(0.0), (long long)p.auto_blacklist_for_us);
    std::fprintf(stderr,
                 "inputs: uptime=%s%.17g interruptions=%lld online_seconds=%.17g rating_count=%lld rating_sum=%lld "
                 "covered=%.17g raw_score=%s%.17g\n",
                 in.uptime ? "" : "(none) ", in.uptime.value_or(0.0), (long long)in.interruptions, in.online_seconds,
                 (long long)in.rating_count, (long long)in.rating_sum, covered, raw_score ? "" : "(none) ",
                 raw_score.value_or(0.0));
    if (const auto m = reliability::smoothed_rating_mean(in.rating_count, in.rating_sum, p)) {
        std::fprintf(stderr, "smoothed_rating_mean=%.17g\n", *m);
    }
}

void fuzz_one(const std::uint8_t* data, std::size_t size) {
    fuzz::Reader r(data, size);
    const ScoreParameters p = parameters(r);
    const ScoreInputs in = inputs(r);
    const double covered = r.real();
    const std::optional<double> raw_score = (r.u8() & 1) ? std::optional<double>(r.real()) : std::nullopt;

    if (std::getenv("FUZZ_DEBUG") != nullptr) describe(p, in, covered, raw_score);

    ErrorKind kind{};
    const bool p_ok = fuzz::run([&] { p.validate(); }, kind);
    if (!p_ok) FUZZ_CHECK(kind == ErrorKind::InvalidParameter);
    if (const auto v = spec_valid(p)) FUZZ_CHECK(*v == p_ok);
    const bool in_ok = fuzz::run([&] { reliability::validate(in); }, kind);
    if (!in_ok) FUZZ_CHECK(kind == ErrorKind::InvalidParameter);
    if (const auto v = spec_valid(in)) FUZZ_CHECK(*v == in_ok);

    // tier_of on anything never crashes.
    check_tier(reliability::tier_of(raw_score, covered, p), raw_score, covered, p, p_ok);

    if (p_ok && in_ok) {
        const ScoreComponents c = reliability::compute(in, p);
        FUZZ_CHECK(c.uptime == in.uptime);
        FUZZ_CHECK(unit(c.interruption));
        const double prior_plus_count = p.rating_prior_weight + static_cast<double>(in.rating_count);
        FUZZ_CHECK(c.rating_mean.has_value() == (prior_plus_count != 0.0));
        FUZZ_CHECK(c.rating.has_value() == c.rating_mean.has_value());
        if (c.rating_mean) {
            FUZZ_CHECK(*c.rating_mean >= 1.0 && *c.rating_mean <= 5.0);
            FUZZ_CHECK(unit(*c.rating));
        }
        const bool want_score = in.uptime && (c.rating || p.weight_uptime + p.weight_interruption != 0.0);
        FUZZ_CHECK(c.score.has_value() == want_score);
        if (c.score) {
            // The weights may sum to 1 + 1e-9; nothing else may push the score out of [0, 100].
            FUZZ_CHECK(*c.score >= 0.0 && *c.score <= 100.0 * (1.0 + 1.0e-9) + 1e-9);
            if (p.weight_uptime + p.weight_interruption + p.weight_rating <= 1.0 || !c.rating) {
                FUZZ_CHECK(*c.score <= 100.0);
            }
        }
        check_tier(reliability::tier_of(c.score, covered, p), c.score, covered, p, true);

        // The pieces agree with compute().
        FUZZ_CHECK(reliability::interruption_component(in.interruptions, in.online_seconds,
                                                       p.interruption_horizon_us) == c.interruption);
        const auto mean = reliability::smoothed_rating_mean(in.rating_count, in.rating_sum, p);
        FUZZ_CHECK(mean.has_value() == c.rating_mean.has_value());
        if (mean) FUZZ_CHECK(*mean == *c.rating_mean);
    }

    // The pieces on raw, unvalidated arguments: any value, no crash, no UB.
    (void)reliability::interruption_component(in.interruptions, in.online_seconds, p.interruption_horizon_us);
    (void)reliability::smoothed_rating_mean(in.rating_count, in.rating_sum, p);
    (void)reliability::combine(in.uptime, covered, raw_score, p);

    check_interval(r);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    return fuzz::one_input([&] {
        fuzz_one(data, size);
    });
}
