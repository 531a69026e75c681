#include <provisioning/conformance/scratch.h>
#include <provisioning/sdk/error.h>
#include <provisioning/sdk/files.h>

namespace provisioning::conformance {

ScratchExecutor::ScratchExecutor(std::filesystem::path root, std::string target_name)
    : root_(std::move(root)), target_name_(std::move(target_name)) {}

std::filesystem::path ScratchExecutor::local_path(const std::filesystem::path& path) const {
  if (!path.is_absolute()) {
    throw sdk::Error::invalid_argument("path '" + path.string() + "' on server '" + target_name_ +
                                       "' is not absolute: start it with '/', as in /etc/hosts");
  }
  std::vector<std::filesystem::path> parts;
  for (const auto& part : path.relative_path()) {
    if (part.empty() || part == ".") continue;
    if (part != "..") {
      parts.push_back(part);
      continue;
    }
    if (parts.empty()) {
      throw sdk::Error::invalid_argument("path '" + path.string() +
                                         "' escapes the root of server '" + target_name_ +
                                         "' with '..': use a path inside the server");
    }
    parts.pop_back();
  }
  std::filesystem::path local = root_;
  for (const auto& part : parts) local /= part;
  return local;
}

void ScratchExecutor::write_file(const std::filesystem::path& path, const std::string& content,
                                 int mode) {
  sdk::write_file_atomically(local_path(path), content, mode);
}

std::string ScratchExecutor::read_file(const std::filesystem::path& path) {
  std::filesystem::path local = local_path(path);
  try {
    return sdk::read_file(local);
  } catch (const sdk::Error& error) {
    if (error.code() != sdk::ErrorCode::kNotFound) throw;
    throw sdk::Error::not_found("file '" + path.string() + "' not found on server '" +
                                target_name_ + "'");
  }
}

bool ScratchExecutor::exists(const std::filesystem::path& path) {
  std::error_code error;
  bool found = std::filesystem::exists(local_path(path), error);
  if (error) {
    throw sdk::Error::unavailable("checking '" + path.string() + "' on server '" + target_name_ +
                                  "' failed: " + error.message());
  }
  return found;
}

bool ScratchExecutor::remove(const std::filesystem::path& path) {
  std::filesystem::path local = local_path(path);
  if (local == root_) {
    throw sdk::Error::invalid_argument("refusing to remove '/' of server '" + target_name_ +
                                       "': remove the files under it instead");
  }
  std::error_code error;
  auto removed = std::filesystem::remove_all(local, error);
  if (error) {
    throw sdk::Error::unavailable("removing '" + path.string() + "' on server '" + target_name_ +
                                  "' failed: " + error.message());
  }
  return removed > 0;
}

void ScratchExecutor::create_directories(const std::filesystem::path& path) {
  std::error_code error;
  std::filesystem::create_directories(local_path(path), error);
  if (error) {
    throw sdk::Error::unavailable("creating directory '" + path.string() + "' on server '" +
                                  target_name_ + "' failed: " + error.message());
  }
}

sdk::CommandResult ScratchExecutor::run(const std::vector<std::string>& argv) {
  commands_.push_back(argv);
  return {};
}

}  // namespace provisioning::conformance
