#pragma once

#include <boost/json.hpp>
#include <condition_variable>
#include <cstddef>
#include <exception>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace provisioning::host::migration {

struct PendingRecord {
  std::string collection;
  std::string id;
  boost::json::object record;
};

using RecordBatch = std::vector<PendingRecord>;

// Writes batches of records on a thread of its own, so that reading and parsing the
// next batch overlaps with writing the last one. At most one batch is in the writer at
// a time: submit() waits for the previous write to finish, which also bounds memory to
// two batches. A failed write is rethrown by the next submit() or by finish(), and no
// later batch is written.
class BatchWriter {
 public:
  using WriteFunction = std::function<void(RecordBatch&)>;

  explicit BatchWriter(WriteFunction write);
  ~BatchWriter();  // waits for the running write and drops a batch not yet started

  BatchWriter(const BatchWriter&) = delete;
  BatchWriter& operator=(const BatchWriter&) = delete;

  // Hands `batch` to the writer once the previous write finished. Throws the error of a
  // previous write.
  void submit(RecordBatch batch);

  // Waits until every submitted batch is written. Throws the error of a failed write.
  void finish();

 private:
  void wait_idle(std::unique_lock<std::mutex>& lock);
  void run();

  WriteFunction write_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::optional<RecordBatch> pending_;
  bool writing_ = false;
  bool stopping_ = false;
  std::exception_ptr error_;
  std::thread thread_;
};

}  // namespace provisioning::host::migration
