#include "sqlite_connections.h"

namespace provisioning::plugins::sqlite_storage {
namespace {

// Page cache of a reading connection, in KiB. Most reads look up a few rows, and the
// pool may hold several connections, so each gets a small cache.
constexpr int kReaderCacheKib = 2048;

}  // namespace

Connection::Connection(const std::filesystem::path& path, int flags,
                       std::chrono::milliseconds busy_timeout)
    : database_(std::make_unique<SQLite::Database>(path, flags,
                                                   static_cast<int>(busy_timeout.count()))) {}

SQLite::Statement& Connection::statement(const char* sql) {
  std::unique_ptr<SQLite::Statement>& slot = statements_[sql];
  if (!slot) slot = std::make_unique<SQLite::Statement>(*database_, sql);
  // tryReset: reset() would rethrow the error of a failed previous run.
  slot->tryReset();
  slot->clearBindings();
  return *slot;
}

void Connection::reset_statements() noexcept {
  for (auto& [sql, statement] : statements_) statement->tryReset();
}

ReaderPool::Lease ReaderPool::acquire() {
  {
    std::lock_guard lock(mutex_);
    if (!idle_.empty()) {
      std::unique_ptr<Connection> connection = std::move(idle_.back());
      idle_.pop_back();
      return Lease(*this, std::move(connection));
    }
  }
  auto connection = std::make_unique<Connection>(path_, SQLite::OPEN_READONLY, busy_timeout_);
  connection->database().exec("PRAGMA cache_size = -" + std::to_string(kReaderCacheKib));
  return Lease(*this, std::move(connection));
}

void ReaderPool::give_back(std::unique_ptr<Connection> connection) noexcept {
  std::lock_guard lock(mutex_);
  if (idle_.size() < kMaxIdle) idle_.push_back(std::move(connection));
}

void ReaderPool::close_idle() noexcept {
  std::vector<std::unique_ptr<Connection>> closing;
  {
    std::lock_guard lock(mutex_);
    closing.swap(idle_);
  }
}

}  // namespace provisioning::plugins::sqlite_storage
