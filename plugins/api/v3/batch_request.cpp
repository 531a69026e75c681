#include "batch_request.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

#include "common/request_body.h"
#include "common/suggest.h"

namespace provisioning::plugins::api {

namespace {

constexpr std::size_t kMaxOperations = 1000;
constexpr std::size_t kMaxOperationIdLength = 64;

const std::vector<FieldSpec> kBatchSubmitFields = {
    {"operations", ApiLevel::kV3},
    {"batch_options", ApiLevel::kV3},
};

const std::vector<FieldSpec> kOperationFields = {
    {"id", ApiLevel::kV3},
    {"type", ApiLevel::kV3},
    {"params", ApiLevel::kV3},
    {"depends_on", ApiLevel::kV3},
};

const std::vector<std::string> kOperationTypes = {"server_create",    "server_delete",
                                                  "taskserv_install", "taskserv_remove",
                                                  "cluster_create",   "config"};

bool is_operation_id(std::string_view id) {
  return !id.empty() && id.size() <= kMaxOperationIdLength &&
         std::all_of(id.begin(), id.end(), [](char c) {
           return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
         });
}

std::string read_operation_id(ObjectReader& reader) {
  std::string id = reader.required_string("id");
  if (!id.empty() && !is_operation_id(id)) {
    reader.add_issue("id", "must be 1 to " + std::to_string(kMaxOperationIdLength) +
                               " letters, digits, '.', '_' or '-', got " + quote_value(id));
    return {};
  }
  return id;
}

std::string read_operation_type(ObjectReader& reader) {
  if (!reader.has("type")) {
    reader.add_issue(
        "type", "is missing: it is required and must be one of " + join_names(kOperationTypes));
    return {};
  }
  return reader.optional_choice("type", kOperationTypes, "");
}

BatchOperation read_operation(ObjectReader& reader) {
  reader.reject_unknown_fields(kOperationFields, ApiLevel::kV3);
  BatchOperation operation;
  operation.id = read_operation_id(reader);
  operation.type = read_operation_type(reader);
  if (const json::object* params = reader.optional_object("params")) operation.params = *params;
  operation.depends_on = reader.optional_string_list("depends_on");
  return operation;
}

// Adds an issue for each depends_on entry that names no other operation of the batch.
void check_dependency_names(const json::array& items, const std::vector<BatchOperation>& operations,
                            std::vector<FieldIssue>& issues) {
  std::vector<std::string> ids;
  for (const BatchOperation& operation : operations) ids.push_back(operation.id);

  for (std::size_t i = 0; i < items.size(); ++i) {
    const json::value* depends_on =
        items[i].is_object() ? items[i].get_object().if_contains("depends_on") : nullptr;
    if (depends_on == nullptr || !depends_on->is_array()) continue;
    std::string path = element_path("$.operations", i) + ".depends_on";
    const json::array& names = depends_on->get_array();
    for (std::size_t j = 0; j < names.size(); ++j) {
      if (!names[j].is_string() || names[j].get_string().empty()) continue;
      std::string name(names[j].get_string());
      if (name == operations[i].id) {
        issues.push_back({element_path(path, j), "names the operation itself"});
      } else if (std::find(ids.begin(), ids.end(), name) == ids.end()) {
        issues.push_back({element_path(path, j), "names no operation of this batch, got " +
                                                     quote_value(name) +
                                                     "; ids in this batch: " + join_names(ids)});
      }
    }
  }
}

// Returns one dependency cycle as "a -> b -> a", or an empty string when there is none.
std::string find_cycle(const std::vector<BatchOperation>& operations) {
  std::map<std::string, const BatchOperation*> by_id;
  for (const BatchOperation& operation : operations) by_id[operation.id] = &operation;

  enum class Mark { kNew, kOnPath, kDone };
  std::map<std::string, Mark> marks;
  std::vector<std::string> path;
  std::string cycle;

  auto visit = [&](auto&& self, const std::string& id) -> bool {
    Mark& mark = marks[id];
    if (mark == Mark::kDone) return false;
    if (mark == Mark::kOnPath) {
      auto start = std::find(path.begin(), path.end(), id);
      for (auto it = start; it != path.end(); ++it) cycle += *it + " -> ";
      cycle += id;
      return true;
    }
    mark = Mark::kOnPath;
    path.push_back(id);
    auto found = by_id.find(id);
    if (found != by_id.end()) {
      for (const std::string& next : found->second->depends_on) {
        if (self(self, next)) return true;
      }
    }
    path.pop_back();
    marks[id] = Mark::kDone;
    return false;
  };
  for (const BatchOperation& operation : operations) {
    if (visit(visit, operation.id)) return cycle;
  }
  return {};
}

// Returns the "operations" array when it has 1 to kMaxOperations elements, else null after
// adding an issue.
const json::array* operations_array(ObjectReader& body) {
  std::string expected = "an array of 1 to " + std::to_string(kMaxOperations) + " operations";
  const json::value* value = body.object().if_contains("operations");
  if (value == nullptr) {
    body.add_issue("operations", "is missing: it is required and must be " + expected);
    return nullptr;
  }
  if (!value->is_array()) {
    body.add_issue("operations", "must be " + expected + ", got " + describe_type(*value));
    return nullptr;
  }
  std::size_t size = value->get_array().size();
  if (size == 0 || size > kMaxOperations) {
    body.add_issue("operations",
                   "must be " + expected + ", got " + std::to_string(size) + " operations");
    return nullptr;
  }
  return &value->get_array();
}

std::vector<BatchOperation> read_operations(ObjectReader& body, std::vector<FieldIssue>& issues) {
  const json::array* array = operations_array(body);
  if (array == nullptr) return {};

  const json::array& items = *array;
  std::vector<BatchOperation> operations;
  std::set<std::string> seen;
  for (std::size_t i = 0; i < items.size(); ++i) {
    std::string path = element_path("$.operations", i);
    if (!items[i].is_object()) {
      issues.push_back({path, "must be an object, got " + describe_type(items[i])});
      operations.emplace_back();
      continue;
    }
    ObjectReader reader(items[i].get_object(), path, issues);
    operations.push_back(read_operation(reader));
    const std::string& id = operations.back().id;
    if (!id.empty() && !seen.insert(id).second) {
      reader.add_issue("id", "repeats the id " + quote_value(id) + ": give each operation its own");
    }
  }
  check_dependency_names(items, operations, issues);
  return operations;
}

}  // namespace

json::object BatchOperation::to_json() const {
  return {{"id", id},
          {"type", type},
          {"params", params},
          {"depends_on", json::array(depends_on.begin(), depends_on.end())}};
}

BatchSubmitRequest parse_batch_submit(std::string_view body, ApiLevel level) {
  json::object object = parse_object_body(body);
  std::vector<FieldIssue> issues;
  ObjectReader reader(object, "$", issues);
  reader.reject_unknown_fields(kBatchSubmitFields, level);

  BatchSubmitRequest request;
  request.operations = read_operations(reader, issues);
  request.batch_options = read_batch_options(reader, level);
  if (issues.empty()) {
    std::string cycle = find_cycle(request.operations);
    if (!cycle.empty()) issues.push_back({"$.operations", "has a dependency cycle: " + cycle});
  }

  if (!issues.empty()) throw ApiError::invalid_request(std::move(issues));
  return request;
}

}  // namespace provisioning::plugins::api
