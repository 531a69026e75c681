#include "migration/record_digest.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

namespace provisioning::host::migration {
namespace {

namespace json = boost::json;

// A record with unicode, escapes, nested objects and arrays, integers at the limits of
// int64 and uint64, doubles and keys that need escaping or sort by byte value.
constexpr const char* kMixedRecord = R"({
  "zeta": 1,
  "name": "srv-\u00e9t\u00e9 \u65e5\u672c \ud83d\ude80",
  "Alpha": [1, -2, 18446744073709551615, -9223372036854775808, 0.1, 1e300, -0.0, 2.5e-8,
            true, false, null, [], {}],
  "esc": "q\" b\\ n\n t\t c\u0001 d\u007f s/",
  "nested": {"b": {"y": [{"k": "v", "a": 0}], "x": null}, "a": "\u00fc", "\u00e9": 1,
             "": "empty key", "A": "upper"},
  "key\nwith\"escapes": "v",
  "plan": "small",
  "status": "running",
  "count": 42,
  "ratio": 3.0
})";

json::object mixed_record() {
  return json::parse(kMixedRecord).as_object();
}

// An object with more members than the digest code sorts without a heap allocation.
json::object wide_record() {
  json::object record;
  for (int i = 40; i > 0; --i) record["k" + std::to_string(i)] = i * 1000 + i;
  record["nested"] = json::object{{"z", 1}, {"a", json::array{1, "two", 3.5}}};
  return record;
}

// Sorts the keys of every object by rebuilding it, so that json::serialize() writes the
// canonical form the way the first implementation of canonical_json() did.
json::value sorted_copy(const json::value& value) {
  if (value.is_array()) {
    json::array items;
    for (const json::value& item : value.get_array()) items.push_back(sorted_copy(item));
    return items;
  }
  if (!value.is_object()) return value;
  std::vector<const json::key_value_pair*> members;
  for (const auto& member : value.get_object()) members.push_back(&member);
  std::sort(members.begin(), members.end(),
            [](const auto* a, const auto* b) { return a->key() < b->key(); });
  json::object sorted;
  for (const auto* member : members) sorted[member->key()] = sorted_copy(member->value());
  return sorted;
}

// Digests are stored in backups and migration reports, so these values must never
// change. They were computed with the first implementation (json::serialize() per
// scalar and one-shot SHA256()).
TEST(RecordDigest, MixedRecordHashIsStable) {
  EXPECT_EQ(record_hash("servers", "srv-1", mixed_record()),
            "7549815ad5f6639facfeb06963cf97d3109ab9d38cbf2959c80797e7e2f66dab");
}

TEST(RecordDigest, WideRecordHashIsStable) {
  EXPECT_EQ(record_hash("servers", "wide", wide_record()),
            "e377b7795df8ba9eee789e3c5adf8c8fea7fc6e7069904de238c5bf8ad759a37");
}

TEST(RecordDigest, CollectionDigestIsStable) {
  CollectionDigest digest;
  digest.add("servers", "srv-1", mixed_record());
  digest.add("servers", "wide", wide_record());
  EXPECT_EQ(digest.count(), 2u);
  EXPECT_EQ(digest.hex(), "58c138d432ef1e3e9b774fa6bdae2463fb1980bb93582e37ec93f2df906c08e3");
}

TEST(RecordDigest, CollectionDigestIgnoresOrder) {
  CollectionDigest forward;
  forward.add("servers", "srv-1", mixed_record());
  forward.add("servers", "wide", wide_record());
  CollectionDigest backward;
  backward.add("servers", "wide", wide_record());
  backward.add("servers", "srv-1", mixed_record());
  EXPECT_EQ(forward, backward);
}

TEST(RecordDigest, CanonicalJsonOfMixedRecord) {
  EXPECT_EQ(canonical_json(mixed_record()),
            "{\"Alpha\":[1,-2,18446744073709551615,-9223372036854775808,1E-1,1E300,-0E0,2.5E-8,"
            "true,false,null,[],{}],\"count\":42,"
            "\"esc\":\"q\\\" b\\\\ n\\n t\\t c\\u0001 d\x7f s/\","
            "\"key\\nwith\\\"escapes\":\"v\","
            "\"name\":\"srv-\xc3\xa9t\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x9a\x80\","
            "\"nested\":{\"\":\"empty key\",\"A\":\"upper\",\"a\":\"\xc3\xbc\","
            "\"b\":{\"x\":null,\"y\":[{\"a\":0,\"k\":\"v\"}]},\"\xc3\xa9\":1},"
            "\"plan\":\"small\",\"ratio\":3E0,\"status\":\"running\",\"zeta\":1}");
}

// Every control character, both characters JSON escapes, DEL, and bytes of multibyte
// UTF-8, each in a key and in a value.
TEST(RecordDigest, CanonicalJsonMatchesSortedSerialize) {
  std::vector<std::string> texts = {"", "plain", "\"", "\\", "/", "\x7f", "\xc3\xa9", "a\"b\\c"};
  for (char c = 1; c < 0x20; ++c) texts.push_back(std::string("x") + c + "y");
  texts.push_back(std::string("nul\0byte", 8));
  for (const std::string& text : texts) {
    json::value value = json::object{{text, text}, {"list", json::array{text, -1, 0.5}}};
    EXPECT_EQ(canonical_json(value), json::serialize(sorted_copy(value)))
        << "text of " << text.size() << " bytes";
  }
}

TEST(RecordDigest, WideRecordMatchesSortedSerialize) {
  json::value value = wide_record();
  EXPECT_EQ(canonical_json(value), json::serialize(sorted_copy(value)));
}

TEST(RecordDigest, HashDependsOnCollectionAndId) {
  json::object record = mixed_record();
  std::string hash = record_hash("servers", "srv-1", record);
  EXPECT_NE(record_hash("servers", "srv-2", record), hash);
  EXPECT_NE(record_hash("tasks", "srv-1", record), hash);
}

}  // namespace
}  // namespace provisioning::host::migration
