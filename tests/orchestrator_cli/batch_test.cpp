// `provisioning batch submit|status|list|cancel|rollback` against a real orchestrator, with
// batch files in TOML, JSON and YAML.

#include "orchestrator_cli_fixture.h"

namespace provisioning::testing {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::IsSupersetOf;
using ::testing::Not;

using BatchTest = OrchestratorCliTest;

std::string status_of_operation(const json::value& batch, const std::string& id) {
  for (const auto& operation : batch.at("operations").as_array()) {
    if (text(operation, "id") == id) return text(operation, "status");
  }
  return "<no operation " + id + ">";
}

// Submits `file` with --wait, expects it to complete, and returns the batch id from
// `batch status`, after checking that the batch there is Completed too.
std::string submit_and_wait(const std::string& file) {
  auto submitted = OrchestratorCliTest::run_json({"batch", "submit", file, "--wait"});
  EXPECT_EQ(text(submitted, "status"), "Completed");
  std::string id = text(submitted, "id");
  auto status = OrchestratorCliTest::run_json({"batch", "status", id});
  EXPECT_EQ(text(status, "status"), "Completed");
  return id;
}

TEST_F(BatchTest, ExampleTomlFileCompletes) {
  auto submitted = run({"batch", "submit", EXAMPLE_BATCH_FILE, "--wait"});
  ASSERT_EQ(submitted.exit_code, 0) << submitted.err;
  EXPECT_THAT(submitted.out, HasSubstr("operation db (server_create): Completed\n"));
  EXPECT_THAT(submitted.out, HasSubstr("operation runtime (taskserv_install): Completed\n"));
  EXPECT_THAT(submitted.out, HasSubstr(": Completed\n"));
  EXPECT_THAT(servers(), IsSupersetOf({"db-01", "web-01"}));

  auto installed = run_json({"taskserv", "list", "--server", "web-01"});
  ASSERT_EQ(installed.as_array().size(), 1u);
  EXPECT_EQ(text(installed.as_array()[0], "name"), "containerd");
}

TEST_F(BatchTest, TomlFileCompletes) {
  std::string file = write_file("servers.toml", R"(
[batch_options]
parallel_limit = 1
on_failure = "fail"

[[operations]]
id = "first"
type = "server_create"
params = { name = "toml-01", plan = "1xCPU-2GB" }

[[operations]]
id = "second"
type = "server_create"
depends_on = ["first"]

[operations.params]
name = "toml-02"
plan = "1xCPU-2GB"
zone = "local-2"
)");
  std::string id = submit_and_wait(file);
  auto batch = run_json({"batch", "status", id});
  EXPECT_EQ(batch.at("batch_options").at("parallel_limit").as_int64(), 1);
  EXPECT_EQ(text(batch.at("batch_options"), "on_failure"), "fail");
  EXPECT_EQ(status_of_operation(batch, "second"), "Completed");
  EXPECT_THAT(servers(), IsSupersetOf({"toml-01", "toml-02"}));
  EXPECT_EQ(text(run_json({"server", "show", "toml-02"}), "zone"), "local-2");
}

TEST_F(BatchTest, JsonFileCompletes) {
  std::string file = write_file("servers.json", R"({
  "operations": [
    {"id": "a", "type": "server_create", "params": {"name": "json-01", "plan": "1xCPU-2GB"}},
    {"id": "b", "type": "taskserv_install", "params": {"name": "etcd", "servers": ["json-01"]},
     "depends_on": ["a"]}
  ],
  "batch_options": {"parallel_limit": 2, "on_failure": "continue"}
})");
  std::string id = submit_and_wait(file);
  auto batch = run_json({"batch", "status", id});
  EXPECT_EQ(status_of_operation(batch, "b"), "Completed");
  EXPECT_THAT(servers(), Contains("json-01"));
  auto installed = run_json({"taskserv", "list", "--server", "json-01"});
  ASSERT_EQ(installed.as_array().size(), 1u);
  EXPECT_EQ(text(installed.as_array()[0], "name"), "etcd");
}

