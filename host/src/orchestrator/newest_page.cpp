#include "orchestrator/newest_page.h"

#include <algorithm>

namespace provisioning::host {
namespace {

std::string_view view_of(const json::object& record, std::string_view key) {
  const json::value* value = record.if_contains(key);
  return value != nullptr && value->is_string() ? std::string_view(value->get_string()) : "";
}

}  // namespace

bool NewestPage::newer(const json::object& a, const json::object& b) {
  std::string_view created_a = view_of(a, "created_at");
  std::string_view created_b = view_of(b, "created_at");
  if (created_a != created_b) return created_a > created_b;
  return view_of(a, "id") > view_of(b, "id");
}

void NewestPage::offer(const json::object& record) {
  ++total_;
  std::size_t capacity = offset_ + limit_;
  if (capacity == 0) return;
  if (kept_.size() < capacity) {
    kept_.push_back(record);
    std::push_heap(kept_.begin(), kept_.end(), newer);
    return;
  }
  if (!newer(record, kept_.front())) return;
  std::pop_heap(kept_.begin(), kept_.end(), newer);
  kept_.back() = record;
  std::push_heap(kept_.begin(), kept_.end(), newer);
}

std::vector<json::object> NewestPage::take() {
  std::sort(kept_.begin(), kept_.end(), newer);
  std::vector<json::object> page;
  for (std::size_t i = offset_; i < kept_.size() && page.size() < limit_; ++i) {
    page.push_back(std::move(kept_[i]));
  }
  kept_.clear();
  return page;
}

}  // namespace provisioning::host
