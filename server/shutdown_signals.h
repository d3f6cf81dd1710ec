#ifndef MINSHENG_SERVER_SHUTDOWN_SIGNALS_H_
#define MINSHENG_SERVER_SHUTDOWN_SIGNALS_H_

#include <signal.h>

#include <atomic>

namespace minsheng::server {

// SIGINT and SIGTERM are blocked in every thread (call this before starting any) and taken
// synchronously by the main thread, so shutdown runs as ordinary code, not in a signal handler.
sigset_t BlockShutdownSignals();

// Waits for SIGINT/SIGTERM, or until done becomes true. Returns the signal, or 0.
int WaitForShutdown(const sigset_t& signals, const std::atomic<bool>& done);

}  // namespace minsheng::server

#endif  // MINSHENG_SERVER_SHUTDOWN_SIGNALS_H_
