#pragma once
// Cross-process writer exclusion for the surrealdb backend.
//
// SurrealDB has no lock that outlives one request, so the backend keeps a lease in the
// record writer_lock:main: `owner` (a random token per transaction), `holder` (host and
// process id, for messages) and `expires`. A transaction takes the lease with a
// conditional UPSERT that succeeds only when the lease is free or expired. It renews the
// lease while its body calls the view. Its commit is one request that checks that it
// still owns an unexpired lease, then writes, then frees the lease.
//
// A write outside a transaction runs in one request that fails while another process
// holds an unexpired lease. That request also writes the lease record, so SurrealDB's
// write-conflict detection orders it against a concurrent lease acquisition. A process
// that dies inside a transaction has written nothing, and its lease expires after
// lock_lease_ms.

#include <spdlog/logger.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "surreal_client.h"

namespace provisioning::plugins::surrealdb {

using Clock = std::chrono::steady_clock;

// Runs `attempt` until it returns without TransientError or `deadline` passes, pausing
// between attempts with a growing delay. After the deadline, throws kUnavailable with
// `timeout_message` and the last transient failure.
void retry_transient(Clock::time_point deadline, const std::string& timeout_message,
                     const std::function<void()>& attempt);

class WriterLock {
 public:
  WriterLock(const SurrealClient& client, std::shared_ptr<spdlog::logger> log);

  // Waits up to the client's timeout for the lease. Throws kUnavailable naming the
  // holder when it stays taken.
  void acquire();

  // Extends the lease when a third of it has passed since it was taken or last renewed.
  // Throws kUnavailable when the lease was lost.
  void renew_if_due();

  // Statements for the start of the commit request: they fail the transaction unless
  // this lease is still held and unexpired.
  std::string commit_guard() const;

  // A statement that frees the lease, for the end of the commit request.
  static std::string release_statement();

  // Frees the lease after a rollback. Failures are logged, because the lease expires on
  // its own.
  void release() noexcept;

  // Statements for the start of a write outside a transaction.
  static std::string unlocked_write_guard();

 private:
  std::string describe_holder() const;

  const SurrealClient& client_;
  std::shared_ptr<spdlog::logger> log_;
  std::string token_;
  std::string holder_;
  Clock::time_point renewed_at_;
};

}  // namespace provisioning::plugins::surrealdb
