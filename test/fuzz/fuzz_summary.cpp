// libFuzzer harness for the uptime summary of SPEC §8 (uptime_summary.hpp): its binary and
// text forms, which PostgreSQL hands over as arbitrary bytes (receive, input), combine, and
// the law that summaries of a tiling roll up to measure() over the whole range.
//
// Checked on every input:
//  - deserialize either throws reliability::Error(CorruptState), or yields a summary that
//    serializes back to exactly the input bytes, whose text form parses back to it, and whose
//    availability is consistent (covered <= window, run totals = state totals, ...);
//  - from_text on the same bytes either throws Error(InvalidParameter), or yields a summary
//    whose text is exactly the input and whose binary form round-trips;
//  - when the first 2 x 90 bytes are two valid summaries: combine throws InvalidParameter
//    (not adjacent, other max_gap) or OutOfRange (range beyond int64), or gives a valid
//    summary that rollup gives too, from either order;
//  - the input read as observations and a tiling (layout below): the rollup of the windows'
//    summaries, in a rotated order, measures exactly as measure() over the whole range and
//    equals the summary of the whole range.
//
// Law layout (read front to back, zeros when exhausted): gap byte (bit 7: max_gap is a
// Reader::time() that follows, else 1 + bits 0-5), base time, lower offset (i16), length - 1
// (u16 % 2048), number of cuts (u8 % 10), each cut (u16 % length), rotation (u8), then per
// observation: online byte, offset from the lower bound (i16).
#include <algorithm>
#include <cstdint>
#include <exception>
#include <string>
#include <string_view>
#include <vector>

#include "availability.hpp"
#include "fuzz_common.hpp"
#include "uptime_summary.hpp"

using reliability::Availability;
using reliability::ErrorKind;
using reliability::Micros;
using reliability::Observation;
using reliability::UptimeSummary;
using reliability::Window;

