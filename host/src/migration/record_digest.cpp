#include "record_digest.h"

#include <openssl/evp.h>

#include <algorithm>
#include <charconv>
#include <stdexcept>
#include <vector>

namespace provisioning::host::migration {
namespace {

namespace json = boost::json;

constexpr std::size_t kSha256Bytes = 32;

// Members of one object, sorted by key. Objects of up to kInlineMembers members, which
// covers the record shapes the host writes, need no heap allocation.
class SortedMembers {
 public:
  explicit SortedMembers(const json::object& object) : size_(object.size()) {
    if (size_ > kInlineMembers) overflow_.resize(size_);
    const json::key_value_pair** out = data();
    for (const auto& member : object) *out++ = &member;
    std::sort(data(), data() + size_,
              [](const auto* a, const auto* b) { return a->key() < b->key(); });
  }

  const json::key_value_pair* const* begin() { return data(); }
  const json::key_value_pair* const* end() { return data() + size_; }

 private:
  static constexpr std::size_t kInlineMembers = 32;

  const json::key_value_pair** data() {
    return size_ > kInlineMembers ? overflow_.data() : inline_.data();
  }

  std::size_t size_;
  std::array<const json::key_value_pair*, kInlineMembers> inline_;
  std::vector<const json::key_value_pair*> overflow_;
};

// True when JSON writes `text` between quotes unchanged: Boost.JSON escapes only '"',
// '\\' and the control characters below 0x20.
bool needs_no_escape(std::string_view text) {
  for (char c : text) {
    auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || c == '"' || c == '\\') return false;
  }
  return true;
}

void append_string(std::string_view text, std::string& out) {
  if (!needs_no_escape(text)) {
    out += json::serialize(json::string(text));
    return;
  }
  out += '"';
  out.append(text);
  out += '"';
}

template <typename Integer>
void append_integer(Integer number, std::string& out) {
  char digits[24];
  auto end = std::to_chars(digits, digits + sizeof digits, number).ptr;
  out.append(digits, end);
}

void append_canonical(const json::value& value, std::string& out);

void append_object(const json::object& object, std::string& out) {
  out += '{';
  bool first = true;
  for (const json::key_value_pair* member : SortedMembers(object)) {
    if (!first) out += ',';
    first = false;
    append_string(member->key(), out);
    out += ':';
    append_canonical(member->value(), out);
  }
  out += '}';
}

// Writes what json::serialize() writes for `value`, but with sorted object keys. The
// fast paths produce the same bytes as json::serialize(), which record digests stored
// in older backups and reports depend on.
void append_canonical(const json::value& value, std::string& out) {
  switch (value.kind()) {
    case json::kind::object:
      append_object(value.get_object(), out);
      return;
    case json::kind::array: {
      out += '[';
      bool first = true;
      for (const json::value& item : value.get_array()) {
        if (!first) out += ',';
        first = false;
        append_canonical(item, out);
      }
      out += ']';
      return;
    }
    case json::kind::string:
      append_string(value.get_string(), out);
      return;
    case json::kind::int64:
      append_integer(value.get_int64(), out);
      return;
    case json::kind::uint64:
      append_integer(value.get_uint64(), out);
      return;
    case json::kind::bool_:
      out += value.get_bool() ? "true" : "false";
      return;
    case json::kind::null:
      out += "null";
      return;
    case json::kind::double_:
      out += json::serialize(value);
      return;
  }
}

// A SHA-256 context made once per thread: OpenSSL 3's one-shot SHA256() fetches the
// algorithm from its provider on every call, a lookup this class makes once.
class Sha256 {
 public:
  Sha256() : digest_(EVP_MD_fetch(nullptr, "SHA256", nullptr)), context_(EVP_MD_CTX_new()) {
    if (digest_ == nullptr || context_ == nullptr) {
      throw std::runtime_error(
          "OpenSSL failed to provide SHA-256 (EVP_MD_fetch or EVP_MD_CTX_new returned null): "
          "check the OpenSSL 3 installation and its default provider");
    }
  }
  ~Sha256() {
    EVP_MD_CTX_free(context_);
    EVP_MD_free(digest_);
  }
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  std::array<unsigned char, kSha256Bytes> hash(std::string_view text) {
    std::array<unsigned char, kSha256Bytes> result{};
    unsigned int size = 0;
    if (EVP_DigestInit_ex(context_, digest_, nullptr) != 1 ||
        EVP_DigestUpdate(context_, text.data(), text.size()) != 1 ||
        EVP_DigestFinal_ex(context_, result.data(), &size) != 1 || size != result.size()) {
      throw std::runtime_error("computing a SHA-256 digest with OpenSSL failed");
    }
    return result;
  }

 private:
  EVP_MD* digest_;
  EVP_MD_CTX* context_;
};

std::array<unsigned char, kSha256Bytes> sha256_bytes(std::string_view collection,
                                                     std::string_view id,
                                                     const json::object& record) {
  thread_local Sha256 sha256;
  thread_local std::string text;  // reused, so its capacity is allocated once
  text.clear();
  text.append(collection).push_back('\0');
  text.append(id).push_back('\0');
  append_object(record, text);
  return sha256.hash(text);
}

std::string to_hex(const unsigned char* bytes, std::size_t size) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(size * 2);
  for (std::size_t i = 0; i < size; ++i) {
    hex += kDigits[bytes[i] >> 4];
    hex += kDigits[bytes[i] & 0x0f];
  }
  return hex;
}

}  // namespace

std::string canonical_json(const json::value& value) {
  std::string out;
  append_canonical(value, out);
  return out;
}

std::string record_hash(std::string_view collection, std::string_view id,
                        const json::object& record) {
  auto digest = sha256_bytes(collection, id, record);
  return to_hex(digest.data(), digest.size());
}

void CollectionDigest::add(std::string_view collection, std::string_view id,
                           const json::object& record) {
  auto digest = sha256_bytes(collection, id, record);
  unsigned __int128 carry = 0;
  for (std::size_t limb = 0; limb < sum_.size(); ++limb) {
    std::uint64_t part = 0;
    for (std::size_t byte = 0; byte < 8; ++byte) {
      part |= static_cast<std::uint64_t>(digest[limb * 8 + byte]) << (8 * byte);
    }
    unsigned __int128 total = static_cast<unsigned __int128>(sum_[limb]) + part + carry;
    sum_[limb] = static_cast<std::uint64_t>(total);
    carry = total >> 64;
  }
  ++count_;
}

std::string CollectionDigest::hex() const {
  unsigned char bytes[32];
  for (std::size_t limb = 0; limb < sum_.size(); ++limb) {
    for (std::size_t byte = 0; byte < 8; ++byte) {
      bytes[limb * 8 + byte] = static_cast<unsigned char>(sum_[limb] >> (8 * byte));
    }
  }
  return to_hex(bytes, sizeof bytes);
}

}  // namespace provisioning::host::migration
