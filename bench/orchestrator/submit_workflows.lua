-- wrk script for bench/run-orchestrator.sh: every request submits one durable
-- server_create workflow with POST /workflows/servers/create (API v2) and does not wait
-- for it, so the orchestrator answers 202 once the workflow is stored.
--
--   wrk ... -s submit_workflows.lua http://127.0.0.1:PORT -- PLAN PREFIX
--
-- Server names are PREFIX-T-N: T is the wrk thread and N counts that thread's requests,
-- so no two requests of a run share a name. PREFIX must be unique per run.

local threads_created = 0

-- Runs in wrk's main Lua state once per thread, before the thread starts.
function setup(thread)
  thread:set("thread_number", threads_created)
  threads_created = threads_created + 1
end

local plan
local prefix
local counter = 0
local headers = {
  ["API-Version"] = "v2",
  ["Content-Type"] = "application/json",
}

function init(args)
  plan = args[1] or "1xCPU-1GB"
  prefix = args[2] or "wf"
end

function request()
  counter = counter + 1
  local body = string.format(
    '{"name":"%s-%d-%d","plan":"%s","workflow_options":{"wait_for_completion":false}}',
    prefix, thread_number, counter, plan)
  return wrk.format("POST", "/workflows/servers/create", headers, body)
end
