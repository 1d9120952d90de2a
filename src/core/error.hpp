// Errors the core raises. The PostgreSQL layer maps each kind to a SQLSTATE;
// the core itself knows nothing about PostgreSQL.
#pragma once

#include <stdexcept>
#include <string>

namespace reliability {

enum class ErrorKind {
    InvalidParameter,  // 22023: a bad argument value (max_gap <= 0, weights, ...)
    OutOfRange,        // 22003: arithmetic would leave int64 microseconds
    DatetimeOutOfRange,// 22008: an interval longer than int64 microseconds
    DuplicateValue,    // 22023: duplicate timestamps inside one group
    CorruptState,      // 22P03: serialized aggregate state that does not parse
    InvalidText,       // 22P02: a text input value that does not parse
    Cancelled,         // the host asked us to stop (query cancel, statement_timeout)
};

class Error : public std::runtime_error {
public:
    Error(ErrorKind kind, const std::string& message) : std::runtime_error(message), kind_(kind) {}
    ErrorKind kind() const noexcept { return kind_; }

private:
    ErrorKind kind_;
};

}  // namespace reliability