TEST_F(BatchTest, YamlFileCompletes) {
  std::string file = write_file("servers.yaml", R"(# two servers, one after the other
batch_options:
  parallel_limit: 2
  on_failure: rollback
operations:
  - id: one
    type: server_create
    params: {name: yaml-01, plan: 1xCPU-2GB}
  - id: two
    type: server_create
    params:
      name: "yaml-02"
      plan: 1xCPU-2GB
    depends_on: [one]
)");
  std::string id = submit_and_wait(file);
  auto batch = run_json({"batch", "status", id});
  // Unquoted YAML integers stay integers in the request.
  EXPECT_EQ(batch.at("batch_options").at("parallel_limit").as_int64(), 2);
  EXPECT_EQ(status_of_operation(batch, "two"), "Completed");
  EXPECT_THAT(servers(), IsSupersetOf({"yaml-01", "yaml-02"}));
}

TEST_F(BatchTest, FailedBatchRollsBackBeforeExit) {
  ASSERT_EQ(run({"server", "create", "taken-01", "1xCPU-2GB"}).exit_code, 0);
  std::string file = write_file("failing.yaml", R"(batch_options: {on_failure: rollback}
operations:
  - {id: fresh, type: server_create, params: {name: fresh-01, plan: 1xCPU-2GB}}
  - id: taken
    type: server_create
    params: {name: taken-01, plan: 1xCPU-2GB}
    depends_on: [fresh]
)");
  auto submitted = run({"batch", "submit", file, "--wait"});
  EXPECT_EQ(submitted.exit_code, 8);
  EXPECT_THAT(submitted.out, HasSubstr("operation taken (server_create): Failed\n"));
  EXPECT_THAT(submitted.err, HasSubstr(" ended Failed; taken: server 'taken-01' already exists"));

  // --wait returns once the batch has ended, which includes its rollback.
  EXPECT_THAT(servers(), Not(Contains("fresh-01")));
  EXPECT_THAT(servers(), Contains("taken-01"));
}

TEST_F(BatchTest, SubmitWithoutWaitPrintsId) {
  std::string file = write_file("nowait.yml", R"(operations:
  - {id: s, type: server_create, params: {name: nowait-01, plan: 1xCPU-2GB}}
)");
  auto submitted = run({"batch", "submit", file});
  ASSERT_EQ(submitted.exit_code, 0) << submitted.err;
  EXPECT_THAT(submitted.out, ::testing::StartsWith("submitted batch "));
  EXPECT_THAT(submitted.out, HasSubstr(" with 1 operations: "));
  EXPECT_THAT(submitted.out, HasSubstr("'provisioning batch status "));
}

TEST_F(BatchTest, StatusPrintsOperations) {
  std::string file = write_file("status.json", R"({"operations": [
    {"id": "only", "type": "server_create", "params": {"name": "status-01", "plan": "1xCPU-2GB"}}]})");
  std::string id = submit_and_wait(file);
  auto printed = run({"batch", "status", id});
  ASSERT_EQ(printed.exit_code, 0) << printed.err;
  EXPECT_THAT(printed.out, ::testing::StartsWith("id: " + id + "\nstatus: Completed\n"));
  EXPECT_THAT(printed.out, HasSubstr("\nOPERATION  TYPE           STATUS     WORKFLOW"));
  EXPECT_THAT(printed.out, HasSubstr("\nonly       server_create  Completed  "));
}

TEST_F(BatchTest, CycleIsRejected) {
  std::string file = write_file("cycle.toml", R"(
[[operations]]
id = "a"
type = "server_create"
params = { name = "cycle-a", plan = "1xCPU-2GB" }
depends_on = ["b"]

[[operations]]
id = "b"
type = "server_create"
params = { name = "cycle-b", plan = "1xCPU-2GB" }
depends_on = ["a"]
)");
  auto submitted = run({"batch", "submit", file});
  EXPECT_EQ(submitted.exit_code, 3);
  EXPECT_THAT(submitted.err, HasSubstr("batch file '" + file + "' was rejected"));
  EXPECT_THAT(submitted.err, HasSubstr("dependency cycle: a -> b -> a"));
  EXPECT_THAT(servers(), Not(Contains("cycle-a")));
}

