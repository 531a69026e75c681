#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace provisioning::host {

// Returns the SHA-256 digest of `data` as 64 lower-case hex digits.
std::string sha256_hex(std::string_view data);

// Returns the SHA-256 digest of the file's content as 64 lower-case hex digits, reading
// it in blocks. Throws sdk::Error (kNotFound when the file does not exist, else
// kUnavailable) naming the file.
std::string sha256_file_hex(const std::filesystem::path& file);

}  // namespace provisioning::host
