#pragma once
// The view that a surrealdb transaction body works on.
//
// Writes are buffered in memory and sent as one BEGIN TRANSACTION ... COMMIT TRANSACTION
// request by commit(), so a body that throws has written nothing. Reads see the body's
// own writes: get() and count() consult the buffer before the server, and for_each()
// and find() merge the buffered records into the server's results in id order. The
// server's side of a read shows committed data only, which no other writer can change
// meanwhile, because the transaction holds the writer lock (writer_lock.h).
//
// NOTE: the commit is one HTTP request, so a transaction's writes must fit the server's
// /sql body limit (SURREAL_HTTP_MAX_SQL_BODY_SIZE, 1 MiB by default in SurrealDB 3).

#include <provisioning/sdk/storage.h>

#include <map>
#include <optional>
#include <string>
#include <utility>

#include "record_store.h"
#include "writer_lock.h"

namespace provisioning::plugins::surrealdb {

class TransactionView final : public sdk::StorageView {
 public:
  TransactionView(const RecordStore& store, const SurrealClient& client, WriterLock& lock)
      : store_(store), client_(client), lock_(lock) {}

  std::optional<json::object> get(std::string_view collection, std::string_view id) override;
  void put(std::string_view collection, std::string_view id, const json::object& record) override;
  bool remove(std::string_view collection, std::string_view id) override;
  void for_each(std::string_view collection, const sdk::RecordVisitor& visit) override;
  std::vector<json::object> find(std::string_view collection, std::string_view field,
                                 std::string_view value) override;
  std::size_t count(std::string_view collection) override;

  // Sends the buffered writes with the lease check and release in one request, retrying
  // a write conflict until the client's timeout. Frees the lease when nothing was written.
  void commit();

 private:
  using Key = std::pair<std::string, std::string>;            // (collection, id)
  using Buffer = std::map<Key, std::optional<json::object>>;  // nullopt: removed

  // The buffered entries of `collection`, in id order.
  std::pair<Buffer::const_iterator, Buffer::const_iterator> buffered(
      std::string_view collection) const;

  const RecordStore& store_;
  const SurrealClient& client_;
  WriterLock& lock_;
  Buffer writes_;
};

}  // namespace provisioning::plugins::surrealdb
