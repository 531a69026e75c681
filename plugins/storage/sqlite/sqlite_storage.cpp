#include <SQLiteCpp/SQLiteCpp.h>
#include <provisioning/sdk/error.h>
#include <provisioning/sdk/manifest.h>
#include <provisioning/sdk/storage.h>
#include <sqlite3.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "sqlite_connections.h"

namespace provisioning::plugins {
namespace {

namespace sdk = provisioning::sdk;
namespace json = sdk::json;

// Version 1 kept the records in a WITHOUT ROWID table, version 2 in a rowid table.
constexpr int kSchemaVersion = 2;
constexpr std::int64_t kDefaultBusyTimeoutMs = 10000;
constexpr std::chrono::milliseconds kOpenRetryPause{10};
constexpr std::chrono::milliseconds kReleaseMemoryWait{50};

// A rowid table. Version 1 used WITHOUT ROWID, which stores each whole row in the B-tree
// of the primary key and suits small rows. Records are 1 KB and more, and a test with
// 20,000 such rows took 3.5 times the pages of a rowid table and wrote more slowly.
constexpr const char* kCreateSchema =
    "CREATE TABLE records ("
    " collection TEXT NOT NULL,"
    " id TEXT NOT NULL,"
    " data TEXT NOT NULL,"
    " UNIQUE (collection, id)"
    ")";

// Servers are looked up by name on every create, so that lookup uses an index. SQLite
// uses an expression index only for a query with the same expression, which is why
// find() spells "$.name" out for that field. The index is partial: a write to any other
// collection skips the expression, which would parse the whole record (twice for an
// update) even for a large batch record that has no name.
// json_valid() keeps one corrupt row from failing the index, so such a row stays
// readable as the "not valid JSON" error that names it.
constexpr const char* kCreateNameIndex =
    "CREATE INDEX IF NOT EXISTS servers_by_name ON records"
    " ((CASE WHEN json_valid(data) THEN json_extract(data, '$.name') END))"
    " WHERE collection = 'servers'";
// The index of names in schema version 1 files, over every collection.
constexpr const char* kDropAllNamesIndex = "DROP INDEX IF EXISTS records_by_name";

constexpr const char* kSelectRecord = "SELECT data FROM records WHERE collection = ? AND id = ?";
constexpr const char* kUpsertRecord =
    "INSERT INTO records (collection, id, data) VALUES (?, ?, ?)"
    " ON CONFLICT (collection, id) DO UPDATE SET data = excluded.data";
constexpr const char* kDeleteRecord = "DELETE FROM records WHERE collection = ? AND id = ?";
constexpr const char* kCountRecords = "SELECT COUNT(*) FROM records WHERE collection = ?";
constexpr const char* kFindServerByName =
    "SELECT id, data FROM records INDEXED BY servers_by_name WHERE collection = 'servers'"
    " AND (CASE WHEN json_valid(data) THEN json_extract(data, '$.name') END) = ?1"
    " AND json_type(data, '$.name') = 'text'"
    " ORDER BY id";
constexpr const char* kFindByField =
    "SELECT id, data FROM records WHERE collection = ?1"
    " AND json_type(data, '$.\"' || ?2 || '\"') = 'text'"
    " AND json_extract(data, '$.\"' || ?2 || '\"') = ?3"
    " ORDER BY id";

std::filesystem::path database_path(const sdk::PluginContext& context) {
  const json::value* value = context.settings.if_contains("path");
  if (value == nullptr) return context.state_dir / "state.db";
  if (!value->is_string() || value->get_string().empty()) {
    throw sdk::Error::invalid_argument(
        "invalid setting storage.sqlite.path = " + json::serialize(*value) +
        ": set it to a database file path, absolute or relative to the workspace");
  }
  std::filesystem::path path(std::string(value->get_string()));
  return path.is_absolute() ? path : context.workspace / path;
}

std::int64_t busy_timeout_ms(const json::object& settings) {
  const json::value* value = settings.if_contains("busy_timeout_ms");
  if (value == nullptr) return kDefaultBusyTimeoutMs;
  if (value->is_int64() && value->get_int64() > 0 && value->get_int64() <= INT32_MAX) {
    return value->get_int64();
  }
  throw sdk::Error::invalid_argument(
      "invalid setting storage.sqlite.busy_timeout_ms = " + json::serialize(*value) +
      ": set it to a positive number of milliseconds");
}

// Returns the PRAGMA synchronous level: "full" by default, so a commit is durable when
// it returns, as the storage contract requires.
std::string synchronous_level(const json::object& settings) {
  const json::value* value = settings.if_contains("synchronous");
  if (value == nullptr) return "FULL";
  if (value->is_string()) {
    std::string level(value->get_string());
    for (char& c : level) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (level == "OFF" || level == "NORMAL" || level == "FULL" || level == "EXTRA") return level;
  }
  throw sdk::Error::invalid_argument(
      "invalid setting storage.sqlite.synchronous = " + json::serialize(*value) +
      ": use \"off\", \"normal\", \"full\" or \"extra\"");
}

// Returns the "defer_name_index" setting (default false). A migration sets it on the
// staging copy it fills, so servers_by_name is not created on open and inserts skip its
// upkeep. The next open without the setting builds the index over all rows at once.
bool defers_name_index(const json::object& settings) {
  const json::value* value = settings.if_contains("defer_name_index");
  if (value == nullptr) return false;
  if (value->is_bool()) return value->get_bool();
  throw sdk::Error::invalid_argument("invalid setting storage.sqlite.defer_name_index = " +
                                     json::serialize(*value) + ": set it to true or false");
}

std::string record_name(std::string_view collection, std::string_view id) {
  return std::string(collection) + "/" + std::string(id);
}

void validate_collection(std::string_view collection) {
  sdk::validate_record_key(collection, "id");  // any valid id: only the collection is checked
}

bool is_busy(const SQLite::Exception& error) {
  int code = error.getErrorCode() & 0xff;
  return code == SQLITE_BUSY || code == SQLITE_LOCKED;
}

// True when `field` can be spliced into a JSON path without quoting problems.
bool is_plain_field(std::string_view field) {
  if (field.empty()) return false;
  for (char c : field) {
    bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '_' || c == '-';
    if (!plain) return false;
  }
  return true;
}

// Stores every collection in one SQLite database file in WAL mode, one row per record.
// Other processes may open the same file; SQLite's file locks serialize their writers
// and busy_timeout_ms bounds the wait.
//
// Thread safety: writes go through one connection guarded by a recursive timed mutex, so
// they run one at a time. transaction() holds the mutex for the whole body, and other
// writers wait for it up to busy_timeout_ms. The mutex is recursive so that a transaction
// body may call back into the backend on the same thread. Reads outside a transaction use
// read-only connections from a pool. They see the last committed state and do not wait
// for the writer. Reads inside a transaction body use its connection and see its writes.
//
// Durability: synchronous=FULL (the default) syncs the write-ahead log on every commit.
// The "synchronous" setting may lower it to NORMAL. In WAL mode a commit then survives a
// crash of the process, but the latest commits may roll back after a power failure or an
// operating system crash (SQLite documentation of PRAGMA synchronous).
//
// Change stamps: a collection's stamp is the number of writes to it through this object
// plus the number of times PRAGMA data_version showed a commit by another connection,
// which covers other processes and other objects on the same file.
class SqliteStorage final : public sdk::StorageBackend,
                            public sdk::ChangeStamps,
                            public sdk::MemoryRelease,
                            public sdk::RecordText {
 public:
  explicit SqliteStorage(const sdk::PluginContext& context)
      : path_(database_path(context)),
        busy_timeout_(busy_timeout_ms(context.settings)),
        synchronous_(synchronous_level(context.settings)),
        defer_name_index_(defers_name_index(context.settings)),
        log_(context.log) {
    open_database();
    log_->info("opened SQLite database '{}' (schema version {})", path_.string(), kSchemaVersion);
  }

  ~SqliteStorage() override { log_->debug("closing SQLite database '{}'", path_.string()); }

  std::optional<json::object> get(std::string_view collection, std::string_view id) override {
    sdk::validate_record_key(collection, id);
    return read("reading record '" + record_name(collection, id) + "'",
                [&](sqlite_storage::Connection& connection) -> std::optional<json::object> {
                  SQLite::Statement& query = connection.statement(kSelectRecord);
                  query.bind(1, std::string(collection));
                  query.bind(2, std::string(id));
                  if (!query.executeStep()) return std::nullopt;
                  return parse_record(query.getColumn(0).getString(), collection, id);
                });
  }

  void put(std::string_view collection, std::string_view id, const json::object& record) override {
    put_text(collection, id, json::serialize(record));
  }

  void put_text(std::string_view collection, std::string_view id,
                const std::string& text) override {
    sdk::validate_record_key(collection, id);
    guarded("writing record '" + record_name(collection, id) + "'", [&] {
      SQLite::Statement& statement = writer_->statement(kUpsertRecord);
      statement.bind(1, std::string(collection));
      statement.bind(2, std::string(id));
      statement.bindNoCopy(3, text);  // TEXT, which the JSON functions of the index need
      note_write(collection);
      statement.exec();
    });
  }

  bool remove(std::string_view collection, std::string_view id) override {
    sdk::validate_record_key(collection, id);
    return guarded("removing record '" + record_name(collection, id) + "'", [&] {
      SQLite::Statement& statement = writer_->statement(kDeleteRecord);
      statement.bind(1, std::string(collection));
      statement.bind(2, std::string(id));
      note_write(collection);
      return statement.exec() > 0;
    });
  }

  void for_each(std::string_view collection, const sdk::RecordVisitor& visit) override {
    validate_collection(collection);
    read("reading collection '" + std::string(collection) + "'",
         [&](sqlite_storage::Connection& connection) {
           // Not a cached statement: the visitor may call back into the backend.
           SQLite::Statement query(connection.database(),
                                   "SELECT id, data FROM records WHERE collection = ? ORDER BY id");
           query.bind(1, std::string(collection));
           while (query.executeStep()) {
             std::string id = query.getColumn(0).getString();
             json::object record = parse_record(query.getColumn(1).getString(), collection, id);
             if (!visit(id, record)) break;
           }
         });
  }

  std::vector<json::object> find(std::string_view collection, std::string_view field,
                                 std::string_view value) override {
    validate_collection(collection);
    if (!is_plain_field(field)) return StorageView::find(collection, field, value);
    return read("searching collection '" + std::string(collection) + "'",
                [&](sqlite_storage::Connection& connection) {
                  bool indexed =
                      collection == sdk::kServers && field == "name" && !defer_name_index_;
                  SQLite::Statement& query =
                      connection.statement(indexed ? kFindServerByName : kFindByField);
                  if (indexed) {
                    query.bind(1, std::string(value));
                  } else {
                    query.bind(1, std::string(collection));
                    query.bind(2, std::string(field));
                    query.bind(3, std::string(value));
                  }
                  std::vector<json::object> matches;
                  while (query.executeStep()) {
                    matches.push_back(parse_record(query.getColumn(1).getString(), collection,
                                                   query.getColumn(0).getString()));
                  }
                  return matches;
                });
  }

  std::size_t count(std::string_view collection) override {
    validate_collection(collection);
    return read("counting collection '" + std::string(collection) + "'",
                [&](sqlite_storage::Connection& connection) {
                  SQLite::Statement& query = connection.statement(kCountRecords);
                  query.bind(1, std::string(collection));
                  query.executeStep();
                  return static_cast<std::size_t>(query.getColumn(0).getInt64());
                });
  }

  // Runs `body` inside BEGIN IMMEDIATE ... COMMIT. The body gets this object as its view,
  // so its reads see its own writes.
  void transaction(const std::function<void(sdk::StorageView& view)>& body) override {
    auto lock = lock_connection();
    if (holds_transaction()) {
      throw sdk::Error::conflict("a transaction is already open on SQLite database '" +
                                 path_.string() +
                                 "': transactions do not nest, so use the view that the outer "
                                 "transaction passed to its body");
    }
    guarded("starting a transaction", [&] { database().exec("BEGIN IMMEDIATE"); });
    transaction_thread_ = std::this_thread::get_id();
    try {
      body(*this);
      guarded("committing a transaction", [&] { database().exec("COMMIT"); });
    } catch (...) {
      roll_back();
      throw;
    }
    end_transaction();
  }

  std::vector<std::string> collections() override {
    return read("listing collections", [&](sqlite_storage::Connection& connection) {
      SQLite::Statement query(connection.database(),
                              "SELECT DISTINCT collection FROM records ORDER BY collection");
      std::vector<std::string> names;
      while (query.executeStep()) names.push_back(query.getColumn(0).getString());
      return names;
    });
  }

  std::string location() const override { return path_.string(); }

  // Gives back the page caches (up to cache_size), which fill as pages are read, and
  // closes the idle reading connections. Skips the writing connection while another
  // thread has it locked, since the host calls this again.
  void release_memory() noexcept override {
    readers_.close_idle();
    std::unique_lock lock(mutex_, std::defer_lock);
    if (lock.try_lock_for(kReleaseMemoryWait)) sqlite3_db_release_memory(database().getHandle());
  }

  std::uint64_t change_stamp(std::string_view collection) override {
    validate_collection(collection);
    return guarded("reading the data version", [&] {
      SQLite::Statement& query = writer_->statement("PRAGMA data_version");
      query.executeStep();
      std::int64_t version = query.getColumn(0).getInt64();
      if (version != last_data_version_) {
        last_data_version_ = version;
        ++external_commits_;
      }
      auto found = local_writes_.find(collection);
      return external_commits_ + (found != local_writes_.end() ? found->second : 0);
    });
  }

 private:
  void open_database() {
    std::error_code error;
    std::filesystem::create_directories(path_.parent_path(), error);
    if (error) {
      throw sdk::Error::unavailable("cannot create directory '" + path_.parent_path().string() +
                                    "' for the SQLite database: " + error.message());
    }
    // When two processes create the database at the same time, PRAGMA journal_mode can
    // fail with SQLITE_BUSY at once, without SQLite's busy handler waiting (seen with
    // SQLite 3.40). So the whole sequence is retried until the busy timeout.
    auto deadline = std::chrono::steady_clock::now() + busy_timeout_;
    while (true) {
      try {
        connect();
        return;
      } catch (const SQLite::Exception& failure) {
        writer_.reset();
        if (!is_busy(failure) || std::chrono::steady_clock::now() >= deadline) {
          throw_mapped(failure, "opening the database");
        }
        std::this_thread::sleep_for(kOpenRetryPause);
      }
    }
  }

  void connect() {
    writer_ = std::make_unique<sqlite_storage::Connection>(
        path_, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE, busy_timeout_);
    database().exec("PRAGMA journal_mode = WAL");
    database().exec("PRAGMA synchronous = " + synchronous_);
    database().exec("PRAGMA cache_size = -16384");  // 16 MiB, filled only as pages are read
    initialize_schema();
  }

  // Moves the rows of a schema version 1 file into the table of version 2, inside the
  // caller's transaction, so a failure leaves the file as it was.
  void convert_version_1(int version) {
    log_->info("converting SQLite database '{}' from schema version {} to {}", path_.string(),
               version, kSchemaVersion);
    database().exec("ALTER TABLE records RENAME TO records_version_1");
    database().exec(kDropAllNamesIndex);
    database().exec(kCreateSchema);
    database().exec(
        "INSERT INTO records (collection, id, data)"
        " SELECT collection, id, data FROM records_version_1 ORDER BY collection, id");
    database().exec("DROP TABLE records_version_1");
  }

  // Creates the table in a new file, converts a file of schema version 1, and rejects a
  // file written by a newer plugin whose layout this code cannot know.
  void initialize_schema() {
    SQLite::Transaction transaction(database(), SQLite::TransactionBehavior::IMMEDIATE);
    int version = database().execAndGet("PRAGMA user_version").getInt();
    if (version > kSchemaVersion) {
      throw sdk::Error::unavailable("SQLite database '" + path_.string() + "' has schema version " +
                                    std::to_string(version) + ", but this plugin supports up to " +
                                    std::to_string(kSchemaVersion) +
                                    ": upgrade the sqlite storage plugin");
    }
    if (version < kSchemaVersion) {
      if (database().tableExists("records")) {
        convert_version_1(version);
      } else {
        database().exec(kCreateSchema);
      }
      database().exec("PRAGMA user_version = " + std::to_string(kSchemaVersion));
    }
    // Also for files made before the index existed, or filled with defer_name_index.
    if (!defer_name_index_) database().exec(kCreateNameIndex);
    transaction.commit();
  }

  // Counts a write to `collection` before it runs, with the connection locked. A stamp
  // read after the write therefore differs from one read before it, and a write that
  // then fails only costs a reader a recomputation.
  void note_write(std::string_view collection) {
    auto found = local_writes_.find(collection);
    if (found == local_writes_.end()) {
      local_writes_.emplace(std::string(collection), 1);
    } else {
      ++found->second;
    }
  }

  std::unique_lock<std::recursive_timed_mutex> lock_connection() {
    std::unique_lock lock(mutex_, std::defer_lock);
    if (!lock.try_lock_for(busy_timeout_)) {
      throw sdk::Error::unavailable(
          "timed out after " + std::to_string(busy_timeout_.count()) +
          " ms waiting for another thread's transaction on SQLite database '" + path_.string() +
          "': retry, or raise storage.sqlite.busy_timeout_ms");
    }
    return lock;
  }

  SQLite::Database& database() { return writer_->database(); }

  // True on the thread whose transaction is open, whose reads must see its own writes.
  bool holds_transaction() const { return transaction_thread_ == std::this_thread::get_id(); }

  void end_transaction() { transaction_thread_ = std::thread::id(); }

  // Runs the read `step` on a pooled reading connection, or inside the open transaction
  // of this thread on the writing one, and turns SQLite exceptions into sdk::Error.
  template <typename Step>
  auto read(const std::string& action, Step&& step)
      -> decltype(step(std::declval<sqlite_storage::Connection&>())) {
    if (holds_transaction()) return guarded(action, [&] { return step(*writer_); });
    try {
      sqlite_storage::ReaderPool::Lease reader = readers_.acquire();
      return step(*reader);
    } catch (const SQLite::Exception& error) {
      throw_mapped(error, action);
    }
  }

  // Runs `step` with the connection locked and turns SQLite exceptions into sdk::Error.
  template <typename Step>
  auto guarded(const std::string& action, Step&& step) -> decltype(step()) {
    auto lock = lock_connection();
    struct ResetStatements {
      sqlite_storage::Connection& connection;
      ~ResetStatements() { connection.reset_statements(); }
    } reset{*writer_};
    try {
      return step();
    } catch (const SQLite::Exception& error) {
      throw_mapped(error, action);
    }
  }

  [[noreturn]] void throw_mapped(const SQLite::Exception& error, const std::string& action) const {
    const std::string file = "SQLite database '" + path_.string() + "'";
    if (is_busy(error)) {
      throw sdk::Error::unavailable(action + " timed out after " +
                                    std::to_string(busy_timeout_.count()) + " ms: " + file +
                                    " is locked by another connection; retry, or raise "
                                    "storage.sqlite.busy_timeout_ms");
    }
    switch (error.getErrorCode() & 0xff) {
      case SQLITE_NOTADB:
        throw sdk::Error::unavailable("file '" + path_.string() +
                                      "' is not a SQLite database: move it away, or set "
                                      "storage.sqlite.path to another file");
      case SQLITE_CORRUPT:
        throw sdk::Error::unavailable(file + " is corrupt (" + error.what() +
                                      "): restore it from a backup");
      case SQLITE_CANTOPEN:
      case SQLITE_PERM:
      case SQLITE_READONLY:
      case SQLITE_IOERR:
      case SQLITE_FULL:
        throw sdk::Error::unavailable(action + " failed on " + file + ": " + error.what() +
                                      "; check that the file and its directory are writable "
                                      "and the disk has space");
      default:
        throw sdk::Error::internal(action + " failed on " + file + ": " + error.what());
    }
  }

  json::object parse_record(const std::string& text, std::string_view collection,
                            std::string_view id) const {
    boost::system::error_code error;
    json::value value = json::parse(text, error);
    if (error) throw invalid_record(collection, id, "is not valid JSON (" + error.message() + ")");
    if (!value.is_object()) throw invalid_record(collection, id, "is not a JSON object");
    return std::move(value.as_object());
  }

  sdk::Error invalid_record(std::string_view collection, std::string_view id,
                            const std::string& problem) const {
    return sdk::Error::invalid_argument("record '" + record_name(collection, id) +
                                        "' in SQLite database '" + path_.string() + "' " + problem +
                                        ": fix or delete its row with the sqlite3 tool");
  }

  // Rolls back after a failed body or commit. A failure here is logged rather than
  // thrown, so the caller sees the error that caused the rollback.
  void roll_back() noexcept {
    end_transaction();
    if (sqlite3_get_autocommit(database().getHandle()) != 0) return;  // SQLite already did
    try {
      database().exec("ROLLBACK");
    } catch (const SQLite::Exception& error) {
      log_->error("rolling back a transaction on SQLite database '{}' failed: {}", path_.string(),
                  error.what());
    }
  }

  std::filesystem::path path_;
  std::chrono::milliseconds busy_timeout_;
  std::string synchronous_;
  bool defer_name_index_;
  std::shared_ptr<spdlog::logger> log_;
  std::recursive_timed_mutex mutex_;
  std::unique_ptr<sqlite_storage::Connection> writer_;
  sqlite_storage::ReaderPool readers_{path_, busy_timeout_};
  std::atomic<std::thread::id> transaction_thread_;
  std::int64_t last_data_version_ = -1;
  std::uint64_t external_commits_ = 0;
  std::map<std::string, std::uint64_t, std::less<>> local_writes_;
};

}  // namespace
}  // namespace provisioning::plugins

PROVISIONING_PLUGIN_FACTORY(provisioning::plugins::SqliteStorage)
