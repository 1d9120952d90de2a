#include "observation_set.hpp"

#include <algorithm>
#include <cstring>

#include "error.hpp"
#include "little_endian.hpp"

namespace reliability {

namespace {

constexpr std::uint8_t kFormatVersion = 1;
constexpr std::uint8_t kHasParameters = 1u << 0;
constexpr std::uint8_t kWindowEmpty = 1u << 1;
constexpr std::uint8_t kHasLower = 1u << 2;
constexpr std::uint8_t kHasUpper = 1u << 3;
constexpr std::uint8_t kHasMaxGap = 1u << 4;
constexpr std::uint8_t kKnownFlags = kHasParameters | kWindowEmpty | kHasLower | kHasUpper | kHasMaxGap;
constexpr std::size_t kHeaderBytes = 2 + 4 * 8;
constexpr std::size_t kObservationBytes = 9;

[[noreturn]] void corrupt(const char* what) {
    throw Error(ErrorKind::CorruptState, std::string("invalid serialized uptime state: ") + what);
}

}  // namespace

void ObservationSet::set_parameters(const Window& window, std::optional<Micros> max_gap_us) {
    if (max_gap_us) check_max_gap(*max_gap_us);
    if (has_parameters_) {
        if (window_ != window || max_gap_ != max_gap_us) {
            throw Error(ErrorKind::InvalidParameter,
                        "the window and max_gap must be the same for every row of a group");
        }
        return;
    }
    has_parameters_ = true;
    window_ = window;
    max_gap_ = max_gap_us;
}

void ObservationSet::merge(const ObservationSet& other) {
    if (!other.has_parameters_) return;
    set_parameters(other.window_, other.max_gap_);
    if (other.observations_.empty()) return;
    const std::size_t mid = observations_.size();
    observations_.insert(observations_.end(), other.observations_.begin(), other.observations_.end());
    // Parallel workers scan the table in block ranges, so each part is usually in time order
    // but the parts interleave: merging two sorted parts here (linear) keeps the state sorted
    // and spares measure() a full sort. Unsorted parts are left to measure().
    if (mid == 0) return;
    const auto first = observations_.begin();
    const auto middle = first + static_cast<std::ptrdiff_t>(mid);
    const auto last = observations_.end();
    if (*middle < *(middle - 1) && std::is_sorted(first, middle) && std::is_sorted(middle, last)) {
        std::inplace_merge(first, middle, last);
    }
}

Availability ObservationSet::measure(Micros max_gap_us) {
    Observation* first = observations_.data();
    sort_and_check(first, first + observations_.size());
    return reliability::measure(first, observations_.size(), window_, max_gap_us);
}

UptimeSummary ObservationSet::summarize(Micros max_gap_us) {
    Observation* first = observations_.data();
    sort_and_check(first, first + observations_.size());
    return reliability::summarize(first, observations_.size(), window_, max_gap_us);
}

std::size_t ObservationSet::serialized_size() const {
    return kHeaderBytes + kObservationBytes * observations_.size();
}

void ObservationSet::serialize_into(char* out) const noexcept {
    std::uint8_t flags = 0;
    if (has_parameters_) flags |= kHasParameters;
    if (window_.empty) flags |= kWindowEmpty;
    if (window_.lower) flags |= kHasLower;
    if (window_.upper) flags |= kHasUpper;
    if (max_gap_) flags |= kHasMaxGap;
    auto* p = reinterpret_cast<unsigned char*>(out);
    *p++ = kFormatVersion;
    *p++ = flags;
    p = put_u64(p, static_cast<std::uint64_t>(window_.lower.value_or(0)));
    p = put_u64(p, static_cast<std::uint64_t>(window_.upper.value_or(0)));
    p = put_u64(p, static_cast<std::uint64_t>(max_gap_.value_or(0)));
    p = put_u64(p, observations_.size());
    for (const Observation& o : observations_) {
        p = put_u64(p, static_cast<std::uint64_t>(o.at));
        *p++ = o.online ? 1 : 0;
    }
}

std::string ObservationSet::serialize() const {
    std::string out(serialized_size(), '\0');
    serialize_into(&out[0]);
    return out;
}

ObservationSet ObservationSet::deserialize(const char* data, std::size_t len, std::pmr::memory_resource* memory) {
    if (len < kHeaderBytes) corrupt("too short");
    const auto* p = reinterpret_cast<const unsigned char*>(data);
    if (p[0] != kFormatVersion) corrupt("unknown format version");
    const std::uint8_t flags = p[1];
    if ((flags & ~kKnownFlags) != 0) corrupt("unknown flags");
    // An absent field is written as zeros; anything else is not a state serialize() made.
    if ((!(flags & kHasLower) && get_u64(p + 2) != 0) || (!(flags & kHasUpper) && get_u64(p + 10) != 0) ||
        (!(flags & kHasMaxGap) && get_u64(p + 18) != 0)) {
        corrupt("absent field is not zero");
    }
    const std::uint64_t n = get_u64(p + 2 + 24);
    if (n > (len - kHeaderBytes) / kObservationBytes || kHeaderBytes + n * kObservationBytes != len) {
        corrupt("length does not match the observation count");
    }

    ObservationSet set(memory);
    if (flags & kHasParameters) {
        Window w;
        w.empty = (flags & kWindowEmpty) != 0;
        if (flags & kHasLower) w.lower = static_cast<Micros>(get_u64(p + 2));
        if (flags & kHasUpper) w.upper = static_cast<Micros>(get_u64(p + 10));
        std::optional<Micros> gap;
        if (flags & kHasMaxGap) gap = static_cast<Micros>(get_u64(p + 18));
        try {
            set.set_parameters(w, gap);
        } catch (const Error&) {
            corrupt("max_gap is not positive");
        }
    } else if (flags != 0 || n != 0) {
        corrupt("observations without parameters");
    }
    set.observations_.resize(n);
    const unsigned char* q = p + kHeaderBytes;
    for (Observation& o : set.observations_) {
        if (q[8] > 1) corrupt("online flag is not a boolean");
        o = Observation{static_cast<Micros>(get_u64(q)), q[8] == 1};
        q += kObservationBytes;
    }
    return set;
}

}  // namespace reliability
