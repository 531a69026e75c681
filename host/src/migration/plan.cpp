#include "migration/plan.h"

#include <provisioning/sdk/error.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <fstream>
#include <set>
#include <tuple>

#include "config.h"

namespace provisioning::host::migration {
namespace {

constexpr std::array kStepTypes{StepType::kMigrateStorage, StepType::kSetConfig,
                                StepType::kBridgeMode, StepType::kVerify, StepType::kHealthCheck};

constexpr std::int64_t kMaxWaitSeconds = 86400;

std::string join(const std::vector<std::string>& items) {
  std::string text;
  for (const auto& item : items) text += (text.empty() ? "" : ", ") + item;
  return text;
}

std::vector<std::string> step_type_names() {
  std::vector<std::string> names;
  for (StepType type : kStepTypes) names.emplace_back(to_string(type));
  return names;
}

std::vector<std::string> step_keys(StepType type) {
  switch (type) {
    case StepType::kMigrateStorage:
      return {"type", "from", "to", "verify"};
    case StepType::kSetConfig:
      return {"type", "key", "value"};
    case StepType::kBridgeMode:
      return {"type", "mode", "new_system_percentage"};
    case StepType::kVerify:
      return {"type", "source"};
    case StepType::kHealthCheck:
      return {"type", "checks"};
  }
  return {"type"};
}

bool plain(const YAML::Node& node) {
  return node.Tag() == "?";  // yaml-cpp tags an unquoted scalar "?" and a quoted one "!"
}

std::optional<bool> plain_bool(const YAML::Node& node) {
  if (!node.IsScalar() || !plain(node)) return std::nullopt;
  static const std::set<std::string> yes = {"true", "True", "TRUE"};
  static const std::set<std::string> no = {"false", "False", "FALSE"};
  if (yes.count(node.Scalar())) return true;
  if (no.count(node.Scalar())) return false;
  return std::nullopt;
}

std::optional<std::int64_t> plain_integer(const YAML::Node& node) {
  if (!node.IsScalar() || !plain(node)) return std::nullopt;
  const std::string& text = node.Scalar();
  std::int64_t value = 0;
  const char* begin = text.data() + (text.starts_with('+') ? 1 : 0);
  auto [end, error] = std::from_chars(begin, text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || begin == end) {
    return std::nullopt;
  }
  return value;
}

// Collects the problems of one plan file while reading it into a MigrationPlan.
class PlanReader {
 public:
  explicit PlanReader(std::vector<PlanProblem>& problems) : problems_(problems) {}

  MigrationPlan read(const YAML::Node& root) {
    MigrationPlan plan;
    if (!root.IsMap()) {
      problem(root, "a plan must be a mapping with the keys name, description and phases");
      return plan;
    }
    check_keys(root, {"name", "description", "phases"}, "the plan");
    plan.name = string_field(root, "name", "the plan", true);
    plan.description = string_field(root, "description", "the plan", false);
    const YAML::Node phases = root["phases"];
    if (!phases.IsDefined() || !phases.IsSequence() || phases.size() == 0) {
      problem(phases.IsDefined() ? phases : root,
              "'phases' must be a non-empty list of phases, each with a name and steps");
      return plan;
    }
    std::set<std::string> names;
    for (std::size_t i = 0; i < phases.size(); ++i) {
      PlanPhase phase = read_phase(phases[i], i + 1);
      if (!phase.name.empty() && !names.insert(phase.name).second) {
        problem(phases[i], "phase name '" + phase.name +
                               "' is used twice; give each phase "
                               "its own name");
      }
      plan.phases.push_back(std::move(phase));
    }
    return plan;
  }

 private:
  static PlanPosition position(const YAML::Node& node) {
    YAML::Mark mark = node.Mark();
    if (mark.is_null()) return {1, 1};
    return {static_cast<std::size_t>(mark.line) + 1, static_cast<std::size_t>(mark.column) + 1};
  }

  void problem(const YAML::Node& node, std::string message) {
    problems_.push_back({position(node), std::move(message)});
  }

  void check_keys(const YAML::Node& map, const std::vector<std::string>& allowed,
                  const std::string& where) {
    for (const auto& entry : map) {
      const std::string key = entry.first.Scalar();
      if (std::find(allowed.begin(), allowed.end(), key) != allowed.end()) continue;
      std::string message = "unknown key '" + key + "' in " + where;
      std::string suggestion = closest_match(key, allowed);
      if (!suggestion.empty()) message += "; did you mean '" + suggestion + "'?";
      problem(entry.first, message + "; valid keys: " + join(allowed));
    }
  }

