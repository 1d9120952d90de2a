// Cooperative cancellation. The core cannot call into its host, so the host installs a
// poll function; long loops call poll_interrupt(), which throws Error(Cancelled) and
// lets the host raise its own cancel error once the C++ stack has unwound.
#pragma once

namespace reliability {

using InterruptPoll = bool (*)();

void set_interrupt_poll(InterruptPoll poll) noexcept;
void poll_interrupt();

}  // namespace reliability
