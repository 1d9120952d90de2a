#include "score.hpp"

#include <algorithm>
#include <cmath>

#include "error.hpp"

namespace reliability {

namespace {

[[noreturn]] void invalid(const std::string& message) { throw Error(ErrorKind::InvalidParameter, message); }

void require_unit(double v, const char* name) {
    if (!(v >= 0.0 && v <= 1.0)) invalid(std::string(name) + " must be between 0 and 1");
}

void require_percent(double v, const char* name) {
    if (!(v >= 0.0 && v <= 100.0)) invalid(std::string(name) + " must be between 0 and 100");
}

void require_positive(Micros v, const char* name) {
    if (v <= 0) invalid(std::string(name) + " must be a positive interval");
}

}  // namespace

void ScoreParameters::validate() const {
    require_positive(score_window_us, "score_window");
    require_positive(max_gap_us, "max_gap");
    require_positive(interruption_horizon_us, "interruption_horizon");
    require_positive(stale_after_us, "stale_after");
    require_positive(auto_blacklist_for_us, "auto_blacklist_for");
    if (min_history_us < 0) invalid("min_history must not be negative");
    require_unit(weight_uptime, "weight_uptime");
    require_unit(weight_interruption, "weight_interruption");
    require_unit(weight_rating, "weight_rating");
    if (std::fabs(weight_uptime + weight_interruption + weight_rating - 1.0) > 1e-9) {
        invalid("weight_uptime + weight_interruption + weight_rating must equal 1");
    }
    if (!(rating_prior_mean >= 1.0 && rating_prior_mean <= 5.0)) invalid("rating_prior_mean must be between 1 and 5");
    if (!(rating_prior_weight >= 0.0) || std::isinf(rating_prior_weight)) {
        invalid("rating_prior_weight must be a finite number >= 0");
    }
    require_percent(tier_excellent, "tier_excellent");
    require_percent(tier_good, "tier_good");
    require_percent(tier_fair, "tier_fair");
    if (!(tier_excellent >= tier_good && tier_good >= tier_fair)) {
        invalid("tiers must satisfy tier_excellent >= tier_good >= tier_fair");
    }
    if (auto_blacklist_below) require_percent(*auto_blacklist_below, "auto_blacklist_below");
}

void validate(const ScoreInputs& in) {
    if (in.uptime && !(*in.uptime >= 0.0 && *in.uptime <= 1.0)) invalid("uptime must be between 0 and 1");
    if (in.interruptions < 0) invalid("interruptions must not be negative");
    if (!(in.online_seconds >= 0.0) || std::isinf(in.online_seconds)) {
        invalid("online_seconds must be a finite number >= 0");
    }
    if (in.rating_count < 0) invalid("rating_count must not be negative");
    // count <= sum <= 5 * count (stars are 1..5), written so that nothing can overflow.
    const bool below = in.rating_sum < in.rating_count;
    const std::int64_t extra = below ? 0 : in.rating_sum - in.rating_count;  // must be <= 4 * count
    if (below || extra / 4 + (extra % 4 != 0) > in.rating_count) {
        invalid("rating_sum must lie between rating_count and 5 * rating_count");
    }
}

double interruption_component(std::int64_t k, double online_seconds, Micros horizon_us) {
    if (online_seconds > 0) {
        return std::exp(-(static_cast<double>(k) * to_seconds(horizon_us)) / online_seconds);
    }
    return k == 0 ? 1.0 : 0.0;
}

std::optional<double> smoothed_rating_mean(std::int64_t count, std::int64_t sum, const ScoreParameters& p) {
    const double weight = p.rating_prior_weight + static_cast<double>(count);
    if (weight == 0.0) return std::nullopt;
    const double numerator = p.rating_prior_weight * p.rating_prior_mean + static_cast<double>(sum);
    // A prior weight near DBL_MAX overflows the numerator: the same mean, in a form that cannot.
    const double mean = std::isfinite(numerator)
                            ? numerator / weight
                            : p.rating_prior_mean * (p.rating_prior_weight / weight) + static_cast<double>(sum) / weight;
    // A weighted mean of values in [1, 5] lies in [1, 5]; rounding (counts beyond 2^53, a
    // fractional prior weight) can put it an ulp outside, and R = (mean - 1) / 4 outside [0, 1].
    return std::min(5.0, std::max(1.0, mean));
}

std::optional<double> combine(std::optional<double> uptime, double interruption, std::optional<double> rating,
                              const ScoreParameters& p) {
    if (!uptime) return std::nullopt;
    if (rating) {
        return 100.0 * (p.weight_uptime * *uptime + p.weight_interruption * interruption + p.weight_rating * *rating);
    }
    // No rating mean: leave the term out and scale the other two weights to sum to 1.
    const double rest = p.weight_uptime + p.weight_interruption;
    if (rest == 0.0) return std::nullopt;
    const double w_uptime = p.weight_uptime / rest;
    const double w_interruption = p.weight_interruption / rest;
    // The scaled weights can sum to an ulp over 1: U = I = 1 would give 100.00000000000003.
    return std::min(100.0, 100.0 * (w_uptime * *uptime + w_interruption * interruption));
}

ScoreComponents compute(const ScoreInputs& in, const ScoreParameters& p) {
    ScoreComponents c;
    c.uptime = in.uptime;
    c.interruption = interruption_component(in.interruptions, in.online_seconds, p.interruption_horizon_us);
    const RatingPart r = rating_part(in.rating_count, in.rating_sum, p);
    c.rating_mean = r.mean;
    c.rating = r.component;
    c.score = combine(c.uptime, c.interruption, c.rating, p);
    return c;
}

Tier tier_of(std::optional<double> score, double covered_seconds, const ScoreParameters& p) {
    if (!score || covered_seconds < to_seconds(p.min_history_us)) return Tier::New;
    if (*score >= p.tier_excellent) return Tier::Excellent;
    if (*score >= p.tier_good) return Tier::Good;
    if (*score >= p.tier_fair) return Tier::Fair;
    return Tier::Poor;
}

RatingPart rating_part(std::int64_t count, std::int64_t sum, const ScoreParameters& p) {
    RatingPart r;
    r.count = count;
    r.mean = smoothed_rating_mean(count, sum, p);
    if (r.mean) r.component = (*r.mean - 1.0) / 4.0;
    return r;
}

std::optional<double> ScoreSnapshot::coverage() const {
    if (window_us <= 0) return std::nullopt;
    return static_cast<double>(covered_us()) / static_cast<double>(window_us);
}

ScoreSnapshot snapshot(Micros online_us, Micros offline_us, Micros window_us, std::int64_t interruptions,
                       const RatingPart& rating, const ScoreParameters& p) {
    ScoreSnapshot s;
    s.online_us = online_us;
    s.offline_us = offline_us;
    s.window_us = window_us;
    s.interruptions = interruptions;
    s.rating = rating;
    if (s.covered_us() > 0) s.uptime = static_cast<double>(online_us) / static_cast<double>(s.covered_us());
    s.interruption = interruption_component(interruptions, to_seconds(online_us), p.interruption_horizon_us);
    s.score = combine(s.uptime, s.interruption, rating.component, p);
    s.tier = tier_of(s.score, to_seconds(s.covered_us()), p);
    return s;
}

const char* tier_name(Tier t) {
    switch (t) {
        case Tier::Excellent: return "excellent";
        case Tier::Good: return "good";
        case Tier::Fair: return "fair";
        case Tier::Poor: return "poor";
        case Tier::New: return "new";
    }
    return "new";
}

std::optional<Tier> tier_from_name(std::string_view name) {
    for (Tier t : {Tier::Excellent, Tier::Good, Tier::Fair, Tier::Poor, Tier::New})
        if (name == tier_name(t)) return t;
    return std::nullopt;
}

}  // namespace reliability
