#include "batch_writer.h"

namespace provisioning::host::migration {

BatchWriter::BatchWriter(WriteFunction write)
    : write_(std::move(write)), thread_([this] { run(); }) {}

BatchWriter::~BatchWriter() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_all();
  thread_.join();
}

void BatchWriter::submit(RecordBatch batch) {
  std::unique_lock lock(mutex_);
  wait_idle(lock);
  pending_ = std::move(batch);
  writing_ = true;
  lock.unlock();
  changed_.notify_all();
}

void BatchWriter::finish() {
  std::unique_lock lock(mutex_);
  wait_idle(lock);
}

void BatchWriter::wait_idle(std::unique_lock<std::mutex>& lock) {
  changed_.wait(lock, [this] { return !writing_; });
  if (error_) std::rethrow_exception(error_);
}

void BatchWriter::run() {
  std::unique_lock lock(mutex_);
  while (true) {
    changed_.wait(lock, [this] { return pending_.has_value() || stopping_; });
    if (stopping_) return;
    RecordBatch batch = std::move(*pending_);
    pending_.reset();
    lock.unlock();
    std::exception_ptr error;
    try {
      write_(batch);
    } catch (...) {
      error = std::current_exception();
    }
    batch.clear();  // frees the records before the next batch can arrive
    lock.lock();
    error_ = error;
    writing_ = false;
    changed_.notify_all();
  }
}

}  // namespace provisioning::host::migration
