#pragma once
// The layout of the records in SurrealDB and the queries that read them.
//
// Every record is one row of the table `records` with the record id
// records:[collection, id] and the fields `collection`, `key` (the id), `data` (the
// record as a SurrealDB object, for queries) and `json` (the record's JSON text). Reads
// return `json`, so a record comes back exactly as it was written even where SurrealDB's
// types differ from JSON's, such as 2.0 against 2 or the order of object keys.

#include <provisioning/sdk/json.h>
#include <provisioning/sdk/storage.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "surreal_client.h"

namespace provisioning::plugins::surrealdb {

struct StoredRecord {
  std::string id;
  json::object record;
};

class RecordStore {
 public:
  explicit RecordStore(const SurrealClient& client) : client_(client) {}

  // Defines the tables and the index when they are missing.
  void define_schema() const;

  std::optional<json::object> get(std::string_view collection, std::string_view id) const;

  // Visits the records of `collection` in ascending id order, reading them in pages.
  void for_each(std::string_view collection, const sdk::RecordVisitor& visit) const;

  // The records whose top-level `field` is the string `value`, in ascending id order.
  std::vector<StoredRecord> find(std::string_view collection, std::string_view field,
                                 std::string_view value) const;

  std::size_t count(std::string_view collection) const;
  std::vector<std::string> collections() const;

  // A statement that inserts or replaces the record.
  static std::string put_statement(std::string_view collection, std::string_view id,
                                   const json::object& record);
  // A statement that deletes the record and returns it, or an empty array when missing.
  static std::string remove_statement(std::string_view collection, std::string_view id);

 private:
  std::vector<StoredRecord> read_rows(const json::value& rows, std::string_view collection) const;
  json::object parse_record(const json::value& text, std::string_view collection,
                            std::string_view id) const;

  const SurrealClient& client_;
};

std::string record_name(std::string_view collection, std::string_view id);

}  // namespace provisioning::plugins::surrealdb
