#include "orchestrator/orchestrator.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <httplib.h>
#include <malloc.h>
#include <provisioning/sdk/error.h>
#include <provisioning/sdk/files.h>
#include <provisioning/sdk/time_and_ids.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>

#include "logging.h"
#include "migration/legacy_fallback.h"
#include "observability/metrics_hooks.h"
#include "observability/metrics_orchestrator.h"
#include "observability/status_page.h"
#include "orchestrator/connection_threads.h"

namespace provisioning::host {
namespace {

// Frees the storage backend's caches when it offers that (sdk::MemoryRelease), then
// returns freed heap memory to the operating system.
IdleTrimmer::TrimFunction idle_trim_function(PluginHandle<sdk::StorageBackend> storage) {
  sdk::MemoryRelease* release = storage.call(
      "dynamic_cast", [](sdk::StorageBackend& s) { return dynamic_cast<sdk::MemoryRelease*>(&s); });
  return [storage, release] {
    if (release != nullptr) release->release_memory();
    ::malloc_trim(0);
  };
}

std::string string_or(const Config& config, std::string_view key, std::string fallback) {
  auto value = config.find(key);
  return value && value->value.is_string() ? std::string(value->value.get_string()) : fallback;
}

// Reads an integer key that must lie in [low, high].
std::int64_t int_in_range(const Config& config, std::string_view key, std::int64_t low,
                          std::int64_t high) {
  std::int64_t value = config.get_int(key);
  if (value < low || value > high) {
    auto found = config.find(key);
    throw sdk::Error::invalid_argument(
        "configuration key '" + std::string(key) + "' is " + std::to_string(value) + ", set by " +
        (found ? found->origin : std::string("default")) + "; use a number from " +
        std::to_string(low) + " to " + std::to_string(high));
  }
  return value;
}

// Converts the request. `repeated`, when given, receives the name of a query parameter
// that the request gives more than once, or stays empty.
HttpRequest to_request(const httplib::Request& request, std::string* repeated = nullptr) {
  HttpRequest converted;
  converted.method = request.method;
  converted.path = request.path;
  converted.body = request.body;
  // httplib also adds the fields of a form-encoded body to `params`, and `curl -d` sends
  // JSON as application/x-www-form-urlencoded. Bodies are JSON whatever their
  // Content-Type, so the query is read from the request target alone.
  httplib::Params query;
  if (auto mark = request.target.find('?'); mark != std::string::npos) {
    httplib::detail::parse_query_text(request.target.substr(mark + 1), query);
  }
  for (const auto& [name, value] : query) {
    bool added = converted.query.insert_or_assign(name, value).second;
    if (!added && repeated != nullptr && repeated->empty()) *repeated = name;
  }
  for (const auto& [name, value] : request.headers) {
    std::string lower = name;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    converted.headers[lower] = value;
  }
  return converted;
}

// Moves the body into httplib's response: a GET /servers body of a few hundred KB is then
// copied once per request, from the response cache, rather than twice.
void write_response(HttpResponse&& response, httplib::Response& out) {
  out.status = response.status;
  for (const auto& [name, value] : response.headers) out.set_header(name, value);
  out.body = std::move(response.body);
  out.headers.erase("Content-Type");  // as set_content() does: one Content-Type header
  out.set_header("Content-Type", response.content_type);
}

json::object options_of(const json::object& request) {
  const json::value* options = request.if_contains("options");
  return options != nullptr && options->is_object() ? options->get_object() : json::object{};
}

WorkflowOptions workflow_options(const json::object& request) {
  json::object options = options_of(request);
  WorkflowOptions parsed;
  if (auto* v = options.if_contains("wait_for_completion"); v && v->is_bool()) {
    parsed.wait_for_completion = v->get_bool();
  }
  if (auto* v = options.if_contains("timeout_seconds"); v && v->is_int64()) {
    parsed.timeout_seconds = static_cast<int>(v->get_int64());
  }
  if (auto* v = options.if_contains("retry_count"); v && v->is_int64()) {
    parsed.retry_count = static_cast<int>(v->get_int64());
  }
  return parsed;
}

std::size_t size_field(const json::object& request, std::string_view key, std::size_t fallback) {
  const json::value* value = request.if_contains(key);
  return value != nullptr && value->is_int64() && value->get_int64() >= 0
             ? static_cast<std::size_t>(value->get_int64())
             : fallback;
}

json::object page(std::string_view key, std::pair<std::vector<json::object>, std::size_t> result) {
  json::array items;
  for (auto& item : result.first) items.push_back(std::move(item));
  return json::object{{key, std::move(items)}, {"total", result.second}};
}

}  // namespace

bool is_loopback_address(const std::string& host) {
  if (host == "localhost" || host == "::1") return true;
  in_addr address{};
  if (inet_pton(AF_INET, host.c_str(), &address) != 1) return false;
  return (ntohl(address.s_addr) >> 24) == 127;
}

OrchestratorOptions orchestrator_options(const Config& config, const HostPaths& paths) {
  OrchestratorOptions options;
  options.host = config.get_string("orchestrator.host");
  options.port = static_cast<int>(config.get_int("orchestrator.port"));
  options.max_body_bytes = static_cast<std::size_t>(config.get_int("orchestrator.max_body_bytes"));
  options.max_connections =
      static_cast<std::size_t>(int_in_range(config, "orchestrator.max_connections", 1, 4096));
  options.engine.max_parallel_tasks =
      static_cast<int>(config.get_int("orchestrator.max_parallel_tasks"));
  options.auth_token = string_or(config, "orchestrator.auth_token", "");
  options.router.auth_token = options.auth_token;
  options.router.default_version = string_or(config, "api.default_version", "v1");
  if (auto deprecated = config.find("api.deprecated"); deprecated && deprecated->value.is_array()) {
    for (const auto& item : deprecated->value.get_array()) {
      if (!item.is_string()) continue;
      std::string id(item.get_string());
      options.router.deprecated[id] = string_or(config, "api.sunset." + id, "");
    }
  }
  options.router.openapi_file = (paths.core_config.parent_path() / "openapi.json").string();
  options.metrics = config.get_bool("observability.metrics");
  if (!is_loopback_address(options.host) && options.auth_token.empty()) {
    throw sdk::Error::invalid_argument(
        "orchestrator.host is '" + options.host +
        "', which is not a loopback address, and orchestrator.auth_token is not set; set a "
        "token (in config.toml or PROVISIONING_ORCHESTRATOR_AUTH_TOKEN) or bind 127.0.0.1");
  }
  return options;
}

std::filesystem::path orchestrator_state_file(const Workspace& workspace) {
  return workspace.state_dir() / "orchestrator.json";
}

Orchestrator::Orchestrator(Host& host, OrchestratorOptions options)
    : host_(host), options_(std::move(options)), operations_(host) {}

Orchestrator::~Orchestrator() {
  stop();
}

void Orchestrator::claim_workspace() {
  std::filesystem::path lock_file = host_.workspace().state_dir() / "orchestrator.lock";
  std::filesystem::create_directories(lock_file.parent_path());
  lock_fd_ = ::open(lock_file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (lock_fd_ < 0 || ::flock(lock_fd_, LOCK_EX | LOCK_NB) != 0) {
    std::string owner = "another process";
    try {
      auto state = json::parse(sdk::read_file(orchestrator_state_file(host_.workspace())));
      owner = "pid " + json::serialize(state.at("pid")) + " on port " +
              json::serialize(state.at("port"));
    } catch (const std::exception&) {
      // The state file is informational; the lock is what counts.
    }
    if (lock_fd_ >= 0) ::close(lock_fd_);
    lock_fd_ = -1;
    throw sdk::Error::conflict("an orchestrator (" + owner + ") already serves workspace '" +
                               host_.workspace().root().string() +
                               "'; stop it with 'provisioning orchestrator stop'");
  }
}

void Orchestrator::release_workspace() {
  if (lock_fd_ < 0) return;
  std::error_code ignored;  // a missing state file is already what we want
  std::filesystem::remove(orchestrator_state_file(host_.workspace()), ignored);
  ::close(lock_fd_);
  lock_fd_ = -1;
}

int Orchestrator::start() {
  claim_workspace();
  auto storage = host_.storage();
  committer_ = std::make_unique<Committer>(storage);
  // Server records then share the group commits of the workflow records.
  operations_.servers().set_write_transaction(
      [committer = committer_.get()](const std::function<void(sdk::StorageView&)>& body) {
        committer->apply(body);
      });
  operations_.servers().set_async_write_transaction(
      [committer = committer_.get()](const std::function<void(sdk::StorageView&)>& body) {
        return committer->apply_async(body);
      });
  operations_.set_committer(committer_.get());
  engine_ = std::make_unique<WorkflowEngine>(
      *committer_, storage,
      [this](const std::string& type, const json::object& params, TaskContext& context) {
        return operations_.run(type, params, context);
      },
      options_.engine);
  batches_ = std::make_unique<BatchEngine>(*engine_, *committer_, storage, host_.config());
  options_.router.detailed_health = [this] {
    return observability::detailed_health_response(host_, port_, engine_->queue_depth());
  };
  router_ = std::make_unique<ApiRouter>(host_, *this, options_.router);
  enable_response_cache(storage);
  observability::set_metrics_enabled(options_.metrics);
  if (options_.metrics) {
    metrics_ =
        std::make_unique<observability::OrchestratorMetrics>(*engine_, storage, host_.workspace());
  }
  // Checks twice a second, so memory returns within a second of going idle.
  trimmer_ =
      std::make_unique<IdleTrimmer>(idle_trim_function(storage), std::chrono::milliseconds(500));
  engine_->add_listener([this](const json::object&) { trimmer_->note_activity(); });
  engine_->start();
  batches_->start();

  server_ = std::make_unique<httplib::Server>();
  ConnectionThreads::Limits limits;
  limits.max_threads = options_.max_connections;
  limits.min_threads = std::min(limits.min_threads, limits.max_threads);
  server_->new_task_queue = [limits] { return new ConnectionThreads(limits); };
  server_->set_payload_max_length(options_.max_body_bytes);
  // httplib writes headers and body separately; without TCP_NODELAY the body of a small
  // response waits for the client's delayed acknowledgement (about 40 ms on Linux).
  server_->set_tcp_nodelay(true);
  server_->set_keep_alive_max_count(1000);
  // TODO: httplib's read timeout applies to each read, so a client that sends a byte of
  // its headers every few seconds keeps a connection thread. Put a proxy with a header
  // deadline in front of an orchestrator that untrusted clients can reach.
  // httplib's default socket options set SO_REUSEPORT, which lets a second orchestrator
  // bind a port in use and take part of its connections. Keep only SO_REUSEADDR.
  server_->set_socket_options([this](int listener) {
    int enable = 1;
    ::setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &enable, sizeof enable);
    listener_ = listener;  // the last socket tried is the one that binds
  });
  // One handler for every path and method: the router matches routes itself. (A
  // pre-routing handler would run before httplib reads the request body.)
  auto handler = [this](const httplib::Request& request, httplib::Response& out) {
    auto started = std::chrono::steady_clock::now();
    std::string repeated;
    HttpRequest converted = to_request(request, &repeated);
    HttpResponse response =
        repeated.empty()
            ? router_->handle(converted)
            : router_->reject(converted, 400, "invalid_argument",
                              "query parameter '" + repeated +
                                  "' is given more than once; send each parameter once");
    trimmer_->note_activity();
    observability::record_served_request(converted, response, started);
    write_response(std::move(response), out);
  };
  server_->Get(".*", handler);
  server_->Post(".*", handler);
  server_->Put(".*", handler);
  server_->Patch(".*", handler);
  server_->Delete(".*", handler);
  // A request with neither Content-Length nor Transfer-Encoding has no body (RFC 9112,
  // section 6.3), but httplib reads a POST, PUT or PATCH body until its 5 s read timeout
  // and then returns 400. Such requests, like `curl -X POST URL`, are served at once.
  server_->set_pre_routing_handler(
      [handler](const httplib::Request& request, httplib::Response& out) {
        bool reads_body =
            request.method == "POST" || request.method == "PUT" || request.method == "PATCH";
        if (!reads_body || request.has_header("Content-Length") ||
            request.has_header("Transfer-Encoding")) {
          return httplib::Server::HandlerResponse::Unhandled;
        }
        handler(request, out);
        return httplib::Server::HandlerResponse::Handled;
      });
  server_->set_error_handler([this](const httplib::Request& request, httplib::Response& out) {
    if (out.status != 413) return;
    std::string message = "request body is larger than orchestrator.max_body_bytes (" +
                          std::to_string(options_.max_body_bytes) + " bytes)";
    write_response(router_->reject(to_request(request), 413, "payload_too_large", message), out);
  });

  if (options_.port == 0) {
    port_ = server_->bind_to_any_port(options_.host);
  } else {
    port_ = server_->bind_to_port(options_.host, options_.port) ? options_.port : -1;
  }
  if (port_ <= 0) {
    tear_down();
    throw sdk::Error::unavailable("cannot listen on " + options_.host + ":" +
                                  std::to_string(options_.port) +
                                  ": the port is in use or the address is not local; choose "
                                  "another with --port or orchestrator.port");
  }
  widen_listen_backlog();
  json::object state{{"pid", ::getpid()},
                     {"host", options_.host},
                     {"port", port_},
                     {"started_at", sdk::utc_timestamp()}};
  sdk::write_file_atomically(orchestrator_state_file(host_.workspace()), json::serialize(state));
  component_logger("orchestrator")
      ->info("orchestrator listening on {}:{} with {} workers{}", options_.host, port_,
             options_.engine.max_parallel_tasks,
             options_.auth_token.empty() ? "" : ", bearer token required");
  return port_;
}

// httplib listens with a backlog of 5 connections. When a burst of clients connects
// while the accepting thread waits for a CPU, the kernel drops the connections beyond
// that. Calling listen() again on a listening socket sets a new backlog.
void Orchestrator::widen_listen_backlog() {
  if (listener_ >= 0 && ::listen(listener_, kListenBacklog) != 0) {
    component_logger("orchestrator")
        ->warn("cannot widen the listen backlog to {} connections: {}", kListenBacklog,
               std::strerror(errno));
  }
}

void Orchestrator::run() {
  {
    std::lock_guard lock(stop_mutex_);
    if (stop_requested_ || !server_) {
      tear_down();
      return;
    }
    running_ = true;
  }
  server_->listen_after_bind();  // returns after stop(), once in-flight requests are done
  std::lock_guard lock(stop_mutex_);
  running_ = false;
  tear_down();
}

void Orchestrator::stop() {
  std::unique_lock lock(stop_mutex_);  // a signal thread and the main thread may both stop
  stop_requested_ = true;
  if (!running_) {
    tear_down();
    return;
  }
  // run() tears down when the server returns. httplib ignores a stop() that comes
  // before its accept loop has started, so wait for the loop first.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (!server_->is_running() && running_ && std::chrono::steady_clock::now() < deadline) {
    lock.unlock();
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    lock.lock();
  }
  if (running_) server_->stop();
}

