#include "names.h"

#include <provisioning/sdk/error.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>

#include "config.h"

namespace provisioning::host {
namespace {

bool is_label_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
}

[[noreturn]] void throw_invalid_name(std::string_view name, std::string_view rule) {
  throw sdk::Error::invalid_argument(
      "invalid server name '" + std::string(name) + "': " + std::string(rule) +
      "; use a host name such as 'web-01' (lower-case letters, digits and hyphens)");
}

void validate_label(std::string_view name, std::string_view label) {
  if (label.empty()) throw_invalid_name(name, "empty label between dots");
  if (label.size() > 63) throw_invalid_name(name, "a label is longer than 63 characters");
  if (label.front() == '-' || label.back() == '-') {
    throw_invalid_name(name, "a label starts or ends with a hyphen");
  }
  for (char c : label) {
    if (c >= 'A' && c <= 'Z') throw_invalid_name(name, "upper-case letters are not allowed");
    if (!is_label_char(c)) {
      throw_invalid_name(name, "character '" + std::string(1, c) + "' is not allowed");
    }
  }
}

std::string normalize_plan(std::string_view plan) {
  std::string normalized;
  for (char c : plan) {
    if (c == ' ' || c == '\t') continue;
    normalized += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return normalized;
}

}  // namespace

void validate_server_name(std::string_view name) {
  if (name.empty()) throw_invalid_name(name, "the name is empty");
  if (name.size() > 253) throw_invalid_name(name, "longer than 253 characters");
  std::size_t start = 0;
  while (true) {
    std::size_t dot = name.find('.', start);
    validate_label(name, name.substr(start, dot == std::string_view::npos ? dot : dot - start));
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
}

std::string resolve_plan(std::string_view typed, const std::vector<sdk::Plan>& plans,
                         std::string_view provider) {
  std::string wanted = normalize_plan(typed);
  std::vector<std::string> names;
  for (const sdk::Plan& plan : plans) {
    if (normalize_plan(plan.name) == wanted) return plan.name;
    names.push_back(plan.name);
  }
  // Rank every plan by closeness to what was typed, compared in normalized form, so
  // "2xcpu-5gb" gets the same suggestions as "2xCPU-5GB".
  std::vector<std::string> normalized;
  for (const auto& name : names) normalized.push_back(normalize_plan(name));
  std::vector<std::string> nearest;
  while (nearest.size() < 3) {
    std::string best = closest_match(wanted, normalized);
    if (best.empty()) break;
    auto index = std::find(normalized.begin(), normalized.end(), best) - normalized.begin();
    nearest.push_back(names[static_cast<std::size_t>(index)]);
    names.erase(names.begin() + index);
    normalized.erase(normalized.begin() + index);
  }
  std::string message =
      "unknown plan '" + std::string(typed) + "' for provider '" + std::string(provider) + "'";
  if (!nearest.empty()) {
    message += "; nearest valid plans:";
    for (const auto& name : nearest) message += " " + name;
  }
  message += "; run 'provisioning server plans' to list all";
  throw sdk::Error::invalid_argument(message);
}

}  // namespace provisioning::host
