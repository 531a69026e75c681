#pragma once

#include <boost/json.hpp>
#include <cstddef>
#include <string_view>
#include <vector>

namespace provisioning::host {

namespace json = boost::json;

// A page of records, newest first by "created_at" and then by "id", picked from records
// offered one at a time. Only the newest `offset + limit` are kept, so a listing needs
// memory for one page, not for the whole collection.
class NewestPage {
 public:
  NewestPage(std::size_t limit, std::size_t offset) : limit_(limit), offset_(offset) {}

  // Counts the record and keeps a copy of it when it ranks among the newest so far.
  void offer(const json::object& record);

  // Number of records offered.
  std::size_t total() const { return total_; }

  // Returns the page: the kept records after the first `offset`, newest first.
  std::vector<json::object> take();

 private:
  // Orders a newer record before an older one, as the page lists them.
  static bool newer(const json::object& a, const json::object& b);

  std::size_t limit_;
  std::size_t offset_;
  std::size_t total_ = 0;
  std::vector<json::object> kept_;  // a heap whose front is the oldest kept record
};

}  // namespace provisioning::host
