// NewestPage picks a page of records, newest first, while keeping only a page's worth.

#include "orchestrator/newest_page.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace provisioning::testing {
namespace {

using host::NewestPage;
namespace json = boost::json;

json::object record(const std::string& id, const std::string& created_at) {
  return json::object{{"id", id}, {"created_at", created_at}};
}

std::vector<std::string> ids(const std::vector<json::object>& page) {
  std::vector<std::string> result;
  for (const auto& item : page) result.emplace_back(item.at("id").as_string());
  return result;
}

// Records offered in no particular order: e is the newest, a the oldest.
NewestPage offered(std::size_t limit, std::size_t offset) {
  NewestPage page(limit, offset);
  page.offer(record("c", "2026-01-03T00:00:00Z"));
  page.offer(record("a", "2026-01-01T00:00:00Z"));
  page.offer(record("e", "2026-01-05T00:00:00Z"));
  page.offer(record("b", "2026-01-02T00:00:00Z"));
  page.offer(record("d", "2026-01-04T00:00:00Z"));
  return page;
}

TEST(NewestPageTest, ListsNewestFirst) {
  NewestPage page = offered(3, 0);
  EXPECT_EQ(page.total(), 5U);
  EXPECT_EQ(ids(page.take()), (std::vector<std::string>{"e", "d", "c"}));
}

TEST(NewestPageTest, SkipsTheOffset) {
  NewestPage page = offered(2, 2);
  EXPECT_EQ(page.total(), 5U);
  EXPECT_EQ(ids(page.take()), (std::vector<std::string>{"c", "b"}));
}

TEST(NewestPageTest, OffsetPastTheEndIsEmpty) {
  NewestPage page = offered(10, 5);
  EXPECT_EQ(page.total(), 5U);
  EXPECT_TRUE(page.take().empty());
}

TEST(NewestPageTest, LimitZeroOnlyCounts) {
  NewestPage page = offered(0, 0);
  EXPECT_EQ(page.total(), 5U);
  EXPECT_TRUE(page.take().empty());
}

TEST(NewestPageTest, EqualTimesOrderByIdDescending) {
  NewestPage page(3, 0);
  for (const char* id : {"m", "z", "a"}) page.offer(record(id, "2026-01-01T00:00:00Z"));
  EXPECT_EQ(ids(page.take()), (std::vector<std::string>{"z", "m", "a"}));
}

// Only the newest records are kept whatever the order of offers, which is what bounds
// the memory of a listing.
TEST(NewestPageTest, OlderOffersDoNotDisplaceNewer) {
  NewestPage page(2, 0);
  for (int day = 28; day >= 10; --day) {
    page.offer(record("day-" + std::to_string(day), "2026-02-" + std::to_string(day)));
  }
  EXPECT_EQ(page.total(), 19U);
  EXPECT_EQ(ids(page.take()), (std::vector<std::string>{"day-28", "day-27"}));
}

}  // namespace
}  // namespace provisioning::testing
