#include "server/shutdown_signals.h"

#include <pthread.h>

#include <ctime>

namespace minsheng::server {

sigset_t BlockShutdownSignals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  return signals;
}

int WaitForShutdown(const sigset_t& signals, const std::atomic<bool>& done) {
  const timespec tick = {0, 200 * 1000 * 1000};
  while (!done.load()) {
    int signal = sigtimedwait(&signals, nullptr, &tick);
    if (signal > 0) return signal;
  }
  return 0;
}

}  // namespace minsheng::server
