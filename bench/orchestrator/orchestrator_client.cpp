// orchestrator_client: drives the setup and batch steps of bench/run-orchestrator.sh
// against a running orchestrator on 127.0.0.1, and times them.
//
//   orchestrator_client create-servers --port P --count N [--connections C]
//                                      [--prefix NAME] [--plan PLAN]
//     Creates N servers named NAME-00000 ... with POST /servers (API v1, no
//     API-Version header) over C keep-alive connections, each on its own thread.
//     Every response must be 201.
//
//   orchestrator_client batch --port P --operations N [--batch-size B]
//                             [--parallel-limit L] [--prefix NAME] [--plan PLAN]
//                             [--timeout SECONDS] [--poll-ms MS]
//     Splits N independent server_create operations into batches of at most B
//     operations, submits them all with POST /workflows/batch/submit (API v3), then
//     polls GET /workflows/batch/{id}?view=summary until every batch is terminal or
//     the timeout passes, as a tool following progress would. half_seconds is when half of the
//     operations had ended (-1 when they did not), so a second half slower than the first shows in
//     seconds - half_seconds. seconds ends at the latest `finished_at` the orchestrator stamped on
//     a batch, so it does not depend on the poll interval. half_seconds comes from polling, so it
//     is late by up to one poll interval (default 500 ms).
//
// Prints one "name<TAB>value" line per figure on standard output and exits 0, or prints
// an error on standard error and exits 1. Times are wall-clock seconds measured with
// std::chrono::steady_clock, except where the orchestrator's timestamps are used (both
// processes read the same system clock).

#include <httplib.h>

#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "bench_stats.h"

namespace provisioning::bench {
namespace {

namespace json = boost::json;

struct Options {
  std::string command;
  int port = 0;
  int count = 1000;
  int connections = 1;
  int operations = 10000;
  int batch_size = 1000;  // the v3 API accepts 1 to 1000 operations per batch
  int parallel_limit = 64;
  double timeout_seconds = 60;
  int poll_ms = 500;
  std::string prefix = "bench";
  std::string plan = "1xCPU-1GB";
};

int parse_int(const std::string& option, const std::string& value, int minimum) {
  try {
    std::size_t used = 0;
    int number = std::stoi(value, &used);
    if (used == value.size() && number >= minimum) return number;
  } catch (const std::exception&) {
    // Reported below with the option name.
  }
  throw std::invalid_argument("invalid " + option + " '" + value + "': expected an integer of " +
                              std::to_string(minimum) + " or more");
}

Options parse_options(int argc, char** argv) {
  if (argc < 2) throw std::invalid_argument("missing command: use create-servers or batch");
  Options options;
  options.command = argv[1];
  if (options.command != "create-servers" && options.command != "batch") {
    throw std::invalid_argument("unknown command '" + options.command +
                                "': use create-servers or batch");
  }
  for (int i = 2; i < argc; i += 2) {
    std::string option = argv[i];
    if (i + 1 >= argc) throw std::invalid_argument("option " + option + " needs a value");
    std::string value = argv[i + 1];
    if (option == "--port") {
      options.port = parse_int(option, value, 1);
    } else if (option == "--count") {
      options.count = parse_int(option, value, 1);
    } else if (option == "--connections") {
      options.connections = parse_int(option, value, 1);
    } else if (option == "--operations") {
      options.operations = parse_int(option, value, 1);
    } else if (option == "--batch-size") {
      options.batch_size = parse_int(option, value, 1);
    } else if (option == "--parallel-limit") {
      options.parallel_limit = parse_int(option, value, 1);
    } else if (option == "--timeout") {
      options.timeout_seconds = parse_int(option, value, 1);
    } else if (option == "--poll-ms") {
      options.poll_ms = parse_int(option, value, 1);
    } else if (option == "--prefix") {
      options.prefix = value;
    } else if (option == "--plan") {
      options.plan = value;
    } else {
      throw std::invalid_argument("unknown option '" + option + "'");
    }
  }
  if (options.port == 0) throw std::invalid_argument("missing --port");
  return options;
}

std::string server_name(const std::string& prefix, int index) {
  char digits[16];
  std::snprintf(digits, sizeof digits, "%05d", index);
  return prefix + "-" + digits;
}

httplib::Client connect(int port) {
  httplib::Client client("127.0.0.1", port);
  client.set_keep_alive(true);
  client.set_tcp_nodelay(true);  // without it, the body waits for the delayed ACK of the headers
  client.set_read_timeout(60, 0);
  return client;
}

// Throws std::runtime_error naming the request when the response is missing or has
// another status than `expected`.
httplib::Result expect_status(httplib::Result result, int expected, const std::string& request) {
  if (!result) {
    throw std::runtime_error(request + " failed: " + httplib::to_string(result.error()));
  }
  if (result->status != expected) {
    throw std::runtime_error(request + " returned " + std::to_string(result->status) +
                             ", expected " + std::to_string(expected) + ": " + result->body);
  }
  return result;
}

void print_figure(const std::string& name, double value) {
  std::printf("%s\t%.3f\n", name.c_str(), value);
}

int create_servers(const Options& options) {
  std::atomic<int> next{0};
  std::mutex failure_mutex;
  std::string failure;
  auto worker = [&] {
    httplib::Client client = connect(options.port);
    for (int i = next++; i < options.count; i = next++) {
      json::object body{{"name", server_name(options.prefix, i)}, {"plan", options.plan}};
      try {
        expect_status(client.Post("/servers", json::serialize(body), "application/json"), 201,
                      "POST /servers " + server_name(options.prefix, i));
      } catch (const std::exception& error) {
        std::lock_guard lock(failure_mutex);
        if (failure.empty()) failure = error.what();
        next = options.count;  // stops the other threads after their current request
      }
    }
  };
  Clock::time_point start = Clock::now();
  std::vector<std::thread> threads;
  for (int i = 0; i < options.connections; ++i) threads.emplace_back(worker);
  for (auto& thread : threads) thread.join();
  double seconds = elapsed_ms(start, Clock::now()) / 1000;
  if (!failure.empty()) throw std::runtime_error(failure);
  print_figure("servers", options.count);
  print_figure("seconds", seconds);
  print_figure("creates_per_second", options.count / seconds);
  return 0;
}

json::array batch_operations(const Options& options, int first, int count) {
  json::array operations;
  for (int i = first; i < first + count; ++i) {
    std::string name = server_name(options.prefix, i);
    operations.push_back(json::object{{"id", name},
                                      {"type", "server_create"},
                                      {"params", {{"name", name}, {"plan", options.plan}}}});
  }
  return operations;
}

// Counts the operations of a batch record by status.
// Adds the operation counts of a batch summary to `counts`.
void count_operations(const json::object& summary, std::map<std::string, int>& counts) {
  for (const auto& [status, count] : summary.at("operations_by_status").as_object()) {
    counts[std::string(status)] += static_cast<int>(count.as_int64());
  }
}

// Parses a UTC timestamp of the orchestrator ("2026-01-02T10:11:12.345Z").
std::chrono::system_clock::time_point parse_timestamp(const std::string& text) {
  std::tm fields{};
  int milliseconds = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d.%3dZ", &fields.tm_year, &fields.tm_mon,
                  &fields.tm_mday, &fields.tm_hour, &fields.tm_min, &fields.tm_sec,
                  &milliseconds) != 7) {
    throw std::runtime_error("invalid timestamp '" + text +
                             "' in a batch: expected the form 2026-01-02T10:11:12.345Z");
  }
  fields.tm_year -= 1900;
  fields.tm_mon -= 1;
  return std::chrono::system_clock::from_time_t(timegm(&fields)) +
         std::chrono::milliseconds(milliseconds);
}

