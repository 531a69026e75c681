#pragma once

#include <provisioning/sdk/storage.h>

#include <boost/json.hpp>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "migrate.h"
#include "plugin_loader.h"

namespace provisioning::host::migration {

// Called for each record; returning false stops the iteration.
using ReaderVisitor = std::function<bool(const std::string& id, const boost::json::object&)>;

// A stream of records that a migration, a backup or a restore reads. No
// implementation keeps a whole collection in memory.
class RecordReader {
 public:
  virtual ~RecordReader() = default;

  // Names of the collections that hold records, sorted.
  virtual std::vector<std::string> collections() = 0;
  virtual std::uint64_t count(const std::string& collection) = 0;
  // Visits the records in an order each implementation documents.
  virtual void for_each(const std::string& collection, const ReaderVisitor& visit) = 0;
  virtual std::string location() const = 0;
};

// Records of a loaded storage backend, in id order.
std::unique_ptr<RecordReader> backend_source(PluginHandle<sdk::StorageBackend> backend);

// Record files of a legacy data directory (<root>/<collection>/<id>.json), in directory
// order, so that no list of ids is built. A file that is not a JSON object either stops
// the read with parse_legacy_file()'s error or, when `skip_invalid`, is skipped and
// appended to `invalid` (the file is not moved: see quarantine_files()).
std::unique_ptr<RecordReader> legacy_source(std::filesystem::path root, bool skip_invalid,
                                            std::vector<QuarantinedFile>* invalid);

// Moves `from` to `to` and flushes both directories. When they are on different file
// systems (rename() fails with EXDEV), copies the file, flushes the copy and only then
// removes `from`. Throws sdk::Error (kUnavailable) naming the paths.
void move_file_durably(const std::filesystem::path& from, const std::filesystem::path& to);

// Moves each file of `files` to <quarantine_dir>/<collection>/<id>.json with
// move_file_durably() (never deleting one) and fills in its quarantine_path.
void quarantine_files(std::vector<QuarantinedFile>& files,
                      const std::filesystem::path& quarantine_dir);

}  // namespace provisioning::host::migration
