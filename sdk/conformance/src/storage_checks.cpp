// Checks of the StorageBackend contract (provisioning/sdk/storage.h). Each check uses
// collections of its own, named "conformance_<check>", so no check reads another's data.

#include <algorithm>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "check_support.h"

namespace provisioning::conformance::detail {
namespace {

namespace json = sdk::json;

// Thrown from a transaction body to provoke a rollback; transaction() must rethrow it.
class RollbackProbe : public std::runtime_error {
 public:
  RollbackProbe() : std::runtime_error("conformance rollback probe") {}
};

std::string key(std::string_view collection, std::string_view id) {
  return quote(collection) + "/" + quote(id);
}

std::optional<json::object> get(sdk::StorageView& view, std::string_view collection,
                                std::string_view id) {
  return attempt("get(" + key(collection, id) + ")", [&] { return view.get(collection, id); });
}

void put(sdk::StorageView& view, std::string_view collection, std::string_view id,
         const json::object& record) {
  attempt("put(" + key(collection, id) + ")", [&] { view.put(collection, id, record); });
}

bool remove(sdk::StorageView& view, std::string_view collection, std::string_view id) {
  return attempt("remove(" + key(collection, id) + ")",
                 [&] { return view.remove(collection, id); });
}

void expect_record(sdk::StorageView& view, std::string_view collection, std::string_view id,
                   const json::object& expected, std::string_view when) {
  auto found = get(view, collection, id);
  if (!found) fail("get(" + key(collection, id) + ") " + std::string(when) + " returned nothing");
  if (*found != expected) {
    fail("get(" + key(collection, id) + ") " + std::string(when) + " returned " +
         json::serialize(*found) + ", expected " + json::serialize(expected));
  }
}

void expect_absent(sdk::StorageView& view, std::string_view collection, std::string_view id,
                   std::string_view when) {
  auto found = get(view, collection, id);
  if (found) {
    fail("get(" + key(collection, id) + ") " + std::string(when) + " returned " +
         json::serialize(*found) + ", expected nothing");
  }
}

void check_crud(sdk::StorageBackend& storage, const StorageCheckOptions&) {
  const std::string_view c = "conformance_crud";
  json::object first{{"name", "first"}, {"size", 1}, {"tags", json::array{"a", "b"}}};
  json::object second{{"name", "second"}};
  expect_absent(storage, c, "record-1", "before any put()");
  put(storage, c, "record-1", first);
  expect_record(storage, c, "record-1", first, "after put()");
  put(storage, c, "record-1", second);
  expect_record(storage, c, "record-1", second, "after a replacing put()");
  if (!remove(storage, c, "record-1")) fail("remove() of an existing record returned false");
  expect_absent(storage, c, "record-1", "after remove()");
  if (remove(storage, c, "record-1")) fail("remove() of a missing record returned true");
}

// Ids whose byte order differs from insertion order and from a case-insensitive order.
const std::vector<std::string>& unordered_ids() {
  static const std::vector<std::string> ids = {"node-2", "Node-1", "node-10", "alpha",
                                               "node.1", "a:b",    "zeta_9"};
  return ids;
}

void put_unordered(sdk::StorageView& view, std::string_view collection) {
  for (const std::string& id : unordered_ids()) put(view, collection, id, {{"id", id}});
}

std::string join(const std::vector<std::string>& items) {
  std::string text;
  for (const auto& item : items) text += (text.empty() ? "" : ", ") + item;
  return text;
}

void check_for_each_order(sdk::StorageBackend& storage, const StorageCheckOptions&) {
  const std::string_view c = "conformance_order";
  put_unordered(storage, c);
  std::vector<std::string> visited;
  std::string mismatch;  // the first record passed with another record's id
  attempt("for_each(" + quote(c) + ")", [&] {
    storage.for_each(c, [&](const std::string& id, const json::object& record) {
      const json::value* stored = record.if_contains("id");
      bool matches = stored != nullptr && stored->is_string() && stored->get_string() == id;
      if (!matches && mismatch.empty()) mismatch = quote(id) + " with " + json::serialize(record);
      visited.push_back(id);
      return true;
    });
  });
  if (!mismatch.empty()) fail("for_each() passed id " + mismatch);
  std::vector<std::string> expected = unordered_ids();
  std::sort(expected.begin(), expected.end());
  if (visited != expected) {
    fail("for_each() visited " + join(visited) +
         "; expected ascending byte order: " + join(expected));
  }
}

void check_for_each_stop(sdk::StorageBackend& storage, const StorageCheckOptions&) {
  const std::string_view c = "conformance_stop";
  put_unordered(storage, c);
  int visits = 0;
  attempt("for_each(" + quote(c) + ")", [&] {
    storage.for_each(c, [&](const std::string&, const json::object&) { return ++visits < 2; });
  });
  if (visits != 2) {
    fail("for_each() called the visitor " + std::to_string(visits) +
         " times after it returned false on the second call; expected it to stop there");
  }
}

void expect_count(sdk::StorageView& view, std::string_view collection, std::size_t expected) {
  auto counted =
      attempt("count(" + quote(collection) + ")", [&] { return view.count(collection); });
  if (counted != expected) {
    fail("count(" + quote(collection) + ") returned " + std::to_string(counted) + ", expected " +
         std::to_string(expected));
  }
}

void check_count(sdk::StorageBackend& storage, const StorageCheckOptions&) {
  const std::string_view c = "conformance_count";
  expect_count(storage, c, 0);
  for (const char* id : {"one", "two", "three"}) put(storage, c, id, {{"id", id}});
  expect_count(storage, c, 3);
  remove(storage, c, "two");
  expect_count(storage, c, 2);
}

std::vector<std::string> found_names(sdk::StorageView& view, std::string_view collection,
                                     std::string_view value) {
  auto found = attempt("find(" + quote(collection) + ", 'role', " + quote(value) + ")",
                       [&] { return view.find(collection, "role", value); });
  std::vector<std::string> names;
  for (const json::object& record : found) {
    const json::value* name = record.if_contains("name");
    names.push_back(name != nullptr && name->is_string() ? std::string(name->get_string()) : "?");
  }
  std::sort(names.begin(), names.end());
  return names;
}

void expect_found(sdk::StorageView& view, std::string_view value,
                  const std::vector<std::string>& expected) {
  std::vector<std::string> names = found_names(view, "conformance_find", value);
  if (names != expected) {
    fail("find('conformance_find', 'role', " + quote(value) + ") returned the records named [" +
         join(names) + "], expected [" + join(expected) + "]");
  }
}

void check_find(sdk::StorageBackend& storage, const StorageCheckOptions&) {
  const std::string_view c = "conformance_find";
  put(storage, c, "web-1", {{"name", "web-1"}, {"role", "web"}});
  put(storage, c, "web-2", {{"name", "web-2"}, {"role", "web"}});
  put(storage, c, "db-1", {{"name", "db-1"}, {"role", "db"}});
  put(storage, c, "number-1", {{"name", "number-1"}, {"role", 7}});
  put(storage, c, "nested-1", {{"name", "nested-1"}, {"meta", {{"role", "web"}}}});
  expect_found(storage, "web", {"web-1", "web-2"});
  expect_found(storage, "db", {"db-1"});
  expect_found(storage, "7", {});
  expect_found(storage, "none", {});
}

std::vector<std::string> collections(sdk::StorageBackend& storage) {
  return attempt("collections()", [&] { return storage.collections(); });
}

bool contains(const std::vector<std::string>& items, std::string_view item) {
  return std::find(items.begin(), items.end(), item) != items.end();
}

void check_collections(sdk::StorageBackend& storage, const StorageCheckOptions&) {
  put(storage, "conformance_listed_b", "record", {{"id", "record"}});
  put(storage, "conformance_listed_a", "record", {{"id", "record"}});
  std::vector<std::string> names = collections(storage);
  for (const char* name : {"conformance_listed_a", "conformance_listed_b"}) {
    if (!contains(names, name)) {
      fail("collections() returned [" + join(names) + "], which lacks " + quote(name));
    }
  }
  if (!std::is_sorted(names.begin(), names.end())) {
    fail("collections() returned [" + join(names) + "], which is not sorted");
  }
  remove(storage, "conformance_listed_b", "record");
  names = collections(storage);
  if (contains(names, "conformance_listed_b")) {
    fail("collections() still lists 'conformance_listed_b' after its last record was removed");
  }
}

void check_commit(sdk::StorageBackend& storage, const StorageCheckOptions&) {
  const std::string_view c = "conformance_commit";
  json::object kept{{"name", "kept"}};
  json::object added{{"name", "added"}};
  put(storage, c, "kept", kept);
  put(storage, c, "dropped", {{"name", "dropped"}});
  std::optional<json::object> seen_inside;
  attempt("transaction()", [&] {
    storage.transaction([&](sdk::StorageView& view) {
      view.put(c, "added", added);
      view.remove(c, "dropped");
      seen_inside = view.get(c, "added");
    });
  });
  if (seen_inside != added) {
    fail("get() inside a transaction does not return the record put() stored in it: " +
         (seen_inside ? json::serialize(*seen_inside) : std::string("nothing")));
  }
  expect_record(storage, c, "added", added, "after the transaction committed");
  expect_absent(storage, c, "dropped", "after the transaction that removed it committed");
  expect_record(storage, c, "kept", kept, "after a transaction that did not touch it");
}

// Runs a transaction that changes three records and throws RollbackProbe.
void run_failing_transaction(sdk::StorageBackend& storage, std::string_view c) {
  try {
    storage.transaction([&](sdk::StorageView& view) {
      put(view, c, "added", {{"name", "added"}});
      put(view, c, "changed", {{"name", "changed in the transaction"}});
      remove(view, c, "removed");
      throw RollbackProbe();
    });
  } catch (const RollbackProbe&) {
    return;
  } catch (...) {
    fail("transaction() whose body threw a std::runtime_error threw " +
         describe_current_exception() + "; it must roll back and rethrow the body's exception");
  }
  fail("transaction() returned normally although its body threw; it must rethrow");
}

void check_rollback(sdk::StorageBackend& storage, const StorageCheckOptions&) {
  const std::string_view c = "conformance_rollback";
  json::object changed{{"name", "changed"}};
  json::object removed{{"name", "removed"}};
  put(storage, c, "changed", changed);
  put(storage, c, "removed", removed);
  run_failing_transaction(storage, c);
  expect_absent(storage, c, "added", "after a rolled-back put()");
  expect_record(storage, c, "changed", changed, "after a rolled-back replacing put()");
  expect_record(storage, c, "removed", removed, "after a rolled-back remove()");
}

// Fails unless `call` throws kInvalidArgument with a message containing `value`.
template <typename Action>
void expect_invalid(const std::string& call, std::string_view value, Action&& action) {
  sdk::Error error = expect_error(call, sdk::ErrorCode::kInvalidArgument, action);
  if (!value.empty() && std::string(error.what()).find(value) == std::string::npos) {
    fail(call + " threw a message that does not name " + quote(value) + ": " + error.what());
  }
}

void check_invalid_keys(sdk::StorageBackend& storage, const StorageCheckOptions&) {
  const std::string_view c = "conformance_keys";
  for (std::string_view bad : {"Bad-Collection", "bad/collection", ""}) {
    expect_invalid("get(" + key(bad, "id") + ")", bad, [&] { storage.get(bad, "id"); });
    expect_invalid("put(" + key(bad, "id") + ")", bad, [&] { storage.put(bad, "id", {}); });
    expect_invalid("for_each(" + quote(bad) + ")", bad,
                   [&] { storage.for_each(bad, [](const auto&, const auto&) { return true; }); });
  }
  for (std::string_view bad : {"", "../x", "a/b", ".."}) {
    expect_invalid("get(" + key(c, bad) + ")", bad, [&] { storage.get(c, bad); });
    expect_invalid("put(" + key(c, bad) + ")", bad, [&] { storage.put(c, bad, {}); });
    expect_invalid("remove(" + key(c, bad) + ")", bad, [&] { storage.remove(c, bad); });
  }
}

// Runs one writer of the concurrency check; records the first error in `errors`.
void write_concurrently(sdk::StorageBackend& storage, int thread, int transactions,
                        std::mutex& mutex, std::vector<std::string>& errors) {
  for (int index = 0; index < transactions; ++index) {
    std::string id = "t" + std::to_string(thread) + "-" + std::to_string(index);
    try {
      storage.transaction([&](sdk::StorageView& view) {
        view.put("conformance_concurrent", id, {{"thread", thread}, {"index", index}});
      });
    } catch (...) {
      std::lock_guard lock(mutex);
      errors.push_back("transaction putting " + quote(id) + " threw " +
                       describe_current_exception());
      return;
    }
  }
}

void check_concurrency(sdk::StorageBackend& storage, const StorageCheckOptions& options) {
  std::mutex mutex;
  std::vector<std::string> errors;
  std::vector<std::thread> threads;
  for (int thread = 0; thread < options.writer_threads; ++thread) {
    threads.emplace_back(write_concurrently, std::ref(storage), thread,
                         options.transactions_per_thread, std::ref(mutex), std::ref(errors));
  }
  for (auto& thread : threads) thread.join();
  if (!errors.empty()) {
    fail(std::to_string(errors.size()) + " of " + std::to_string(options.writer_threads) +
         " writer threads failed; the first: " + errors.front());
  }
  std::size_t expected = static_cast<std::size_t>(options.writer_threads) *
                         static_cast<std::size_t>(options.transactions_per_thread);
  expect_count(storage, "conformance_concurrent", expected);
  for (int thread = 0; thread < options.writer_threads; ++thread) {
    for (int index = 0; index < options.transactions_per_thread; ++index) {
      std::string id = "t" + std::to_string(thread) + "-" + std::to_string(index);
      expect_record(storage, "conformance_concurrent", id, {{"thread", thread}, {"index", index}},
                    "after the concurrent transactions");
    }
  }
}

}  // namespace

const std::vector<StorageCheck>& storage_checks() {
  static const std::vector<StorageCheck> checks = {
      {"crud_round_trip",
       "get() returns what put() stored, a second put() replaces it, and remove() deletes it",
       check_crud},
      {"for_each_ascending_order", "for_each() visits every record in ascending byte order of ids",
       check_for_each_order},
      {"for_each_stops_early", "for_each() stops when the visitor returns false",
       check_for_each_stop},
      {"count_matches_records", "count() follows puts and removes", check_count},
      {"find_matches_string_field",
       "find() returns exactly the records whose top-level string field equals the value",
       check_find},
      {"collections_lists_non_empty",
       "collections() lists the collections that hold records, sorted, and drops emptied ones",
       check_collections},
      {"transaction_commits",
       "changes made in a transaction are visible inside it and after it returns", check_commit},
      {"transaction_rolls_back",
       "a transaction whose body throws leaves every record unchanged and rethrows the exception",
       check_rollback},
      {"invalid_keys_rejected",
       "invalid collection names and ids throw sdk::Error (invalid_argument) naming them",
       check_invalid_keys},
      {"concurrent_transactions",
       "transactions from several threads at once all commit (4 threads x 50 by default)",
       check_concurrency},
  };
  return checks;
}

}  // namespace provisioning::conformance::detail
