// States of opening_hours values by opening_hours.js, for bench_opening_hours.py.
// Reads JSON {values: [...], moments: [epoch ms...], lat, lon} on stdin; writes JSON
// {results: [{ok, error, states: "ocu..."}]} on stdout. No network: the holidays and the
// sun times are computed from the bundled tables and the coordinates given.
"use strict";
const path = require("path");
const opening_hours = require(
  path.join(process.env.POLLEN_NODE_MODULES || path.join(__dirname, "..", ".venv", "node", "node_modules"), "opening_hours"),
);

const chunks = [];
process.stdin.on("data", (chunk) => chunks.push(chunk));
process.stdin.on("end", () => {
  const input = JSON.parse(Buffer.concat(chunks).toString("utf8"));
  const nominatim = {
    lat: String(input.lat), // opening_hours.js reads coordinates only as strings
    lon: String(input.lon),
    address: { country_code: "fr", state: input.state || "Île-de-France" },
  };
  const moments = input.moments.map((ms) => new Date(ms));
  const results = input.values.map((value) => {
    let oh;
    try {
      oh = new opening_hours(value, nominatim, { mode: 0, locale: "fr" });
    } catch (error) {
      return { ok: false, error: String(error).split("\n")[0], states: "" };
    }
    const states = moments.map((moment) => {
      if (oh.getUnknown(moment)) return "u";
      return oh.getState(moment) ? "o" : "c";
    });
    return { ok: true, error: "", states: states.join("") };
  });
  process.stdout.write(JSON.stringify({ results }));
});
