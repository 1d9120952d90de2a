#include "cache_update.hpp"

#include <algorithm>

namespace reliability {

UpdatePlan plan_update(const CachedRow& cached, Micros as_of, std::optional<Micros> earliest_fresh, bool force_full,
                       const ScoreParameters& p, std::optional<Micros> raw_from) {
    UpdatePlan plan;
    plan.raw_from = raw_from;
    plan.b2 = cached.computed_at ? std::max(as_of, *cached.computed_at) : as_of;
    plan.a2 = checked_sub(plan.b2, p.score_window_us);
    if (!force_full && cached.computed_at) {
        const Micros b1 = *cached.computed_at;
        if (auto slide = plan_slide(checked_sub(b1, p.score_window_us), b1, plan.a2, plan.b2, earliest_fresh,
                                    p.max_gap_us);
            slide && !(raw_from && slide->head_from < *raw_from)) {
            plan.full = false;
            plan.slide = *slide;
            // The old end in one forward read: every row within max_gap before a1 (one
            // descent; the rows there are few next to the cost of a second probe).
            plan.old_end = {slide->head_from, slide->head_to, false};
            plan.old_end_empty = cached.unobserved_until && *cached.unobserved_until >= slide->head_to;
            if (cached.last_observed && *cached.last_observed < slide->tail_start)
                plan.new_end = {*cached.last_observed, slide->b2, false};
            else
                plan.new_end = {slide->tail_start, slide->b2, true};
            return plan;
        }
    }
    plan.full = true;
    plan.new_end = {plan.a2, plan.b2, true};
    return plan;
}

namespace {

// The first time at or after `from` among sorted rows, if any.
std::optional<Micros> first_from(Span<Observation> rows, Micros from) {
    const Observation* end = rows.data + rows.size;
    const Observation* at = std::lower_bound(rows.data, end, from, [](const Observation& o, Micros t) { return o.at < t; });
    return at == end ? std::nullopt : std::optional<Micros>(at->at);
}
Micros at_most(Micros bound, std::optional<Micros> t) { return t ? std::min(bound, *t) : bound; }

// The new window [a2, b2) has no observation in [a2 - max_gap, bound); kept while bound > a2.
std::optional<Micros> unobserved_until(const UpdatePlan& plan, const CachedRow& cached, const MachineData& data,
                                       const ScoreParameters& p) {
    const Micros from = checked_sub(plan.a2, p.max_gap_us);
    Micros bound = plan.b2;  // full: every row from before a2 to b2 was read
    if (!plan.full) {
        // The old end [a1 - max_gap, a2) covers [a2 - max_gap, a2): known from the hint or
        // from its rows; later rows are the cached window's (unknown: at most a2) and those
        // of the new end, which starts at or before the statement's earliest fresh row.
        bound = plan.old_end_empty ? *cached.unobserved_until : at_most(plan.a2, first_from(data.old_end, from));
    }
    bound = at_most(bound, first_from(data.new_end, from));
    return bound > plan.a2 ? std::optional<Micros>(bound) : std::nullopt;
}

}  // namespace

std::optional<UpdatedRow> update_row(const UpdatePlan& plan, const CachedRow& cached, const MachineData& data,
                                     const ScoreParameters& p) {
    WindowTotals totals;
    UpdatedRow row;
    row.computed_at = plan.b2;
    if (plan.full) {
        totals = covered_between(data.new_end.data, data.new_end.size, plan.a2, plan.b2, p.max_gap_us);
        if (data.new_end.size > 0)
            row.last_observed = data.new_end.data[data.new_end.size - 1].at;
        else if (plan.raw_from && cached.last_observed && *cached.last_observed < *plan.raw_from)
            row.last_observed = cached.last_observed;
    } else {
        std::optional<WindowTotals> slid = slide(plan.slide, cached.totals, data.old_end, data.new_end, data.fresh);
        if (!slid) return std::nullopt;
        totals = *slid;
        row.last_observed = data.new_end.size > 0 ? std::optional<Micros>(data.new_end.data[data.new_end.size - 1].at)
                                                  : cached.last_observed;
    }
    const RatingPart rating = data.rating_count ? rating_part(*data.rating_count, data.rating_sum.value_or(0), p)
                                                : cached.rating;
    row.score = snapshot(totals.online_us, totals.offline_us, p.score_window_us, data.interruptions, rating, p);
    row.unobserved_until = unobserved_until(plan, cached, data, p);
    return row;
}

std::optional<UpdatedRow> after_truncate(const CachedRow& cached, DataTable truncated, const ScoreParameters& p) {
    if (!cached.computed_at) return std::nullopt;  // a placeholder: its writer computes it
    const bool no_observations = truncated == DataTable::Observations;
    const WindowTotals totals = no_observations ? WindowTotals{} : cached.totals;
    const std::int64_t interruptions = truncated == DataTable::Interruptions ? 0 : cached.interruptions;
    const RatingPart rating = truncated == DataTable::Ratings ? rating_part(0, 0, p) : cached.rating;
    UpdatedRow row;
    row.computed_at = *cached.computed_at;
    row.last_observed = no_observations ? std::nullopt : cached.last_observed;
    // No observation at all now: none before computed_at either.
    row.unobserved_until = no_observations ? std::optional<Micros>(row.computed_at) : cached.unobserved_until;
    row.score = snapshot(totals.online_us, totals.offline_us, p.score_window_us, interruptions, rating, p);
    return row;
}

bool tier_moved(const CachedRow& cached, const UpdatedRow& next) {
    return cached.computed_at.has_value() && cached.tier.has_value() && *cached.tier != next.score.tier;
}

}  // namespace reliability
