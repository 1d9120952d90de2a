#include "uptime_summary.hpp"

#include <algorithm>
#include <charconv>
#include <initializer_list>

#include "interrupt.hpp"
#include "little_endian.hpp"

namespace reliability {

namespace {

constexpr std::uint8_t kFormatVersion = 1;
constexpr std::uint8_t kHeadOnline = 1u << 0;
constexpr std::uint8_t kTailOnline = 1u << 1;
constexpr std::uint8_t kKnownFlags = kHeadOnline | kTailOnline;

__extension__ typedef __int128 Wide;

[[noreturn]] void invalid(ErrorKind kind, const char* what) {
    throw Error(kind, std::string("invalid uptime summary: ") + what);
}

// ---- summarize ------------------------------------------------------------------------

// cover_i clipped to [a, b) exactly as measure() clips it; empty when hi <= lo.
struct Piece {
    Micros lo, hi;
};

Piece clipped_cover(const Observation* obs, std::size_t n, std::size_t i, Micros a, Micros b, Micros max_gap_us) {
    const Micros cover_end = saturating_add(obs[i].at, max_gap_us);
    const Micros end = (i + 1 < n) ? std::min(obs[i + 1].at, cover_end) : cover_end;
    return Piece{std::max(obs[i].at, a), std::min(end, b)};
}

// The run that starts at a: contiguous covered time in one state, as measure() joins it.
EdgeRun head_run(const Observation* obs, std::size_t n, Micros a, Micros b, Micros max_gap_us) {
    std::size_t i = static_cast<std::size_t>(
        std::lower_bound(obs, obs + n, Observation{saturating_sub(a, max_gap_us), false}) - obs);
    EdgeRun run;
    Micros end = a;
    for (; i < n && obs[i].at < b; ++i) {
        if ((i & 0xFFFF) == 0) poll_interrupt();
        const Piece p = clipped_cover(obs, n, i, a, b, max_gap_us);
        if (p.hi <= p.lo) continue;  // a cover that ends before a
        if (p.lo != end || (run.length_us > 0 && run.online != obs[i].online)) break;
        run.online = obs[i].online;
        end = p.hi;
        run.length_us = end - a;
    }
    return run;
}

// The run that ends at b, found walking back from the last observation before b.
EdgeRun tail_run(const Observation* obs, std::size_t n, Micros a, Micros b, Micros max_gap_us) {
    std::size_t i = static_cast<std::size_t>(std::lower_bound(obs, obs + n, Observation{b, false}) - obs);
    EdgeRun run;
    Micros start = b;
    for (std::size_t steps = 1; i-- > 0; ++steps) {
        if ((steps & 0xFFFF) == 0) poll_interrupt();
        const Piece p = clipped_cover(obs, n, i, a, b, max_gap_us);
        if (p.hi <= p.lo || p.hi != start || (run.length_us > 0 && run.online != obs[i].online)) break;
        run.online = obs[i].online;
        start = p.lo;
        run.length_us = b - start;
    }
    return run;
}

// ---- validation -------------------------------------------------------------------------

// Whether `r` can be the runs of one state of which `known` are edge runs of total
// `known_total` and longest `known_longest`: every other run lasts from 1 µs to the longest,
// and one of them is the longest unless an edge run is.
bool runs_fit(const RunStats& r, int known, Wide known_total, Micros known_longest) {
    if (r.count < known || r.longest_us < known_longest) return false;
    const Wide rest_count = r.count - known;
    const Wide rest_total = Wide{r.total_us} - known_total;
    if (rest_total < rest_count) return false;
    if (rest_count == 0) return rest_total == 0 && r.longest_us == known_longest;
    if (rest_total > rest_count * r.longest_us) return false;
    return r.longest_us == known_longest || r.longest_us <= rest_total - (rest_count - 1);
}

bool edge_runs_fit(const UptimeSummary& s, bool online, bool whole) {
    int known = 0;
    Wide total = 0;
    Micros longest = 0;
    for (const EdgeRun* e : {&s.head, &s.tail}) {
        if (e->length_us == 0 || e->online != online || (whole && e == &s.tail)) continue;
        ++known;
        total += e->length_us;
        longest = std::max(longest, e->length_us);
    }
    return runs_fit(online ? s.online_runs : s.offline_runs, known, total, longest);
}

// ---- text -------------------------------------------------------------------------------

class TextReader {
public:
    explicit TextReader(std::string_view text) : rest_(text) {}