TEST_F(BatchTest, BrokenYamlNamesLineAndColumn) {
  // The last line is indented less than the keys of its mapping, but more than the list.
  std::string file =
      write_file("broken.yaml", "operations:\n  - id: a\n    type: server_create\n   params: {}\n");
  auto submitted = run({"batch", "submit", file});
  EXPECT_EQ(submitted.exit_code, 3);
  EXPECT_THAT(submitted.err, HasSubstr("error: " + file + ":4:4: "));
  EXPECT_THAT(submitted.err, HasSubstr("invalid YAML"));
  EXPECT_THAT(submitted.err, HasSubstr("batches/example.toml for the format"));
}

TEST_F(BatchTest, BrokenJsonNamesLineAndColumn) {
  std::string file = write_file("broken.json", "{\"operations\": [\n  {\"id\": \"a\",, }\n]}\n");
  auto submitted = run({"batch", "submit", file});
  EXPECT_EQ(submitted.exit_code, 3);
  EXPECT_THAT(submitted.err, HasSubstr("error: " + file + ":2:14: invalid JSON"));
}

TEST_F(BatchTest, BrokenTomlNamesLineAndColumn) {
  std::string file = write_file("broken.toml", "[[operations]]\nid = \"a\ntype = 1\n");
  auto submitted = run({"batch", "submit", file});
  EXPECT_EQ(submitted.exit_code, 3);
  EXPECT_THAT(submitted.err, HasSubstr("error: " + file + ":2:"));
}

TEST_F(BatchTest, FileWithoutOperationsIsRejected) {
  std::string file = write_file("empty.yaml", "batch_options: {parallel_limit: 1}\n");
  auto submitted = run({"batch", "submit", file});
  EXPECT_EQ(submitted.exit_code, 3);
  EXPECT_THAT(submitted.err, HasSubstr("has no 'operations' list"));
}

TEST_F(BatchTest, UnknownExtensionIsRejected) {
  std::string file = write_file("servers.txt", "operations = []\n");
  auto submitted = run({"batch", "submit", file});
  EXPECT_EQ(submitted.exit_code, 3);
  EXPECT_THAT(submitted.err, HasSubstr("has the extension '.txt'"));
  EXPECT_THAT(submitted.err, HasSubstr(".toml, .json, .yaml or .yml"));
}

TEST_F(BatchTest, MissingFileIsNotFound) {
  auto submitted = run({"batch", "submit", "/nonexistent/batch.toml"});
  EXPECT_EQ(submitted.exit_code, 4);
  EXPECT_THAT(submitted.err, HasSubstr("batch file '/nonexistent/batch.toml' not found"));
}

TEST_F(BatchTest, RollbackUndoesCompletedBatch) {
  std::string file = write_file("rollback.json", R"({"operations": [
    {"id": "r1", "type": "server_create", "params": {"name": "rollback-01", "plan": "1xCPU-2GB"}},
    {"id": "r2", "type": "server_create", "params": {"name": "rollback-02", "plan": "1xCPU-2GB"}}]})");
  std::string id = submit_and_wait(file);
  ASSERT_THAT(servers(), IsSupersetOf({"rollback-01", "rollback-02"}));

  auto rolled_back = run_json({"batch", "rollback", id});
  EXPECT_EQ(status_of_operation(rolled_back, "r1"), "RolledBack");
  EXPECT_EQ(status_of_operation(rolled_back, "r2"), "RolledBack");
  EXPECT_THAT(servers(), Not(Contains("rollback-01")));
  EXPECT_THAT(servers(), Not(Contains("rollback-02")));

  auto again = run({"batch", "rollback", id});
  EXPECT_EQ(again.exit_code, 5);
  EXPECT_THAT(again.err, HasSubstr("was already rolled back"));
}

TEST_F(BatchTest, CancelOfEndedBatchIsConflict) {
  std::string file = write_file("ended.json", R"({"operations": [
    {"id": "e1", "type": "server_create", "params": {"name": "ended-01", "plan": "1xCPU-2GB"}}]})");
  std::string id = submit_and_wait(file);

  auto cancelled = run({"batch", "cancel", id});
  EXPECT_EQ(cancelled.exit_code, 5);
  EXPECT_THAT(cancelled.err, HasSubstr("has already ended; nothing to cancel"));
  EXPECT_THAT(cancelled.err, HasSubstr("HTTP 409 conflict"));
}

