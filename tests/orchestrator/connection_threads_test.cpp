// Tests of the HTTP server's thread pool: it grows while connections wait, shrinks when
// idle, and runs what is queued before it shuts down. ConnectionLimitTest keeps many
// keep-alive connections open against a real orchestrator and checks its socket and
// threads, and HttpRequestTest sends it raw requests.

#include "orchestrator/connection_threads.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <future>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "orchestrator_test_support.h"

namespace provisioning::testing {
namespace {

using host::ConnectionThreads;

// Jobs that block until released, and count how many have started.
class Gate {
 public:
  std::function<void()> job() {
    return [this] {
      ++started_;
      opened_.wait();
    };
  }
  void open() { promise_.set_value(); }
  int started() const { return started_.load(); }

 private:
  std::promise<void> promise_;
  std::shared_future<void> opened_ = promise_.get_future().share();
  std::atomic<int> started_ = 0;
};

ConnectionThreads::Limits limits(
    std::size_t min_threads, std::size_t max_threads,
    std::chrono::milliseconds idle_timeout = std::chrono::seconds(30)) {
  return {min_threads, max_threads, idle_timeout};
}

TEST(ConnectionThreadsTest, StartsThreadsForWaitingJobs) {
  Gate gate;
  ConnectionThreads pool(limits(1, 8));
  for (int i = 0; i < 5; ++i) pool.enqueue(gate.job());

  ASSERT_TRUE(poll_until([&] { return gate.started() == 5; }));
  EXPECT_EQ(pool.thread_count(), 5U);
  gate.open();
  pool.shutdown();
  EXPECT_EQ(pool.thread_count(), 0U);
}

TEST(ConnectionThreadsTest, FullPoolQueuesJobs) {
  Gate gate;
  std::atomic<int> later = 0;
  ConnectionThreads pool(limits(1, 2));
  pool.enqueue(gate.job());
  pool.enqueue(gate.job());
  pool.enqueue([&] { ++later; });

  ASSERT_TRUE(poll_until([&] { return gate.started() == 2; }));
  EXPECT_EQ(pool.thread_count(), 2U);
  EXPECT_EQ(later.load(), 0);
  gate.open();
  ASSERT_TRUE(poll_until([&] { return later.load() == 1; }));
  EXPECT_EQ(pool.thread_count(), 2U);
}

TEST(ConnectionThreadsTest, IdleThreadsEndDownToMinimum) {
  Gate gate;
  ConnectionThreads pool(limits(2, 8, std::chrono::milliseconds(50)));
  for (int i = 0; i < 6; ++i) pool.enqueue(gate.job());
  ASSERT_TRUE(poll_until([&] { return gate.started() == 6; }));
  gate.open();

  ASSERT_TRUE(poll_until([&] { return pool.thread_count() == 2; }));
  std::atomic<int> ran = 0;
  pool.enqueue([&] { ++ran; });
  ASSERT_TRUE(poll_until([&] { return ran.load() == 1; }));
  EXPECT_EQ(pool.thread_count(), 2U);
}

TEST(ConnectionThreadsTest, ShutdownRunsQueuedJobs) {
  Gate gate;
  std::atomic<int> ran = 0;
  ConnectionThreads pool(limits(1, 1));
  pool.enqueue(gate.job());
  for (int i = 0; i < 3; ++i) pool.enqueue([&] { ++ran; });
  ASSERT_TRUE(poll_until([&] { return gate.started() == 1; }));

  gate.open();
  pool.shutdown();
  EXPECT_EQ(ran.load(), 3);
  EXPECT_EQ(pool.thread_count(), 0U);
}

// A keep-alive connection to the orchestrator that sends a request when asked and stays
// open in between.
class IdleConnection {
 public:
  explicit IdleConnection(int port) : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<std::uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  }
  ~IdleConnection() { ::close(fd_); }

  // Sends GET /health and returns whether a response arrived on this connection.
  bool answers() {
    std::string request = "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    if (!connected_ || ::send(fd_, request.data(), request.size(), MSG_NOSIGNAL) <= 0) {
      return false;
    }
    char reply[4096];
    return ::recv(fd_, reply, sizeof reply, 0) > 0;
  }

 private:
  int fd_;
  bool connected_ = false;
};

class ConnectionLimitTest : public OrchestratorTest {};

// Twenty clients holding idle keep-alive connections do not keep a new client waiting.
// With a fixed pool smaller than that, the new client was served only after the
// keep-alive timeout (5 s) had closed idle connections, which the last loop would find.
TEST_F(ConnectionLimitTest, IdleClientsDoNotBlockNewOnes) {
  start();
  std::vector<std::unique_ptr<IdleConnection>> idle;
  for (int i = 0; i < 20; ++i) {
    idle.push_back(std::make_unique<IdleConnection>(port()));
    ASSERT_TRUE(idle.back()->answers()) << "connection " << i;
  }

  Reply reply = send_request(port(), "GET", "/health", std::nullopt);
  EXPECT_EQ(reply.status, 200);
  for (std::size_t i = 0; i < idle.size(); ++i) {
    EXPECT_TRUE(idle[i]->answers()) << "connection " << i << " was closed meanwhile";
  }
}

