#include "legacy_records.h"

#include <provisioning/sdk/error.h>
#include <provisioning/sdk/files.h>

#include <algorithm>
#include <array>
#include <span>

namespace provisioning::host::migration {
namespace {

namespace json = boost::json;

enum class FieldType { kString, kArray, kObject };

// The source of a missing field's default value.
enum class DefaultKind {
  kText,           // the fixed text in `text`
  kRecordId,       // the record's id
  kIdAfterColon,   // the part of the id after its first ':' (taskserv ids)
  kIdBeforeColon,  // the part of the id before its first ':'
  kField,          // the value of the field named by `text`, after its own default
  kEmptyArray,
  kEmptyObject,
  kOmit,  // stays missing
};

struct FieldSpec {
  std::string_view name;
  FieldType type;
  DefaultKind default_kind;
  std::string_view text = {};
};

constexpr std::array kServerFields{
    FieldSpec{"id", FieldType::kString, DefaultKind::kRecordId},
    FieldSpec{"name", FieldType::kString, DefaultKind::kRecordId},
    FieldSpec{"provider", FieldType::kString, DefaultKind::kText, "unknown"},
    FieldSpec{"provider_id", FieldType::kString, DefaultKind::kText, ""},
    FieldSpec{"plan", FieldType::kString, DefaultKind::kText, "unknown"},
    FieldSpec{"zone", FieldType::kString, DefaultKind::kText, "unknown"},
    FieldSpec{"status", FieldType::kString, DefaultKind::kText, "unknown"},
    FieldSpec{"ip_address", FieldType::kString, DefaultKind::kText, ""},
    FieldSpec{"created_at", FieldType::kString, DefaultKind::kText, ""},
    FieldSpec{"updated_at", FieldType::kString, DefaultKind::kField, "created_at"},
    FieldSpec{"metadata", FieldType::kObject, DefaultKind::kEmptyObject},
    FieldSpec{"tags", FieldType::kArray, DefaultKind::kEmptyArray},
};

constexpr std::array kTaskservFields{
    FieldSpec{"id", FieldType::kString, DefaultKind::kRecordId},
    FieldSpec{"name", FieldType::kString, DefaultKind::kIdAfterColon},
    FieldSpec{"server", FieldType::kString, DefaultKind::kText, ""},
    FieldSpec{"server_id", FieldType::kString, DefaultKind::kIdBeforeColon},
    FieldSpec{"version", FieldType::kString, DefaultKind::kText, "unknown"},
    FieldSpec{"status", FieldType::kString, DefaultKind::kText, "unknown"},
    FieldSpec{"cluster", FieldType::kString, DefaultKind::kText, ""},
    FieldSpec{"files", FieldType::kArray, DefaultKind::kEmptyArray},
    FieldSpec{"installed_at", FieldType::kString, DefaultKind::kText, ""},
    FieldSpec{"updated_at", FieldType::kString, DefaultKind::kField, "installed_at"},
    FieldSpec{"metadata", FieldType::kObject, DefaultKind::kOmit},
};

constexpr std::array kClusterFields{
    FieldSpec{"id", FieldType::kString, DefaultKind::kRecordId},
    FieldSpec{"name", FieldType::kString, DefaultKind::kRecordId},
    FieldSpec{"description", FieldType::kString, DefaultKind::kText, ""},
    FieldSpec{"status", FieldType::kString, DefaultKind::kText, "unknown"},
    FieldSpec{"error", FieldType::kString, DefaultKind::kText, ""},
    FieldSpec{"servers", FieldType::kArray, DefaultKind::kEmptyArray},
    FieldSpec{"definition", FieldType::kString, DefaultKind::kText, ""},
    FieldSpec{"created_at", FieldType::kString, DefaultKind::kText, ""},
    FieldSpec{"updated_at", FieldType::kString, DefaultKind::kField, "created_at"},
    FieldSpec{"metadata", FieldType::kObject, DefaultKind::kOmit},
};

std::span<const FieldSpec> fields_of(std::string_view collection) {
  if (collection == "servers") return kServerFields;
  if (collection == "taskservs") return kTaskservFields;
  if (collection == "clusters") return kClusterFields;
  return {};
}

const FieldSpec* find_field(std::span<const FieldSpec> fields, std::string_view name) {
  auto found = std::find_if(fields.begin(), fields.end(),
                            [&](const FieldSpec& spec) { return spec.name == name; });
  return found == fields.end() ? nullptr : &*found;
}

bool has_type(const json::value& value, FieldType type) {
  switch (type) {
    case FieldType::kString:
      return value.is_string();
    case FieldType::kArray:
      return value.is_array();
    case FieldType::kObject:
      return value.is_object();
  }
  return false;
}

std::string_view id_part(std::string_view id, bool after_colon) {
  auto colon = id.find(':');
  if (colon == std::string_view::npos) return id;
  return after_colon ? id.substr(colon + 1) : id.substr(0, colon);
}

std::optional<json::value> default_value(const FieldSpec& spec, std::string_view id,
                                         const json::object& normalized) {
  switch (spec.default_kind) {
    case DefaultKind::kText:
      return json::value(json::string(spec.text));
    case DefaultKind::kRecordId:
      return json::value(json::string(id));
    case DefaultKind::kIdAfterColon:
      return json::value(json::string(id_part(id, true)));
    case DefaultKind::kIdBeforeColon:
      return json::value(json::string(id_part(id, false)));
    case DefaultKind::kField:
      if (const json::value* source = normalized.if_contains(spec.text)) return *source;
      return json::value(json::string());
    case DefaultKind::kEmptyArray:
      return json::value(json::array());
    case DefaultKind::kEmptyObject:
      return json::value(json::object());
    case DefaultKind::kOmit:
      return std::nullopt;
  }
  return std::nullopt;
}

// Adds `value` to the legacy fields under `name`. A name taken by an earlier legacy
// value with different content gets a numbered suffix, so neither value is lost.
void keep_legacy(json::object& legacy, std::string_view name, const json::value& value) {
  std::string key(name);
  for (int suffix = 2; legacy.contains(key) && legacy.at(key) != value; ++suffix) {
    key = std::string(name) + "_" + std::to_string(suffix);
  }
  legacy[key] = value;
}

// Takes a known field from `record` when it has the right type; otherwise the value
// goes to `legacy` and the field gets its default.
void copy_known_field(const FieldSpec& spec, std::string_view id, const json::object& record,
                      json::object& normalized, json::object& legacy) {
  const json::value* value = record.if_contains(spec.name);
  bool present = value != nullptr && !value->is_null();
  if (present && spec.name == "id" && (!value->is_string() || value->get_string() != id)) {
    keep_legacy(legacy, "id", *value);
    present = false;
  } else if (present && !has_type(*value, spec.type)) {
    keep_legacy(legacy, spec.name, *value);
    present = false;
  }
  if (present) {
    normalized[spec.name] = *value;
  } else if (auto fallback = default_value(spec, id, normalized)) {
    normalized[spec.name] = std::move(*fallback);
  }
}

// Moves the collected legacy fields into metadata.legacy, merging with what an earlier
// normalization stored there.
void store_legacy(json::object& normalized, json::object legacy) {
  if (legacy.empty()) return;
  json::value& metadata = normalized["metadata"];
  if (!metadata.is_object()) metadata = json::object();
  json::value& stored = metadata.as_object()[kLegacyMetadataKey];
  if (!stored.is_object()) {
    if (!stored.is_null()) keep_legacy(legacy, kLegacyMetadataKey, stored);
    stored = json::object();
  }
  for (const auto& [name, value] : legacy) keep_legacy(stored.as_object(), name, value);
}

// Converts a byte offset into "line:column", both counted from 1.
std::string line_and_column(std::string_view text, std::size_t offset) {
  offset = std::min(offset, text.size());
  std::size_t line = 1;
  std::size_t line_start = 0;
  for (std::size_t i = 0; i < offset; ++i) {
    if (text[i] == '\n') {
      ++line;
      line_start = i + 1;
    }
  }
  return std::to_string(line) + ":" + std::to_string(offset - line_start + 1);
}

}  // namespace

json::object normalize_legacy_record(std::string_view collection, std::string_view id,
                                     const json::object& record) {
  std::span<const FieldSpec> fields = fields_of(collection);
  if (fields.empty()) return record;

  json::object normalized;
  json::object legacy;
  for (const FieldSpec& spec : fields) copy_known_field(spec, id, record, normalized, legacy);
  for (const auto& [name, value] : record) {
    if (find_field(fields, name) == nullptr) keep_legacy(legacy, name, value);
  }
  store_legacy(normalized, std::move(legacy));
  return normalized;
}

json::object parse_legacy_text(const std::filesystem::path& file, std::string_view text) {
  json::parser parser;
  return parse_legacy_text(file, text, parser);
}

json::object parse_legacy_text(const std::filesystem::path& file, std::string_view text,
                               json::parser& parser) {
  parser.reset();
  boost::system::error_code error;
  std::size_t consumed = parser.write(text.data(), text.size(), error);
  if (error) {
    throw sdk::Error::invalid_argument("legacy record file " + file.string() + ":" +
                                       line_and_column(text, consumed) + " is not valid JSON (" +
                                       error.message() +
                                       "): fix the file, or rerun with --skip-invalid to move it "
                                       "to the quarantine directory");
  }
  json::value value = parser.release();
  if (!value.is_object()) {
    throw sdk::Error::invalid_argument(
        "legacy record file " + file.string() +
        ":1:1 does not contain a JSON object: fix the "
        "file, or rerun with --skip-invalid to move it to the quarantine directory");
  }
  return std::move(value.as_object());
}

json::object parse_legacy_file(const std::filesystem::path& file) {
  return parse_legacy_text(file, sdk::read_file(file));
}

}  // namespace provisioning::host::migration
