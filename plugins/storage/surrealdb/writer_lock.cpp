#include "writer_lock.h"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <random>
#include <thread>

#include "surrealql.h"

namespace provisioning::plugins::surrealdb {
namespace {

constexpr auto kFirstPause = std::chrono::milliseconds(5);
constexpr auto kLongestPause = std::chrono::milliseconds(100);

std::string random_token() {
  std::random_device device;
  std::array<char, 33> text{};
  std::snprintf(text.data(), text.size(), "%08x%08x%08x%08x", device(), device(), device(),
                device());
  return text.data();
}

std::string this_process() {
  std::array<char, 256> host{};
  if (::gethostname(host.data(), host.size() - 1) != 0) host[0] = '\0';
  return std::string(host.data()) + " pid " + std::to_string(::getpid());
}

std::string lease_expiry(std::chrono::milliseconds lease) {
  return "time::now() + " + std::to_string(lease.count()) + "ms";
}

}  // namespace

void retry_transient(Clock::time_point deadline, const std::string& timeout_message,
                     const std::function<void()>& attempt) {
  auto pause = kFirstPause;
  while (true) {
    try {
      attempt();
      return;
    } catch (const TransientError& error) {
      if (Clock::now() + pause >= deadline) {
        throw sdk::Error::unavailable(timeout_message + " (last failure: " + error.what() + ")");
      }
    }
    std::this_thread::sleep_for(pause);
    pause =
        std::min(pause * 2, std::chrono::duration_cast<std::chrono::milliseconds>(kLongestPause));
  }
}

WriterLock::WriterLock(const SurrealClient& client, std::shared_ptr<spdlog::logger> log)
    : client_(client), log_(std::move(log)), token_(random_token()), holder_(this_process()) {}

void WriterLock::acquire() {
  const Settings& settings = client_.settings();
  std::string sql = "UPSERT writer_lock:main SET owner = " + string_literal(token_) +
                    ", holder = " + string_literal(holder_) +
                    ", expires = " + lease_expiry(settings.lock_lease) +
                    " WHERE owner = NONE OR owner = " + string_literal(token_) +
                    " OR expires < time::now() RETURN VALUE owner;";
  auto deadline = Clock::now() + settings.timeout;
  auto pause = kFirstPause;
  while (true) {
    try {
      auto results = client_.execute(sql, "taking the writer lock");
      if (!results.at(0).as_array().empty()) {
        renewed_at_ = Clock::now();
        return;
      }
    } catch (const TransientError&) {
      // Another process took or touched the lease at the same time: try again.
    }
    if (Clock::now() + pause >= deadline) {
      throw sdk::Error::unavailable(
          "timed out after " + std::to_string(settings.timeout.count()) +
          " ms waiting for the writer lock on SurrealDB at " + client_.location() + ", held by " +
          describe_holder() +
          "; retry when that transaction ends, or raise storage.surrealdb.timeout_ms");
    }
    std::this_thread::sleep_for(pause);
    pause =
        std::min(pause * 2, std::chrono::duration_cast<std::chrono::milliseconds>(kLongestPause));
  }
}

void WriterLock::renew_if_due() {
  const Settings& settings = client_.settings();
  if (Clock::now() - renewed_at_ < settings.lock_lease / 3) return;
  std::string sql = "UPDATE writer_lock:main SET expires = " + lease_expiry(settings.lock_lease) +
                    " WHERE owner = " + string_literal(token_) + " RETURN VALUE owner;";
  auto results = client_.execute(sql, "renewing the writer lock");
  if (results.at(0).as_array().empty()) {
    throw sdk::Error::unavailable(
        "the transaction's writer lock on SurrealDB at " + client_.location() +
        " expired and was taken by " + describe_holder() +
        ", so the transaction was rolled back; retry, or raise storage.surrealdb.lock_lease_ms");
  }
  renewed_at_ = Clock::now();
}

std::string WriterLock::commit_guard() const {
  return "LET $writer_lock = (SELECT owner, expires FROM ONLY writer_lock:main);"
         " IF $writer_lock.owner != " +
         string_literal(token_) + " OR $writer_lock.expires <= time::now() { THROW " +
         string_literal(kLockLostMarker) + " };";
}

std::string WriterLock::release_statement() {
  return "UPDATE writer_lock:main SET owner = NONE, holder = NONE, expires = NONE RETURN NONE;";
}

void WriterLock::release() noexcept {
  try {
    client_.execute(
        "UPDATE writer_lock:main SET owner = NONE, holder = NONE, expires = NONE"
        " WHERE owner = " +
            string_literal(token_) + " RETURN NONE;",
        "releasing the writer lock");
  } catch (const std::exception& error) {
    log_->warn(
        "releasing the writer lock on SurrealDB at {} failed, so it stays taken until "
        "it expires: {}",
        client_.location(), error.what());
  }
}

std::string WriterLock::unlocked_write_guard() {
  return std::string(
             "LET $writer_lock = (SELECT owner, expires FROM ONLY writer_lock:main);"
             " IF $writer_lock.owner != NONE AND $writer_lock.expires > time::now() { THROW ") +
         string_literal(kLockHeldMarker) +
         " }; UPSERT writer_lock:main SET touched = time::now() RETURN NONE;";
}

std::string WriterLock::describe_holder() const {
  try {
    auto results = client_.execute("SELECT VALUE holder FROM ONLY writer_lock:main;",
                                   "reading the writer lock");
    if (results.at(0).is_string()) return "'" + std::string(results.at(0).get_string()) + "'";
  } catch (const std::exception&) {
    // The holder only decorates a message, and the caller reports its own error.
  }
  return "another process";
}

}  // namespace provisioning::plugins::surrealdb
