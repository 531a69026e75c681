#include "observability/status_page.h"

#include "observability/health.h"

namespace provisioning::host::observability {
namespace {

// The page. Every value shown is inserted with textContent, so record fields cannot
// inject markup.
constexpr const char* kStatusPage = R"html(<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>provisioning status</title>
<style>
  body { font-family: system-ui, sans-serif; margin: 1.5rem; color: #1d232a; background: #f6f7f9; }
  h1 { font-size: 1.4rem; margin: 0 0 .25rem 0; }
  h2 { font-size: 1.1rem; margin: 1.5rem 0 .5rem 0; }
  #updated { color: #5a6572; font-size: .85rem; }
  table { border-collapse: collapse; width: 100%; background: #fff; }
  th, td { text-align: left; padding: .35rem .6rem; border-bottom: 1px solid #e1e4e8; font-size: .9rem; }
  th { background: #eef1f4; }
  .status { font-weight: 600; }
  .healthy, .running, .Completed { color: #1a7f37; }
  .degraded, .Pending, .Running, .creating { color: #9a6700; }
  .unhealthy, .Failed, .Cancelled, .error { color: #cf222e; }
  .empty { color: #5a6572; font-style: italic; }
  #overall { font-size: 1rem; }
</style>
</head>
<body>
<h1>provisioning status</h1>
<div>Overall: <span id="overall" class="status">loading</span></div>
<div id="updated">not loaded yet</div>

<h2>Components</h2>
<table id="components">
  <thead><tr><th>Component</th><th>Status</th><th>Error</th></tr></thead>
  <tbody></tbody>
</table>

<h2>Servers</h2>
<table id="servers">
  <thead><tr><th>Name</th><th>Status</th><th>Plan</th><th>Zone</th><th>Address</th></tr></thead>
  <tbody></tbody>
</table>

<h2>Workflows</h2>
<table id="workflows">
  <thead><tr><th>Id</th><th>Type</th><th>Status</th><th>Created</th><th>Error</th></tr></thead>
  <tbody></tbody>
</table>

<script>
"use strict";
const refreshMilliseconds = 5000;
const token = new URLSearchParams(location.hash.slice(1)).get("token");

function headers(version) {
  const result = {};
  if (version) result["API-Version"] = version;
  if (token) result["Authorization"] = "Bearer " + token;
  return result;
}

async function getJson(path, version) {
  const response = await fetch(path, { headers: headers(version), cache: "no-store" });
  const body = await response.json();
  if (!response.ok && !(body && body.status)) {
    const message = body && body.error ? body.error.message : "HTTP " + response.status;
    throw new Error(path + ": " + message);
  }
  return body;
}

function cell(row, text, className) {
  const td = document.createElement("td");
  td.textContent = text === undefined || text === null ? "" : String(text);
  if (className) td.className = "status " + className;
  row.appendChild(td);
}

function fill(tableId, items, columns, statusColumn) {
  const body = document.querySelector("#" + tableId + " tbody");
  body.replaceChildren();
  if (items.length === 0) {
    const row = body.insertRow();
    const td = document.createElement("td");
    td.colSpan = columns.length;
    td.className = "empty";
    td.textContent = "none";
    row.appendChild(td);
    return;
  }
  for (const item of items) {
    const row = body.insertRow();
    for (const column of columns) {
      const value = item[column];
      cell(row, value, column === statusColumn ? String(value) : "");
    }
  }
}

function showError(tableId, columns, error) {
  const body = document.querySelector("#" + tableId + " tbody");
  body.replaceChildren();
  const row = body.insertRow();
  const td = document.createElement("td");
  td.colSpan = columns;
  td.className = "error";
  td.textContent = error.message;
  row.appendChild(td);
}

async function refreshHealth() {
  try {
    const report = await getJson("/health/detailed");
    const overall = document.getElementById("overall");
    overall.textContent = report.status;
    overall.className = "status " + report.status;
    fill("components", report.components, ["component", "status", "error"], "status");
  } catch (error) {
    showError("components", 3, error);
  }
}

async function refreshServers() {
  try {
    const body = await getJson("/servers", "v2");
    fill("servers", body.servers, ["name", "status", "plan", "zone", "ip_address"], "status");
  } catch (error) {
    showError("servers", 5, error);
  }
}

async function refreshWorkflows() {
  try {
    const body = await getJson("/workflows?limit=20", "v2");
    fill("workflows", body.workflows, ["id", "type", "status", "created_at", "error"], "status");
  } catch (error) {
    showError("workflows", 5, error);
  }
}

async function refresh() {
  await Promise.all([refreshHealth(), refreshServers(), refreshWorkflows()]);
  document.getElementById("updated").textContent =
      "updated " + new Date().toISOString() + ", every " + refreshMilliseconds / 1000 + " s";
}

refresh();
setInterval(refresh, refreshMilliseconds);
</script>
</body>
</html>
)html";

}  // namespace

HttpResponse status_page_response() {
  HttpResponse response;
  response.body = kStatusPage;
  response.content_type = "text/html; charset=utf-8";
  // The page loads nothing from other origins.
  response.headers["Content-Security-Policy"] =
      "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
      "connect-src 'self'";
  response.headers["Cache-Control"] = "no-store";
  return response;
}

HttpResponse detailed_health_response(Host& host, int port, std::size_t queue_depth) {
  HealthReport report = check_all(host, orchestrator_serving(port, queue_depth));
  HttpResponse response;
  response.status = report.overall == HealthStatus::kUnhealthy ? 503 : 200;
  response.body = json::serialize(report.to_json());
  return response;
}

}  // namespace provisioning::host::observability
