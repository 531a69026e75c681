#include "transfer.h"

#include <provisioning/sdk/error.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <optional>
#include <tuple>

#include "batch_writer.h"
#include "durable_files.h"
#include "fault_injection.h"
#include "legacy_records.h"
#include "logging.h"
#include "target_location.h"
#include "verify.h"

namespace provisioning::host::migration {
namespace {

namespace json = boost::json;

// Records written per staging transaction. Larger batches commit less often but keep
// more records in memory.
constexpr std::size_t kBatchSize = 5000;
constexpr std::uint64_t kProgressEvery = 1000;

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Streams the source into `staging` (or nowhere for a dry run), computing digests. This
// thread reads, normalizes and hashes, while a BatchWriter writes the previous batch.
class Copier {
 public:
  Copier(const TransferRequest& request, TransferResult& result,
         PluginHandle<sdk::StorageBackend>* staging)
      : request_(request), result_(result), staging_(staging) {}

  void run(RecordReader& source) {
    std::vector<std::string> names = source.collections();
    for (const auto& name : names) state_.records_total += source.count(name);
    std::optional<BatchWriter> writer;
    if (staging_ != nullptr) {
      writer.emplace([this](RecordBatch& batch) {
        // In key order, inserts fill B-tree pages one after another instead of at random.
        std::sort(batch.begin(), batch.end(), [](const auto& a, const auto& b) {
          return std::tie(a.collection, a.id) < std::tie(b.collection, b.id);
        });
        commit(batch, 0, batch.size());
      });
      writer_ = &*writer;
    }
    for (const auto& name : names) copy_collection(source, name);
    flush();
    if (writer) writer->finish();
    if (request_.progress) request_.progress(state_);
  }

 private:
  void copy_collection(RecordReader& source, const std::string& collection) {
    state_.collection = collection;
    CollectionDigest& digest = result_.source_digests[collection];
    std::uint64_t& normalized = result_.normalized[collection];
    source.for_each(collection, [&](const std::string& id, const json::object& raw) {
      json::object record = request_.normalize ? normalize_legacy_record(collection, id, raw) : raw;
      if (request_.normalize && record != raw) ++normalized;
      digest.add(collection, id, record);
      if (staging_ != nullptr) batch_.push_back({collection, id, std::move(record)});
      if (batch_.size() >= batch_limit_.load()) flush();
      ++state_.records_done;
      fault_point("copy", state_.records_done);
      if (request_.progress && state_.records_done % kProgressEvery == 0) {
        request_.progress(state_);
      }
      return true;
    });
  }

  void flush() {
    if (batch_.empty() || writer_ == nullptr) return;
    writer_->submit(std::move(batch_));
    batch_ = RecordBatch();
    batch_.reserve(batch_limit_.load());
  }

  // Writes batch_[begin, end) in one transaction. When a backend rejects a transaction as
  // unavailable (SurrealDB returns 413 for a request over its body limit), the two halves
  // are written instead and later batches keep the smaller size. A failed transaction
  // wrote nothing, so the retry is safe. A single record that fails is the real error.
  void commit(const RecordBatch& batch, std::size_t begin, std::size_t end) {
    try {
      staging_->call("transaction", [&](sdk::StorageBackend& backend) {
        backend.transaction([&](sdk::StorageView& view) {
          for (std::size_t i = begin; i < end; ++i) {
            view.put(batch[i].collection, batch[i].id, batch[i].record);
          }
        });
      });
    } catch (const sdk::Error& error) {
      if (error.code() != sdk::ErrorCode::kUnavailable || end - begin < 2) throw;
      std::size_t middle = begin + (end - begin) / 2;
      batch_limit_ = std::max<std::size_t>(1, std::min(batch_limit_.load(), middle - begin));
      commit(batch, begin, middle);
      commit(batch, middle, end);
    }
  }

