#pragma once
// A real SurrealDB engine for tests: starts tests/surrealdb/adapter/server.mjs (the
// embedded engine of @surrealdb/node behind SurrealDB's HTTP /sql and /health API) as a
// child process on 127.0.0.1 with a free port, and stops it on destruction.
//
//   if (!SurrealServer::available()) GTEST_SKIP() << SurrealServer::unavailable_reason();
//   SurrealServer server;
//   settings: url = server.url(), namespace = server.namespace_name(), ...
//
// Link the CMake target `surreal_server_support` (defined in tests/surrealdb).

#include <sys/types.h>

#include <cstddef>
#include <filesystem>
#include <string>

namespace provisioning::testing {

struct SurrealServerOptions {
  std::string username = "root";
  std::string password = "surreal-test-secret";
  // Directory of a file-backed store (SurrealKV), kept after the server stops so a
  // later server can reopen it; empty keeps the data in memory.
  std::filesystem::path data_directory;
  // Maximum body of a /sql request in bytes (SURREAL_HTTP_MAX_SQL_BODY_SIZE); 0 keeps
  // the server's default of 1 MiB.
  std::size_t max_sql_body_bytes = 0;
};

class SurrealServer {
 public:
  // Starts the adapter and waits until GET /health returns 200. Throws
  // std::runtime_error with the adapter's standard error when it does not start.
  explicit SurrealServer(SurrealServerOptions options = {});
  ~SurrealServer();
  SurrealServer(const SurrealServer&) = delete;
  SurrealServer& operator=(const SurrealServer&) = delete;

  // Whether the adapter's npm packages are installed (scripts/install-test-node-deps.sh)
  // and node is on PATH.
  static bool available();
  // Why available() is false, with the command that fixes it.
  static std::string unavailable_reason();

  // Base URL without a trailing slash, such as "http://127.0.0.1:41234".
  const std::string& url() const { return url_; }
  int port() const { return port_; }
  // Namespace and database the tests use; the engine creates them on first use.
  const std::string& namespace_name() const { return namespace_; }
  const std::string& database() const { return database_; }
  const std::string& username() const { return options_.username; }
  const std::string& password() const { return options_.password; }

  // Stops the adapter and its process group (SIGTERM, then SIGKILL after 5 s). Safe to
  // call more than once; the destructor calls it.
  void stop();

 private:
  void spawn();
  void wait_for_port_line();
  void wait_for_health();
  std::string diagnostics() const;

  SurrealServerOptions options_;
  std::filesystem::path scratch_;  // standard output and error of the adapter
  pid_t pid_ = -1;
  int port_ = 0;
  std::string url_;
  std::string namespace_ = "provisioning";
  std::string database_ = "test";
};

}  // namespace provisioning::testing
