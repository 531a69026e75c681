// Test-only HTTP adapter: serves the `POST /sql` and `GET /health` endpoints of a
// `surreal start` server from the SurrealDB engine embedded in @surrealdb/node, so tests
// can run against a real engine without the server binary. See README.md beside this
// file for the command line.
//
// Response shapes follow SurrealDB's HTTP server (src/net/sql.rs and src/net/error.rs
// of surrealdb 3.x): `/sql` returns 200 with a JSON array of one
// {"status", "time", "result"} object per statement, 400 with an error object when the
// query does not parse, and 401 when the credentials are wrong.

import http from "node:http";
import process from "node:process";

import { createNodeEngines } from "@surrealdb/node";
import { Surreal } from "surrealdb";

import { parseOptions, usage } from "./options.mjs";
import { formatDuration, toJson } from "./json_text.mjs";

// Body of an error response, in the server's shape: {code, details, description, information}.
function errorBody(code, details, description, information) {
  const body = { code, details, description };
  if (information !== undefined) body.information = information;
  return JSON.stringify(body);
}

function send(response, status, body, type = "application/json") {
  response.writeHead(status, { "Content-Type": type, "Content-Length": Buffer.byteLength(body) });
  response.end(body);
}

function sendUnauthorized(response) {
  send(
    response,
    401,
    errorBody(
      401,
      "Authentication failed",
      "Your authentication details are invalid. Reauthenticate using valid authentication parameters.",
      "There was a problem with authentication",
    ),
  );
}

// Returns whether the request's Basic credentials match the adapter's. Without
// configured credentials every request is accepted, like `surreal start --unauthenticated`.
function authorized(request, options) {
  if (options.user === undefined) return true;
  const header = request.headers.authorization ?? "";
  if (!header.startsWith("Basic ")) return false;
  const decoded = Buffer.from(header.slice(6), "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon < 0) return false;
  return decoded.slice(0, colon) === options.user && decoded.slice(colon + 1) === options.pass;
}

// Sessions of the engine, one per (namespace, database) pair, created on first use.
class Sessions {
  constructor(db) {
    this.db = db;
    this.byKey = new Map();
  }

  get(namespace, database) {
    const key = `${namespace ?? ""}\u0000${database ?? ""}`;
    let session = this.byKey.get(key);
    if (session === undefined) {
      session = this.open(namespace, database);
      this.byKey.set(key, session);
    }
    return session;
  }

  async open(namespace, database) {
    const session = await this.db.newSession();
    if (namespace !== undefined || database !== undefined) {
      await session.use({ namespace: namespace ?? null, database: database ?? null });
    }
    return session;
  }
}

function statementResult(response) {
  const time = formatDuration(response.stats?.duration);
  if (response.success) return { status: "OK", time, result: response.result ?? null };
  return { status: "ERR", time, result: response.error?.message ?? String(response.error) };
}

// Returns the body as text, or undefined when it is longer than `limit` bytes.
async function readBody(request, limit) {
  const chunks = [];
  let length = 0;
  for await (const chunk of request) {
    length += chunk.length;
    if (length > limit) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}

async function handleSql(request, response, sessions, options) {
  const accept = request.headers.accept ?? "application/json";
  if (!accept.includes("application/json") && !accept.includes("*/*")) {
    const description =
      "The request needs to adhere to certain constraints. Refer to the documentation for supported content types.";
    send(response, 415, errorBody(415, "Unsupported media type", description));
    return;
  }
  const namespace = request.headers["surreal-ns"] ?? request.headers.ns;
  const database = request.headers["surreal-db"] ?? request.headers.db;
  const text = await readBody(request, options.maxBodyBytes);
  if (text === undefined) {
    // The server returns HTTP 413 for a body over its limit; the body text here is the adapter's own.
    send(response, 413, "length limit exceeded", "text/plain");
    return;
  }
  try {
    const session = await sessions.get(namespace, database);
    const responses = await session.query(text).json().responses();
    send(response, 200, toJson(responses.map(statementResult)));
  } catch (error) {
    // The server reports a query that fails as a whole, such as a parse error, this way.
    const description =
      "There is a problem with your request. Refer to the documentation for further information.";
    // "dectected" is the server's own spelling, kept so clients see the same text.
    send(response, 400, errorBody(400, "Request problems dectected", description, error.message));
  }
}

function handle(request, response, options, sessions) {
  const path = new URL(request.url, "http://adapter").pathname;
  if (request.method === "GET" && path === "/health") {
    send(response, 200, "", "text/plain");
    return;
  }
  if (request.method === "POST" && path === "/sql") {
    if (!authorized(request, options)) {
      sendUnauthorized(response);
      return;
    }
    handleSql(request, response, sessions, options).catch((error) => {
      console.error(`adapter: request failed: ${error.stack ?? error}`);
      if (!response.headersSent) send(response, 500, errorBody(500, "Internal error", String(error)));
    });
    return;
  }
  const information = `The HTTP route '${path}' is not found`;
  const description = "The request was made to an endpoint which does not exist.";
  send(response, 404, errorBody(404, "Not found", description, information));
}

async function main() {
  let options;
  try {
    options = parseOptions(process.argv.slice(2), process.env);
  } catch (error) {
    console.error(`adapter: ${error.message}\n${usage}`);
    process.exit(2);
  }

  const db = new Surreal({ engines: createNodeEngines() });
  await db.connect(options.store);
  const sessions = new Sessions(db);

  const server = http.createServer((request, response) =>
    handle(request, response, options, sessions),
  );
  server.on("error", (error) => {
    console.error(`adapter: cannot listen on ${options.host}:${options.port}: ${error.message}`);
    process.exit(1);
  });
  server.listen(options.port, options.host, () => {
    const address = server.address();
    console.log(`listening ${address.address}:${address.port}`);
  });

  // The engine keeps native threads alive, so the process exits explicitly.
  const stop = (signal) => {
    console.error(`adapter: stopping on ${signal}`);
    server.close();
    db.close().finally(() => process.exit(0));
    setTimeout(() => process.exit(0), 2000).unref();
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
}

main().catch((error) => {
  console.error(`adapter: cannot start: ${error.stack ?? error}`);
  process.exit(1);
});
