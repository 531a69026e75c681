#include "orchestrator/committer.h"

#include <future>

#include "logging.h"

namespace provisioning::host {

struct Committer::Batch {
  std::vector<RecordWrite> writes;
  std::promise<void> done;
  bool waited = false;
};

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
  auto batch = std::make_shared<Batch>();
  batch->writes = std::move(writes);
  batch->waited = true;
  std::future<void> done = batch->done.get_future();
  {
    std::lock_guard lock(mutex_);
    queue_.push_back(batch);
  }
  queued_.notify_one();
  done.get();
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
          for (const auto& write : batch->writes) {
            if (write.remove) {
              view.remove(write.collection, write.id);
            } else {
              view.put(write.collection, write.id, write.record);
            }
          }
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
  for (auto& batch : batches) batch->done.set_value();
}

}  // namespace provisioning::host
