// libFuzzer harness for ObservationSet::deserialize (the aggregate state that moves between
// parallel workers or shards, and that PostgreSQL hands back as arbitrary bytea).
//
// Checked on every input: deserialize either throws reliability::Error(CorruptState), or
// yields a set that serializes back to exactly the input bytes (the encoding is canonical),
// and that can then be measured and merged with nothing but reliability::Error thrown.
#include <cstdint>
#include <exception>
#include <string>

#include "fuzz_common.hpp"
#include "observation_set.hpp"

using reliability::Error;
using reliability::ErrorKind;
using reliability::ObservationSet;

namespace {

void fuzz_one(const std::uint8_t* data, std::size_t size) {
    const char* bytes = reinterpret_cast<const char*>(data);
    ObservationSet set;
    try {
        set = ObservationSet::deserialize(bytes, size);
    } catch (const Error& e) {
        FUZZ_CHECK(e.kind() == ErrorKind::CorruptState);
        return;
    }
    const std::string again = set.serialize();
    FUZZ_CHECK(again.size() == size);
    FUZZ_CHECK(again.compare(0, std::string::npos, bytes, size) == 0);
    if (!set.has_parameters()) FUZZ_CHECK(set.size() == 0);
    if (set.max_gap()) FUZZ_CHECK(*set.max_gap() > 0);

    // Whatever parsed can be merged and measured; only reliability::Error may come out.
    ErrorKind kind{};
    ObservationSet merged;
    merged.merge(set);
    FUZZ_CHECK(merged.serialize() == again);
    for (const reliability::Micros gap : {set.max_gap().value_or(1), reliability::Micros{1},
                                          reliability::kMaxMicros}) {
        ObservationSet copy = set;
        if (!fuzz::run([&] { (void)copy.measure(gap); }, kind)) {
            FUZZ_CHECK(kind == ErrorKind::DuplicateValue || kind == ErrorKind::OutOfRange);
        }
    }
    if (set.size() > 0) {
        // Merging a set with itself duplicates every time.
        ObservationSet twice = set;
        twice.merge(set);
        FUZZ_CHECK(!fuzz::run([&] { (void)twice.measure(1); }, kind));
        FUZZ_CHECK(kind == ErrorKind::DuplicateValue);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    return fuzz::one_input([&] {
        fuzz_one(data, size);
    });
}