// Stops the engines and releases the workspace. Called with stop_mutex_ held, after the
// HTTP server has stopped, so no request handler uses the engines any more.
void Orchestrator::tear_down() {
  metrics_.reset();  // its collector reads the engine
  if (batches_) batches_->stop();
  if (engine_) engine_->stop();
  batches_.reset();
  engine_.reset();
  operations_.servers().set_write_transaction({});
  operations_.servers().set_async_write_transaction({});
  operations_.set_committer(nullptr);
  committer_.reset();
  trimmer_.reset();
  release_workspace();
}

// Caches GET responses when the storage backend has change stamps. Reads during dual
// operation also come from the legacy directory, which has none, so they are not cached.
void Orchestrator::enable_response_cache(PluginHandle<sdk::StorageBackend> storage) {
  StorageChangeStamps stamps(std::move(storage));
  auto log = component_logger("orchestrator");
  if (!stamps.available() || host_.records().has_legacy()) {
    log->info(
        "GET responses are not cached: storage '{}' has no change stamps or a legacy "
        "directory is read as well",
        host_.config().get_string("storage.backend"));
    return;
  }
  cache_ = std::make_shared<ResponseCache>(std::move(stamps));
  router_->set_response_cache(cache_);
}

// Tells the response cache what `operation` reads. server.list and server.get depend on
// the servers collection only; any other operation makes the response not reusable.
void Orchestrator::note_reads(const std::string& operation) {
  if (!cache_ || (operation != "server.list" && operation != "server.get")) {
    RequestReads::note_uncacheable();
    return;
  }
  try {
    RequestReads::note_read(std::string(sdk::kServers), cache_->stamps().stamp(sdk::kServers));
  } catch (const sdk::Error&) {
    RequestReads::note_uncacheable();  // the read itself reports the storage failure
  }
}