  std::string string_field(const YAML::Node& map, const std::string& key, const std::string& where,
                           bool required) {
    const YAML::Node value = map[key];
    if (!value.IsDefined() || value.IsNull()) {
      if (required) problem(map, "missing '" + key + "' in " + where + "; add '" + key + ": ...'");
      return {};
    }
    if (!value.IsScalar() || value.Scalar().empty()) {
      problem(value, "'" + key + "' in " + where + " must be a non-empty string");
      return {};
    }
    return value.Scalar();
  }

  std::optional<bool> bool_field(const YAML::Node& map, const std::string& key,
                                 const std::string& where) {
    const YAML::Node value = map[key];
    if (!value.IsDefined()) return std::nullopt;
    if (auto parsed = plain_bool(value)) return parsed;
    problem(value, "'" + key + "' in " + where + " must be true or false, not '" +
                       (value.IsScalar() ? value.Scalar() : std::string("a collection")) + "'");
    return std::nullopt;
  }

  std::optional<std::int64_t> integer_field(const YAML::Node& map, const std::string& key,
                                            const std::string& where, std::int64_t minimum,
                                            std::int64_t maximum) {
    const YAML::Node value = map[key];
    if (!value.IsDefined()) return std::nullopt;
    auto parsed = plain_integer(value);
    if (!parsed || *parsed < minimum || *parsed > maximum) {
      problem(value, "'" + key + "' in " + where + " must be a whole number from " +
                         std::to_string(minimum) + " to " + std::to_string(maximum) + ", not '" +
                         (value.IsScalar() ? value.Scalar() : std::string("a collection")) + "'");
      return std::nullopt;
    }
    return parsed;
  }

  PlanPhase read_phase(const YAML::Node& node, std::size_t number) {
    PlanPhase phase;
    phase.position = position(node);
    std::string where = "phase " + std::to_string(number);
    if (!node.IsMap()) {
      problem(node, where +
                        " must be a mapping with name, steps, rollback_on_failure and "
                        "wait_seconds");
      return phase;
    }
    phase.name = string_field(node, "name", where, true);
    if (!phase.name.empty()) where = "phase '" + phase.name + "'";
    check_keys(node, {"name", "steps", "rollback_on_failure", "wait_seconds"}, where);
    phase.rollback_on_failure = bool_field(node, "rollback_on_failure", where).value_or(true);
    phase.wait_seconds = integer_field(node, "wait_seconds", where, 0, kMaxWaitSeconds).value_or(0);
    const YAML::Node steps = node["steps"];
    if (!steps.IsDefined() || !steps.IsSequence() || steps.size() == 0) {
      problem(steps.IsDefined() ? steps : node,
              "'steps' of " + where + " must be a non-empty list of steps, each with a type");
      return phase;
    }
    for (std::size_t i = 0; i < steps.size(); ++i) {
      phase.steps.push_back(read_step(steps[i], where + " step " + std::to_string(i + 1)));
    }
    return phase;
  }

  std::optional<StepType> step_type(const YAML::Node& node, const std::string& where) {
    std::string name = string_field(node, "type", where, true);
    if (name.empty()) return std::nullopt;
    for (StepType type : kStepTypes) {
      if (name == to_string(type)) return type;
    }
    std::vector<std::string> names = step_type_names();
    std::string message = "unknown step type '" + name + "' in " + where;
    std::string suggestion = closest_match(name, names);
    if (!suggestion.empty()) message += "; did you mean '" + suggestion + "'?";
    problem(node["type"], message + "; valid types: " + join(names));
    return std::nullopt;
  }

  PlanStep read_step(const YAML::Node& node, const std::string& where) {
    PlanStep step;
    step.position = position(node);
    if (!node.IsMap()) {
      problem(node, where + " must be a mapping with a 'type' key, such as 'type: verify'");
      return step;
    }
    auto type = step_type(node, where);
    if (!type) return step;
    step.type = *type;
    check_keys(node, step_keys(step.type), where + " (" + to_string(step.type) + ")");
    read_step_fields(node, where, step);
    return step;
  }

  void read_step_fields(const YAML::Node& node, const std::string& where, PlanStep& step) {
    switch (step.type) {
      case StepType::kMigrateStorage:
        step.from = string_field(node, "from", where, true);
        step.to = string_field(node, "to", where, true);
        step.verify = bool_field(node, "verify", where).value_or(true);
        if (!step.from.empty() && step.from == step.to) {
          problem(node["to"], "'from' and 'to' of " + where + " are both '" + step.from +
                                  "'; migrate to another backend");
        }
        break;
      case StepType::kSetConfig:
        step.key = string_field(node, "key", where, true);
        read_config_value(node, where, step);
        break;
      case StepType::kBridgeMode:
        step.mode = string_field(node, "mode", where, true);
        step.new_system_percentage = integer_field(node, "new_system_percentage", where, 0, 100);
        break;
      case StepType::kVerify:
        step.source = string_field(node, "source", where, false);
        break;
      case StepType::kHealthCheck:
        step.checks = string_list(node, "checks", where);
        break;
    }
  }

