#pragma once

#include <provisioning/sdk/json.h>

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bridge/execution_path.h"

// Translation between the legacy command line and response shapes and the new ones.
// Plain functions without I/O, so they are tested by tables of cases.
namespace provisioning::host::bridge {

// A legacy command line rewritten for this system.
struct TranslatedCommand {
  std::vector<std::string> arguments;       // the new command, without the program name
  std::optional<OperationKind> operation;   // set for the server operations the bridge routes
  std::vector<std::string> positionals;     // words after "server <verb>"
  std::vector<std::string> passed_through;  // unknown flags, kept unchanged
  bool check = false;
  bool wait = false;
  std::string zone;
  std::string output;  // value of --output, empty when not given
};

// Translates a legacy command line (without the program name):
// - `server create` gains --orchestrated;
// - --dry-run becomes --check, --zone=Z and --out=F become --zone Z and --output F,
//   --check, --wait, --yes and --output keep their names;
// - any other flag passes through unchanged. Unknown flags take a value only in the form
//   --flag=value, because a separate word would read as a positional argument.
// Throws sdk::Error (kInvalidArgument) when the command is empty or a known flag misses
// its value.
TranslatedCommand translate_legacy_command(const std::vector<std::string>& legacy);

// Returns the operation of a routed command. Throws sdk::Error (kInvalidArgument) naming
// the missing argument when the command lacks a server name or a plan.
BridgeOperation to_bridge_operation(const TranslatedCommand& command);

// Joins arguments into one shell command line, single-quoting words that need it.
std::string quote_command(const std::vector<std::string>& arguments);

// Converts a record to the v2-compatible response shape: `id` (from `generate_id()` when
// missing), `name`, `status`, `created_at` (the legacy `created`, else `now`), every
// other field in `metadata` (the members of an existing `metadata` object are merged in),
// and `version` = "v2-compat".
boost::json::object to_v2_response(const boost::json::object& record, std::string_view now,
                                   const std::function<std::string()>& generate_id);

// Returns the v1 (legacy) view of a server record: name, plan, zone and status, with
// ip_address as "ip" and created_at as "created". A record already in that shape keeps
// its values.
boost::json::object legacy_server_view(const boost::json::object& record);

// Applies legacy_server_view() to a record or to each record of an array.
boost::json::value to_legacy_shape(const boost::json::value& result);

}  // namespace provisioning::host::bridge
