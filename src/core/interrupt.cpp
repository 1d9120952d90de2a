#include "interrupt.hpp"

#include "error.hpp"

namespace reliability {

namespace {
InterruptPoll g_poll = nullptr;
}

void set_interrupt_poll(InterruptPoll poll) noexcept { g_poll = poll; }

void poll_interrupt() {
    if (g_poll != nullptr && g_poll()) throw Error(ErrorKind::Cancelled, "canceled");
}

}  // namespace reliability
