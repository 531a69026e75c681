#include "record_store.h"

#include <algorithm>
#include <optional>

#include "surrealql.h"

namespace provisioning::plugins::surrealdb {
namespace {

// Records read per request by for_each(), so that a large collection is never loaded
// whole.
constexpr int kPageSize = 500;

constexpr const char* kDefineSchema =
    "DEFINE TABLE IF NOT EXISTS records SCHEMALESS;"
    " DEFINE INDEX IF NOT EXISTS records_by_collection ON records FIELDS collection, key;"
    " DEFINE TABLE IF NOT EXISTS writer_lock SCHEMALESS;";

std::string collection_condition(std::string_view collection) {
  return "collection = " + string_literal(collection);
}

}  // namespace

std::string record_name(std::string_view collection, std::string_view id) {
  return std::string(collection) + "/" + std::string(id);
}

void RecordStore::define_schema() const {
  client_.execute(kDefineSchema, "defining the tables");
}

std::optional<json::object> RecordStore::get(std::string_view collection,
                                             std::string_view id) const {
  std::string sql = "SELECT VALUE json FROM ONLY " + record_reference(collection, id) + ";";
  auto results = client_.execute(sql, "reading record '" + record_name(collection, id) + "'");
  if (results.at(0).is_null()) return std::nullopt;
  return parse_record(results.at(0), collection, id);
}

// Pages through a collection by record id range. Ids are [collection, key] arrays, so a
// page is a range scan from the last key read. A WHERE clause with ORDER BY would scan
// and sort the whole collection for every page. The range includes its start key, so
// each later page reads one more row and skips it.
void RecordStore::for_each(std::string_view collection, const sdk::RecordVisitor& visit) const {
  const std::string name = string_literal(collection);
  std::string start = "NONE";
  std::optional<std::string> after;
  while (true) {
    std::size_t limit = kPageSize + (after ? 1 : 0);
    std::string sql = "SELECT key, json FROM records:[" + name + ", " + start + "]..[" + name +
                      ", ..] LIMIT " + std::to_string(limit) + ";";
    auto results = client_.execute(sql, "reading collection '" + std::string(collection) + "'");
    std::vector<StoredRecord> page = read_rows(results.at(0), collection);
    std::size_t first = after && !page.empty() && page.front().id == *after ? 1 : 0;
    for (std::size_t i = first; i < page.size(); ++i) {
      if (!visit(page[i].id, page[i].record)) return;
    }
    if (page.size() < limit) return;
    after = page.back().id;
    start = string_literal(*after);
  }
}

std::vector<StoredRecord> RecordStore::find(std::string_view collection, std::string_view field,
                                            std::string_view value) const {
  std::string member = "data[" + string_literal(field) + "]";
  std::string sql = "SELECT key, json FROM records WHERE " + collection_condition(collection) +
                    " AND type::is_string(" + member + ") AND " + member + " = " +
                    string_literal(value) + " ORDER BY key;";
  auto results = client_.execute(sql, "searching collection '" + std::string(collection) + "'");
  return read_rows(results.at(0), collection);
}

std::size_t RecordStore::count(std::string_view collection) const {
  std::string sql = "SELECT count() AS total FROM records WHERE " +
                    collection_condition(collection) + " GROUP ALL;";
  auto results = client_.execute(sql, "counting collection '" + std::string(collection) + "'");
  const json::array& rows = results.at(0).as_array();
  if (rows.empty()) return 0;
  return rows.at(0).as_object().at("total").to_number<std::size_t>();
}

std::vector<std::string> RecordStore::collections() const {
  auto results =
      client_.execute("SELECT collection FROM records GROUP BY collection;", "listing collections");
  std::vector<std::string> names;
  for (const auto& row : results.at(0).as_array()) {
    names.emplace_back(row.as_object().at("collection").as_string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::string RecordStore::put_statement(std::string_view collection, std::string_view id,
                                       const json::object& record) {
  return "UPSERT " + record_reference(collection, id) +
         " CONTENT {collection: " + string_literal(collection) + ", key: " + string_literal(id) +
         ", data: " + value_literal(record) + ", json: " + string_literal(json::serialize(record)) +
         "} RETURN NONE;";
}

std::string RecordStore::remove_statement(std::string_view collection, std::string_view id) {
  return "DELETE " + record_reference(collection, id) + " RETURN BEFORE;";
}

std::vector<StoredRecord> RecordStore::read_rows(const json::value& rows,
                                                 std::string_view collection) const {
  std::vector<StoredRecord> records;
  for (const auto& row : rows.as_array()) {
    const json::object& fields = row.as_object();
    std::string id(fields.at("key").as_string());
    json::object record = parse_record(fields.at("json"), collection, id);
    records.push_back({std::move(id), std::move(record)});
  }
  return records;
}

json::object RecordStore::parse_record(const json::value& text, std::string_view collection,
                                       std::string_view id) const {
  const std::string problem_prefix =
      "record '" + record_name(collection, id) + "' in SurrealDB at " + client_.location();
  if (!text.is_string()) {
    throw sdk::Error::internal(problem_prefix +
                               " has no JSON text in its field `json`; it was not written by "
                               "this backend: remove it, or restore the database from a backup");
  }
  boost::system::error_code error;
  json::value value = json::parse(text.get_string(), error);
  if (error || !value.is_object()) {
    throw sdk::Error::internal(problem_prefix + " holds text that is not a JSON object (" +
                               (error ? error.message() : std::string("not an object")) +
                               "): restore it from a backup, or remove it");
  }
  return std::move(value.as_object());
}

}  // namespace provisioning::plugins::surrealdb
