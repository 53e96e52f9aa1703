// A minimal thread pool loop: work(i) for i in [0, count) on a fixed number of threads.
#ifndef LMMKIT_PARALLEL_FOR_H
#define LMMKIT_PARALLEL_FOR_H

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace lmmkit {

// Calls work(i) for i in [0, count) on `threads` threads taking items in turn; the first exception is
// rethrown after all have stopped. Each item's work must not depend on which thread runs it.
template <typename Work>
void parallel_for(std::size_t count, int threads, Work work) {
  std::atomic<std::size_t> next(0);
  std::exception_ptr failure;
  std::mutex failure_mutex;
  auto run = [&] {
    for (std::size_t i = next++; i < count; i = next++) {
      try {
        work(i);
      } catch (...) {
        const std::lock_guard<std::mutex> lock(failure_mutex);
        if (!failure) failure = std::current_exception();
        next = count;
      }
    }
  };
  std::vector<std::thread> pool;
  const std::size_t n_threads = std::min<std::size_t>(static_cast<std::size_t>(std::max(1, threads)), count);
  for (std::size_t t = 1; t < n_threads; ++t) pool.emplace_back(run);
  run();
  for (std::thread& t : pool) t.join();
  if (failure) std::rethrow_exception(failure);
}

}  // namespace lmmkit

#endif
