#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "provisioning/sdk/json.h"
#include "provisioning/sdk/plugin.h"

namespace provisioning::sdk {

// Well-known collection names. Backends accept any name made of [a-z0-9_].
inline constexpr std::string_view kServers = "servers";
inline constexpr std::string_view kTaskservs = "taskservs";
inline constexpr std::string_view kClusters = "clusters";
inline constexpr std::string_view kWorkflows = "workflows";

// Called for each record; returning false stops the iteration.
using RecordVisitor = std::function<bool(const std::string& id, const json::object& record)>;

// Read and write access to collections of JSON records keyed by id. Ids are non-empty
// and made of [A-Za-z0-9._:-]; an invalid id or collection name throws
// ErrorCode::kInvalidArgument naming it.
class StorageView {
 public:
  virtual ~StorageView();

  virtual std::optional<json::object> get(std::string_view collection, std::string_view id) = 0;

  // Inserts or replaces the record.
  virtual void put(std::string_view collection, std::string_view id,
                   const json::object& record) = 0;

  // Returns whether a record was removed.
  virtual bool remove(std::string_view collection, std::string_view id) = 0;

  // Visits records in ascending id order without loading the whole collection.
  virtual void for_each(std::string_view collection, const RecordVisitor& visit) = 0;

  // Returns the records whose top-level string field `field` equals `value`. Backends
  // may index it; the default scans with for_each().
  virtual std::vector<json::object> find(std::string_view collection, std::string_view field,
                                         std::string_view value);

  virtual std::size_t count(std::string_view collection);
};

// A store for the host's state.
//
// Contract:
// - Each put() or remove() outside a transaction is atomic and durable when it returns.
// - transaction() runs `body` with exclusive write access across processes: it commits
//   when `body` returns and rolls back every change when `body` throws, then rethrows.
//   Transactions do not nest.
// - Several processes may use the same store at once; a writer waits for another's
//   transaction (up to the backend's timeout, then ErrorCode::kUnavailable).
// - One backend object may be called from several threads at once.
class StorageBackend : public Plugin, public StorageView {
 public:
  ~StorageBackend() override;

  virtual void transaction(const std::function<void(StorageView& view)>& body) = 0;

  // Names of the collections that hold at least one record, sorted.
  virtual std::vector<std::string> collections() = 0;

  // A short description of where the data is, such as the database file, for messages.
  virtual std::string location() const = 0;
};

// An optional interface that a StorageBackend may also derive from, so that the host can
// tell cheaply whether a collection may have changed and reuse what it computed from it,
// such as a serialized list of servers. The host finds it with dynamic_cast and treats
// every collection as changed on each read when a backend does not implement it.
//
// An additive change under docs/sdk-abi-policy.md: no existing interface refers to this
// class, so plugins built without it keep working and the ABI version stays.
class ChangeStamps {
 public:
  virtual ~ChangeStamps();

  // Returns the change stamp of `collection`. Stamps never decrease, and a call that
  // starts after a write to `collection` has committed returns a value greater than
  // every call that returned before the write started. This holds for writes through
  // this object and for writes by other objects and processes on the same store. A stamp
  // may also grow without a write to `collection`. Thread-safe. Throws
  // ErrorCode::kInvalidArgument for an invalid collection name.
  virtual std::uint64_t change_stamp(std::string_view collection) = 0;
};

// An optional interface of a StorageBackend that keeps caches it can rebuild, such as
// database pages. A long-running host calls release_memory() once it has been idle for
// a while, so the process shrinks between bursts of work. Found with dynamic_cast, like
// ChangeStamps, and additive in the same way.
class MemoryRelease {
 public:
  virtual ~MemoryRelease();

  // Frees what the backend can rebuild later; its data and behaviour do not change.
  // Thread-safe, never throws.
  virtual void release_memory() noexcept = 0;
};

// An optional interface of a StorageView, found with dynamic_cast like ChangeStamps, for
// a caller that has a record as JSON text already. It spares the backend serializing the
// record again, and lets the caller serialize on its own thread. A backend implements it
// on itself and on the view its transaction() passes, or on neither.
class RecordText {
 public:
  virtual ~RecordText();

  // Inserts or replaces the record, as put() does. `text` must be a serialized JSON
  // object; the backend may store it without parsing it.
  virtual void put_text(std::string_view collection, std::string_view id,
                        const std::string& text) = 0;
};

// Throws ErrorCode::kInvalidArgument unless `collection` and `id` are valid names.
void validate_record_key(std::string_view collection, std::string_view id);

}  // namespace provisioning::sdk
