#pragma once

#include <provisioning/sdk/json.h>
#include <provisioning/sdk/provider.h>

#include <chrono>
#include <functional>
#include <future>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "host.h"

namespace provisioning::host {

struct CreateServerRequest {
  std::string name;
  std::string plan;
  std::string zone;      // empty: server.default_zone
  std::string provider;  // empty: provider.default
  json::array tags;
  json::object metadata;
  bool check = false;  // validate and return the planned record without creating anything
  bool wait = false;   // wait until the provider reports the server running
  std::chrono::seconds wait_timeout{300};
  // Called between the provider polls of `wait`. It may throw to stop waiting, as the
  // orchestrator's cancellation and task timeout do, and the record stays "creating".
  std::function<void()> between_polls;
  // Stores the record once the provider has made the server. When empty, create() makes
  // one write transaction and returns once it is durable. The orchestrator queues the
  // write instead: the workflow's end, stored durably after it, makes it durable too.
  std::function<void(const json::object& record)> store_created;
  // Calls the provider while the name's reservation is still being stored, when the
  // provider lists sdk::kUniqueNamesCapability and an asynchronous write transaction is
  // set. metadata["workflow_id"] must then name the creator: a retry after a crash adopts
  // the provider's server of this name only when it carries the same value.
  bool overlap_reservation = false;
};

struct ServerFilter {
  std::string provider;
  std::string zone;
  std::string status;
};

// Creates, lists and deletes servers: the provider does the work and the storage backend
// keeps the records ("servers" collection, keyed by a host-generated id).
//
// A record carries id, name, provider, provider_id, plan, zone, status, ip_address,
// created_at, updated_at, metadata and tags. Names are unique in a workspace, also
// across processes: creation first reserves the name in a storage transaction.
class ServerService {
 public:
  // Runs `body` as one write transaction on the workspace's storage and returns once it
  // is durable. When `body` throws, nothing of it is written and the error is rethrown.
  using WriteTransaction =
      std::function<void(const std::function<void(sdk::StorageView& view)>& body)>;

  explicit ServerService(Host& host) : host_(host) {}

  // Replaces how record writes reach storage. The orchestrator passes one that joins its
  // group commits, and an empty function restores a storage transaction per write.
  void set_write_transaction(WriteTransaction write) { write_ = std::move(write); }

  // Queues `body` as one write transaction and returns a future. The future is ready
  // once the writes are durable, and its get() throws what `body` or the transaction threw.
  using AsyncWriteTransaction =
      std::function<std::future<void>(const std::function<void(sdk::StorageView& view)>& body)>;

  // Sets how CreateServerRequest::overlap_reservation stores the reservation; empty
  // turns the overlap off.
  void set_async_write_transaction(AsyncWriteTransaction write) { write_async_ = std::move(write); }

  // Returns the new record, or with request.check the record that would be created
  // (status "planned"). Throws sdk::Error: kInvalidArgument for a bad name, plan or
  // zone, kAlreadyExists for a name in use.
  json::object create(const CreateServerRequest& request);

  std::vector<json::object> list(const ServerFilter& filter = {});

  // Throws sdk::Error (kNotFound) with a "did you mean" when a name is close.
  json::object get(const std::string& name);

  std::optional<json::object> find(const std::string& name);

  // Deletes the server at its provider, then its record and its taskserv records.
  // With `check`, returns the record without deleting anything.
  json::object remove(const std::string& name, bool check = false);

  // Settles a record left in "creating" by an interrupted create: adopts the server when
  // the provider reports it running, otherwise deletes whatever the provider has and
  // removes the record, so the create can run again. Returns the adopted record.
  std::optional<json::object> reconcile_creating(const json::object& record);

  std::vector<sdk::Plan> plans(const std::string& provider);
  std::vector<sdk::Zone> zones(const std::string& provider);

  std::string default_provider() const;

 private:
  json::object reserve(const json::object& record);
  void create_after_reserve(const PluginHandle<sdk::Provider>& provider,
                            const sdk::ServerSpec& spec, json::object& record);
  void create_overlapping(const PluginHandle<sdk::Provider>& provider, const sdk::ServerSpec& spec,
                          json::object& record);
  std::optional<sdk::ServerInfo> owned_server(const PluginHandle<sdk::Provider>& provider,
                                              const sdk::ServerSpec& spec);
  void release(const json::object& record, std::future<void>& reserved);
  void remove_record(const json::object& record);
  void write(const std::function<void(sdk::StorageView& view)>& body);
  json::object wait_until_running(const PluginHandle<sdk::Provider>& provider, json::object record,
                                  const CreateServerRequest& request);

  Host& host_;
  WriteTransaction write_;
  AsyncWriteTransaction write_async_;
  std::mutex creating_mutex_;
  std::set<std::string> creating_;  // names of the overlapping creates running now
};

// Returns the workflow that created a server, from the "workflow_id" entry of its
// metadata, or an empty string.
std::string owner_of(const json::object& metadata);

// Returns the record's string field, or an empty string.
std::string record_string(const json::object& record, std::string_view field);

}  // namespace provisioning::host