  void read_config_value(const YAML::Node& node, const std::string& where, PlanStep& step) {
    const YAML::Node value = node["value"];
    if (!value.IsDefined()) {
      problem(node, "missing 'value' in " + where + "; add 'value: ...'");
    } else if (value.IsSequence()) {
      step.value = string_list(node, "value", where);
    } else if (!value.IsScalar()) {
      problem(value, "'value' in " + where +
                         " must be a string, a whole number, true, false or a list of strings");
    } else if (auto flag = plain_bool(value)) {
      step.value = *flag;
    } else if (auto number = plain_integer(value)) {
      step.value = *number;
    } else {
      step.value = value.Scalar();
    }
  }

  std::vector<std::string> string_list(const YAML::Node& map, const std::string& key,
                                       const std::string& where) {
    std::vector<std::string> items;
    const YAML::Node list = map[key];
    if (!list.IsDefined()) return items;
    if (!list.IsSequence()) {
      problem(list, "'" + key + "' in " + where + " must be a list, such as [a, b]");
      return items;
    }
    for (const YAML::Node& item : list) {
      if (item.IsScalar()) {
        items.push_back(item.Scalar());
      } else {
        problem(item, "each item of '" + key + "' in " + where + " must be a string");
      }
    }
    return items;
  }

  std::vector<PlanProblem>& problems_;
};

}  // namespace

const char* to_string(StepType type) {
  switch (type) {
    case StepType::kMigrateStorage:
      return "migrate_storage";
    case StepType::kSetConfig:
      return "set_config";
    case StepType::kBridgeMode:
      return "bridge_mode";
    case StepType::kVerify:
      return "verify";
    case StepType::kHealthCheck:
      return "health_check";
  }
  return "unknown";
}

std::string PlanStep::summary() const {
  switch (type) {
    case StepType::kMigrateStorage:
      return "migrate_storage " + from + " -> " + to + (verify ? "" : " (no verify)");
    case StepType::kSetConfig:
      return "set_config " + key + " = " + to_toml_text(value);
    case StepType::kBridgeMode:
      return "bridge_mode " + mode +
             (new_system_percentage
                  ? " (new_system_percentage " + std::to_string(*new_system_percentage) + ")"
                  : std::string());
    case StepType::kVerify:
      return "verify against " + (source.empty() ? std::string("the default source") : source);
    case StepType::kHealthCheck:
      return "health_check " +
             (checks.empty() ? std::string("target, orchestrator") : join(checks));
  }
  return to_string(type);
}

MigrationPlan parse_plan(const std::filesystem::path& file, std::string_view text,
                         std::vector<PlanProblem>& problems) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::Exception& error) {
    problems.push_back({{static_cast<std::size_t>(error.mark.line) + 1,
                         static_cast<std::size_t>(error.mark.column) + 1},
                        "invalid YAML: " + error.msg + "; fix the syntax at this position"});
    return MigrationPlan{file, {}, {}, {}};
  }
  MigrationPlan plan = PlanReader(problems).read(root);
  plan.file = file;
  return plan;
}

std::string format_problems(const std::filesystem::path& file,
                            const std::vector<PlanProblem>& problems) {
  std::string text;
  for (const PlanProblem& problem : problems) {
    if (!text.empty()) text += '\n';
    text += file.string() + ":" + std::to_string(problem.position.line) + ":" +
            std::to_string(problem.position.column) + ": " + problem.message;
  }
  return text;
}

MigrationPlan load_plan(const std::filesystem::path& file, Host& host) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    throw sdk::Error::not_found("plan file '" + file.string() +
                                "' cannot be read; check the path (config/plans/ has examples)");
  }
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<PlanProblem> problems;
  MigrationPlan plan = parse_plan(file, text, problems);
  check_plan_names(plan, host, problems);
  std::stable_sort(problems.begin(), problems.end(), [](const auto& a, const auto& b) {
    return std::tie(a.position.line, a.position.column) <
           std::tie(b.position.line, b.position.column);
  });
  if (!problems.empty()) {
    throw sdk::Error::invalid_argument("invalid migration plan (" +
                                       std::to_string(problems.size()) + " problems):\n" +
                                       format_problems(file, problems));
  }
  return plan;
}

}  // namespace provisioning::host::migration
