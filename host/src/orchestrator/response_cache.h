#pragma once

#include <provisioning/sdk/storage.h>

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "orchestrator/api_router.h"
#include "plugin_loader.h"

namespace provisioning::host {

// The change stamps of the storage backend, when it implements sdk::ChangeStamps.
class StorageChangeStamps {
 public:
  explicit StorageChangeStamps(PluginHandle<sdk::StorageBackend> storage);

  bool available() const { return stamps_ != nullptr; }

  // Returns the collection's current stamp. Throws sdk::Error when the backend fails,
  // and sdk::Error (kInternal) when stamps are not available.
  std::uint64_t stamp(std::string_view collection) const;

 private:
  PluginHandle<sdk::StorageBackend> storage_;
  sdk::ChangeStamps* stamps_ = nullptr;
};

// A collection that a request read, and its stamp taken before the read.
struct CollectionRead {
  std::string collection;
  std::uint64_t stamp = 0;
};

// Records, for the request the current thread serves, which collections the host
// operations read and whether any operation's result cannot be tied to stamps.
class RequestReads {
 public:
  RequestReads();  // starts recording on this thread
  ~RequestReads();
  RequestReads(const RequestReads&) = delete;
  RequestReads& operator=(const RequestReads&) = delete;

  // Adds a read to the recording of the current thread, if any.
  static void note_read(std::string collection, std::uint64_t stamp);

  // Marks the current thread's response as not reusable, if a recording is active.
  static void note_uncacheable();

  // True when at least one read was noted and nothing marked the response uncacheable.
  bool cacheable() const { return cacheable_ && !reads_.empty(); }
  const std::vector<CollectionRead>& reads() const { return reads_; }

 private:
  RequestReads* previous_;
  std::vector<CollectionRead> reads_;
  bool cacheable_ = true;
};

// Responses to GET requests, reused while every collection they were computed from keeps
// the stamp it had before the computation. A response is reused for the same API
// version, path and query only, and only while its stamps are current, so a write that
// commits at any moment makes the next lookup recompute. Memory is bounded by
// `max_bytes` of bodies and kMaxEntries entries. Thread-safe.
class ResponseCache {
 public:
  explicit ResponseCache(StorageChangeStamps stamps, std::size_t max_bytes = kDefaultMaxBytes);

  static constexpr std::size_t kDefaultMaxBytes = 16u << 20;
  static constexpr std::size_t kMaxEntries = 256;

  // The key of a request: API version, path and decoded query parameters.
  static std::string key_for(const std::string& version, const HttpRequest& request);

  // Returns whether `response` to a GET may be stored: status 200, and neither
  // "Cache-Control: no-store" nor "private" nor a Vary header from the API plugin.
  static bool storable(const HttpResponse& response);

  // Returns the stored response for `key` when its stamps are still current.
  std::optional<HttpResponse> find(const std::string& key) const;

  // Stores `response` with the stamps the request read. Replaces an older entry for the
  // key and evicts the oldest entries to stay within max_bytes.
  void store(const std::string& key, const HttpResponse& response,
             std::vector<CollectionRead> reads);

  const StorageChangeStamps& stamps() const { return stamps_; }

  // Entries stored, for tests.
  std::size_t size() const;

 private:
  struct Entry {
    std::shared_ptr<const HttpResponse> response;
    std::vector<CollectionRead> reads;
    std::uint64_t sequence = 0;  // insertion order, for eviction
  };

  bool current(const std::vector<CollectionRead>& reads) const;
  void evict_to_fit(std::size_t incoming);

  StorageChangeStamps stamps_;
  std::size_t max_bytes_;
  mutable std::mutex mutex_;
  std::map<std::string, Entry> entries_;
  std::size_t bytes_ = 0;
  std::uint64_t next_sequence_ = 0;
};

}  // namespace provisioning::host
