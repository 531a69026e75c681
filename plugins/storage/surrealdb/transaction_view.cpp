#include "transaction_view.h"

namespace provisioning::plugins::surrealdb {
namespace {

bool has_string_field(const json::object& record, std::string_view field, std::string_view value) {
  const json::value* member = record.if_contains(field);
  return member != nullptr && member->is_string() && member->get_string() == value;
}

}  // namespace

std::optional<json::object> TransactionView::get(std::string_view collection, std::string_view id) {
  sdk::validate_record_key(collection, id);
  lock_.renew_if_due();
  auto found = writes_.find(Key(collection, id));
  if (found != writes_.end()) return found->second;
  return store_.get(collection, id);
}

void TransactionView::put(std::string_view collection, std::string_view id,
                          const json::object& record) {
  sdk::validate_record_key(collection, id);
  lock_.renew_if_due();
  writes_[Key(collection, id)] = record;
}

bool TransactionView::remove(std::string_view collection, std::string_view id) {
  bool existed = get(collection, id).has_value();
  writes_[Key(collection, id)] = std::nullopt;
  return existed;
}

std::pair<TransactionView::Buffer::const_iterator, TransactionView::Buffer::const_iterator>
TransactionView::buffered(std::string_view collection) const {
  auto begin = writes_.lower_bound(Key(collection, ""));
  auto end = begin;
  while (end != writes_.end() && end->first.first == collection) ++end;
  return {begin, end};
}

// Walks the server's records and the buffered ones of the collection side by side in id
// order. A buffered entry replaces (or, when removed, hides) the server's record with
// the same id.
void TransactionView::for_each(std::string_view collection, const sdk::RecordVisitor& visit) {
  sdk::validate_record_key(collection, "id");
  lock_.renew_if_due();
  auto [next, end] = buffered(collection);
  bool stopped = false;
  // Visits the buffered records before `limit`, and returns false once the visitor stops.
  auto visit_buffered_before = [&](const std::string* limit) {
    for (; next != end && (limit == nullptr || next->first.second < *limit); ++next) {
      if (next->second && !visit(next->first.second, *next->second)) return false;
    }
    return true;
  };
  store_.for_each(collection, [&](const std::string& id, const json::object& record) {
    if (!visit_buffered_before(&id)) {
      stopped = true;
      return false;
    }
    if (next != end && next->first.second == id) {
      auto entry = next++;
      if (!entry->second) return true;
      stopped = !visit(id, *entry->second);
      return !stopped;
    }
    stopped = !visit(id, record);
    return !stopped;
  });
  if (!stopped) visit_buffered_before(nullptr);
}

std::vector<json::object> TransactionView::find(std::string_view collection, std::string_view field,
                                                std::string_view value) {
  sdk::validate_record_key(collection, "id");
  lock_.renew_if_due();
  std::map<std::string, json::object> matches;
  for (auto& row : store_.find(collection, field, value)) {
    matches.emplace(std::move(row.id), std::move(row.record));
  }
  auto [next, end] = buffered(collection);
  for (; next != end; ++next) {
    matches.erase(next->first.second);
    if (next->second && has_string_field(*next->second, field, value)) {
      matches.emplace(next->first.second, *next->second);
    }
  }
  std::vector<json::object> records;
  for (auto& [id, record] : matches) records.push_back(std::move(record));
  return records;
}

std::size_t TransactionView::count(std::string_view collection) {
  sdk::validate_record_key(collection, "id");
  lock_.renew_if_due();
  std::size_t total = store_.count(collection);
  auto [next, end] = buffered(collection);
  for (; next != end; ++next) {
    bool on_server = store_.get(collection, next->first.second).has_value();
    if (on_server && !next->second) --total;
    if (!on_server && next->second) ++total;
  }
  return total;
}

void TransactionView::commit() {
  if (writes_.empty()) {
    lock_.release();
    return;
  }
  std::string sql = "BEGIN TRANSACTION; " + lock_.commit_guard();
  for (const auto& [key, record] : writes_) {
    sql += ' ';
    sql += record ? RecordStore::put_statement(key.first, key.second, *record)
                  : RecordStore::remove_statement(key.first, key.second);
  }
  sql += ' ' + WriterLock::release_statement() + " COMMIT TRANSACTION;";
  std::string action = "committing a transaction of " + std::to_string(writes_.size()) + " writes";
  retry_transient(Clock::now() + client_.settings().timeout,
                  action + " timed out on SurrealDB at " + client_.location(),
                  [&] { client_.execute(sql, action); });
}

}  // namespace provisioning::plugins::surrealdb
