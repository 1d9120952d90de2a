// The transition state of the uptime aggregates: the observations of one group plus the
// window and max_gap they are measured with. Mergeable (parallel combine) and
// serializable (to move between parallel workers, or shards). Its storage comes from a
// std::pmr::memory_resource: the PostgreSQL layer passes one that allocates in the
// aggregate's memory context, so work_mem and hash aggregation see the state's real size.
#pragma once

#include <cstdint>
#include <memory_resource>
#include <optional>
#include <string>
#include <vector>

#include "availability.hpp"
#include "uptime_summary.hpp"

namespace reliability {

class ObservationSet {
public:
    explicit ObservationSet(std::pmr::memory_resource* memory = std::pmr::get_default_resource())
        : observations_(memory) {}

    // Every row of a group must carry the same window and max_gap; max_gap may be absent
    // (the caller fills it from settings before measuring).
    void set_parameters(const Window& window, std::optional<Micros> max_gap_us);
    bool has_parameters() const { return has_parameters_; }

    void add(Micros at, bool online) { observations_.push_back(Observation{at, online}); }
    // Appends without allocating, so it cannot throw: false when the storage is full (then
    // call add()). The aggregate's per-row fast path, which needs no exception guard.
    bool try_add(Micros at, bool online) noexcept {
        if (observations_.size() == observations_.capacity()) return false;
        observations_.push_back(Observation{at, online});
        return true;
    }
    void merge(const ObservationSet& other);

    std::size_t size() const { return observations_.size(); }
    const Window& window() const { return window_; }
    const std::optional<Micros>& max_gap() const { return max_gap_; }

    // Sorts, rejects duplicates, and runs the sweep.
    Availability measure(Micros max_gap_us);
    // Sorts, rejects duplicates, and summarizes the window (SPEC §8).
    UptimeSummary summarize(Micros max_gap_us);

    // Compact binary form: header, then 9 bytes per observation.
    std::string serialize() const;
    // The same bytes written into caller-provided memory of serialized_size() bytes (lets the
    // PostgreSQL layer write straight into a bytea, without an intermediate string).
    std::size_t serialized_size() const;
    void serialize_into(char* out) const noexcept;
    static ObservationSet deserialize(const char* data, std::size_t len,
                                      std::pmr::memory_resource* memory = std::pmr::get_default_resource());

private:
    bool has_parameters_ = false;
    Window window_;
    std::optional<Micros> max_gap_;
    std::pmr::vector<Observation> observations_;
};

}  // namespace reliability
