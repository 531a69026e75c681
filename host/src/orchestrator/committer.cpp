#include "orchestrator/committer.h"

#include "logging.h"
#include "thread_name.h"

namespace provisioning::host {

struct Committer::Batch {
  std::vector<RecordWrite> writes;
  Body body;                 // runs before `writes` are made, which it may add to
  std::exception_ptr error;  // what `body` threw: this batch alone is dropped
  std::promise<void> done;
  bool waited = false;
};

namespace {

// Passes reads to the transaction and keeps writes, so that a body that throws halfway
// leaves nothing behind. A read does not see the body's own writes.
class HeldWritesView final : public sdk::StorageView {
 public:
  HeldWritesView(sdk::StorageView& view, std::vector<RecordWrite>& writes)
      : view_(view), writes_(writes) {}

  std::optional<json::object> get(std::string_view collection, std::string_view id) override {
    return view_.get(collection, id);
  }
  void put(std::string_view collection, std::string_view id, const json::object& record) override {
    writes_.push_back(RecordWrite::put(collection, id, record));
  }
  bool remove(std::string_view collection, std::string_view id) override {
    bool present = view_.get(collection, id).has_value();
    writes_.push_back(RecordWrite::erase(collection, id));
    return present;
  }
  void for_each(std::string_view collection, const sdk::RecordVisitor& visit) override {
    view_.for_each(collection, visit);
  }
  std::vector<json::object> find(std::string_view collection, std::string_view field,
                                 std::string_view value) override {
    return view_.find(collection, field, value);
  }
  std::size_t count(std::string_view collection) override { return view_.count(collection); }

 private:
  sdk::StorageView& view_;
  std::vector<RecordWrite>& writes_;
};

void make_writes(sdk::StorageView& view, const std::vector<RecordWrite>& writes) {
  auto* text_view = dynamic_cast<sdk::RecordText*>(&view);
  for (const auto& write : writes) {
    if (write.remove) {
      view.remove(write.collection, write.id);
    } else if (text_view != nullptr) {
      text_view->put_text(write.collection, write.id, write.text);
    } else {
      view.put(write.collection, write.id, json::parse(write.text).as_object());
    }
  }
}

}  // namespace

RecordWrite RecordWrite::put(std::string_view collection, std::string_view id,
                             const json::object& record) {
  return {std::string(collection), std::string(id), json::serialize(record), false};
}

RecordWrite RecordWrite::erase(std::string_view collection, std::string_view id) {
  return {std::string(collection), std::string(id), {}, true};
}

Committer::Committer(PluginHandle<sdk::StorageBackend> storage)
    : storage_(std::move(storage)), thread_([this] { run(); }) {}

Committer::~Committer() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  queued_.notify_all();
  thread_.join();
}

void Committer::write(std::vector<RecordWrite> writes) {
  write_async(std::move(writes)).get();
}

std::future<void> Committer::write_async(std::vector<RecordWrite> writes) {
  auto batch = std::make_shared<Batch>();
  batch->writes = std::move(writes);
  return enqueue(std::move(batch));
}

void Committer::apply(Body body) {
  apply_async(std::move(body)).get();
}

std::future<void> Committer::apply_async(Body body) {
  auto batch = std::make_shared<Batch>();
  batch->body = std::move(body);
  return enqueue(std::move(batch));
}

std::future<void> Committer::enqueue(std::shared_ptr<Batch> batch) {
  batch->waited = true;
  std::future<void> done = batch->done.get_future();
  {
    std::lock_guard lock(mutex_);
    queue_.push_back(std::move(batch));
  }
  queued_.notify_one();
  return done;
}

void Committer::write_later(std::vector<RecordWrite> writes) {
  auto batch = std::make_shared<Batch>();
  batch->writes = std::move(writes);
  {
    std::lock_guard lock(mutex_);
    queue_.push_back(std::move(batch));
  }
  queued_.notify_one();
}

std::uint64_t Committer::transactions() const {
  std::lock_guard lock(mutex_);
  return transactions_;
}

void Committer::run() {
  name_this_thread("committer");
  std::unique_lock lock(mutex_);
  while (true) {
    queued_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (queue_.empty() && stopping_) return;
    std::vector<std::shared_ptr<Batch>> batches(queue_.begin(), queue_.end());
    queue_.clear();
    lock.unlock();
    commit(batches);
    lock.lock();
    ++transactions_;
  }
}

void Committer::commit(std::vector<std::shared_ptr<Batch>>& batches) {
  try {
    storage_.call("transaction", [&](sdk::StorageBackend& storage) {
      storage.transaction([&](sdk::StorageView& view) {
        for (const auto& batch : batches) {
          if (run_body(*batch, view)) make_writes(view, batch->writes);
        }
      });
    });
  } catch (const std::exception& error) {
    for (auto& batch : batches) {
      if (batch->waited) {
        batch->done.set_exception(std::current_exception());
      } else {
        component_logger("orchestrator")->error("background write failed: {}", error.what());
      }
    }
    return;
  }
  for (auto& batch : batches) {
    if (batch->error) {
      batch->done.set_exception(batch->error);
    } else {
      batch->done.set_value();
    }
  }
}

// Runs the batch's body, if any, into its writes. Returns false when the body threw.
// Each run starts over, in case a backend runs a transaction body more than once.
bool Committer::run_body(Batch& batch, sdk::StorageView& view) {
  if (!batch.body) return true;
  batch.writes.clear();
  batch.error = nullptr;
  try {
    HeldWritesView held(view, batch.writes);
    batch.body(held);
    return true;
  } catch (...) {
    batch.error = std::current_exception();
    batch.writes.clear();
    return false;
  }
}

}  // namespace provisioning::host
