#include "score.hpp"

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
    return (p.rating_prior_weight * p.rating_prior_mean + static_cast<double>(sum)) / weight;
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
    return 100.0 * (p.weight_uptime * *uptime + p.weight_interruption * interruption) / rest;
}

ScoreComponents compute(const ScoreInputs& in, const ScoreParameters& p) {
    ScoreComponents c;
    c.uptime = in.uptime;
    c.interruption = interruption_component(in.interruptions, in.online_seconds, p.interruption_horizon_us);
    c.rating_mean = smoothed_rating_mean(in.rating_count, in.rating_sum, p);
    if (c.rating_mean) c.rating = (*c.rating_mean - 1.0) / 4.0;
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

}  // namespace reliability
