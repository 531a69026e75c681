// Tests that docs/openapi.json documents every route of every API version, and that the
// document is internally consistent.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "api_test_support.h"

namespace provisioning::testing {
namespace {

const std::set<std::string> kCorePaths = {"/health", "/api/versions", "/api/openapi.json"};
const std::vector<std::string> kMethods = {"get", "post", "put", "patch", "delete"};

json::object load_openapi() {
  std::ifstream in(PROVISIONING_OPENAPI_FILE);
  EXPECT_TRUE(in.good()) << "cannot read " << PROVISIONING_OPENAPI_FILE;
  std::ostringstream text;
  text << in.rdbuf();
  return json::parse(text.str()).as_object();
}

std::string lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

std::vector<std::string> string_list(const json::value* value) {
  std::vector<std::string> strings;
  if (value == nullptr || !value->is_array()) return strings;
  for (const json::value& item : value->as_array()) {
    if (item.is_string()) strings.emplace_back(item.as_string());
  }
  return strings;
}

// Returns the value at a local reference such as "#/components/schemas/Error", or null.
const json::value* resolve(const json::value& root, const std::string& reference) {
  if (reference.rfind("#/", 0) != 0) return nullptr;
  const json::value* current = &root;
  std::istringstream parts(reference.substr(2));
  std::string part;
  while (std::getline(parts, part, '/')) {
    if (!current->is_object()) return nullptr;
    current = current->as_object().if_contains(part);
    if (current == nullptr) return nullptr;
  }
  return current;
}

void collect_references(const json::value& value, std::vector<std::string>& references) {
  if (value.is_array()) {
    for (const json::value& item : value.as_array()) collect_references(item, references);
  }
  if (!value.is_object()) return;
  for (const auto& member : value.as_object()) {
    if (member.key() == "$ref" && member.value().is_string()) {
      references.emplace_back(member.value().as_string());
    } else {
      collect_references(member.value(), references);
    }
  }
}

// Returns the parameters of an operation with references resolved.
std::vector<json::object> parameters_of(const json::value& root, const json::object& operation) {
  std::vector<json::object> parameters;
  const json::value* list = operation.if_contains("parameters");
  if (list == nullptr) return parameters;
  for (const json::value& item : list->as_array()) {
    const json::value* parameter = &item;
    if (item.as_object().contains("$ref")) {
      parameter = resolve(root, std::string(item.at("$ref").as_string()));
    }
    if (parameter != nullptr && parameter->is_object())
      parameters.push_back(parameter->as_object());
  }
  return parameters;
}

class OpenApiTest : public ::testing::Test {
 protected:
  json::object document_ = load_openapi();
  json::value root_ = document_;
  std::vector<ApiHandle> handles_ = {load_api("v1"), load_api("v2"), load_api("v3")};
};

TEST_F(OpenApiTest, DocumentHeader) {
  EXPECT_EQ(document_.at("openapi"), json::value("3.0.3"));
  EXPECT_TRUE(document_.at("info").as_object().contains("title"));
  EXPECT_TRUE(document_.at("info").as_object().contains("version"));
  const json::object& header =
      document_.at("components").at("parameters").at("ApiVersion").as_object();
  EXPECT_EQ(header.at("in"), json::value("header"));
  EXPECT_EQ(header.at("name"), json::value("API-Version"));
  EXPECT_EQ(header.at("schema").at("enum"), (json::value(json::array{"v1", "v2", "v3"})));
  EXPECT_EQ(header.at("schema").at("default"), json::value("v1"));
  const json::object& error = document_.at("components").at("schemas").at("Error").as_object();
  EXPECT_EQ(string_list(error.if_contains("required")),
            (std::vector<std::string>{"error", "api_version", "correlation_id"}));
}

TEST_F(OpenApiTest, EveryRouteIsDocumentedForItsVersion) {
  const json::object& paths = document_.at("paths").as_object();
  for (const ApiHandle& handle : handles_) {
    const sdk::ApiVersion& api = api_of(handle);
    for (const sdk::Route& route : api.routes()) {
      SCOPED_TRACE(api.id() + " " + route.method + " " + route.path);
      const json::value* path = paths.if_contains(route.path);
      ASSERT_NE(path, nullptr);
      const json::value* operation = path->as_object().if_contains(lower(route.method));
      ASSERT_NE(operation, nullptr);
      std::vector<std::string> versions =
          string_list(operation->as_object().if_contains("x-api-versions"));
      EXPECT_THAT(versions, ::testing::Contains(api.id()));
    }
  }
}

TEST_F(OpenApiTest, DocumentedRoutesExist) {
  for (const auto& [path, item] : document_.at("paths").as_object()) {
    if (kCorePaths.count(std::string(path)) != 0) continue;
    for (const std::string& method : kMethods) {
      const json::value* operation = item.as_object().if_contains(method);
      if (operation == nullptr) continue;
      SCOPED_TRACE(method + " " + std::string(path));
      std::vector<std::string> versions =
          string_list(operation->as_object().if_contains("x-api-versions"));
      EXPECT_FALSE(versions.empty());
      for (const ApiHandle& handle : handles_) {
        const sdk::ApiVersion& api = api_of(handle);
        std::vector<sdk::Route> routes = api.routes();
        bool served = std::any_of(routes.begin(), routes.end(), [&](const sdk::Route& route) {
          return lower(route.method) == method && route.path == path;
        });
        bool documented = std::find(versions.begin(), versions.end(), api.id()) != versions.end();
        EXPECT_EQ(served, documented) << api.id();
      }
    }
  }
}

TEST_F(OpenApiTest, OperationsDeclareHeaderAndPathParameters) {
  std::regex parameter_pattern(R"(\{([a-z_]+)\})");
  for (const auto& [path, item] : document_.at("paths").as_object()) {
    std::string path_text(path);
    std::set<std::string> expected;
    for (std::sregex_iterator it(path_text.begin(), path_text.end(), parameter_pattern), end;
         it != end; ++it) {
      expected.insert((*it)[1]);
    }
    for (const std::string& method : kMethods) {
      const json::value* operation = item.as_object().if_contains(method);
      if (operation == nullptr) continue;
      SCOPED_TRACE(method + " " + path_text);
      std::set<std::string> declared;
      bool has_version_header = false;
      for (const json::object& parameter : parameters_of(root_, operation->as_object())) {
        if (parameter.at("in") == json::value("path")) {
          declared.emplace(parameter.at("name").as_string());
          EXPECT_EQ(parameter.at("required"), json::value(true));
        }
        if (parameter.at("in") == json::value("header") &&
            parameter.at("name") == json::value("API-Version")) {
          has_version_header = true;
        }
      }
      EXPECT_EQ(declared, expected);
      EXPECT_TRUE(has_version_header);
    }
  }
}

TEST_F(OpenApiTest, ReferencesResolve) {
  std::vector<std::string> references;
  collect_references(root_, references);
  EXPECT_FALSE(references.empty());
  for (const std::string& reference : references) {
    EXPECT_NE(resolve(root_, reference), nullptr) << reference;
  }
}

}  // namespace
}  // namespace provisioning::testing
