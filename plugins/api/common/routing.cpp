#include "common/routing.h"

#include <algorithm>
#include <cctype>
#include <utility>

#include "common/suggest.h"

namespace provisioning::plugins::api {

namespace {

constexpr std::size_t kMaxIdLength = 128;

// Splits on '/' and skips empty segments, as the orchestrator does, so "/servers/" and
// "/servers" match the same route.
std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> segments;
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t slash = std::min(path.find('/', start), path.size());
    if (slash > start) segments.push_back(path.substr(start, slash - start));
    start = slash + 1;
  }
  return segments;
}

bool is_parameter(std::string_view segment) {
  return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

std::size_t literal_segments(std::string_view pattern) {
  std::vector<std::string_view> segments = split_path(pattern);
  return std::count_if(segments.begin(), segments.end(),
                       [](std::string_view segment) { return !is_parameter(segment); });
}

}  // namespace

const std::string& HandlerContext::param(const std::string& name) const {
  auto found = params.find(name);
  if (found == params.end()) {
    throw ApiError::internal("route " + request.method + " " + request.path +
                             " has no path parameter '" + name + "'");
  }
  return found->second;
}

const std::string& HandlerContext::id_param(const std::string& name) const {
  const std::string& id = param(name);
  bool valid =
      !id.empty() && id.size() <= kMaxIdLength && std::all_of(id.begin(), id.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == ':' ||
               c == '-';
      });
  // "." and ".." name directories to the filesystem storage backend, never a record.
  bool only_dots = id.find_first_not_of('.') == std::string::npos;
  if (!valid || only_dots) {
    throw ApiError::invalid_request(
        {{"path." + name, "must be an id of 1 to " + std::to_string(kMaxIdLength) +
                              " letters, digits, '.', '_', ':' or '-', not only dots, got " +
                              quote_value(id)}});
  }
  return id;
}

std::optional<PathParams> match_path(std::string_view pattern, std::string_view path) {
  std::vector<std::string_view> expected = split_path(pattern);
  std::vector<std::string_view> actual = split_path(path);
  if (expected.size() != actual.size()) return std::nullopt;

  PathParams params;
  for (std::size_t i = 0; i < expected.size(); ++i) {
    if (is_parameter(expected[i])) {
      std::string_view name = expected[i].substr(1, expected[i].size() - 2);
      params.emplace(std::string(name), std::string(actual[i]));
    } else if (expected[i] != actual[i]) {
      return std::nullopt;
    }
  }
  return params;
}

void RouteTable::add(std::string method, std::string path, std::string summary, Handler handler,
                     std::vector<std::string> query_params) {
  sdk::Route route{std::move(method), std::move(path), std::move(summary)};
  entries_.push_back({std::move(route), std::move(handler), std::move(query_params)});
}

std::vector<sdk::Route> RouteTable::routes() const {
  std::vector<sdk::Route> routes;
  for (const RouteEntry& entry : entries_) routes.push_back(entry.route);
  return routes;
}

const RouteEntry* RouteTable::find(std::string_view method, std::string_view path,
                                   PathParams& params) const {
  const RouteEntry* best = nullptr;
  std::size_t best_literals = 0;
  for (const RouteEntry& entry : entries_) {
    if (entry.route.method != method) continue;
    std::optional<PathParams> matched = match_path(entry.route.path, path);
    if (!matched) continue;
    std::size_t literals = literal_segments(entry.route.path);
    if (best == nullptr || literals > best_literals) {
      best = &entry;
      best_literals = literals;
      params = std::move(*matched);
    }
  }
  return best;
}

}  // namespace provisioning::plugins::api
