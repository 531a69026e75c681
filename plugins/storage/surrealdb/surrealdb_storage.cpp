// The surrealdb storage backend: records in a SurrealDB database, reached through the
// server's HTTP endpoint POST /sql with HTTP Basic authentication. See record_store.h
// for the layout, writer_lock.h for cross-process exclusion and transaction_view.h for
// transactions.

#include <provisioning/sdk/error.h>
#include <provisioning/sdk/manifest.h>
#include <provisioning/sdk/storage.h>

#include <chrono>
#include <memory>
#include <mutex>
#include <string>

#include "record_store.h"
#include "settings.h"
#include "surreal_client.h"
#include "transaction_view.h"
#include "writer_lock.h"

namespace provisioning::plugins::surrealdb {
namespace {

// Durability: a write is durable when SurrealDB's commit is, which depends on how the
// server stores data (see docs/storage-backends.md).
//
// Thread safety: every request opens its own connection, so calls from several threads
// run in parallel. Transactions of one object run one at a time; the others wait up to
// timeout_ms. While a thread runs a transaction body, its calls on the backend itself go
// to the transaction's view, as they would with the sqlite backend.
class SurrealStorage final : public sdk::StorageBackend {
 public:
  explicit SurrealStorage(const sdk::PluginContext& context)
      : client_(read_settings(context.settings)), store_(client_), log_(context.log) {
    retry_transient(Clock::now() + client_.settings().timeout,
                    "defining the tables timed out on SurrealDB at " + client_.location(),
                    [&] { store_.define_schema(); });
    log_->info("using SurrealDB at {} as {}-level user '{}'", client_.location(),
               auth_level_name(client_.settings().auth_level), client_.settings().username);
  }

  std::optional<json::object> get(std::string_view collection, std::string_view id) override {
    if (auto* view = active_view()) return view->get(collection, id);
    sdk::validate_record_key(collection, id);
    return guarded([&] { return store_.get(collection, id); });
  }

  void put(std::string_view collection, std::string_view id, const json::object& record) override {
    if (auto* view = active_view()) return view->put(collection, id, record);
    sdk::validate_record_key(collection, id);
    write("writing record '" + record_name(collection, id) + "'",
          RecordStore::put_statement(collection, id, record));
  }

  bool remove(std::string_view collection, std::string_view id) override {
    if (auto* view = active_view()) return view->remove(collection, id);
    sdk::validate_record_key(collection, id);
    auto results = write("removing record '" + record_name(collection, id) + "'",
                         RecordStore::remove_statement(collection, id));
    return removed_a_record(results);
  }

  void for_each(std::string_view collection, const sdk::RecordVisitor& visit) override {
    if (auto* view = active_view()) return view->for_each(collection, visit);
    sdk::validate_record_key(collection, "id");
    guarded([&] { store_.for_each(collection, visit); });
  }

  std::vector<json::object> find(std::string_view collection, std::string_view field,
                                 std::string_view value) override {
    if (auto* view = active_view()) return view->find(collection, field, value);
    sdk::validate_record_key(collection, "id");
    return guarded([&] {
      std::vector<json::object> records;
      for (auto& row : store_.find(collection, field, value))
        records.push_back(std::move(row.record));
      return records;
    });
  }

  std::size_t count(std::string_view collection) override {
    if (auto* view = active_view()) return view->count(collection);
    sdk::validate_record_key(collection, "id");
    return guarded([&] { return store_.count(collection); });
  }

  std::vector<std::string> collections() override {
    return guarded([&] { return store_.collections(); });
  }

  std::string location() const override { return "SurrealDB at " + client_.location(); }

  void transaction(const std::function<void(sdk::StorageView& view)>& body) override {
    if (active_view() != nullptr) {
      throw sdk::Error::conflict("a transaction is already open on " + location() +
                                 ": transactions do not nest, so use the view that the outer "
                                 "transaction passed to its body");
    }
    std::unique_lock local(transaction_mutex_, std::defer_lock);
    if (!local.try_lock_for(client_.settings().timeout)) {
      throw sdk::Error::unavailable("timed out after " +
                                    std::to_string(client_.settings().timeout.count()) +
                                    " ms waiting for another thread's transaction on " +
                                    location() + "; retry, or raise storage.surrealdb.timeout_ms");
    }
    WriterLock lock(client_, log_);
    guarded([&] { lock.acquire(); });
    TransactionView view(store_, client_, lock);
    ActiveTransaction active(this, &view);
    try {
      body(view);
      guarded([&] { view.commit(); });
    } catch (...) {
      lock.release();
      throw;
    }
  }

 private:
  // Marks the transaction that the current thread runs on this object, and restores the
  // previous mark (a transaction on another backend object) when it ends.
  class ActiveTransaction {
   public:
    ActiveTransaction(const SurrealStorage* owner, TransactionView* view)
        : previous_owner_(active_owner), previous_view_(active) {
      active_owner = owner;
      active = view;
    }
    ~ActiveTransaction() {
      active_owner = previous_owner_;
      active = previous_view_;
    }
    ActiveTransaction(const ActiveTransaction&) = delete;
    ActiveTransaction& operator=(const ActiveTransaction&) = delete;

   private:
    const SurrealStorage* previous_owner_;
    TransactionView* previous_view_;
  };

  TransactionView* active_view() const { return active_owner == this ? active : nullptr; }

  // Runs one write outside a transaction in its own SurrealDB transaction, retrying while
  // another process holds the writer lock, up to timeout_ms.
  std::vector<json::value> write(const std::string& action, const std::string& statement) {
    std::string sql = "BEGIN TRANSACTION; " + WriterLock::unlocked_write_guard() + " " + statement +
                      " COMMIT TRANSACTION;";
    std::vector<json::value> results;
    guarded([&] {
      retry_transient(Clock::now() + client_.settings().timeout,
                      action + " timed out after " +
                          std::to_string(client_.settings().timeout.count()) +
                          " ms: another process holds the writer lock on " + location() +
                          "; retry, or raise storage.surrealdb.timeout_ms",
                      [&] { results = client_.execute(sql, action); });
    });
    return results;
  }

  // DELETE ... RETURN BEFORE is the only statement of a removal that returns records, so
  // a non-empty array of stored records means that the record existed.
  static bool removed_a_record(const std::vector<json::value>& results) {
    for (const auto& result : results) {
      const json::array* rows = result.if_array();
      if (rows == nullptr || rows->empty()) continue;
      const json::object* row = rows->front().if_object();
      if (row != nullptr && row->contains("json")) return true;
    }
    return false;
  }

  // Runs `step` and turns an exception other than sdk::Error, such as an unexpected
  // response shape, into sdk::Error naming the server.
  template <typename Step>
  auto guarded(Step&& step) -> decltype(step()) {
    try {
      return step();
    } catch (const sdk::Error&) {
      throw;
    } catch (const std::exception& error) {
      throw sdk::Error::internal("unexpected response from " + location() + ": " + error.what() +
                                 "; check that the server runs SurrealDB 3");
    }
  }

  static thread_local const SurrealStorage* active_owner;
  static thread_local TransactionView* active;

  SurrealClient client_;
  RecordStore store_;
  std::shared_ptr<spdlog::logger> log_;
  std::timed_mutex transaction_mutex_;
};

thread_local const SurrealStorage* SurrealStorage::active_owner = nullptr;
thread_local TransactionView* SurrealStorage::active = nullptr;

}  // namespace
}  // namespace provisioning::plugins::surrealdb

PROVISIONING_PLUGIN_FACTORY(provisioning::plugins::surrealdb::SurrealStorage)
