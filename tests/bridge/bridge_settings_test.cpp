#include "bridge/bridge_settings.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <provisioning/sdk/error.h>

#include "../support/temp_dir.h"

namespace provisioning::host::bridge {
namespace {

using ::testing::HasSubstr;

// Runs `body`, which must throw sdk::Error with `code`, and returns the message.
template <typename Body>
std::string error_of(Body body, sdk::ErrorCode code) {
  try {
    body();
  } catch (const sdk::Error& error) {
    EXPECT_EQ(error.code(), code);
    return error.what();
  }
  ADD_FAILURE() << "expected an sdk::Error";
  return {};
}

TEST(BridgeSettings, ParsesModes) {
  EXPECT_EQ(parse_bridge_mode("off", "test"), BridgeMode::kOff);
  EXPECT_EQ(parse_bridge_mode("compatibility", "test"), BridgeMode::kCompatibility);
  EXPECT_EQ(parse_bridge_mode("migration", "test"), BridgeMode::kMigration);
  for (BridgeMode mode : {BridgeMode::kOff, BridgeMode::kCompatibility, BridgeMode::kMigration}) {
    EXPECT_EQ(parse_bridge_mode(to_string(mode), "test"), mode);
  }
}

TEST(BridgeSettings, UnknownModeNamesValueAndFix) {
  std::string message = error_of([] { parse_bridge_mode("turbo", "env PROVISIONING_BRIDGE_MODE"); },
                                 sdk::ErrorCode::kInvalidArgument);
  EXPECT_THAT(message, HasSubstr("'turbo'"));
  EXPECT_THAT(message, HasSubstr("env PROVISIONING_BRIDGE_MODE"));
  EXPECT_THAT(message, HasSubstr("use off, compatibility or migration"));
}

TEST(BridgeSettings, PercentageOutOfRange) {
  EXPECT_EQ(checked_percentage(0, "test"), 0);
  EXPECT_EQ(checked_percentage(100, "test"), 100);
  for (std::int64_t value : {-1, 101, 150}) {
    std::string message =
        error_of([value] { checked_percentage(value, "--new-system-percentage"); },
                 sdk::ErrorCode::kInvalidArgument);
    EXPECT_THAT(message, HasSubstr(" " + std::to_string(value) + " "));
    EXPECT_THAT(message, HasSubstr("0 to 100"));
  }
}

TEST(BridgeSettings, MissingLegacyPath) {
  BridgeSettings settings;
  settings.mode = BridgeMode::kCompatibility;
  std::string message =
      error_of([&] { require_legacy_path(settings); }, sdk::ErrorCode::kInvalidArgument);
  EXPECT_THAT(message, HasSubstr("bridge.legacy_path is empty"));
  EXPECT_THAT(message, HasSubstr("--legacy-path DIR"));

  settings.legacy_path = "/nonexistent/legacy-data";
  message = error_of([&] { require_legacy_path(settings); }, sdk::ErrorCode::kNotFound);
  EXPECT_THAT(message, HasSubstr("'/nonexistent/legacy-data'"));

  testing::TempDir directory("bridge-settings");
  settings.legacy_path = directory.path();
  EXPECT_NO_THROW(require_legacy_path(settings));
  settings = BridgeSettings{};  // off needs no legacy path
  EXPECT_NO_THROW(require_legacy_path(settings));
}

}  // namespace
}  // namespace provisioning::host::bridge
