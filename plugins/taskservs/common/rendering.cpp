#include "common/rendering.h"

#include <provisioning/sdk/error.h>

#include <ctime>

namespace provisioning::plugins::taskserv_common {

namespace {

constexpr std::string_view kOpen = "{{";
constexpr std::string_view kClose = "}}";

}  // namespace

std::string render(std::string_view text, const std::map<std::string, std::string>& values) {
  std::string output;
  std::size_t position = 0;
  while (true) {
    std::size_t open = text.find(kOpen, position);
    output.append(text.substr(position, open - position));
    if (open == std::string_view::npos) return output;
    std::size_t close = text.find(kClose, open);
    if (close == std::string_view::npos) {
      throw sdk::Error::internal("template has an unclosed '{{' at offset " + std::to_string(open));
    }
    std::string key(text.substr(open + kOpen.size(), close - open - kOpen.size()));
    auto value = values.find(key);
    if (value == values.end()) {
      throw sdk::Error::internal("template placeholder '{{" + key + "}}' has no value");
    }
    output += value->second;
    position = close + kClose.size();
  }
}

std::string join(const std::vector<std::string>& parts, std::string_view separator) {
  std::string joined;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) joined += separator;
    joined += parts[i];
  }
  return joined;
}

}  // namespace provisioning::plugins::taskserv_common
