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
    row.score = snapshot(totals.online_us, totals.offline_us, p.score_window_us, interruptions, rating, p);
    return row;
}

}  // namespace reliability
