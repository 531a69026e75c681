#include "bridge/shims.h"

#include <provisioning/sdk/error.h>
#include <provisioning/sdk/files.h>

#include <string>

namespace provisioning::host::bridge {
namespace {

// Returns `text` as one single-quoted shell word.
std::string shell_quote(const std::string& text) {
  std::string quoted = "'";
  for (char c : text) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

void replace_all(std::string& text, const std::string& placeholder, const std::string& value) {
  for (std::size_t at = text.find(placeholder); at != std::string::npos;
       at = text.find(placeholder, at + value.size())) {
    text.replace(at, placeholder.size(), value);
  }
}

std::string read_template(const std::filesystem::path& file) {
  std::error_code error;
  if (!std::filesystem::is_regular_file(file, error)) {
    throw sdk::Error::not_found("shim template '" + file.string() +
                                "' not found; reinstall provisioning, or set "
                                "PROVISIONING_CORE_DIR to its installation prefix");
  }
  return sdk::read_file(file);
}

}  // namespace

std::filesystem::path shim_template_directory(const std::filesystem::path& core_config) {
  return core_config.parent_path() / "shims";
}

std::vector<std::filesystem::path> install_shims(const std::filesystem::path& template_directory,
                                                 const std::filesystem::path& legacy_directory,
                                                 const std::filesystem::path& binary,
                                                 const std::filesystem::path& workspace) {
  std::vector<std::filesystem::path> written;
  for (const char* entry : {"provisioning", "orchestrator"}) {
    std::string text = read_template(template_directory / (std::string(entry) + ".in"));
    // The workspace sits inside a double-quoted default, where a single-quoted word would
    // keep its quotes, so it is escaped for double quotes instead.
    std::string workspace_text;
    for (char c : workspace.string()) {
      if (c == '"' || c == '\\' || c == '$' || c == '`') workspace_text += '\\';
      workspace_text += c;
    }
    replace_all(text, "@PROVISIONING_BINARY@", shell_quote(binary.string()));
    replace_all(text, "@WORKSPACE@", workspace_text);
    for (const char* prefix : {"core/nulib", "src/core/nulib"}) {
      std::filesystem::path file = legacy_directory / prefix / entry;
      sdk::write_file_atomically(file, text, 0755);
      written.push_back(file);
    }
  }
  return written;
}

}  // namespace provisioning::host::bridge