json::value Orchestrator::call(const std::string& operation, const json::object& request) {
  note_reads(operation);
  if (operation.starts_with("server.")) return call_server(operation, request);
  if (operation.starts_with("workflow.") || operation.starts_with("task.")) {
    return call_workflow(operation, request);
  }
  if (operation.starts_with("batch.")) return call_batch(operation, request);
  throw sdk::Error::invalid_argument("unknown operation '" + operation + "'");
}

json::value Orchestrator::call_server(const std::string& operation, const json::object& request) {
  ServerService& servers = operations_.servers();
  if (operation == "server.list") {
    json::array items;
    for (auto& record : servers.list()) items.push_back(std::move(record));
    return json::object{{"servers", std::move(items)}};
  }
  std::string name = param_string(request, "name", true, operation);
  if (operation == "server.get") return servers.get(name);
  if (operation == "server.delete") return servers.remove(name);
  if (operation == "server.create") {
    CreateServerRequest create;
    create.name = name;
    create.plan = param_string(request, "plan", true, operation);
    create.zone = param_string(request, "zone", false, operation);
    if (create.zone == "auto") create.zone.clear();
    return servers.create(create);
  }
  throw sdk::Error::invalid_argument("unknown operation '" + operation + "'");
}

json::value Orchestrator::call_workflow(const std::string& operation, const json::object& request) {
  if (operation == "workflow.submit") {
    std::string type = param_string(request, "type", true, operation);
    const json::value* params = request.if_contains("params");
    WorkflowOptions options = workflow_options(request);
    json::object workflow =
        engine_->submit(type, params && params->is_object() ? params->get_object() : json::object{},
                        options, current_correlation_id());
    if (!options.wait_for_completion) return workflow;
    return engine_->wait(param_string(workflow, "id", true, operation),
                         std::chrono::seconds(options.timeout_seconds) * (options.retry_count + 1) +
                             std::chrono::seconds(5));
  }
  std::string status = param_string(request, "status", false, operation);
  std::size_t limit = size_field(request, "limit", 100);
  std::size_t offset = size_field(request, "offset", 0);
  if (operation == "workflow.list") {
    return page("workflows", engine_->list(sdk::kWorkflows, status, limit, offset));
  }
  if (operation == "task.list") return page("tasks", engine_->list("tasks", status, limit, offset));
  std::string id = param_string(request, "id", true, operation);
  if (operation == "workflow.cancel") return engine_->cancel(id);
  auto record = operation == "task.get" ? engine_->get_task(id) : engine_->get(id);
  if (!record) {
    throw sdk::Error::not_found((operation == "task.get" ? "task '" : "workflow '") + id +
                                "' not found");
  }
  return *record;
}

json::value Orchestrator::call_batch(const std::string& operation, const json::object& request) {
  if (operation == "batch.submit") {
    const json::value* operations = request.if_contains("operations");
    if (operations == nullptr || !operations->is_array()) {
      throw sdk::Error::invalid_argument("batch.submit: 'operations' must be a list");
    }
    const json::value* options = request.if_contains("batch_options");
    return batches_->submit(
        operations->get_array(),
        options && options->is_object() ? options->get_object() : json::object{},
        current_correlation_id());
  }
  if (operation == "batch.list") {
    return page("batches", batches_->list(param_string(request, "status", false, operation),
                                          size_field(request, "limit", 100),
                                          size_field(request, "offset", 0)));
  }
  std::string id = param_string(request, "id", true, operation);
  if (operation == "batch.cancel") return batches_->cancel(id);
  if (operation == "batch.rollback") return batches_->rollback(id);
  auto record = operation == "batch.summary" ? batches_->summary(id) : batches_->get(id);
  if (!record) throw sdk::Error::not_found("batch '" + id + "' not found");
  return *record;
}

}  // namespace provisioning::host