  const TransferRequest& request_;
  TransferResult& result_;
  PluginHandle<sdk::StorageBackend>* staging_;
  BatchWriter* writer_ = nullptr;
  RecordBatch batch_;
  std::atomic<std::size_t> batch_limit_ = kBatchSize;  // lowered by the writer thread
  MigrationProgress state_{"copy", "", 0, 0};
};

void verify_staging(const TransferRequest& request, TransferResult& result,
                    PluginHandle<sdk::StorageBackend>& staging) {
  auto start = Clock::now();
  auto target = backend_source(staging);
  RecordLookup lookup = [&](const std::string& collection, const std::string& id) {
    return staging.call("get", [&](sdk::StorageBackend& s) { return s.get(collection, id); });
  };
  // A separate source object, so that a second read does not list invalid files twice.
  auto source = request.open_source();
  result.mismatches = verify_copy(*target, lookup, *source, request.normalize,
                                  result.source_digests, result.target_digests, request.progress);
  result.verify_seconds = seconds_since(start);
  if (!result.mismatches.empty()) {
    throw sdk::Error::invalid_argument(
        "verification failed: the copy in " + request.target_backend +
        " differs from the source in " + std::to_string(result.mismatches.size()) +
        " places, so nothing was switched and the configured backend is unchanged:\n" +
        describe_mismatches(result.mismatches));
  }
  result.verified = true;
}

// Settings that open the staging copy. A SQLite copy is filled without its name index,
// so inserts skip its upkeep, and without syncs, since a failed copy is discarded anyway.
// The plugin builds the index in one pass when the copy is opened again without the
// settings, and transfer() syncs the file before switching it in.
json::object staging_settings(const TargetPlan& plan, bool filling) {
  json::object settings{{plan.setting, plan.staging_value}};
  if (filling && plan.backend == "sqlite") {
    settings["defer_name_index"] = true;
    settings["synchronous"] = "off";
  }
  return settings;
}

void copy_to_staging(Host& host, const TransferRequest& request, const TargetPlan& plan,
                     TransferResult& result) {
  auto staging = host.open_storage_backend(request.target_backend, staging_settings(plan, true));
  auto source = request.open_source();
  Copier(request, result, &staging).run(*source);
}  // closes the instance that filled the copy

void copy_and_verify(Host& host, const TransferRequest& request, const TargetPlan& plan,
                     TransferResult& result) {
  auto start = Clock::now();
  copy_to_staging(host, request, plan, result);
  // Opened without the filling settings, so the copy is complete (for SQLite, indexed)
  // before it is verified and switched in.
  auto staging = host.open_storage_backend(request.target_backend, staging_settings(plan, false));
  result.copy_seconds = seconds_since(start);
  if (request.verify) verify_staging(request, result, staging);
}  // closes the staging instance, so its files can move

void fill_collections(const TransferResult& result, MigrationReport& report) {
  for (const auto& [name, digest] : result.source_digests) {
    CollectionReport collection;
    collection.name = name;
    collection.source_records = digest.count();
    auto target = result.target_digests.find(name);
    if (target != result.target_digests.end()) collection.target_records = target->second.count();
    auto normalized = result.normalized.find(name);
    if (normalized != result.normalized.end()) collection.normalized_records = normalized->second;
    collection.digest = digest.hex();
    report.collections.push_back(collection);
  }
}

}  // namespace

void transfer_into_report(Host& host, const TransferRequest& request, MigrationReport& report) {
  TransferResult result;
  try {
    transfer(host, request, result);
  } catch (...) {
    report.mismatches = result.mismatches;
    fill_collections(result, report);
    throw;
  }
  fill_collections(result, report);
  report.copy_seconds = result.copy_seconds;
  report.verify_seconds = result.verify_seconds;
  report.verified = result.verified;
  report.switched = result.switched;
  if (!result.target_location.empty()) report.target_location = result.target_location;
}

std::string describe_mismatches(const std::vector<RecordMismatch>& mismatches) {
  std::string text;
  for (const RecordMismatch& mismatch : mismatches) {
    text += "  " + mismatch.collection + "/" + mismatch.id + ": " + mismatch.problem + "\n";
  }
  return text;
}

void transfer(Host& host, const TransferRequest& request, TransferResult& result) {
  if (request.dry_run) {
    auto start = Clock::now();
    auto source = request.open_source();
    Copier(request, result, nullptr).run(*source);
    result.copy_seconds = seconds_since(start);
    return;
  }
  TargetPlan plan = plan_target(host, request.target_backend, request.id);
  try {
    copy_and_verify(host, request, plan, result);
    // A SQLite copy is filled without syncs (see staging_settings()), so it is made
    // durable here, before a configuration or a rename points at it.
    if (plan.backend == "sqlite") sync_file(plan.staging_value);
    TargetState state = inspect_target(host, plan, result.source_digests);
    result.target_location = switch_in(host, plan, state, request.switch_backend);
    result.switched = request.switch_backend;
  } catch (...) {
    discard_staging(plan);
    throw;
  }
  discard_staging(plan);
}

}  // namespace provisioning::host::migration
