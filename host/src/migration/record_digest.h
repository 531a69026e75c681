#pragma once

#include <array>
#include <boost/json.hpp>
#include <cstdint>
#include <string>
#include <string_view>

namespace provisioning::host::migration {

// Serializes `value` as JSON with the keys of every object sorted, so two backends that
// keep keys in different orders produce the same text.
std::string canonical_json(const boost::json::value& value);

// Returns the SHA-256 (hex) of the collection, the id and the record's canonical JSON.
std::string record_hash(std::string_view collection, std::string_view id,
                        const boost::json::object& record);

// An order-independent digest of a set of records: the sum modulo 2^256 of their
// record_hash() values, so a source read in directory order and a target read in id
// order agree when they hold the same records.
class CollectionDigest {
 public:
  void add(std::string_view collection, std::string_view id, const boost::json::object& record);

  std::uint64_t count() const { return count_; }
  std::string hex() const;
  bool operator==(const CollectionDigest& other) const = default;

 private:
  std::array<std::uint64_t, 4> sum_{};  // little-endian 64-bit limbs
  std::uint64_t count_ = 0;
};

}  // namespace provisioning::host::migration
