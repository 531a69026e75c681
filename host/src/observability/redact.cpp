#include "observability/redact.h"

#include <algorithm>
#include <array>
#include <memory>
#include <mutex>

namespace provisioning::host::observability {
namespace {

constexpr std::array<std::string_view, 3> kSecretWords = {"token", "password", "secret"};
constexpr std::array<const char*, 2> kWellKnownSecretKeys = {"orchestrator.auth_token",
                                                             "storage.surrealdb.password"};

struct SecretList {
  std::mutex mutex;
  std::shared_ptr<const std::vector<std::string>> values =
      std::make_shared<const std::vector<std::string>>();
};

SecretList& secret_list() {
  static SecretList instance;
  return instance;
}

std::shared_ptr<const std::vector<std::string>> current_secrets() {
  SecretList& list = secret_list();
  std::lock_guard lock(list.mutex);
  return list.values;
}

std::string lower_case(std::string_view text) {
  std::string lower(text);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return lower;
}

bool is_key_character(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-';
}

bool ends_value(char c) {
  return std::isspace(static_cast<unsigned char>(c)) || c == '"' || c == '\'' || c == ',' ||
         c == '}' || c == ';' || c == '&';
}

// Returns the end of the value that starts at `start`.
std::size_t value_end(const std::string& text, std::size_t start) {
  std::size_t end = start;
  while (end < text.size() && !ends_value(text[end])) ++end;
  return end;
}

// Replaces text[start, end) with kRedacted unless it is empty or redacted already, and
// returns the position after the replacement.
std::size_t hide(std::string& text, std::size_t start, std::size_t end) {
  if (end <= start || text.compare(start, end - start, kRedacted) == 0) return end;
  text.replace(start, end - start, kRedacted);
  return start + kRedacted.size();
}

// The start of the value assigned after a key that ends at `position`, as in
// `key=value`, `key: value` or `"key": "value"`; npos when no assignment follows.
std::size_t assigned_value_start(const std::string& text, std::size_t position) {
  while (position < text.size() && is_key_character(text[position])) ++position;
  if (position < text.size() && (text[position] == '"' || text[position] == '\'')) ++position;
  while (position < text.size() && text[position] == ' ') ++position;
  if (position >= text.size() || (text[position] != '=' && text[position] != ':')) {
    return std::string::npos;
  }
  ++position;
  while (position < text.size() && text[position] == ' ') ++position;
  if (position < text.size() && (text[position] == '"' || text[position] == '\'')) ++position;
  return position;
}

void hide_assigned_values(std::string& text) {
  for (std::string_view word : kSecretWords) {
    std::size_t found = 0;
    while ((found = lower_case(text).find(word, found)) != std::string::npos) {
      std::size_t start = assigned_value_start(text, found + word.size());
      if (start == std::string::npos) {
        found += word.size();
        continue;
      }
      found = hide(text, start, value_end(text, start));
    }
  }
}

// Hides the credentials of "Bearer <credentials>", except a placeholder such as
// "<token>" in help text.
void hide_bearer_credentials(std::string& text) {
  constexpr std::string_view kScheme = "Bearer ";
  std::size_t found = 0;
  while ((found = text.find(kScheme, found)) != std::string::npos) {
    std::size_t start = found + kScheme.size();
    if (start < text.size() && text[start] == '<') {
      found = start;
      continue;
    }
    found = hide(text, start, value_end(text, start));
  }
}

void hide_values(std::string& text, const std::vector<std::string>& secrets) {
  for (const std::string& secret : secrets) {
    std::size_t found = 0;
    while ((found = text.find(secret, found)) != std::string::npos) {
      text.replace(found, secret.size(), kRedacted);
      found += kRedacted.size();
    }
  }
}

bool mentions_secret_word(std::string_view text) {
  std::string lower = lower_case(text);
  if (lower.find("bearer ") != std::string::npos) return true;
  return std::any_of(kSecretWords.begin(), kSecretWords.end(),
                     [&](std::string_view word) { return lower.find(word) != std::string::npos; });
}

}  // namespace

bool is_secret_key(std::string_view key) {
  std::string lower = lower_case(key);
  return std::any_of(kSecretWords.begin(), kSecretWords.end(),
                     [&](std::string_view word) { return lower.find(word) != std::string::npos; });
}

std::vector<std::string> secret_values(const Config& config) {
  std::vector<std::string> values;
  auto add = [&](const json::value& value) {
    if (value.is_string() && !value.get_string().empty()) values.emplace_back(value.get_string());
  };
  for (const auto& [key, value] : config.entries()) {
    if (is_secret_key(key)) add(value.value);
  }
  // Keys without a shipped default come from the environment only through find(), so
  // entries() lacks a token set in PROVISIONING_ORCHESTRATOR_AUTH_TOKEN.
  for (const char* key : kWellKnownSecretKeys) {
    if (auto value = config.find(key)) add(value->value);
  }
  return values;
}

void set_secret_values(std::vector<std::string> values) {
  values.erase(std::remove_if(values.begin(), values.end(),
                              [](const std::string& v) { return v.size() < kMinSecretLength; }),
               values.end());
  // Longer secrets first, so a secret that contains another is hidden whole.
  std::sort(values.begin(), values.end(),
            [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
  values.erase(std::unique(values.begin(), values.end()), values.end());
  auto shared = std::make_shared<const std::vector<std::string>>(std::move(values));
  SecretList& list = secret_list();
  std::lock_guard lock(list.mutex);
  list.values = std::move(shared);
}

bool needs_redaction(std::string_view text) {
  auto secrets = current_secrets();
  for (const std::string& secret : *secrets) {
    if (text.find(secret) != std::string_view::npos) return true;
  }
  if (!mentions_secret_word(text)) return false;
  return redact(text) != text;
}

std::string redact(std::string_view text) {
  std::string result(text);
  hide_values(result, *current_secrets());
  if (mentions_secret_word(result)) {
    hide_bearer_credentials(result);
    hide_assigned_values(result);
  }
  return result;
}

json::value redacted_config_value(std::string_view key, const json::value& value) {
  if (!is_secret_key(key)) return value;
  if (value.is_string() && value.get_string().empty()) return value;
  return json::value(kRedacted);
}

}  // namespace provisioning::host::observability
