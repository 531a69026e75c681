#include "sha256.h"

#include <openssl/evp.h>
#include <provisioning/sdk/error.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <memory>

namespace provisioning::host {
namespace {

using DigestContext = std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)>;

// Incremental SHA-256 through OpenSSL's EVP interface.
class Sha256 {
 public:
  Sha256() : context_(EVP_MD_CTX_new(), &EVP_MD_CTX_free) {
    if (!context_ || EVP_DigestInit_ex(context_.get(), EVP_sha256(), nullptr) != 1) {
      throw sdk::Error::internal("OpenSSL could not start a SHA-256 digest");
    }
  }

  void update(const void* data, std::size_t size) {
    if (EVP_DigestUpdate(context_.get(), data, size) != 1) {
      throw sdk::Error::internal("OpenSSL failed to update a SHA-256 digest");
    }
  }

  std::string hex() {
    std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
    unsigned int size = 0;
    if (EVP_DigestFinal_ex(context_.get(), digest.data(), &size) != 1) {
      throw sdk::Error::internal("OpenSSL failed to finish a SHA-256 digest");
    }
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string text;
    text.reserve(size * 2);
    for (unsigned int i = 0; i < size; ++i) {
      text += kDigits[digest[i] >> 4];
      text += kDigits[digest[i] & 0x0f];
    }
    return text;
  }

 private:
  DigestContext context_;
};

}  // namespace

std::string sha256_hex(std::string_view data) {
  Sha256 digest;
  digest.update(data.data(), data.size());
  return digest.hex();
}

std::string sha256_file_hex(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    int error_number = errno;
    if (error_number == ENOENT) {
      throw sdk::Error::not_found("cannot hash '" + file.string() + "': file not found");
    }
    throw sdk::Error::unavailable("cannot hash '" + file.string() +
                                  "': " + std::strerror(error_number));
  }
  Sha256 digest;
  std::array<char, 64 * 1024> buffer{};
  while (in.read(buffer.data(), buffer.size()) || in.gcount() > 0) {
    digest.update(buffer.data(), static_cast<std::size_t>(in.gcount()));
  }
  if (in.bad()) {
    throw sdk::Error::unavailable("cannot hash '" + file.string() + "': read failed");
  }
  return digest.hex();
}

}  // namespace provisioning::host