namespace {

bool same(const Availability& x, const Availability& y) {
    return x.window_us == y.window_us && x.online_us == y.online_us && x.offline_us == y.offline_us &&
           x.online_runs.count == y.online_runs.count && x.online_runs.total_us == y.online_runs.total_us &&
           x.online_runs.longest_us == y.online_runs.longest_us && x.offline_runs.count == y.offline_runs.count &&
           x.offline_runs.total_us == y.offline_runs.total_us &&
           x.offline_runs.longest_us == y.offline_runs.longest_us && x.uptime() == y.uptime() &&
           x.coverage() == y.coverage() && x.mean_outage_seconds() == y.mean_outage_seconds() &&
           x.mean_online_seconds() == y.mean_online_seconds() &&
           x.longest_outage_seconds() == y.longest_outage_seconds();
}

void check_accepted(const UptimeSummary& s) {
    const std::string bytes = reliability::serialize(s);
    FUZZ_CHECK(bytes.size() == reliability::kSummaryBytes);
    FUZZ_CHECK(reliability::deserialize(bytes.data(), bytes.size()) == s);
    FUZZ_CHECK(reliability::from_text(reliability::to_text(s)) == s);
    const Availability a = reliability::to_availability(s);
    FUZZ_CHECK(a.window_us > 0 && a.online_us >= 0 && a.offline_us >= 0 && a.unknown_us() >= 0);
    FUZZ_CHECK(a.online_runs.longest_us <= a.online_us && a.offline_runs.longest_us <= a.offline_us);
    FUZZ_CHECK((a.online_runs.count == 0) == (a.online_us == 0));
    FUZZ_CHECK((a.offline_runs.count == 0) == (a.offline_us == 0));
    if (a.uptime()) FUZZ_CHECK(*a.uptime() >= 0.0 && *a.uptime() <= 1.0);
    FUZZ_CHECK(*a.coverage() >= 0.0 && *a.coverage() <= 1.0);
}

void fuzz_forms(const std::uint8_t* data, std::size_t size) {
    const char* bytes = reinterpret_cast<const char*>(data);
    ErrorKind kind{};
    UptimeSummary s;
    if (fuzz::run([&] { s = reliability::deserialize(bytes, size); }, kind)) {
        FUZZ_CHECK(reliability::serialize(s) == std::string(bytes, size));
        check_accepted(s);
    } else {
        FUZZ_CHECK(kind == ErrorKind::CorruptState);
    }
    if (fuzz::run([&] { s = reliability::from_text(std::string_view(bytes, size)); }, kind)) {
        FUZZ_CHECK(reliability::to_text(s) == std::string(bytes, size));
        check_accepted(s);
    } else {
        FUZZ_CHECK(kind == ErrorKind::InvalidParameter);
    }
}

void fuzz_combine(const std::uint8_t* data, std::size_t size) {
    constexpr std::size_t n = reliability::kSummaryBytes;
    if (size < 2 * n) return;
    const char* bytes = reinterpret_cast<const char*>(data);
    ErrorKind kind{};
    UptimeSummary a, b, c;
    if (!fuzz::run([&] { a = reliability::deserialize(bytes, n); }, kind)) return;
    if (!fuzz::run([&] { b = reliability::deserialize(bytes + n, n); }, kind)) return;
    if (!fuzz::run([&] { c = reliability::combine(a, b); }, kind)) {
        FUZZ_CHECK(kind == ErrorKind::InvalidParameter || kind == ErrorKind::OutOfRange);
        return;
    }
    reliability::validate(c, ErrorKind::CorruptState);  // a throw here aborts: an invalid result
    check_accepted(c);
    FUZZ_CHECK(reliability::rollup({b, a}) == c);
    FUZZ_CHECK(reliability::rollup({a, b}) == c);
}

void fuzz_law(const std::uint8_t* data, std::size_t size) {
    fuzz::Reader r(data, size);
    const std::uint8_t gap_byte = r.u8();
    const Micros gap = (gap_byte & 0x80) ? r.time() : 1 + (gap_byte & 0x3F);
    // Keep base + offsets inside int64: lower + length + 2^15 never wraps.
    const Micros base = std::clamp<Micros>(r.time(), reliability::kMinMicros / 2, reliability::kMaxMicros / 2);
    const Micros lower = base + r.i16();
    const Micros length = 1 + static_cast<Micros>(static_cast<std::uint16_t>(r.i16()) % 2048);
    std::vector<Micros> cuts{lower, lower + length};
    for (int k = r.u8() % 10; k > 0; --k) {
        const Micros offset = static_cast<Micros>(static_cast<std::uint16_t>(r.i16())) % length;
        if (offset > 0) cuts.push_back(lower + offset);
    }
    const std::size_t rotation = r.u8();
    std::vector<Observation> obs;
    while (!r.empty() && obs.size() < 512) {
        const bool online = (r.u8() & 1) != 0;
        obs.push_back(Observation{lower + r.i16(), online});
    }
    std::sort(cuts.begin(), cuts.end());
    cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());
    std::stable_sort(obs.begin(), obs.end());
    const auto same_time = [](const Observation& x, const Observation& y) { return x.at == y.at; };
    obs.erase(std::unique(obs.begin(), obs.end(), same_time), obs.end());

    if (gap <= 0) {
        ErrorKind kind{};
        const Window w = Window::bounded(lower, lower + length);
        FUZZ_CHECK(!fuzz::run([&] { (void)reliability::summarize(obs, w, gap); }, kind));
        FUZZ_CHECK(kind == ErrorKind::InvalidParameter);
        return;
    }
    std::vector<UptimeSummary> parts;
    for (std::size_t i = 0; i + 1 < cuts.size(); ++i) {
        const Window w = Window::bounded(cuts[i], cuts[i + 1]);
        parts.push_back(reliability::summarize(obs, w, gap));
        FUZZ_CHECK(same(reliability::to_availability(parts.back()), reliability::measure(obs, w, gap)));
        check_accepted(parts.back());
    }
    std::rotate(parts.begin(), parts.begin() + static_cast<std::ptrdiff_t>(rotation % parts.size()), parts.end());
    const Window whole = Window::bounded(lower, lower + length);
    const UptimeSummary rolled = *reliability::rollup(parts);
    FUZZ_CHECK(same(reliability::to_availability(rolled), reliability::measure(obs, whole, gap)));
    FUZZ_CHECK(rolled == reliability::summarize(obs, whole, gap));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    return fuzz::one_input([&] {
        fuzz_forms(data, size);
        fuzz_combine(data, size);
        fuzz_law(data, size);
    });
}
