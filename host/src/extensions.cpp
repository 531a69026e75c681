#include "extensions.h"

#include <fcntl.h>
#include <provisioning/sdk/error.h>
#include <provisioning/sdk/files.h>
#include <provisioning/sdk/time_and_ids.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "plugin_manifest.h"
#include "sha256.h"

namespace provisioning::host {
namespace {

namespace fs = std::filesystem;

// Holds an exclusive flock() on <workspace>/.provisioning/extensions.flock while it
// lives. Closing the descriptor releases the lock, also when the process dies.
class ExtensionsGuard {
 public:
  explicit ExtensionsGuard(const fs::path& workspace_root) {
    fs::path file = workspace_root / ".provisioning" / "extensions.flock";
    std::error_code ignored;  // open() below reports a directory that cannot be created
    fs::create_directories(file.parent_path(), ignored);
    fd_ = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0) throw_failure("opening", file);
    while (::flock(fd_, LOCK_EX) != 0) {
      if (errno == EINTR) continue;
      int saved = errno;
      ::close(fd_);
      errno = saved;
      throw_failure("locking", file);
    }
  }
  ~ExtensionsGuard() { ::close(fd_); }
  ExtensionsGuard(const ExtensionsGuard&) = delete;
  ExtensionsGuard& operator=(const ExtensionsGuard&) = delete;

 private:
  [[noreturn]] static void throw_failure(const char* action, const fs::path& file) {
    throw sdk::Error::unavailable(std::string(action) + " '" + file.string() +
                                  "' failed: " + std::strerror(errno) +
                                  "; check the permissions of the workspace's .provisioning "
                                  "directory");
  }

  int fd_ = -1;
};

// A checked plugin file, read into memory so that the bytes hashed are the bytes copied.
struct PreparedInstall {
  LockedExtension entry;
  std::string content;
};

[[noreturn]] void throw_rejected(sdk::ErrorCode code, const fs::path& source,
                                 const std::string& reason) {
  throw sdk::Error(
      code, "cannot install '" + source.string() + "': " + reason + "; nothing was installed");
}

PluginManifest read_source_manifest(const fs::path& source) {
  std::error_code error;
  if (!fs::exists(source, error)) {
    throw sdk::Error::not_found("plugin file '" + source.string() + "' not found; check the path");
  }
  if (!fs::is_regular_file(source, error)) {
    throw_rejected(sdk::ErrorCode::kInvalidArgument, source,
                   "it is not a regular file; name the plugin's .so file");
  }
  try {
    return parse_manifest(read_manifest_section(source));
  } catch (const sdk::Error& failure) {
    throw_rejected(failure.code(), source, failure.what());
  }
}

void check_source_manifest(const PluginManifest& manifest, const fs::path& source,
                           std::optional<sdk::PluginKind> kind) {
  if (!is_valid_extension_name(manifest.name)) {
    throw_rejected(sdk::ErrorCode::kInvalidArgument, source,
                   "its manifest names the plugin '" + manifest.name +
                       "', which is not a valid name (a lower-case letter, then lower-case "
                       "letters, digits, '_' or '-'); rebuild it with a valid PLUGIN_NAME");
  }
  if (manifest.sdk_abi != sdk::kAbiVersion) {
    throw_rejected(sdk::ErrorCode::kInvalidArgument, source,
                   "plugin '" + manifest.name + "' was built for SDK ABI version " +
                       std::to_string(manifest.sdk_abi) + ", but this host provides ABI version " +
                       std::to_string(sdk::kAbiVersion) + "; rebuild it against SDK " +
                       sdk::kSdkVersion);
  }
  if (kind && *kind != manifest.kind) {
    throw_rejected(sdk::ErrorCode::kInvalidArgument, source,
                   std::string("--kind is ") + sdk::to_string(*kind) +
                       " but its manifest declares kind " + sdk::to_string(manifest.kind) +
                       "; pass --kind " + sdk::to_string(manifest.kind) + " or leave --kind out");
  }
}

PreparedInstall prepare_install(const InstallRequest& request) {
  fs::path source = fs::absolute(request.source).lexically_normal();
  PluginManifest manifest = read_source_manifest(source);
  check_source_manifest(manifest, source, request.kind);

  PreparedInstall prepared;
  prepared.content = sdk::read_file(source);
  prepared.entry.kind = manifest.kind;
  prepared.entry.name = manifest.name;
  prepared.entry.version = manifest.version;
  prepared.entry.sha256 = sha256_hex(prepared.content);
  prepared.entry.source = source.string();
  prepared.entry.installed_at = sdk::utc_timestamp();
  return prepared;
}

std::string describe(const LockedExtension& entry) {
  return std::string(sdk::to_string(entry.kind)) + " '" + entry.name + "'";
}

void check_not_installed(const ExtensionLock& lock, const LockedExtension& entry,
                         const fs::path& file) {
  std::string fix = "; pass --force to replace it, or run `provisioning extension upgrade " +
                    entry.name + " " + entry.source + "`";
  if (const LockedExtension* existing = lock.find(entry.kind, entry.name)) {
    throw sdk::Error::already_exists(describe(entry) + " is already installed (version " +
                                     existing->version + ", '" + file.string() + "')" + fix);
  }
  std::error_code error;
  if (fs::exists(fs::symlink_status(file, error))) {
    throw sdk::Error::already_exists("'" + file.string() + "' already exists but is not in " +
                                     "extensions.lock" + fix);
  }
}

// Creates `directory` and its parent with mode 0755 when missing, so that they pass the
// strict-mode check whatever the umask.
void make_extension_directory(const fs::path& directory) {
  for (const fs::path& level : {directory.parent_path(), directory}) {
    std::error_code error;
    if (fs::is_directory(level, error)) continue;
    fs::create_directory(level, error);
    if (!error) fs::permissions(level, fs::perms(0755), error);
    if (error) {
      throw sdk::Error::unavailable("could not create directory '" + level.string() + "': " +
                                    error.message() + "; check the permissions of the workspace");
    }
  }
}

// Copies the prepared file into place and pins it; the caller holds the guard.
InstallResult write_install(const fs::path& workspace_root, const PreparedInstall& prepared,
                            ExtensionLock lock, bool dry_run) {
  InstallResult result;
  result.installed = prepared.entry;
  result.file = installed_extension_path(workspace_root, prepared.entry.kind, prepared.entry.name);
  if (const LockedExtension* previous = lock.find(prepared.entry.kind, prepared.entry.name)) {
    result.replaced = *previous;
  }
  if (dry_run) return result;
  make_extension_directory(result.file.parent_path());
  sdk::write_file_atomically(result.file, prepared.content, 0755);
  lock.put(prepared.entry);
  lock.write(extension_lock_path(workspace_root));
  return result;
}

}  // namespace

