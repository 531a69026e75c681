#include "surreal_client.h"

#include <httplib.h>

namespace provisioning::plugins::surrealdb {
namespace {

constexpr std::size_t kMaxQuotedBody = 300;

std::string excerpt(const std::string& text) {
  if (text.size() <= kMaxQuotedBody) return text;
  return text.substr(0, kMaxQuotedBody) + "...";
}

bool contains(const std::string& text, const char* part) {
  return text.find(part) != std::string::npos;
}

// The "information" or "description" of the server's error object, else the body.
std::string server_error_text(const std::string& body) {
  boost::system::error_code error;
  json::value parsed = json::parse(body, error);
  if (!error && parsed.is_object()) {
    for (const char* key : {"information", "description", "details"}) {
      const json::value* text = parsed.get_object().if_contains(key);
      if (text != nullptr && text->is_string()) return std::string(text->get_string());
    }
  }
  return excerpt(body);
}

// With HTTP Basic authentication, SurrealDB 3 takes the user's level from the headers
// Surreal-Auth-NS and Surreal-Auth-DB (surrealdb-server 3.0, src/ntw/auth.rs). Surreal-NS
// and Surreal-DB only select where the queries run. No header signs in a root user,
// Surreal-Auth-NS a namespace user, and both a database user.
void add_auth_level_headers(const Settings& settings, httplib::Headers& headers) {
  if (settings.auth_level == AuthLevel::kRoot) return;
  headers.emplace("Surreal-Auth-NS", settings.namespace_name);
  if (settings.auth_level == AuthLevel::kDatabase) {
    headers.emplace("Surreal-Auth-DB", settings.database);
  }
}

}  // namespace

SurrealClient::SurrealClient(Settings settings) : settings_(std::move(settings)) {}

std::string SurrealClient::location() const {
  return settings_.url + " (namespace " + settings_.namespace_name + ", database " +
         settings_.database + ")";
}

std::vector<json::value> SurrealClient::execute(const std::string& sql,
                                                const std::string& action) const {
  std::string body = post(sql, action);
  boost::system::error_code error;
  json::value parsed = json::parse(body, error);
  if (error || !parsed.is_array()) {
    throw sdk::Error::unavailable(action + " failed: " + settings_.url +
                                  "/sql returned a response that is not SurrealDB's (" +
                                  excerpt(body) +
                                  "); check that storage.surrealdb.url names a SurrealDB server");
  }
  std::vector<json::value> results;
  std::string failure;
  bool failure_is_consequence = false;
  for (const json::value& item : parsed.get_array()) {
    const json::object* statement = item.if_object();
    const json::value* status = statement ? statement->if_contains("status") : nullptr;
    const json::value* result = statement ? statement->if_contains("result") : nullptr;
    if (status == nullptr || result == nullptr) {
      throw sdk::Error::unavailable(action + " failed: " + settings_.url +
                                    "/sql returned a statement result without status and "
                                    "result (" +
                                    excerpt(json::serialize(item)) +
                                    "); check that storage.surrealdb.url names a SurrealDB server");
    }
    if (*status != "OK") {
      std::string text =
          result->is_string() ? std::string(result->get_string()) : json::serialize(*result);
      // In a failed transaction every other statement reports that it was not executed,
      // so the statement that caused the failure is the one worth reporting.
      bool consequence = contains(text, "was not executed due to a");
      if (failure.empty() || (failure_is_consequence && !consequence)) {
        failure = text;
        failure_is_consequence = consequence;
      }
    }
    results.push_back(*result);
  }
  if (!failure.empty()) throw_statement_error(failure, action);
  return results;
}

std::string SurrealClient::post(const std::string& sql, const std::string& action) const {
  httplib::Client client(settings_.url);
  auto seconds = std::chrono::duration_cast<std::chrono::seconds>(settings_.timeout);
  auto microseconds =
      std::chrono::duration_cast<std::chrono::microseconds>(settings_.timeout - seconds);
  client.set_connection_timeout(seconds.count(), microseconds.count());
  client.set_read_timeout(seconds.count(), microseconds.count());
  client.set_write_timeout(seconds.count(), microseconds.count());
  if (!settings_.username.empty()) client.set_basic_auth(settings_.username, settings_.password);
  httplib::Headers headers = {{"Surreal-NS", settings_.namespace_name},
                              {"Surreal-DB", settings_.database},
                              {"Accept", "application/json"}};
  add_auth_level_headers(settings_, headers);
  auto response = client.Post("/sql", headers, sql, "text/plain; charset=utf-8");
  if (!response) {
    throw sdk::Error::unavailable(
        action + " failed: cannot reach SurrealDB at " + settings_.url + " (" +
        httplib::to_string(response.error()) +
        "); start the server, or set storage.surrealdb.url to its address");
  }
  switch (response->status) {
    case 200:
      return response->body;
    case 401:
    case 403:
      throw sdk::Error::invalid_argument(
          action + " failed: SurrealDB at " + settings_.url + " rejected the credentials of " +
          auth_level_name(settings_.auth_level) + "-level user '" + settings_.username + "'" +
          auth_scope() + " (HTTP " + std::to_string(response->status) + ": " +
          server_error_text(response->body) +
          "); check storage.surrealdb.username, storage.surrealdb.auth_level and the password "
          "in storage.surrealdb.password or PROVISIONING_STORAGE_SURREALDB_PASSWORD");
    case 404:
      throw sdk::Error::unavailable(action + " failed: " + settings_.url +
                                    " has no /sql endpoint (HTTP 404); check that "
                                    "storage.surrealdb.url names a SurrealDB server");
    case 413:
      throw sdk::Error::unavailable(
          action + " failed: SurrealDB at " + settings_.url + " rejected a request of " +
          std::to_string(sql.size()) +
          " bytes as too large (HTTP 413); raise SURREAL_HTTP_MAX_SQL_BODY_SIZE on the server, or "
          "write fewer records per transaction");
    default:
      throw sdk::Error::unavailable(action + " failed: SurrealDB at " + settings_.url +
                                    " returned HTTP " + std::to_string(response->status) + ": " +
                                    server_error_text(response->body));
  }
}

std::string SurrealClient::auth_scope() const {
  switch (settings_.auth_level) {
    case AuthLevel::kNamespace:
      return " of namespace " + settings_.namespace_name;
    case AuthLevel::kDatabase:
      return " of database " + settings_.namespace_name + "/" + settings_.database;
    case AuthLevel::kRoot:
      break;
  }
  return "";
}

void SurrealClient::throw_statement_error(const std::string& text,
                                          const std::string& action) const {
  if (contains(text, kLockHeldMarker)) throw TransientError(text);
  if (contains(text, "can be retried") || contains(text, "Transaction conflict")) {
    throw TransientError(action + " failed on SurrealDB at " + location() + ": " + text);
  }
  if (contains(text, kLockLostMarker)) {
    throw sdk::Error::unavailable(
        action + " failed: the transaction's writer lock on SurrealDB at " + location() +
        " expired before the commit, so nothing was written; retry, or raise "
        "storage.surrealdb.lock_lease_ms");
  }
  bool missing = contains(text, "does not exist");
  if (missing && contains(text, "amespace")) {
    throw sdk::Error::invalid_argument(
        action + " failed: " + text + " on SurrealDB at " + settings_.url +
        "; create it with DEFINE NAMESPACE " + settings_.namespace_name +
        ", or set storage.surrealdb.namespace to an existing namespace");
  }
  if (missing && contains(text, "atabase")) {
    throw sdk::Error::invalid_argument(
        action + " failed: " + text + " on SurrealDB at " + settings_.url +
        "; create it with DEFINE DATABASE " + settings_.database +
        ", or set storage.surrealdb.database to an existing database");
  }
  if (contains(text, "permission") || contains(text, "Not enough permissions") ||
      contains(text, "IAM error")) {
    throw sdk::Error::invalid_argument(
        action + " failed: user '" + settings_.username + "' may not do this on SurrealDB at " +
        location() + " (" + text + "); grant it the EDITOR role or above on the database");
  }
  throw sdk::Error::unavailable(action + " failed on SurrealDB at " + location() + ": " + text);
}

}  // namespace provisioning::plugins::surrealdb
