#include "strict_modes.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <system_error>

namespace provisioning::host {
namespace {

std::string octal_mode(mode_t mode) {
  char text[8];
  std::snprintf(text, sizeof(text), "%04o", static_cast<unsigned>(mode & 07777));
  return text;
}

// Returns the problem with one file or directory given its stat() result, or "".
// `description` names it in the message, such as "plugin file '/x/a.so'".
std::string owner_or_mode_problem(const struct stat& info, const std::filesystem::path& path,
                                  const std::string& description) {
  uid_t user = ::geteuid();
  if (info.st_uid != 0 && info.st_uid != user) {
    return description + " is owned by uid " + std::to_string(info.st_uid) +
           ", but plugins and their directories must be owned by root or by the user running "
           "provisioning (uid " +
           std::to_string(user) + "); run `chown " + std::to_string(user) + " " + path.string() +
           "` as root, or remove it";
  }
  if ((info.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
    return description + " is writable by group or others (mode " + octal_mode(info.st_mode) +
           "), so another user could change the code provisioning runs; run `chmod go-w " +
           path.string() + "`";
  }
  return {};
}

std::string stat_failure(const std::filesystem::path& path, int error_number) {
  return "cannot check the owner and mode of '" + path.string() +
         "': " + std::strerror(error_number);
}

std::string check_directory(const std::filesystem::path& directory,
                            const std::filesystem::path& file) {
  std::filesystem::path checked = directory.empty() ? std::filesystem::path(".") : directory;
  struct stat info {};
  if (::stat(checked.c_str(), &info) != 0) return stat_failure(checked, errno);
  return owner_or_mode_problem(
      info, checked,
      "directory '" + checked.string() + "' containing plugin '" + file.string() + "'");
}

// Checks the target of the symbolic link `link` and the directory containing it.
std::string check_link_target(const std::filesystem::path& link) {
  std::error_code error;
  std::filesystem::path target = std::filesystem::canonical(link, error);
  if (error) {
    return "symbolic link '" + link.string() + "' cannot be resolved (" + error.message() +
           "); point it at an existing plugin file or remove it";
  }
  struct stat info {};
  if (::stat(target.c_str(), &info) != 0) return stat_failure(target, errno);
  std::string problem = owner_or_mode_problem(
      info, target, "plugin file '" + target.string() + "' (target of '" + link.string() + "')");
  if (!problem.empty()) return problem;
  return check_directory(target.parent_path(), target);
}

}  // namespace

std::string insecure_plugin_file_problem(const std::filesystem::path& file) {
  struct stat link_info {};
  if (::lstat(file.c_str(), &link_info) != 0) return stat_failure(file, errno);

  std::string problem =
      S_ISLNK(link_info.st_mode)
          ? check_link_target(file)
          : owner_or_mode_problem(link_info, file, "plugin file '" + file.string() + "'");
  if (!problem.empty()) return problem;
  return check_directory(file.parent_path(), file);
}

}  // namespace provisioning::host