InstallResult install_extension(const fs::path& workspace_root, const InstallRequest& request) {
  PreparedInstall prepared = prepare_install(request);
  ExtensionsGuard guard(workspace_root);
  ExtensionLock lock = ExtensionLock::read(extension_lock_path(workspace_root));
  fs::path file =
      installed_extension_path(workspace_root, prepared.entry.kind, prepared.entry.name);
  if (!request.force) check_not_installed(lock, prepared.entry, file);
  return write_install(workspace_root, prepared, std::move(lock), request.dry_run);
}

InstallResult upgrade_extension(const fs::path& workspace_root, const std::string& name,
                                const InstallRequest& request) {
  PreparedInstall prepared = prepare_install(request);
  if (prepared.entry.name != name) {
    throw sdk::Error::invalid_argument(
        "cannot upgrade '" + name + "' with '" + prepared.entry.source + "': its manifest names " +
        describe(prepared.entry) + "; name the file of a build of '" + name +
        "', or install a new plugin with `provisioning extension install`");
  }
  ExtensionsGuard guard(workspace_root);
  ExtensionLock lock = ExtensionLock::read(extension_lock_path(workspace_root));
  fs::path file = installed_extension_path(workspace_root, prepared.entry.kind, name);
  std::error_code error;
  bool file_exists = fs::exists(fs::symlink_status(file, error));
  if (lock.find(prepared.entry.kind, name) == nullptr && !file_exists) {
    throw sdk::Error::not_found(describe(prepared.entry) + " is not installed in '" +
                                workspace_root.string() +
                                "', so there is nothing to upgrade; install it with "
                                "`provisioning extension install " +
                                prepared.entry.source + "`");
  }
  return write_install(workspace_root, prepared, std::move(lock), request.dry_run);
}

InstalledExtension find_installed_extension(const fs::path& workspace_root, const std::string& name,
                                            std::optional<sdk::PluginKind> kind) {
  ExtensionLock lock = ExtensionLock::read(extension_lock_path(workspace_root));
  std::vector<InstalledExtension> matches;
  for (sdk::PluginKind candidate : all_plugin_kinds()) {
    if (kind && *kind != candidate) continue;
    InstalledExtension extension;
    extension.kind = candidate;
    extension.name = name;
    extension.file = installed_extension_path(workspace_root, candidate, name);
    std::error_code error;
    extension.file_exists = fs::exists(fs::symlink_status(extension.file, error));
    if (const LockedExtension* locked = lock.find(candidate, name)) extension.locked = *locked;
    if (extension.file_exists || extension.locked) matches.push_back(std::move(extension));
  }
  if (matches.size() == 1) return matches.front();
  std::string description = kind ? std::string(sdk::to_string(*kind)) + " '" + name + "'"
                                 : "extension named '" + name + "'";
  if (matches.empty()) {
    throw sdk::Error::not_found("no " + description + " is installed in '" +
                                workspace_root.string() +
                                "' (neither in extensions.lock nor in extensions/); run "
                                "`provisioning extension list` to see the installed ones");
  }
  std::string kinds;
  for (const auto& match : matches) {
    kinds += (kinds.empty() ? "" : ", ") + std::string(sdk::to_string(match.kind));
  }
  throw sdk::Error::invalid_argument("several extensions are named '" + name + "' (" + kinds +
                                     "); pass --kind to choose one");
}

void remove_extension(const fs::path& workspace_root, const InstalledExtension& extension) {
  ExtensionsGuard guard(workspace_root);
  fs::path lock_file = extension_lock_path(workspace_root);
  ExtensionLock lock = ExtensionLock::read(lock_file);
  if (lock.erase(extension.kind, extension.name)) lock.write(lock_file);
  std::error_code error;
  fs::remove(extension.file, error);
  if (error) {
    throw sdk::Error::unavailable(
        "removed the pin of " + std::string(sdk::to_string(extension.kind)) + " '" +
        extension.name + "' but could not remove '" + extension.file.string() +
        "': " + error.message() + "; remove the file by hand");
  }
}

std::vector<ExtensionCheck> check_workspace_extensions(const fs::path& workspace_root) {
  fs::path lock_file = extension_lock_path(workspace_root);
  ExtensionLock lock = ExtensionLock::read(lock_file);
  fs::path extensions_dir = workspace_root / "extensions";
  return check_against_lock(list_extension_files(extensions_dir), lock, extensions_dir, lock_file);
}

}  // namespace provisioning::host
