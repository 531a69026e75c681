#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "host.h"
#include "migrate.h"
#include "record_digest.h"
#include "record_reader.h"

namespace provisioning::host::migration {

// The source, target and options of one transfer(), as migrate_storage() and backup
// restores make them.
struct TransferRequest {
  std::string target_backend;
  std::string id;  // names the staging directory and a new target location
  // Opens the records to copy; called again for a second pass when verification fails.
  std::function<std::unique_ptr<RecordReader>()> open_source;
  bool normalize = true;  // pass records through normalize_legacy_record()
  bool verify = true;
  bool dry_run = false;        // read the source only
  bool switch_backend = true;  // set storage.backend; the records move in either way
  ProgressCallback progress;
};

struct TransferResult {
  std::map<std::string, CollectionDigest> source_digests;
  std::map<std::string, CollectionDigest> target_digests;
  std::map<std::string, std::uint64_t> normalized;  // records changed by normalization
  std::vector<RecordMismatch> mismatches;
  std::string target_location;
  bool verified = false;
  bool switched = false;
  double copy_seconds = 0;
  double verify_seconds = 0;
};

// Copies the source into a staging copy of the target, verifies it and switches it in
// (see migrate_storage() for the guarantees). Throws sdk::Error (kInvalidArgument)
// listing the mismatched ids when verification fails; `result` then contains them, and
// the staging copy is gone.
void transfer(Host& host, const TransferRequest& request, TransferResult& result);

// Runs transfer() and copies its outcome into `report`: per-collection counts and
// digests, phase times, the verified and switched flags and the new target location.
// When transfer() throws, the report still gets the collections read so far and the
// mismatches, and the exception propagates.
void transfer_into_report(Host& host, const TransferRequest& request, MigrationReport& report);

// Formats mismatches for an error message, one "collection/id: problem" per line.
std::string describe_mismatches(const std::vector<RecordMismatch>& mismatches);

}  // namespace provisioning::host::migration
