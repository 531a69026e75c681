// Test-only HTTP adapter: serves the `POST /sql` and `GET /health` endpoints of a
// `surreal start` server from the SurrealDB engine embedded in @surrealdb/node, so tests
// can run against a real engine without the server binary. See README.md beside this
// file for the command line.
//
// Response shapes follow SurrealDB's HTTP server (src/net/sql.rs and src/net/error.rs
// of surrealdb 3.x): `/sql` returns 200 with a JSON array of one
// {"status", "time", "result"} object per statement, 400 with an error object when the
// query does not parse, and 401 when the credentials are wrong.

import { createHash } from "node:crypto";
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

// Returns {username, password} from the request's Basic Authorization header, or
// undefined when it has none or it is malformed.
function basicCredentials(request) {
  const header = request.headers.authorization ?? "";
  if (!header.startsWith("Basic ")) return undefined;
  const decoded = Buffer.from(header.slice(6), "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon < 0) return undefined;
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

// Returns the system user that the request signs in as: {username, password} plus
// `namespace` and `database` for the level. Like the server (surrealdb-server 3,
// src/ntw/auth.rs), the level comes from Surreal-Auth-NS and Surreal-Auth-DB, not from
// Surreal-NS and Surreal-DB: no header is a root user, Surreal-Auth-NS a namespace
// user, both a database user. Returns null for a request without credentials and
// undefined for one that cannot sign in at all.
function requestedUser(request) {
  const credentials = basicCredentials(request);
  if (credentials === undefined) return request.headers.authorization ? undefined : null;
  const namespace = request.headers["surreal-auth-ns"];
  const database = request.headers["surreal-auth-db"];
  if (database !== undefined && namespace === undefined) return undefined;
  return { ...credentials, namespace, database };
}

// Sessions of the engine, created on first use. The adapter's own root user gets one per
// (namespace, database) pair. Users that DEFINE USER created get one per (user,
// namespace, database), signed in to the engine so that it enforces their level.
class Sessions {
  constructor(db) {
    this.db = db;
    this.byKey = new Map();
  }

  get(namespace, database) {
    return this.cached(["root", namespace, database], () => this.open(namespace, database));
  }

  // Returns the session of `user`, or rejects when the engine does not accept the
  // credentials at that level. A rejected sign-in is not cached.
  signedIn(user, namespace, database) {
    const secret = createHash("sha256").update(user.password).digest("hex");
    const key = ["user", user.username, secret, user.namespace, user.database, namespace, database];
    return this.cached(key, async () => {
      const session = await this.db.newSession();
      try {
        await session.signin(systemAuth(user));
        await useScope(session, namespace, database);
      } catch (error) {
        await session.closeSession().catch(() => {});
        throw error;
      }
      return session;
    });
  }

  cached(parts, open) {
    const key = parts.map((part) => part ?? "").join("\u0000");
    let session = this.byKey.get(key);
    if (session === undefined) {
      session = open();
      this.byKey.set(key, session);
      session.catch(() => this.byKey.delete(key));
    }
    return session;
  }

  async open(namespace, database) {
    const session = await this.db.newSession();
    await useScope(session, namespace, database);
    return session;
  }
}

function systemAuth(user) {
  const auth = { username: user.username, password: user.password };
  if (user.namespace !== undefined) auth.namespace = user.namespace;
  if (user.database !== undefined) auth.database = user.database;
  return auth;
}

async function useScope(session, namespace, database) {
  if (namespace !== undefined || database !== undefined) {
    await session.use({ namespace: namespace ?? null, database: database ?? null });
  }
}

// Returns the engine session that serves the request, or undefined when its credentials
// are invalid. The adapter's --user/--pass pair is a root user, as `surreal start`
// creates one from them; other users must exist in the engine (DEFINE USER).
async function sessionFor(request, options, sessions, namespace, database) {
  const user = requestedUser(request);
  if (user === undefined) return undefined;
  if (user === null) return options.user === undefined ? sessions.get(namespace, database) : undefined;
  const isAdapterRoot =
    user.namespace === undefined && user.username === options.user && user.password === options.pass;
  if (isAdapterRoot || options.user === undefined) return sessions.get(namespace, database);
  try {
    return await sessions.signedIn(user, namespace, database);
  } catch {
    return undefined;
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
  const session = await sessionFor(request, options, sessions, namespace, database);
  if (session === undefined) {
    sendUnauthorized(response);
    return;
  }
  const text = await readBody(request, options.maxBodyBytes);
  if (text === undefined) {
    // The server returns HTTP 413 for a body over its limit; the body text here is the adapter's own.
    send(response, 413, "length limit exceeded", "text/plain");
    return;
  }
  try {
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