    bool accept(std::string_view token) {
        if (rest_.substr(0, token.size()) != token) return false;
        rest_.remove_prefix(token.size());
        return true;
    }
    void expect(std::string_view token, const char* what) {
        if (!accept(token)) malformed(what);
    }
    // -?(0|[1-9][0-9]*) within int64: the only spelling to_text() writes.
    std::int64_t integer() {
        std::int64_t v = 0;
        const char* first = rest_.data();
        const auto [end, ec] = std::from_chars(first, first + rest_.size(), v);
        if (ec != std::errc()) malformed("expected an int64 integer");
        const std::string_view digits(first + (*first == '-'), static_cast<std::size_t>(end - first) - (*first == '-'));
        if ((digits.size() > 1 && digits[0] == '0') || (v == 0 && *first == '-')) malformed("non-canonical integer");
        rest_.remove_prefix(static_cast<std::size_t>(end - first));
        return v;
    }
    EdgeRun edge() {
        if (accept("none")) return EdgeRun{};
        if (accept("on:")) return EdgeRun{integer(), true};
        if (accept("off:")) return EdgeRun{integer(), false};
        malformed("expected none, on:LENGTH or off:LENGTH");
    }
    bool at_end() const { return rest_.empty(); }

    [[noreturn]] static void malformed(const char* what) { invalid(ErrorKind::InvalidParameter, what); }

private:
    std::string_view rest_;
};

// ---- binary -----------------------------------------------------------------------------

}  // namespace

bool UptimeSummary::operator==(const UptimeSummary& o) const {
    auto same = [](const RunStats& x, const RunStats& y) {
        return x.count == y.count && x.total_us == y.total_us && x.longest_us == y.longest_us;
    };
    return lower == o.lower && upper == o.upper && max_gap_us == o.max_gap_us && same(online_runs, o.online_runs) &&
           same(offline_runs, o.offline_runs) && head == o.head && tail == o.tail;
}

UptimeSummary summarize(const Observation* sorted, std::size_t n, const Window& window, Micros max_gap_us) {
    check_max_gap(max_gap_us);
    if (window.empty || !window.lower || !window.upper || *window.lower >= *window.upper) {
        throw Error(ErrorKind::InvalidParameter, "the window of a summary needs two finite bounds with lower < upper");
    }
    const Availability whole = measure(sorted, n, window, max_gap_us);
    UptimeSummary s;
    s.lower = *window.lower;
    s.upper = *window.upper;
    s.max_gap_us = max_gap_us;
    s.online_runs = whole.online_runs;
    s.offline_runs = whole.offline_runs;
    s.head = head_run(sorted, n, s.lower, s.upper, max_gap_us);
    s.tail = s.head.length_us == whole.window_us ? s.head : tail_run(sorted, n, s.lower, s.upper, max_gap_us);
    return s;
}

Availability to_availability(const UptimeSummary& s) {
    Availability out;
    out.window_us = s.window_us();
    out.online_us = s.online_runs.total_us;
    out.offline_us = s.offline_runs.total_us;
    out.online_runs = s.online_runs;
    out.offline_runs = s.offline_runs;
    return out;
}

UptimeSummary combine(const UptimeSummary& a, const UptimeSummary& b) {
    if (a.max_gap_us != b.max_gap_us) {
        throw Error(ErrorKind::InvalidParameter, "summaries with different max_gap do not combine");
    }
    if (a.upper != b.lower) {
        throw Error(ErrorKind::InvalidParameter,
                    "summaries to combine must be adjacent: the first ends where the second starts");
    }
    UptimeSummary out;
    out.lower = a.lower;
    out.upper = b.upper;
    out.max_gap_us = a.max_gap_us;
    (void)checked_sub(out.upper, out.lower);  // the window must stay an int64 length, as in measure()
    for (bool online : {true, false}) {
        const RunStats& x = online ? a.online_runs : a.offline_runs;
        const RunStats& y = online ? b.online_runs : b.offline_runs;
        (online ? out.online_runs : out.offline_runs) =
            RunStats{x.count + y.count, x.total_us + y.total_us, std::max(x.longest_us, y.longest_us)};
    }
    out.head = a.head;
    out.tail = b.tail;
    // Covered time on both sides of the boundary in one state: a single run of the whole range.
    if (a.tail.length_us > 0 && b.head.length_us > 0 && a.tail.online == b.head.online) {
        const Micros joined = a.tail.length_us + b.head.length_us;
        RunStats& runs = a.tail.online ? out.online_runs : out.offline_runs;
        runs.count -= 1;
        runs.longest_us = std::max(runs.longest_us, joined);
        if (a.head.length_us == a.window_us()) out.head.length_us = joined;
        if (b.tail.length_us == b.window_us()) out.tail.length_us = joined;
    }
    return out;
}

std::optional<UptimeSummary> rollup(UptimeSummary* parts, std::size_t n) {
    if (n == 0) return std::nullopt;
    for (std::size_t i = 1; i < n; ++i) {
        if (parts[i].max_gap_us != parts[0].max_gap_us) {
            throw Error(ErrorKind::InvalidParameter, "summaries with different max_gap do not combine");
        }
    }
    poll_interrupt();
    std::sort(parts, parts + n, [](const UptimeSummary& x, const UptimeSummary& y) { return x.lower < y.lower; });
    poll_interrupt();
    UptimeSummary out = parts[0];
    for (std::size_t i = 1; i < n; ++i) {
        if ((i & 0xFFFF) == 0) poll_interrupt();
        if (parts[i].lower < out.upper) {
            throw Error(ErrorKind::InvalidParameter, "the windows of the summaries overlap");
        }
        if (parts[i].lower > out.upper) {
            throw Error(ErrorKind::InvalidParameter, "the windows of the summaries leave a hole");
        }
        out = combine(out, parts[i]);
    }
    return out;
}

void validate(const UptimeSummary& s, ErrorKind kind) {
    Micros window;
    if (s.lower >= s.upper) invalid(kind, "lower bound not before upper bound");
    if (__builtin_sub_overflow(s.upper, s.lower, &window)) invalid(kind, "window longer than int64 microseconds");
    if (s.max_gap_us <= 0) invalid(kind, "max_gap must be positive");
    for (const EdgeRun& e : {s.head, s.tail}) {
        if (e.length_us < 0 || e.length_us > window) invalid(kind, "edge run outside the window");
        if (e.length_us == 0 && e.online) invalid(kind, "absent edge run with a state");
    }
    const bool whole = s.head.length_us == window;
    if (whole != (s.tail.length_us == window) || (whole && s.head != s.tail)) {
        invalid(kind, "a run over the whole window must be both head and tail");
    }
    if (!whole && s.head.length_us > 0 && s.tail.length_us > 0) {
        // Two distinct runs; of the same state, something (at least 1 µs) lies between them.
        const Wide room = Wide{window} - (s.head.online == s.tail.online ? 1 : 0);
        if (Wide{s.head.length_us} + s.tail.length_us > room) invalid(kind, "head and tail runs overlap");
    }
    if (!edge_runs_fit(s, true, whole) || !edge_runs_fit(s, false, whole)) {
        invalid(kind, "run counts, totals and longest runs are inconsistent");
    }
    if (Wide{s.online_runs.total_us} + s.offline_runs.total_us > window) {
        invalid(kind, "more covered time than the window");
    }
}

std::string to_text(const UptimeSummary& s) {
    std::string out = "(v1";
    for (const std::int64_t v : {s.lower, s.upper, s.max_gap_us, s.online_runs.count, s.online_runs.total_us,
                                 s.online_runs.longest_us, s.offline_runs.count, s.offline_runs.total_us,
                                 s.offline_runs.longest_us}) {
        out += ',';
        out += std::to_string(v);
    }
    for (const EdgeRun& e : {s.head, s.tail}) {
        out += ',';
        out += e.length_us == 0 ? "none" : (e.online ? "on:" : "off:") + std::to_string(e.length_us);
    }
    out += ')';
    return out;
}

UptimeSummary from_text(std::string_view text) {
    TextReader in(text);
    in.expect("(", "expected (");
    if (!in.accept("v1,")) TextReader::malformed("unknown version (expected (v1,...))");
    UptimeSummary s;
    for (std::int64_t* field : {&s.lower, &s.upper, &s.max_gap_us, &s.online_runs.count, &s.online_runs.total_us,
                                &s.online_runs.longest_us, &s.offline_runs.count, &s.offline_runs.total_us,
                                &s.offline_runs.longest_us}) {
        *field = in.integer();
        in.expect(",", "expected 12 comma-separated fields");
    }
    s.head = in.edge();
    in.expect(",", "expected 12 comma-separated fields");
    s.tail = in.edge();
    in.expect(")", "expected ) after the 12th field");
    if (!in.at_end()) TextReader::malformed("trailing characters after )");
    validate(s, ErrorKind::InvalidParameter);
    return s;
}

void serialize_into(const UptimeSummary& s, char* out) noexcept {
    auto* p = reinterpret_cast<unsigned char*>(out);
    *p++ = kFormatVersion;
    *p++ = static_cast<unsigned char>((s.head.online ? kHeadOnline : 0) | (s.tail.online ? kTailOnline : 0));
    for (const std::int64_t v : {s.lower, s.upper, s.max_gap_us, s.online_runs.count, s.online_runs.total_us,
                                 s.online_runs.longest_us, s.offline_runs.count, s.offline_runs.total_us,
                                 s.offline_runs.longest_us, s.head.length_us, s.tail.length_us}) {
        p = put_u64(p, static_cast<std::uint64_t>(v));
    }
}

std::string serialize(const UptimeSummary& s) {
    std::string out(kSummaryBytes, '\0');
    serialize_into(s, &out[0]);
    return out;
}

UptimeSummary deserialize(const char* data, std::size_t len) {
    const auto* p = reinterpret_cast<const unsigned char*>(data);
    if (len == 0) invalid(ErrorKind::CorruptState, "empty");
    if (p[0] != kFormatVersion) invalid(ErrorKind::CorruptState, "unknown format version");
    if (len != kSummaryBytes) invalid(ErrorKind::CorruptState, "wrong length");
    const std::uint8_t flags = p[1];
    if ((flags & ~kKnownFlags) != 0) invalid(ErrorKind::CorruptState, "unknown flags");
    UptimeSummary s;
    p += 2;
    for (std::int64_t* field : {&s.lower, &s.upper, &s.max_gap_us, &s.online_runs.count, &s.online_runs.total_us,
                                &s.online_runs.longest_us, &s.offline_runs.count, &s.offline_runs.total_us,
                                &s.offline_runs.longest_us, &s.head.length_us, &s.tail.length_us}) {
        *field = static_cast<std::int64_t>(get_u64(p));
        p += 8;
    }
    s.head.online = (flags & kHeadOnline) != 0;
    s.tail.online = (flags & kTailOnline) != 0;
    validate(s, ErrorKind::CorruptState);
    return s;
}

}  // namespace reliability
