#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "migrate.h"
#include "record_digest.h"
#include "record_reader.h"

namespace provisioning::host::migration {

// Reads one record of the target by collection and id.
using RecordLookup =
    std::function<std::optional<boost::json::object>(const std::string&, const std::string&)>;

// Maximum number of mismatched records listed by id; more are counted in one entry.
inline constexpr std::size_t kMaxListedMismatches = 50;

// Checks that `target` contains exactly the records `expected` describes (the digests of
// the source's records, by collection), in one streaming pass over the target. When a
// collection differs, a second pass over `source` (normalized with
// normalize_legacy_record() when `normalize`) looks each record up in `target` and
// lists it by id: missing, `name`, `status` or `plan` different, or other content
// different. Returns the mismatches; empty means verified. `digests` receives the
// target's digests.
std::vector<RecordMismatch> verify_copy(RecordReader& target, const RecordLookup& lookup,
                                        RecordReader& source, bool normalize,
                                        const std::map<std::string, CollectionDigest>& expected,
                                        std::map<std::string, CollectionDigest>& digests,
                                        const ProgressCallback& progress);

}  // namespace provisioning::host::migration
