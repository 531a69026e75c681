#include "migration/batch_writer.h"

#include <gtest/gtest.h>
#include <provisioning/sdk/error.h>

#include <atomic>
#include <chrono>
#include <future>
#include <string>
#include <thread>
#include <vector>

namespace provisioning::host::migration {
namespace {

RecordBatch batch_of(int first, int count) {
  RecordBatch batch;
  for (int i = first; i < first + count; ++i) {
    batch.push_back({"servers", "srv-" + std::to_string(i), {{"n", i}}});
  }
  return batch;
}

TEST(BatchWriter, WritesBatchesInOrderOnItsThread) {
  std::vector<std::string> written;
  std::thread::id writer_thread;
  {
    BatchWriter writer([&](RecordBatch& batch) {
      writer_thread = std::this_thread::get_id();
      for (const auto& record : batch) written.push_back(record.id);
    });
    writer.submit(batch_of(0, 3));
    writer.submit(batch_of(3, 2));
    writer.finish();
  }
  EXPECT_EQ(written, (std::vector<std::string>{"srv-0", "srv-1", "srv-2", "srv-3", "srv-4"}));
  EXPECT_NE(writer_thread, std::this_thread::get_id());
}

TEST(BatchWriter, SubmitWaitsForThePreviousWrite) {
  std::atomic<int> running = 0;
  std::atomic<int> peak_running = 0;
  BatchWriter writer([&](RecordBatch&) {
    peak_running = std::max(peak_running.load(), ++running);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    --running;
  });
  std::atomic<int> submitted = 0;
  for (int i = 0; i < 4; ++i) {
    writer.submit(batch_of(i, 1));
    ++submitted;
  }
  writer.finish();
  EXPECT_EQ(submitted, 4);
  EXPECT_EQ(peak_running, 1);
}

TEST(BatchWriter, FailedWriteSurfacesAndStopsLaterBatches) {
  std::vector<std::string> written;
  BatchWriter writer([&](RecordBatch& batch) {
    if (batch.front().id == "srv-2") throw sdk::Error::unavailable("disk full writing srv-2");
    for (const auto& record : batch) written.push_back(record.id);
  });
  writer.submit(batch_of(0, 2));
  writer.submit(batch_of(2, 2));
  try {
    writer.submit(batch_of(4, 2));
    writer.finish();
    FAIL() << "expected the write error";
  } catch (const sdk::Error& error) {
    EXPECT_EQ(error.code(), sdk::ErrorCode::kUnavailable);
    EXPECT_STREQ(error.what(), "disk full writing srv-2");
  }
  EXPECT_THROW(writer.finish(), sdk::Error);  // the error stays
  EXPECT_EQ(written, (std::vector<std::string>{"srv-0", "srv-1"}));
}

TEST(BatchWriter, DestructorWaitsForTheRunningWrite) {
  std::promise<void> started;
  std::atomic<bool> finished = false;
  {
    BatchWriter writer([&](RecordBatch&) {
      started.set_value();
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      finished = true;
    });
    writer.submit(batch_of(0, 1));
    started.get_future().wait();
  }  // as when reading the source fails while a batch is written
  EXPECT_TRUE(finished);
}

}  // namespace
}  // namespace provisioning::host::migration
