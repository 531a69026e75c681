#pragma once

#include <provisioning/sdk/storage.h>

#include <condition_variable>
#include <deque>
#include <exception>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "plugin_loader.h"

namespace provisioning::host {

namespace json = boost::json;

// One record to write, as JSON text, or a record to delete when `remove` is set. Every
// writer waits for the committer's one thread, so each writer serializes its record on its
// own thread. Text is also cheaper than a record to keep and to free.
struct RecordWrite {
  static RecordWrite put(std::string_view collection, std::string_view id,
                         const json::object& record);
  static RecordWrite erase(std::string_view collection, std::string_view id);

  std::string collection;
  std::string id;
  std::string text;
  bool remove = false;
};

// Writes records through one background thread that groups every write waiting at that
// moment into one storage transaction ("group commit"). Each transaction costs one sync
// to disk whatever its size, so many concurrent writers share the cost instead of
// queueing for a sync each.
//
// Writes are applied in the order they were submitted. Thread-safe.
class Committer {
 public:
  explicit Committer(PluginHandle<sdk::StorageBackend> storage);
  ~Committer();  // writes what is queued, then stops

  Committer(const Committer&) = delete;
  Committer& operator=(const Committer&) = delete;

  // Returns once the writes are durable. Throws the storage error when their
  // transaction failed (in which case none of them was written).
  void write(std::vector<RecordWrite> writes);

  // Queues the writes and returns a future that is ready once they are durable; its get()
  // throws the storage error when their transaction failed. A caller that waits for many writes in
  // order loses no time: the futures become ready in the order the writes were queued.
  std::future<void> write_async(std::vector<RecordWrite> writes);

  // Queues the writes and returns at once; a failure is logged.
  void write_later(std::vector<RecordWrite> writes);

  // Runs `body` inside the next group transaction, after the writes queued before it,
  // and returns once its writes are durable. `body` may read through the view to check
  // a condition, and its reads include the writes queued before it. When `body` throws,
  // its writes are dropped, the rest of the group still commits, and apply() rethrows.
  using Body = std::function<void(sdk::StorageView& view)>;
  void apply(Body body);

  // Queues `body` as apply() does and returns at once. The future is ready once its
  // writes are durable, and its get() throws what `body` or the transaction threw.
  std::future<void> apply_async(Body body);

  // Number of transactions committed, for tests and metrics.
  std::uint64_t transactions() const;

 private:
  struct Batch;
  void run();
  std::future<void> enqueue(std::shared_ptr<Batch> batch);  // ready once it is durable
  void commit(std::vector<std::shared_ptr<Batch>>& batches);
  static bool run_body(Batch& batch, sdk::StorageView& view);

  PluginHandle<sdk::StorageBackend> storage_;
  mutable std::mutex mutex_;
  std::condition_variable queued_;
  std::deque<std::shared_ptr<Batch>> queue_;
  bool stopping_ = false;
  std::uint64_t transactions_ = 0;
  std::thread thread_;
};

}  // namespace provisioning::host
