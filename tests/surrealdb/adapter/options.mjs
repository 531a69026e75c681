// Command line of the adapter, modelled on `surreal start`:
//   node server.mjs [--bind HOST:PORT] [--user NAME] [--pass PASSWORD] [STORE]
// SURREAL_BIND, SURREAL_USER and SURREAL_PASS supply the same values, as they do for
// the real server, and the command line wins.

export const usage = `usage: node server.mjs [--bind HOST:PORT] [--user NAME] [--pass PASSWORD] [STORE]
  --bind HOST:PORT  loopback address to listen on (default 127.0.0.1:0, a free port)
  --user, --pass    root user that /sql requests sign in as with HTTP Basic auth;
                    users from DEFINE USER sign in too, at the level that the
                    Surreal-Auth-NS and Surreal-Auth-DB headers give; without
                    --user, requests need no credentials
  STORE             memory (default), surrealkv://DIRECTORY or rocksdb://DIRECTORY
SURREAL_HTTP_MAX_SQL_BODY_SIZE sets the maximum /sql body in bytes (default 1048576).`;

const loopbackHosts = new Set(["127.0.0.1", "::1", "localhost"]);

function parseBind(text) {
  const colon = text.lastIndexOf(":");
  if (colon < 0) throw new Error(`invalid --bind '${text}': expected HOST:PORT, such as 127.0.0.1:0`);
  let host = text.slice(0, colon);
  if (host.startsWith("[") && host.endsWith("]")) host = host.slice(1, -1);
  const port = Number(text.slice(colon + 1));
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`invalid port in --bind '${text}': expected 0 to 65535`);
  }
  if (!loopbackHosts.has(host) && !host.startsWith("127.")) {
    throw new Error(`invalid host in --bind '${text}': this test adapter listens on loopback only, such as 127.0.0.1`);
  }
  return { host, port };
}

// Maps the store argument to a connection URL of the embedded engine.
function parseStore(text) {
  if (text === "memory" || text === "mem://") return "mem://";
  for (const scheme of ["surrealkv://", "rocksdb://"]) {
    if (text.startsWith(scheme) && text.length > scheme.length) return text;
  }
  throw new Error(`invalid store '${text}': expected memory, surrealkv://DIRECTORY or rocksdb://DIRECTORY`);
}

// The server's default maximum /sql body, 1 MiB (SurrealDB's HTTP_MAX_SQL_BODY_SIZE).
const defaultMaxBodyBytes = 1 << 20;

function parseMaxBody(text) {
  if (text === undefined) return defaultMaxBodyBytes;
  const bytes = Number(text);
  if (!Number.isInteger(bytes) || bytes <= 0) {
    throw new Error(`invalid SURREAL_HTTP_MAX_SQL_BODY_SIZE '${text}': expected a positive number of bytes`);
  }
  return bytes;
}

// Returns {host, port, user, pass, store, maxBodyBytes} or throws an Error naming the bad argument.
export function parseOptions(argv, env) {
  const options = { bind: env.SURREAL_BIND ?? "127.0.0.1:0", user: env.SURREAL_USER, pass: env.SURREAL_PASS, store: "memory" };
  for (let i = 0; i < argv.length; i++) {
    const argument = argv[i];
    const flag = { "--bind": "bind", "--user": "user", "-u": "user", "--pass": "pass", "-p": "pass" }[argument];
    if (flag !== undefined) {
      if (i + 1 >= argv.length) throw new Error(`missing value after ${argument}`);
      options[flag] = argv[++i];
    } else if (argument.startsWith("-")) {
      throw new Error(`unknown option '${argument}'`);
    } else {
      options.store = argument;
    }
  }
  if (options.user !== undefined && options.pass === undefined) {
    throw new Error("--user needs --pass (or SURREAL_PASS) as well");
  }
  const { host, port } = parseBind(options.bind);
  return {
    host,
    port,
    user: options.user,
    pass: options.pass,
    store: parseStore(options.store),
    maxBodyBytes: parseMaxBody(env.SURREAL_HTTP_MAX_SQL_BODY_SIZE),
  };
}
