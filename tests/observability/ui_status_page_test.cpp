// Tests of the status page at /ui: served self-contained, and rendered by headless
// Chromium (Debian's `chromium`) with the servers and workflows of a real orchestrator.
//
// With PROVISIONING_STATUS_SCREENSHOT=<file>, the screenshot is also copied to <file>,
// which is how docs/images/status-page.png is made.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include "logs_test_support.h"

namespace provisioning::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

const char* kChromium = "/usr/bin/chromium";

// Runs headless Chromium on `url` with a new profile in `profile` and `extra` arguments.
// Chromium is kept away from the network: no background requests, updates or sync.
ProcessResult run_chromium(const fs::path& profile, const std::vector<std::string>& extra,
                           const std::string& url) {
  std::vector<std::string> argv = {kChromium,
                                   "--headless",
                                   "--no-sandbox",
                                   "--disable-gpu",
                                   "--disable-quic",
                                   "--no-first-run",
                                   "--disable-background-networking",
                                   "--disable-component-update",
                                   "--disable-sync",
                                   "--user-data-dir=" + profile.string(),
                                   "--window-size=1200,900",
                                   "--virtual-time-budget=8000"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  argv.push_back(url);
  return run_process(argv, {{"HOME", profile.string()}});
}

class StatusPageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    orchestrator_ = std::make_unique<OrchestratorProcess>(workspace_, std::vector<std::string>{});
    ASSERT_TRUE(orchestrator_->wait_until_listening()) << orchestrator_->output();
    Reply created = send_request(port(), "POST", "/servers", "v1",
                                 R"({"name": "ui-web-01", "plan": "1xCPU-2GB"})");
    ASSERT_EQ(created.status, 201) << created.body;
    Reply workflow = send_request(port(), "POST", "/workflows/servers/create", "v2",
                                  R"({"name": "ui-web-02", "plan": "2xCPU-4GB"})");
    ASSERT_EQ(workflow.status, 200) << workflow.body;
    ASSERT_EQ(text(workflow.json, "status"), "Completed") << workflow.body;
  }

  int port() const { return orchestrator_->port(); }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port()) + "/ui"; }

  TestWorkspace workspace_;
  std::unique_ptr<OrchestratorProcess> orchestrator_;
  TempDir browser_{"provisioning-chromium"};
};

TEST_F(StatusPageTest, ServedSelfContained) {
  Reply page = send_request(port(), "GET", "/ui", std::nullopt);
  ASSERT_EQ(page.status, 200);
  EXPECT_THAT(page.header("Content-Type"), HasSubstr("text/html"));
  EXPECT_THAT(page.header("Content-Security-Policy"), HasSubstr("default-src 'none'"));
  EXPECT_THAT(page.body, HasSubstr("<title>provisioning status</title>"));
  EXPECT_THAT(page.body, HasSubstr("setInterval(refresh"));
  // Nothing is loaded from another origin: no absolute URLs at all.
  EXPECT_THAT(page.body, Not(HasSubstr("http://")));
  EXPECT_THAT(page.body, Not(HasSubstr("https://")));
}

TEST_F(StatusPageTest, ChromiumRendersServersAndHealth) {
  ASSERT_TRUE(fs::exists(kChromium)) << "chromium is not installed; run scripts/install-deps.sh";
  ProcessResult dom = run_chromium(browser_ / "dom-profile", {"--dump-dom"}, url());
  ASSERT_EQ(dom.exit_code, 0) << dom.err;
  EXPECT_THAT(dom.out, HasSubstr("<td>ui-web-01</td>")) << dom.out;
  EXPECT_THAT(dom.out, HasSubstr("<td>ui-web-02</td>")) << dom.out;
  EXPECT_THAT(dom.out, HasSubstr("<td>server_create</td>")) << dom.out;
  EXPECT_THAT(dom.out, HasSubstr("<td class=\"status Completed\">Completed</td>")) << dom.out;
  EXPECT_THAT(dom.out, HasSubstr("<td>storage</td>")) << dom.out;
  EXPECT_THAT(dom.out, HasSubstr("<span id=\"overall\" class=\"status healthy\">healthy</span>"))
      << dom.out;
  EXPECT_THAT(dom.out, HasSubstr("updated ")) << dom.out;

  fs::path screenshot = browser_ / "status-page.png";
  ProcessResult shot =
      run_chromium(browser_ / "shot-profile", {"--screenshot=" + screenshot.string()}, url());
  ASSERT_EQ(shot.exit_code, 0) << shot.err;
  ASSERT_TRUE(fs::exists(screenshot)) << shot.err;
  EXPECT_GT(fs::file_size(screenshot), 10000u);
  EXPECT_EQ(read_text(screenshot).substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
  if (const char* copy = ::getenv("PROVISIONING_STATUS_SCREENSHOT")) {
    fs::copy_file(screenshot, copy, fs::copy_options::overwrite_existing);
  }
}

}  // namespace
}  // namespace provisioning::testing
