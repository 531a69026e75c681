// JSON text and duration formatting for the adapter's responses.

// Serializes `value` as JSON. Integers beyond 2^53 arrive from the engine as BigInt,
// which JSON.stringify rejects, so they are written as plain digits.
export function toJson(value) {
  if (value === null || value === undefined) return "null";
  switch (typeof value) {
    case "bigint":
      return value.toString();
    case "number":
      return Number.isFinite(value) ? JSON.stringify(value) : "null";
    case "string":
    case "boolean":
      return JSON.stringify(value);
    case "object":
      break;
    default:
      return JSON.stringify(String(value));
  }
  if (Array.isArray(value)) return `[${value.map(toJson).join(",")}]`;
  if (typeof value.toJSON === "function") return toJson(value.toJSON());
  const members = Object.entries(value)
    .filter(([, member]) => member !== undefined)
    .map(([key, member]) => `${JSON.stringify(key)}:${toJson(member)}`);
  return `{${members.join(",")}}`;
}

const nanosecondsPerUnit = { w: 604800e9, d: 86400e9, h: 3600e9, m: 60e9, s: 1e9, ms: 1e6, us: 1e3, "µs": 1e3, ns: 1 };

// Converts an engine duration such as "1ms197us311ns" into the server's "time" text,
// which is Rust's Debug format of a Duration, such as "1.197311ms".
export function formatDuration(duration) {
  const text = duration === undefined ? "0ns" : String(duration);
  let nanoseconds = 0;
  for (const [, amount, unit] of text.matchAll(/(\d+)(ms|us|µs|ns|w|d|h|m|s)/g)) {
    nanoseconds += Number(amount) * nanosecondsPerUnit[unit];
  }
  const scales = [
    [1e9, "s"],
    [1e6, "ms"],
    [1e3, "µs"],
  ];
  for (const [scale, unit] of scales) {
    if (nanoseconds >= scale) return `${trimZeros((nanoseconds / scale).toFixed(9))}${unit}`;
  }
  return `${nanoseconds}ns`;
}

function trimZeros(text) {
  return text.includes(".") ? text.replace(/\.?0+$/, "") : text;
}
