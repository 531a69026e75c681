#pragma once

#include <provisioning/sdk/json.h>

#include <filesystem>

namespace provisioning::cli {

// Reads a batch file and returns it as the JSON body of POST /workflows/batch/submit.
//
// The extension picks the format: .toml, .json, .yaml or .yml. The file contains
// `operations` (a list of {id, type, params, depends_on}) and optionally
// `batch_options` ({parallel_limit, on_failure}). Both are passed on unchanged, so the
// orchestrator checks them. In YAML, unquoted scalars become JSON null, booleans, integers
// or floats where they read as one (YAML 1.2 core schema), and strings otherwise.
//
// Throws sdk::Error: kNotFound when the file is missing, and kInvalidArgument for an
// unknown extension, a file that does not parse (naming file, line and column), or a
// document that is not a table or mapping with an `operations` list. Each message ends by
// pointing at `example`, the shipped example batch file.
boost::json::object read_batch_file(const std::filesystem::path& file,
                                    const std::filesystem::path& example);

}  // namespace provisioning::cli
