#include "record_digest.h"

#include <openssl/sha.h>

#include <algorithm>
#include <cstdio>
#include <vector>

namespace provisioning::host::migration {
namespace {

namespace json = boost::json;

void append_canonical(const json::value& value, std::string& out) {
  if (value.is_object()) {
    const json::object& object = value.as_object();
    std::vector<const json::key_value_pair*> members;
    members.reserve(object.size());
    for (const auto& member : object) members.push_back(&member);
    std::sort(members.begin(), members.end(),
              [](const auto* a, const auto* b) { return a->key() < b->key(); });
    out += '{';
    for (std::size_t i = 0; i < members.size(); ++i) {
      if (i > 0) out += ',';
      out += json::serialize(json::string(members[i]->key()));
      out += ':';
      append_canonical(members[i]->value(), out);
    }
    out += '}';
  } else if (value.is_array()) {
    out += '[';
    bool first = true;
    for (const json::value& item : value.as_array()) {
      if (!first) out += ',';
      first = false;
      append_canonical(item, out);
    }
    out += ']';
  } else {
    out += json::serialize(value);
  }
}

std::array<unsigned char, SHA256_DIGEST_LENGTH> sha256_bytes(std::string_view collection,
                                                             std::string_view id,
                                                             const json::object& record) {
  std::string text;
  text.reserve(256);
  text.append(collection).push_back('\0');
  text.append(id).push_back('\0');
  append_canonical(record, text);
  std::array<unsigned char, SHA256_DIGEST_LENGTH> digest{};
  SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest.data());
  return digest;
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
