#include "settings.hpp"

#include "cpp_boundary.hpp"
#include "pg_time.hpp"

extern "C" {
#include "access/htup_details.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"
#include "utils/lsyscache.h"
}

namespace reliability::pg {

namespace {

// Column order of reliability.settings after its key column (see src/sql/10_settings.sql).
enum SettingsColumn {
    kScoreWindow = 1,
    kMaxGap,
    kWeightUptime,
    kWeightInterruption,
    kWeightRating,
    kInterruptionHorizon,
    kRatingPriorMean,
    kRatingPriorWeight,
    kMinHistory,
    kTierExcellent,
    kTierGood,
    kTierFair,
    kStaleAfter,
    kAutoBlacklistBelow,
    kAutoBlacklistFor,
    kColumnCount
};

const char* const kColumnNames[kColumnCount] = {
    "singleton",         "score_window",         "max_gap",           "weight_uptime",
    "weight_interruption", "weight_rating",      "interruption_horizon", "rating_prior_mean",
    "rating_prior_weight", "min_history",        "tier_excellent",    "tier_good",
    "tier_fair",         "stale_after",          "auto_blacklist_below", "auto_blacklist_for"};

using Getter = Datum (*)(void* source, int column, bool* isnull);

Datum get_from_spi(void* source, int column, bool* isnull) {
    return SPI_getbinval(static_cast<HeapTuple>(source), SPI_tuptable->tupdesc, column + 1, isnull);
}

Datum get_from_row(void* source, int column, bool* isnull) {
    return GetAttributeByName(static_cast<HeapTupleHeader>(source), kColumnNames[column], isnull);
}

ScoreParameters read_parameters(void* source, Getter get) {
    auto value = [&](int column) {
        bool isnull = false;
        Datum d = get(source, column, &isnull);
        if (isnull && column != kAutoBlacklistBelow) {
            ereport(ERROR, (errcode(ERRCODE_NOT_NULL_VIOLATION),
                            errmsg("reliability.settings.%s must not be NULL", kColumnNames[column])));
        }
        return isnull ? std::optional<Datum>() : std::optional<Datum>(d);
    };
    auto length = [&](int column) { return interval_length(DatumGetIntervalP(*value(column))); };
    auto number = [&](int column) { return DatumGetFloat8(*value(column)); };

    ScoreParameters p;
    p.score_window_us = length(kScoreWindow);
    p.max_gap_us = length(kMaxGap);
    p.weight_uptime = number(kWeightUptime);
    p.weight_interruption = number(kWeightInterruption);
    p.weight_rating = number(kWeightRating);
    p.interruption_horizon_us = length(kInterruptionHorizon);
    p.rating_prior_mean = number(kRatingPriorMean);
    p.rating_prior_weight = number(kRatingPriorWeight);
    p.min_history_us = length(kMinHistory);
    p.tier_excellent = number(kTierExcellent);
    p.tier_good = number(kTierGood);
    p.tier_fair = number(kTierFair);
    p.stale_after_us = length(kStaleAfter);
    if (auto below = value(kAutoBlacklistBelow)) p.auto_blacklist_below = DatumGetFloat8(*below);
    p.auto_blacklist_for_us = length(kAutoBlacklistFor);
    guarded([&] {
        p.validate();
    });
    return p;
}

}  // namespace

ScoreParameters load_settings(bool latest) {
    if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "reliability: SPI_connect failed");
    int rc = SPI_execute(
        "SELECT singleton, score_window, max_gap, weight_uptime, weight_interruption, weight_rating, "
        "interruption_horizon, rating_prior_mean, rating_prior_weight, min_history, tier_excellent, "
        "tier_good, tier_fair, stale_after, auto_blacklist_below, auto_blacklist_for "
        "FROM reliability.settings",
        !latest, 2);
    if (rc != SPI_OK_SELECT) elog(ERROR, "reliability: reading reliability.settings failed");
    if (SPI_processed != 1) {
        ereport(ERROR, (errcode(ERRCODE_NO_DATA_FOUND), errmsg("reliability.settings must hold exactly one row")));
    }
    ScoreParameters p = read_parameters(SPI_tuptable->vals[0], &get_from_spi);
    SPI_finish();
    return p;
}

ScoreParameters settings_from_row(HeapTupleHeader row) { return read_parameters(row, &get_from_row); }

Micros settings_max_gap_cached(FunctionCallInfo fcinfo) {
    if (fcinfo->flinfo->fn_extra == nullptr) {
        Micros gap = load_settings().max_gap_us;
        auto* cached = static_cast<Micros*>(MemoryContextAlloc(fcinfo->flinfo->fn_mcxt, sizeof(Micros)));
        *cached = gap;
        fcinfo->flinfo->fn_extra = cached;
    }
    return *static_cast<Micros*>(fcinfo->flinfo->fn_extra);
}

}  // namespace reliability::pg
