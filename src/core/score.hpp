// The reliability score of SPEC §4: uptime, interruption and rating components, their
// weighted sum, and the tier. Pure arithmetic on already-measured inputs.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "time.hpp"

namespace reliability {

struct ScoreParameters {
    Micros score_window_us = 30LL * 86'400 * kMicrosPerSecond;
    Micros max_gap_us = 15LL * 60 * kMicrosPerSecond;
    double weight_uptime = 0.4;
    double weight_interruption = 0.4;
    double weight_rating = 0.2;
    Micros interruption_horizon_us = 24LL * 3600 * kMicrosPerSecond;
    double rating_prior_mean = 4.0;
    double rating_prior_weight = 5.0;
    Micros min_history_us = 7LL * 86'400 * kMicrosPerSecond;
    double tier_excellent = 90;
    double tier_good = 75;
    double tier_fair = 60;
    Micros stale_after_us = 24LL * 3600 * kMicrosPerSecond;
    std::optional<double> auto_blacklist_below;
    Micros auto_blacklist_for_us = 24LL * 3600 * kMicrosPerSecond;

    // Throws InvalidParameter naming the first rule of SPEC §4 that is broken.
    void validate() const;
};

struct ScoreInputs {
    std::optional<double> uptime;  // U: none when nothing in the window is covered
    std::int64_t interruptions = 0;
    double online_seconds = 0;
    std::int64_t rating_count = 0;
    std::int64_t rating_sum = 0;
};

struct ScoreComponents {
    std::optional<double> score;
    std::optional<double> uptime;        // U
    double interruption = 1;             // I
    std::optional<double> rating;        // R
    std::optional<double> rating_mean;   // the smoothed mean
};

// Throws InvalidParameter for inputs no table could produce (negative counts, ...).
void validate(const ScoreInputs& in);

double interruption_component(std::int64_t interruptions, double online_seconds, Micros horizon_us);
std::optional<double> smoothed_rating_mean(std::int64_t count, std::int64_t sum, const ScoreParameters& p);
std::optional<double> combine(std::optional<double> uptime, double interruption, std::optional<double> rating,
                              const ScoreParameters& p);
ScoreComponents compute(const ScoreInputs& in, const ScoreParameters& p);

enum class Tier { Excellent, Good, Fair, Poor, New };
Tier tier_of(std::optional<double> score, double covered_seconds, const ScoreParameters& p);
const char* tier_name(Tier t);
// The tier a name stands for (as tier_name() writes it); none for any other text.
std::optional<Tier> tier_from_name(std::string_view name);

// The rating term: from all ratings (count, sum of stars), or carried over from a cache.
struct RatingPart {
    std::int64_t count = 0;
    std::optional<double> mean;       // smoothed mean
    std::optional<double> component;  // R = (mean - 1) / 4
};
RatingPart rating_part(std::int64_t count, std::int64_t sum, const ScoreParameters& p);

// A machine's whole score from its exact window totals: what reliability.score() returns
// and what the cache holds, computed by the same code so the two agree bit for bit.
struct ScoreSnapshot {
    std::optional<double> score;
    Tier tier = Tier::New;
    std::optional<double> uptime;
    double interruption = 1;
    RatingPart rating;
    Micros online_us = 0;
    Micros offline_us = 0;
    Micros window_us = 0;
    std::int64_t interruptions = 0;

    Micros covered_us() const { return online_us + offline_us; }
    std::optional<double> coverage() const;
};
ScoreSnapshot snapshot(Micros online_us, Micros offline_us, Micros window_us, std::int64_t interruptions,
                       const RatingPart& rating, const ScoreParameters& p);

}  // namespace reliability