TEST_F(BatchTest, StatusOfUnknownIdIsNotFound) {
  auto printed = run({"batch", "status", "no-such-batch"});
  EXPECT_EQ(printed.exit_code, 4);
  EXPECT_THAT(printed.err, HasSubstr("batch 'no-such-batch' not found"));
}

// Returns the list item of batch `id` in a `batch list` page, or null.
const json::object* listed_batch(const json::value& page, const std::string& id) {
  for (const auto& item : page.at("batches").as_array()) {
    if (text(item, "id") == id) return &item.as_object();
  }
  return nullptr;
}

TEST_F(BatchTest, ListShowsSubmittedBatch) {
  std::string file = write_file("listed.json", R"({"operations": [
    {"id": "l1", "type": "server_create", "params": {"name": "listed-01", "plan": "1xCPU-2GB"}},
    {"id": "l2", "type": "server_create", "params": {"name": "listed-02", "plan": "1xCPU-2GB"},
     "depends_on": ["l1"]}]})");
  std::string id = submit_and_wait(file);

  json::value all = run_json({"batch", "list"});
  const json::object* item = listed_batch(all, id);
  ASSERT_NE(item, nullptr) << json::serialize(all);
  EXPECT_EQ(text(*item, "status"), "Completed");
  EXPECT_EQ(item->at("operations_total"), json::value(2));
  EXPECT_EQ(item->at("operations_by_status"), (json::object{{"Completed", 2}}));
  EXPECT_FALSE(item->contains("operations")) << "a list item carries no operations";

  EXPECT_NE(listed_batch(run_json({"batch", "list", "--status", "Completed"}), id), nullptr);
  EXPECT_EQ(listed_batch(run_json({"batch", "list", "--status", "Running"}), id), nullptr);

  auto table = run({"batch", "list"});
  ASSERT_EQ(table.exit_code, 0) << table.err;
  EXPECT_THAT(table.out, HasSubstr(id));
  EXPECT_THAT(table.out, HasSubstr("OPERATIONS"));
}

TEST_F(BatchTest, ListWithUnknownStatusIsInvalid) {
  auto listed = run({"batch", "list", "--status", "running"});
  EXPECT_EQ(listed.exit_code, 3) << listed.err;
  EXPECT_THAT(listed.err, HasSubstr("query.status"));
  EXPECT_THAT(listed.err, HasSubstr("did you mean \"Running\"?"));
  EXPECT_THAT(listed.err, HasSubstr("HTTP 400 invalid_argument"));
}

// One worker and the gate taskserv, so a batch operation stays running until released.
using GatedBatchTest = GatedOrchestratorCliTest;

TEST_F(GatedBatchTest, CancelRunningBatch) {
  ASSERT_EQ(run({"server", "create", "gated-01", "1xCPU-1GB"}).exit_code, 0);
  std::string file = write_file("gated.json", R"({"operations": [
    {"id": "hold", "type": "taskserv_install", "params": {"name": "gate", "servers": ["gated-01"]}},
    {"id": "later", "type": "server_create", "params": {"name": "gated-02", "plan": "1xCPU-1GB"},
     "depends_on": ["hold"]}]})");
  auto submitted = run_json({"batch", "submit", file});
  std::string id = text(submitted, "id");
  ASSERT_FALSE(id.empty());

  auto cancelled = run({"batch", "cancel", id});
  ASSERT_EQ(cancelled.exit_code, 0) << cancelled.err;
  EXPECT_THAT(cancelled.out, ::testing::StartsWith("id: " + id + "\n"));
  EXPECT_THAT(cancelled.out, HasSubstr("\nstatus: Cancelled\n"));
  EXPECT_THAT(cancelled.out, HasSubstr("\nlater      server_create     Cancelled"));

  auto batch = run_json({"batch", "status", id});
  EXPECT_EQ(text(batch, "status"), "Cancelled");
  EXPECT_EQ(status_of_operation(batch, "later"), "Cancelled");

  release("gated-01");
  EXPECT_THAT(servers(), Not(Contains("gated-02")));
}

}  // namespace
}  // namespace provisioning::testing
