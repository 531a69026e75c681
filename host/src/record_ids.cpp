#include "record_ids.h"

#include <array>
#include <cstdint>
#include <random>

namespace provisioning::host {
namespace {

// Writes the 16 bytes in the canonical form 8-4-4-4-12 of lower-case hex digits.
std::string format_uuid(const std::array<std::uint8_t, 16>& bytes) {
  constexpr char kDigits[] = "0123456789abcdef";
  std::string text;
  text.reserve(36);
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) text += '-';
    text += kDigits[bytes[i] >> 4];
    text += kDigits[bytes[i] & 0x0F];
  }
  return text;
}

}  // namespace

std::string new_record_id() {
  return new_record_id(std::chrono::system_clock::now());
}

std::string new_record_id(std::chrono::system_clock::time_point now) {
  thread_local std::mt19937_64 generator{std::random_device{}()};
  auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch());
  auto unix_ms = static_cast<std::uint64_t>(millis.count());
  std::uint64_t random_high = generator();
  std::uint64_t random_low = generator();

  std::array<std::uint8_t, 16> bytes{};
  for (int i = 0; i < 6; ++i) bytes[i] = static_cast<std::uint8_t>(unix_ms >> (40 - 8 * i));
  for (int i = 6; i < 8; ++i) bytes[i] = static_cast<std::uint8_t>(random_high >> (8 * i));
  for (int i = 8; i < 16; ++i) bytes[i] = static_cast<std::uint8_t>(random_low >> (8 * (i - 8)));
  bytes[6] = static_cast<std::uint8_t>(0x70 | (bytes[6] & 0x0F));  // version 7
  bytes[8] = static_cast<std::uint8_t>(0x80 | (bytes[8] & 0x3F));  // RFC 9562 variant
  return format_uuid(bytes);
}

}  // namespace provisioning::host
