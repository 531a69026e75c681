#pragma once

#include <boost/json.hpp>
#include <filesystem>
#include <string>
#include <string_view>

namespace provisioning::host::migration {

// Key in a record's `metadata` object that keeps the fields of a legacy record that the
// current record shape does not know, by their original name.
inline constexpr std::string_view kLegacyMetadataKey = "legacy";

// Converts a record of a legacy data directory (the `filesystem` backend's layout, with
// records in older shapes) to the current shape of its collection:
// - the `id` field becomes `id` (the file name's id); a different stored id is kept in
//   metadata.legacy.id;
// - a missing field gets its documented default (docs/migration.md lists them; for
//   servers, `zone` becomes "unknown");
// - a field the current shape does not know, or a known field with the wrong JSON type,
//   moves into metadata.legacy under its own name.
// Nothing is dropped. Records already in the current shape come back unchanged, so the
// function may run again on its own output. Collections other than servers, taskservs
// and clusters are returned as they are.
boost::json::object normalize_legacy_record(std::string_view collection, std::string_view id,
                                            const boost::json::object& record);

// Parses the legacy record file `file` (one JSON object). Throws sdk::Error
// (kInvalidArgument) naming the file and the parser's position as line:column, such as
// "data/servers/a.json:3:14", when the file is not valid JSON or not an object, and
// sdk::Error (kUnavailable) when it cannot be read.
boost::json::object parse_legacy_file(const std::filesystem::path& file);

// Parses `text` as the content of `file`, with the same errors as parse_legacy_file().
boost::json::object parse_legacy_text(const std::filesystem::path& file, std::string_view text);

// As above, with a parser the caller keeps for many files, so its buffers are reused.
boost::json::object parse_legacy_text(const std::filesystem::path& file, std::string_view text,
                                      boost::json::parser& parser);

}  // namespace provisioning::host::migration
