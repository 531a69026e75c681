#pragma once

#include <SQLiteCpp/SQLiteCpp.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

namespace provisioning::plugins::sqlite_storage {

// One SQLite connection and the statements prepared on it.
class Connection {
 public:
  Connection(const std::filesystem::path& path, int flags, std::chrono::milliseconds busy_timeout);

  SQLite::Database& database() { return *database_; }

  // Returns the statement for `sql`, prepared on first use, reset and without bindings.
  // `sql` must be a string literal: statements are kept by its address. Only for
  // statements run to the end before the caller calls back into the backend, since a
  // nested call for the same text would reset the statement under the caller.
  SQLite::Statement& statement(const char* sql);

  // Resets the statements, ending the read they hold open. A reading connection that
  // kept one open would pin an old snapshot and stop checkpoints from emptying the log.
  void reset_statements() noexcept;

 private:
  std::unique_ptr<SQLite::Database> database_;
  // Declared after database_, so destroyed before it.
  std::map<const char*, std::unique_ptr<SQLite::Statement>> statements_;
};

// Read-only connections for reads made outside a transaction. In WAL mode a reader sees
// the last committed state and waits for no writer, so reads go on while a transaction
// commits and syncs on the writing connection. Connections are opened as needed and
// kept for reuse, at most kMaxIdle of them.
class ReaderPool {
 public:
  static constexpr std::size_t kMaxIdle = 8;

  ReaderPool(std::filesystem::path path, std::chrono::milliseconds busy_timeout)
      : path_(std::move(path)), busy_timeout_(busy_timeout) {}

  // A connection lent to one caller; it goes back to the pool when the lease ends.
  class Lease {
   public:
    Lease(ReaderPool& pool, std::unique_ptr<Connection> connection)
        : pool_(pool), connection_(std::move(connection)) {}
    ~Lease() {
      connection_->reset_statements();
      pool_.give_back(std::move(connection_));
    }
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;

    Connection& operator*() { return *connection_; }

   private:
    ReaderPool& pool_;
    std::unique_ptr<Connection> connection_;
  };

  // Throws SQLite::Exception when a new connection cannot be opened.
  Lease acquire();

  // Closes the idle connections, which frees their page caches.
  void close_idle() noexcept;

 private:
  void give_back(std::unique_ptr<Connection> connection) noexcept;

  std::filesystem::path path_;
  std::chrono::milliseconds busy_timeout_;
  std::mutex mutex_;
  std::vector<std::unique_ptr<Connection>> idle_;
};

}  // namespace provisioning::plugins::sqlite_storage
