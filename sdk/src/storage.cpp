#include "provisioning/sdk/storage.h"

#include "provisioning/sdk/error.h"

namespace provisioning::sdk {
namespace {

bool is_collection_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

bool is_id_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == ':' || c == '-';
}

template <typename Predicate>
bool all_of(std::string_view text, Predicate predicate) {
  for (char c : text) {
    if (!predicate(c)) return false;
  }
  return true;
}

}  // namespace

void validate_record_key(std::string_view collection, std::string_view id) {
  if (collection.empty() || collection.size() > 64 || !all_of(collection, is_collection_char)) {
    throw Error::invalid_argument("invalid collection name '" + std::string(collection) +
                                  "': use 1 to 64 characters of [a-z0-9_]");
  }
  bool dots_only = id.find_first_not_of('.') == std::string_view::npos;
  if (id.empty() || id.size() > 200 || dots_only || !all_of(id, is_id_char)) {
    throw Error::invalid_argument("invalid record id '" + std::string(id) + "' in collection '" +
                                  std::string(collection) +
                                  "': use 1 to 200 characters of [A-Za-z0-9._:-], not only dots");
  }
}

StorageView::~StorageView() = default;
StorageBackend::~StorageBackend() = default;
ChangeStamps::~ChangeStamps() = default;
MemoryRelease::~MemoryRelease() = default;
RecordText::~RecordText() = default;

std::vector<json::object> StorageView::find(std::string_view collection, std::string_view field,
                                            std::string_view value) {
  std::vector<json::object> matches;
  for_each(collection, [&](const std::string&, const json::object& record) {
    const json::value* found = record.if_contains(field);
    if (found != nullptr && found->is_string() && found->get_string() == value) {
      matches.push_back(record);
    }
    return true;
  });
  return matches;
}

std::size_t StorageView::count(std::string_view collection) {
  std::size_t total = 0;
  for_each(collection, [&](const std::string&, const json::object&) {
    ++total;
    return true;
  });
  return total;
}

}  // namespace provisioning::sdk
