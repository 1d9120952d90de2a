// The uptime summary of SPEC §8: what §2 knows of one machine's observations over one window
// [lower, upper), in constant size, so that summaries of adjacent windows combine exactly.
//
// Besides the totals and run statistics that availability needs, a summary keeps the run
// that starts at `lower` (head) and the run that ends at `upper` (tail): when two adjacent
// windows meet, the tail of the first and the head of the second are one run of the whole
// range if they have the same state (covered time on both sides of the boundary, no change
// of state), so combining only has to merge those two. A run that covers the whole window is
// both its head and its tail.
//
// Text form (versioned; integers in decimal without leading zeros, no spaces):
//   (v1,LOWER,UPPER,MAX_GAP,ON_RUNS,ON_TOTAL,ON_LONGEST,OFF_RUNS,OFF_TOTAL,OFF_LONGEST,HEAD,TAIL)
// times and lengths in microseconds; HEAD and TAIL are `none`, `on:LENGTH` or `off:LENGTH`.
// E.g. (v1,0,60000000,10000000,2,30000000,20000000,1,10000000,10000000,on:20000000,none)
//
// Binary form (versioned, 90 bytes): byte 0 the version (1), byte 1 flags (bit 0 head online,
// bit 1 tail online, no other bit), then 11 little-endian int64: lower, upper, max_gap,
// on runs, on total, on longest, off runs, off total, off longest, head length, tail length.
//
// Both forms are canonical (one summary, one text, one byte string) and strictly validated:
// anything that no set of observations could have given is rejected.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "availability.hpp"

namespace reliability {

// A run touching an edge of the window; length 0 means there is none (and online is false).
struct EdgeRun {
    Micros length_us = 0;
    bool online = false;

    bool operator==(const EdgeRun& o) const { return length_us == o.length_us && online == o.online; }
    bool operator!=(const EdgeRun& o) const { return !(*this == o); }
};

struct UptimeSummary {
    Micros lower = 0;
    Micros upper = 0;
    Micros max_gap_us = 0;
    RunStats online_runs;   // their total is the online time
    RunStats offline_runs;  // outages; their total is the offline time
    EdgeRun head;           // the run that starts at lower
    EdgeRun tail;           // the run that ends at upper

    Micros window_us() const { return upper - lower; }

    bool operator==(const UptimeSummary& o) const;
    bool operator!=(const UptimeSummary& o) const { return !(*this == o); }
};

constexpr std::size_t kSummaryBytes = 2 + 11 * 8;

// `sorted` strictly increasing in time (sort_and_check), all of the machine's rows or at least
// those whose cover reaches into the window and the first one at or after its end. The window
// must be bounded with lower < upper, and max_gap positive (else InvalidParameter, 22023).
UptimeSummary summarize(const Observation* sorted, std::size_t n, const Window& window, Micros max_gap_us);

inline UptimeSummary summarize(const std::vector<Observation>& sorted, const Window& window, Micros max_gap_us) {
    return summarize(sorted.data(), sorted.size(), window, max_gap_us);
}

// Exactly what measure() gives over the same rows and window.
Availability to_availability(const UptimeSummary& s);

// The summary of [a.lower, b.upper), for valid summaries with a.upper == b.lower and the same
// max_gap (else InvalidParameter); OutOfRange when that range is longer than int64 microseconds.
UptimeSummary combine(const UptimeSummary& a, const UptimeSummary& b);

// Combines summaries given in any order whose windows tile one range; overlap, a hole or
// different max_gaps are InvalidParameter. Reorders `parts`. None for no summary.
std::optional<UptimeSummary> rollup(UptimeSummary* parts, std::size_t n);

inline std::optional<UptimeSummary> rollup(std::vector<UptimeSummary> parts) {
    return rollup(parts.data(), parts.size());
}

// Throws Error(kind) unless some set of observations could have given `s`.
void validate(const UptimeSummary& s, ErrorKind kind);

std::string to_text(const UptimeSummary& s);
UptimeSummary from_text(std::string_view text);  // InvalidParameter (22023) when malformed

std::string serialize(const UptimeSummary& s);
void serialize_into(const UptimeSummary& s, char* out) noexcept;  // kSummaryBytes bytes
UptimeSummary deserialize(const char* data, std::size_t len);     // CorruptState (22P03) when malformed

}  // namespace reliability
