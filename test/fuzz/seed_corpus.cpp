// Writes the seed corpus of the fuzzers: structured inputs in the layouts that
// fuzz_sweep.cpp / fuzz_score.cpp / fuzz_slide.cpp read, real serialized states for
// fuzz_deserialize, and real summaries (binary and text) and tilings for fuzz_summary.
//
//   build-fuzz/fuzz_seed_corpus test/fuzz/corpus
//
// writes test/fuzz/corpus/<fuzzer>/seed-NNN for each of them (the files in the repository
// were made this way; rerun it after changing an input layout).
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "observation_set.hpp"
#include "uptime_summary.hpp"

using reliability::Micros;
using reliability::Observation;
using reliability::ObservationSet;
using reliability::UptimeSummary;
using reliability::Window;

namespace {

struct Writer {
    std::string bytes;
    Writer& u8(std::uint8_t v) { bytes.push_back(static_cast<char>(v)); return *this; }
    Writer& i16(std::int16_t v) {
        const auto u = static_cast<std::uint16_t>(v);
        return u8(static_cast<std::uint8_t>(u & 0xFF)).u8(static_cast<std::uint8_t>(u >> 8));
    }
    Writer& i64(std::int64_t v) {
        const auto u = static_cast<std::uint64_t>(v);
        for (int i = 0; i < 8; ++i) u8(static_cast<std::uint8_t>((u >> (8 * i)) & 0xFF));
        return *this;
    }
    // Reader::time(): selector 7 = a raw int64; 0 = min, 1 = max, 2 = zero, 5 = int16.
    Writer& time(std::int64_t v) { return u8(7).i64(v); }
    Writer& time_sel(std::uint8_t sel) { return u8(sel); }
    // Reader::real(): selector 15 = raw bits; 10 = byte/255; 2 = 1.0; 0 = 0.0.
    Writer& real(double d) {
        std::uint64_t bits;
        static_assert(sizeof bits == sizeof d);
        std::memcpy(&bits, &d, sizeof d);
        return u8(15).i64(static_cast<std::int64_t>(bits));
    }
};

int g_files = 0;

void write(const std::filesystem::path& dir, int index, const std::string& bytes) {
    std::filesystem::create_directories(dir);
    char name[32];
    std::snprintf(name, sizeof name, "seed-%03d", index);
    std::ofstream(dir / name, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    ++g_files;
}

// fuzz_sweep, small mode (bit 3): base, lower/upper offsets, max_gap, then (online, offset)*.
std::string sweep_small(std::uint8_t window_kind, std::uint8_t extra_bits, std::int64_t base, std::int16_t lo,
                        std::int16_t hi, std::int16_t gap, const std::vector<std::pair<bool, std::int16_t>>& obs,
                        std::uint8_t split = 128) {
    Writer w;
    w.u8(static_cast<std::uint8_t>(window_kind | 0x08 | extra_bits)).u8(split).time(base).i16(lo).i16(hi).i16(gap);
    for (const auto& [online, at] : obs) w.u8(online ? 1 : 0).i16(at);
    return w.bytes;
}

void sweep_seeds(const std::filesystem::path& dir) {
    int i = 0;
    const std::vector<std::pair<bool, std::int16_t>> mixed = {
        {true, 0}, {true, 10}, {false, 20}, {false, 25}, {true, 60}, {true, 75}, {false, 200}, {true, 205}};
    write(dir, i++, sweep_small(5, 0x10, 0, -5, 100, 10, mixed));               // bounded, gap in set
    write(dir, i++, sweep_small(5, 0x20, 0, 30, 70, 15, mixed, 3));             // window inside the data
    write(dir, i++, sweep_small(1, 0x00, 0, 0, 0, 10, mixed));                  // lower only
    write(dir, i++, sweep_small(2, 0x00, 0, 0, 50, 10, mixed));                 // upper only
    write(dir, i++, sweep_small(3, 0x10, 0, 0, 0, 10, mixed));                  // unbounded
    write(dir, i++, sweep_small(0, 0x00, 0, 0, 100, 10, mixed));                // empty window
    write(dir, i++, sweep_small(5, 0x00, 0, 0, 100, 0, mixed));                 // max_gap 0
    write(dir, i++, sweep_small(5, 0x10, 0, 0, 100, -3, mixed));                // max_gap < 0 in the set
    write(dir, i++, sweep_small(5, 0x00, 0, 0, 100, 10, {{true, 5}, {false, 5}}));  // duplicate
    write(dir, i++, sweep_small(5, 0x40, 0, 0, 100, 10, mixed));                // cancelled
    write(dir, i++, sweep_small(3, 0x00, INT64_MAX - 100, 0, 0, 1000, mixed));  // saturating last cover
    write(dir, i++, sweep_small(5, 0x00, INT64_MIN + 5, -10, 300, 30, mixed));   // near the start of time
    write(dir, i++, sweep_small(5, 0x00, 1'700'000'000'000'000, 0, 3000, 900, mixed));  // realistic epoch
    write(dir, i++, sweep_small(5, 0x10, 0, 0, 1, 1, {}));                      // no observations

    // Generic mode: full int64 times.
    Writer g1;
    g1.u8(5).u8(1).time_sel(0).time_sel(1).time(900'000'000);  // [min, max): longer than int64
    g1.u8(1).time(0).u8(0).time(1'000'000'000);
    write(dir, i++, g1.bytes);
    Writer g2;
    g2.u8(3).u8(2).time_sel(2).time_sel(2).time_sel(1);  // unbounded, max_gap = max
    g2.u8(1).time_sel(0).u8(0).time_sel(2).u8(1).time_sel(1);
    write(dir, i++, g2.bytes);
    Writer g3;
    g3.u8(2 | 0x10).u8(0).time_sel(2).time(1'000'000).time(60'000'000);  // upper only
    for (int k = 0; k < 20; ++k) g3.u8(static_cast<std::uint8_t>(k % 3 == 0)).time(k * 45'000'000LL);
    write(dir, i++, g3.bytes);
}

// fuzz_score: parameter mode byte (+ fields), input mode byte (+ fields), covered, raw score,
// then an interval (time, days, months).
void score_seeds(const std::filesystem::path& dir) {
    int i = 0;
    auto count = [](Writer& w, std::int64_t v) { w.u8(5).i64(v); };
    auto finish = [&](Writer& w, double covered) {
        w.real(covered).u8(1).real(87.5);
        w.time(3'600'000'000).i64(30).i64(1);
        write(dir, i++, w.bytes);
    };
    {  // defaults, a typical machine
        Writer w;
        w.u8(0).u8(0x03).real(0.98);
        count(w, 3);
        w.real(2'500'000.0);
        count(w, 10);
        count(w, 42);
        finish(w, 2'500'000.0);
    }
    {  // no uptime, no ratings, zero prior weight: NULL everything
        Writer w;
        w.u8(0x10).real(4.0).real(0.0).u8(0x00);
        count(w, 0);
        w.real(0.0);
        count(w, 0);
        count(w, 0);
        finish(w, 0.0);
    }
    {  // weights from bytes summing to 1, huge counts
        Writer w;
        w.u8(0x06).u8(100).u8(200).u8(0x03).real(1.0);
        w.u8(1);  // interruptions = INT64_MAX
        w.real(1e-300);
        count(w, 1'000'000'000'000LL);
        count(w, 5'000'000'000'000LL);
        finish(w, 1e9);
    }
    {  // extreme prior weight and tiers
        Writer w;
        w.u8(0x30).real(5.0).real(1e308).real(100.0).real(100.0).real(0.0).u8(0x03).real(0.0);
        count(w, 0);
        w.real(0.0);
        count(w, 7);
        count(w, 35);
        finish(w, 1e300);
    }
    {  // rating weight only, no ratings and no prior: rating term left out, other weights 0
        Writer w;
        w.u8(0x12).real(0.0).real(0.0).real(1.0).real(4.0).real(0.0).u8(0x01).real(0.5);
        count(w, 0);
        w.real(10.0);
        count(w, 0);
        count(w, 0);
        finish(w, 10.0);
    }
    {  // no rating term, U = I = 1, weights 43/255 and (212/255)(127/255) that do not scale to
       // exactly 1: the score must not come out as 100.00000000000003
        Writer w;
        w.u8(0x16).u8(43).u8(127).real(4.0).u8(0).u8(0x01).u8(2);
        count(w, 0);
        w.u8(2);
        count(w, 0);
        count(w, 0);
        finish(w, 1e9);
    }
    {  // every length at an extreme
        Writer w;
        w.u8(0x01);
        for (int k = 0; k < 6; ++k) w.u8(0).u8(k % 2);  // length(): selector 0 -> Reader::time() min / max
        w.u8(0x01).real(0.5);
        count(w, 1);
        w.real(1.0);
        count(w, 1);
        count(w, 5);
        finish(w, -1.0);
    }
}

void deserialize_seeds(const std::filesystem::path& dir) {
    int i = 0;
    write(dir, i++, ObservationSet{}.serialize());  // a state that saw no row
    {
        ObservationSet s;
        s.set_parameters(Window::bounded(0, 86'400'000'000LL), 900'000'000LL);
        for (int k = 0; k < 10; ++k) s.add(k * 60'000'000LL, k % 4 != 0);
        write(dir, i++, s.serialize());
    }
    {
        ObservationSet s;
        s.set_parameters(Window::unbounded(), std::nullopt);
        s.add(5, true);
        s.add(-5, false);
        write(dir, i++, s.serialize());
    }
    {
        ObservationSet s;
        s.set_parameters(Window::nothing(), 1);
        write(dir, i++, s.serialize());
    }
    {
        ObservationSet s;
        s.set_parameters(Window{false, INT64_MIN, std::nullopt}, INT64_MAX);
        s.add(INT64_MAX, true);
        s.add(INT64_MIN, false);
        s.add(0, true);
        write(dir, i++, s.serialize());
    }
    {
        ObservationSet s;  // duplicates survive serialization; measuring reports them
        s.set_parameters(Window{false, std::nullopt, 100}, 10);
        s.add(1, true);
        s.add(1, false);
        write(dir, i++, s.serialize());
    }
}

// fuzz_slide: mode, base time, b1 offset, b2 - b1, w, max_gap (narrow: i16 each), then
// per row: flags (bit 0 online, bit 1 fresh), offset.
void slide_seeds(const std::filesystem::path& dir) {
    int i = 0;
    auto seed = [&](std::int64_t base, std::int16_t b1, std::int16_t step, std::int16_t w, std::int16_t gap,
                    const std::vector<std::pair<std::uint8_t, std::int16_t>>& rows) {
        Writer s;
        s.u8(0).time(base).i16(b1).i16(step).i16(w).i16(gap);
        for (const auto& [flags, at] : rows) s.u8(flags).i16(at);
        write(dir, i++, s.bytes);
    };
    const std::vector<std::pair<std::uint8_t, std::int16_t>> rows = {
        {1, 0}, {1, 10}, {0, 20}, {1, 30}, {1, 45}, {0, 60}, {1, 70}, {3, 80}, {2, 95}, {3, 100}};
    seed(0, 60, 30, 50, 12, rows);      // slide forward with fresh rows at the end
    seed(0, 60, 0, 50, 12, rows);       // same window, fresh rows only
    seed(0, 100, 5, 100, 25, {{1, 0}, {0, 50}, {3, 55}, {1, 90}});  // a fresh row inside the window
    seed(0, 60, 200, 50, 12, rows);     // the window jumps past its old end
    seed(1'700'000'000'000'000, 1000, 100, 900, 90, rows);
}

// fuzz_summary: summaries in both forms, two adjacent ones back to back (for combine), and
// tilings in the law layout: gap byte, base, lower (i16), length - 1 (u16), cuts, rotation, rows.
void summary_seeds(const std::filesystem::path& dir) {
    int i = 0;
    const Micros s = 1'000'000;
    const std::vector<Observation> obs{{0, true}, {10 * s, true}, {20 * s, false}, {40 * s, true}};
    const auto summary = [&](Micros a, Micros b) {
        return reliability::summarize(obs, Window::bounded(a, b), 10 * s);
    };
    const UptimeSummary parts[] = {summary(0, 60 * s), summary(3 * s, 17 * s), summary(100 * s, 200 * s),
                                   summary(15 * s, 60 * s)};
    for (const UptimeSummary& p : parts) {
        write(dir, i++, reliability::serialize(p));
        write(dir, i++, reliability::to_text(p));
    }
    write(dir, i++, reliability::serialize(summary(0, 15 * s)) + reliability::serialize(summary(15 * s, 60 * s)));
    write(dir, i++, reliability::serialize(summary(0, 20 * s)) + reliability::serialize(summary(20 * s, 60 * s)));

    // gap: the gap byte, and the gap time after it when its bit 7 is set.
    auto tiling = [&](const std::string& gap, std::int64_t base, std::int16_t lower, std::int16_t length_minus_1,
                      const std::vector<std::int16_t>& cuts, const std::vector<std::pair<bool, std::int16_t>>& rows) {
        Writer w;
        w.bytes = gap;
        w.time(base).i16(lower).i16(length_minus_1).u8(static_cast<std::uint8_t>(cuts.size()));
        for (const std::int16_t c : cuts) w.i16(c);
        w.u8(3);
        for (const auto& [online, at] : rows) w.u8(online ? 1 : 0).i16(at);
        write(dir, i++, w.bytes);
    };
    const std::vector<std::pair<bool, std::int16_t>> rows = {
        {true, -5}, {true, 4}, {false, 12}, {false, 20}, {true, 40}, {true, 49}, {false, 75}, {true, 80}};
    tiling("\x09", 0, 0, 99, {15, 30, 45, 50, 80}, rows);        // cuts inside runs, on rows, at cover ends
    tiling("\x09", 0, 0, 99, {}, rows);                          // one window
    tiling("\x02", 0, 0, 199, {10, 120, 121, 150}, rows);        // sparse: windows without rows
    tiling("\x3F", 1'700'000'000'000'000, -10, 999, {1, 500, 998}, rows);
    tiling(Writer().u8(0x80).time(INT64_MAX).bytes, INT64_MAX / 2, 0, 50, {25}, rows);  // covers saturate
    tiling(Writer().u8(0x80).time_sel(2).bytes, 0, 0, 50, {25}, rows);                  // max_gap 0: rejected
}

}  // namespace

int main(int argc, char** argv) {
    const std::filesystem::path root = argc > 1 ? argv[1] : "test/fuzz/corpus";
    sweep_seeds(root / "fuzz_sweep");
    score_seeds(root / "fuzz_score");
    deserialize_seeds(root / "fuzz_deserialize");
    slide_seeds(root / "fuzz_slide");
    summary_seeds(root / "fuzz_summary");
    std::printf("wrote %d seed files under %s\n", g_files, root.c_str());
    return 0;
}
