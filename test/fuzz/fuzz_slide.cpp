// libFuzzer harness for the incremental window slide of the score cache (sliding_window.hpp):
// a machine's cached totals over [a1, b1) plus the rows near the two ends of the window must
// give exactly the totals over [a2, b2) of all rows, old and fresh.
//
// The inputs are the ones the PostgreSQL layer can produce: times in PostgreSQL's timestamp
// range, one score_window w (a1 = b1 - w, a2 = b2 - w), b2 >= b1 (computed_at never moves
// backwards), a positive max_gap, fresh rows at any time (also before the window, or after it).
//
// Checked: plan_slide() refuses exactly when the slide cannot apply (c < a2); when it
// applies, slide() returns the totals that measuring every row over [a2, b2) gives; and only
// reliability::Error is ever thrown.
//
// Input layout: mode byte (bit 0: lengths from the full range), base time, then b1 offset,
// b2 - b1, w, max_gap, then per row: flags byte (bit 0 online, bit 1 fresh), offset (i16).
#include <algorithm>
#include <cstdint>
#include <exception>
#include <optional>
#include <vector>

#include "availability.hpp"
#include "fuzz_common.hpp"
#include "sliding_window.hpp"

using reliability::Micros;
using reliability::Observation;

namespace {

// PostgreSQL's timestamp range in microseconds since 2000-01-01 (MIN_TIMESTAMP, END_TIMESTAMP).
constexpr Micros kPgMin = -211813488000000000LL;
constexpr Micros kPgEnd = 9223371331200000000LL;

Micros clamp_pg(Micros t) { return std::min(std::max(t, kPgMin), kPgEnd - 1); }

Micros positive_length(fuzz::Reader& r, bool wide) {
    if (wide) {
        const Micros v = r.time();
        if (v > 0) return v;
        if (v == reliability::kMinMicros) return reliability::kMaxMicros;
        return v == 0 ? 1 : -v;
    }
    const auto v = static_cast<Micros>(static_cast<std::uint16_t>(r.i16()));
    return v == 0 ? 1 : v;
}

std::vector<Observation> in_range(const std::vector<Observation>& rows, Micros from, Micros to) {
    std::vector<Observation> out;
    for (const Observation& o : rows) {
        if (o.at >= from && o.at < to) out.push_back(o);
    }
    return out;
}

void fuzz_one(const std::uint8_t* data, std::size_t size) {
    fuzz::Reader r(data, size);
    const std::uint8_t mode = r.u8();
    const bool wide = (mode & 1) != 0;
    const Micros base = clamp_pg(r.time());
    const Micros b1 = clamp_pg(fuzz::wrap_add(base, r.i16()));
    const Micros b2 = clamp_pg(b1 + static_cast<Micros>(static_cast<std::uint16_t>(r.i16())) % (wide ? 65536 : 512));
    const Micros w = positive_length(r, wide);
    const Micros max_gap = positive_length(r, wide);
    Micros a1, a2;
    if (__builtin_sub_overflow(b1, w, &a1) || __builtin_sub_overflow(b2, w, &a2)) return;  // the caller's checked_sub throws

    std::vector<Observation> old_rows, all_rows;
    std::vector<Micros> fresh;
    std::vector<Micros> seen;
    while (!r.empty()) {
        const std::uint8_t flags = r.u8();
        const Micros at = clamp_pg(fuzz::wrap_add(base, r.i16()));
        if (std::find(seen.begin(), seen.end(), at) != seen.end()) continue;  // the primary key
        seen.push_back(at);
        const Observation o{at, (flags & 1) != 0};
        all_rows.push_back(o);
        if (flags & 2) fresh.push_back(at);
        else old_rows.push_back(o);
    }
    std::sort(old_rows.begin(), old_rows.end());
    std::sort(all_rows.begin(), all_rows.end());
    std::sort(fresh.begin(), fresh.end());

    const std::optional<Micros> earliest = fresh.empty() ? std::nullopt : std::optional<Micros>(fresh.front());
    const auto plan = reliability::plan_slide(a1, b1, a2, b2, earliest, max_gap);
    const Micros c = earliest ? std::min(b1, *earliest) : b1;
    FUZZ_CHECK(plan.has_value() == (c >= a2));
    if (!plan) return;
    FUZZ_CHECK(plan->tail_start == c && plan->head_to == a2 && plan->tail_to == b2);

    const reliability::WindowTotals cached =
        reliability::covered_between(old_rows.data(), old_rows.size(), a1, b1, max_gap);
    const reliability::WindowTotals want =
        reliability::covered_between(all_rows.data(), all_rows.size(), a2, b2, max_gap);

    const std::vector<Observation> head = in_range(all_rows, plan->head_from, plan->head_to);
    const std::vector<Observation> tail = in_range(all_rows, plan->tail_from, plan->tail_to);
    const auto got = reliability::slide(*plan, cached, head, tail, fresh);
    if (std::getenv("FUZZ_DEBUG") != nullptr) {
        std::fprintf(stderr, "a1=%lld b1=%lld a2=%lld b2=%lld gap=%lld rows=%zu fresh=%zu want=(%lld,%lld) got=%s(%lld,%lld)\n",
                     (long long)a1, (long long)b1, (long long)a2, (long long)b2, (long long)max_gap, all_rows.size(),
                     fresh.size(), (long long)want.online_us, (long long)want.offline_us, got ? "" : "none ",
                     got ? (long long)got->online_us : 0LL, got ? (long long)got->offline_us : 0LL);
    }
    FUZZ_CHECK(got.has_value());
    FUZZ_CHECK(got->online_us == want.online_us);
    FUZZ_CHECK(got->offline_us == want.offline_us);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    // No reliability::Error either: the PostgreSQL layer turns one into an SQL error, and with
    // PostgreSQL's timestamp range and a window length that fits, none arises here.
    return fuzz::one_input([&] {
        fuzz_one(data, size);
    });
}