// max_connections outside 1..4096 is refused with the key, the value and the range.
TEST_F(ConnectionLimitTest, MaxConnectionsOutOfRangeIsRefused) {
  auto host = workspace_.open_host({{"orchestrator.max_connections", "0"}});
  try {
    host::orchestrator_options(host->config(), host->paths());
    FAIL() << "expected max_connections = 0 to be refused";
  } catch (const sdk::Error& error) {
    EXPECT_EQ(error.code(), sdk::ErrorCode::kInvalidArgument);
    EXPECT_THAT(std::string(error.what()),
                ::testing::HasSubstr("'orchestrator.max_connections' is 0"));
    EXPECT_THAT(std::string(error.what()), ::testing::HasSubstr("from 1 to 4096"));
  }
}

// Returns the backlog of this process's socket that listens on `port`, read from the
// kernel's TCP_INFO (which reports it for a listening socket), or -1 when none listens.
int listen_backlog(int port) {
  for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) {
    int fd = std::stoi(entry.path().filename().string());
    sockaddr_in address{};
    socklen_t length = sizeof address;
    int listening = 0;
    socklen_t flag_length = sizeof listening;
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0 ||
        address.sin_family != AF_INET || ntohs(address.sin_port) != port ||
        ::getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &flag_length) != 0 ||
        listening == 0) {
      continue;
    }
    tcp_info info{};
    socklen_t info_length = sizeof info;
    if (::getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &info_length) != 0) return -1;
    return static_cast<int>(info.tcpi_sacked);  // the backlog, for a listening socket
  }
  return -1;
}

// The kernel queues a burst of new connections for the accepting thread instead of
// dropping them, which cost each dropped client a retransmission of 200 ms or more.
TEST_F(ConnectionLimitTest, ListenBacklogHoldsBurstsOfConnections) {
  start();
  int somaxconn = 0;
  std::ifstream("/proc/sys/net/core/somaxconn") >> somaxconn;
  ASSERT_GT(somaxconn, 5);
  EXPECT_EQ(listen_backlog(port()), std::min(somaxconn, host::Orchestrator::kListenBacklog));
}

// Returns the names of this process's threads, as `top -H` shows them.
std::multiset<std::string> thread_names() {
  std::multiset<std::string> names;
  for (const auto& task : std::filesystem::directory_iterator("/proc/self/task")) {
    std::string name;
    std::getline(std::ifstream(task.path() / "comm"), name);
    names.insert(name);
  }
  return names;
}

// An operator tells the orchestrator's threads apart in `top -H`, `ps -L` and gdb.
TEST_F(ConnectionLimitTest, ThreadsAreNamedForTheirRole) {
  start({{"orchestrator.max_parallel_tasks", "3"}});
  std::multiset<std::string> names = thread_names();
  for (const char* role : {"committer", "finisher", "batches", "idle-trim"}) {
    EXPECT_EQ(names.count(role), 1U) << role;
  }
  EXPECT_EQ(names.count("worker"), 3U);  // one per task run at once
  EXPECT_GE(names.count("http"), 1U);
}

// Sends `request` on a new connection and returns what arrives until the server closes
// it or 10 s pass.
std::string exchange(int port, const std::string& request) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  timeval timeout{10, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string reply;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
      ::send(fd, request.data(), request.size(), MSG_NOSIGNAL) > 0) {
    char buffer[4096];
    for (ssize_t n; (n = ::recv(fd, buffer, sizeof buffer, 0)) > 0;) reply.append(buffer, n);
  }
  ::close(fd);
  return reply;
}

// Requests that httplib reads in ways the API does not expect.
class HttpRequestTest : public OrchestratorTest {};

// `curl -X POST URL` sends neither Content-Length nor a body. The request is served as
// one with an empty body, instead of failing with a bare 400 after httplib's read timeout.
TEST_F(HttpRequestTest, PostWithoutContentLengthHasEmptyBody) {
  start();
  std::string reply = exchange(port(),
                               "POST /workflows/no-such-id/cancel HTTP/1.1\r\n"
                               "Host: 127.0.0.1\r\nAPI-Version: v2\r\nConnection: close\r\n\r\n");
  EXPECT_THAT(reply, ::testing::StartsWith("HTTP/1.1 404"));
  EXPECT_THAT(reply, ::testing::HasSubstr("\"code\":\"not_found\""));
  EXPECT_THAT(reply, ::testing::HasSubstr("workflow 'no-such-id' not found"));
}

// `curl -d JSON URL` labels the JSON as a form. The body is still read as JSON, and none
// of it is taken for query parameters.
TEST_F(HttpRequestTest, FormLabelledJsonBodyIsJson) {
  start();
  std::string body = R"({"name": "form-1", "plan": "1xCPU-1GB"})";
  std::string reply =
      exchange(port(),
               "POST /servers HTTP/1.1\r\nHost: 127.0.0.1\r\n"
               "Content-Type: application/x-www-form-urlencoded\r\n"
               "Content-Length: " +
                   std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body);
  EXPECT_THAT(reply, ::testing::StartsWith("HTTP/1.1 201"));
  EXPECT_THAT(reply, ::testing::HasSubstr("\"name\":\"form-1\""));
}

}  // namespace
}  // namespace provisioning::testing