bool is_terminal(const std::string& status) {
  return status == "Completed" || status == "Failed" || status == "Cancelled";
}

int run_batches(const Options& options) {
  httplib::Client client = connect(options.port);
  httplib::Headers v3{{"API-Version", "v3"}};
  std::vector<std::string> ids;
  Clock::time_point start = Clock::now();
  std::chrono::system_clock::time_point wall_start = std::chrono::system_clock::now();
  for (int first = 0; first < options.operations; first += options.batch_size) {
    int count = std::min(options.batch_size, options.operations - first);
    json::object body{{"operations", batch_operations(options, first, count)},
                      {"batch_options", {{"parallel_limit", options.parallel_limit}}}};
    httplib::Result result = expect_status(
        client.Post("/workflows/batch/submit", v3, json::serialize(body), "application/json"), 202,
        "POST /workflows/batch/submit");
    ids.emplace_back(json::parse(result->body).at("id").as_string());
  }
  double submit_seconds = elapsed_ms(start, Clock::now()) / 1000;

  std::map<std::string, json::object> finished;
  std::map<std::string, int> counts;
  double half_seconds = -1;  // when half of the operations had reached a terminal state
  auto deadline =
      start + std::chrono::milliseconds(static_cast<std::int64_t>(options.timeout_seconds * 1000));
  while (true) {
    counts.clear();
    for (const auto& id : ids) {
      if (finished.count(id) != 0) {
        count_operations(finished[id], counts);
        continue;
      }
      std::string path = "/workflows/batch/" + id + "?view=summary";
      httplib::Result result = expect_status(client.Get(path, v3), 200, "GET " + path);
      json::object batch = json::parse(result->body).as_object();
      count_operations(batch, counts);
      if (is_terminal(std::string(batch.at("status").as_string()))) finished[id] = batch;
    }
    int terminal = counts["Completed"] + counts["Failed"] + counts["Cancelled"];
    if (half_seconds < 0 && 2 * terminal >= options.operations) {
      half_seconds = elapsed_ms(start, Clock::now()) / 1000;
    }
    if (finished.size() == ids.size() || Clock::now() >= deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(options.poll_ms));
  }
  double seconds = elapsed_ms(start, Clock::now()) / 1000;
  if (finished.size() == ids.size()) {
    auto last = wall_start;
    for (const auto& [id, batch] : finished) {
      last = std::max(last, parse_timestamp(std::string(batch.at("finished_at").as_string())));
    }
    seconds = std::chrono::duration<double>(last - wall_start).count();
    // Polling finds the half-way point late, and it cannot come after the end.
    if (half_seconds > seconds) half_seconds = seconds;
  }

  print_figure("operations", options.operations);
  print_figure("batches", static_cast<double>(ids.size()));
  print_figure("batches_terminal", static_cast<double>(finished.size()));
  print_figure("submit_seconds", submit_seconds);
  print_figure("seconds", seconds);
  print_figure("half_seconds", half_seconds);
  for (const char* status : {"Completed", "Failed", "Cancelled", "Running", "Pending"}) {
    print_figure(std::string("operations_") + status, counts[status]);
  }
  return 0;
}

}  // namespace
}  // namespace provisioning::bench

int main(int argc, char** argv) {
  using namespace provisioning::bench;
  try {
    Options options = parse_options(argc, argv);
    return options.command == "batch" ? run_batches(options) : create_servers(options);
  } catch (const std::exception& error) {
    std::fprintf(stderr, "orchestrator_client: %s\n", error.what());
    return 1;
  }
}
