#include "orchestrator/response_cache.h"

#include <provisioning/sdk/error.h>

#include <algorithm>
#include <cctype>

namespace provisioning::host {
namespace {

thread_local RequestReads* reads_of_thread = nullptr;

void append_field(std::string& key, std::string_view field) {
  key += std::to_string(field.size());
  key += ':';
  key += field;
}

std::string lower_case(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

}  // namespace

StorageChangeStamps::StorageChangeStamps(PluginHandle<sdk::StorageBackend> storage)
    : storage_(std::move(storage)) {
  if (storage_) {
    stamps_ = storage_.call("dynamic_cast", [](sdk::StorageBackend& s) {
      return dynamic_cast<sdk::ChangeStamps*>(&s);
    });
  }
}

std::uint64_t StorageChangeStamps::stamp(std::string_view collection) const {
  if (stamps_ == nullptr) {
    throw sdk::Error::internal("storage '" + storage_.identity().name +
                               "' has no change stamps; check available() first");
  }
  return storage_.call("change_stamp",
                       [&](sdk::StorageBackend&) { return stamps_->change_stamp(collection); });
}

RequestReads::RequestReads() : previous_(reads_of_thread) {
  reads_of_thread = this;
}

RequestReads::~RequestReads() {
  reads_of_thread = previous_;
}

void RequestReads::note_read(std::string collection, std::uint64_t stamp) {
  if (reads_of_thread != nullptr) reads_of_thread->reads_.push_back({std::move(collection), stamp});
}

void RequestReads::note_uncacheable() {
  if (reads_of_thread != nullptr) reads_of_thread->cacheable_ = false;
}

ResponseCache::ResponseCache(StorageChangeStamps stamps, std::size_t max_bytes)
    : stamps_(std::move(stamps)), max_bytes_(max_bytes) {}

std::string ResponseCache::key_for(const std::string& version, const HttpRequest& request) {
  // Length prefixes keep the key unambiguous whatever bytes the fields contain.
  std::string key;
  append_field(key, version);
  append_field(key, request.path);
  for (const auto& [name, value] : request.query) {
    append_field(key, name);
    append_field(key, value);
  }
  return key;
}

bool ResponseCache::storable(const HttpResponse& response) {
  if (response.status != 200) return false;
  for (const auto& [name, value] : response.headers) {
    std::string lower_name = lower_case(name);
    if (lower_name == "vary") return false;
    if (lower_name != "cache-control") continue;
    std::string lower_value = lower_case(value);
    if (lower_value.find("no-store") != std::string::npos ||
        lower_value.find("private") != std::string::npos) {
      return false;
    }
  }
  return true;
}

bool ResponseCache::current(const std::vector<CollectionRead>& reads) const {
  return std::all_of(reads.begin(), reads.end(), [this](const CollectionRead& read) {
    return stamps_.stamp(read.collection) == read.stamp;
  });
}

std::optional<HttpResponse> ResponseCache::find(const std::string& key) const {
  Entry entry;
  {
    std::lock_guard lock(mutex_);
    auto found = entries_.find(key);
    if (found == entries_.end()) return std::nullopt;
    entry = found->second;
  }
  // Stamps are read outside the lock because each is a storage call. When reading them
  // fails, the request goes to its plugin, whose storage call then reports the error.
  try {
    if (!current(entry.reads)) return std::nullopt;
  } catch (const std::exception&) {
    return std::nullopt;
  }
  return *entry.response;
}

void ResponseCache::store(const std::string& key, const HttpResponse& response,
                          std::vector<CollectionRead> reads) {
  std::size_t size = response.body.size();
  if (size > max_bytes_) return;
  auto shared = std::make_shared<const HttpResponse>(response);
  std::lock_guard lock(mutex_);
  if (auto found = entries_.find(key); found != entries_.end()) {
    bytes_ -= found->second.response->body.size();
    entries_.erase(found);
  }
  evict_to_fit(size);
  entries_[key] = Entry{std::move(shared), std::move(reads), next_sequence_++};
  bytes_ += size;
}

// Drops the oldest entries until `incoming` more bytes fit. Called with mutex_ held.
void ResponseCache::evict_to_fit(std::size_t incoming) {
  while (!entries_.empty() && (bytes_ + incoming > max_bytes_ || entries_.size() >= kMaxEntries)) {
    auto oldest = std::min_element(
        entries_.begin(), entries_.end(),
        [](const auto& a, const auto& b) { return a.second.sequence < b.second.sequence; });
    bytes_ -= oldest->second.response->body.size();
    entries_.erase(oldest);
  }
}

std::size_t ResponseCache::size() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

}  // namespace provisioning::host
