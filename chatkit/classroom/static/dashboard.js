// The teacher's dashboard. Every value from the gateway (a student's name above all) is shown with
// textContent, never as HTML. The page's own words are the catalogue's classroom.dashboard.page.*
// texts in the teacher's language, which the gateway puts in <script id="strings">.
"use strict";

const $ = (id) => document.getElementById(id);
const TEXTS = JSON.parse($("strings").textContent);
const say = (name, fields = {}) => (TEXTS[name] || name).replace(/\{(\w+)\}/g, (_, f) => String(fields[f] ?? ""));
const API = "/v1/classroom/admin/";
const REFRESH = 10000; // ms between two reads of the summary

// The token comes after "#" in the link `classroom dashboard` prints: a fragment never reaches a
// server. It is kept for this tab only and taken out of the address bar.
const fromLink = new URLSearchParams(location.hash.slice(1)).get("token");
if (fromLink) {
  sessionStorage.setItem("classroom-admin-token", fromLink);
  history.replaceState(null, "", location.pathname);
}
const TOKEN = sessionStorage.getItem("classroom-admin-token") || "";

function fill() {
  document.title = say("title");
  for (const node of document.querySelectorAll("[data-text]")) node.textContent = say(node.dataset.text);
}

async function get(path) {
  const answer = await fetch(API + path, { headers: { Authorization: "Bearer " + TOKEN }, cache: "no-store" });
  if (!answer.ok) {
    let message = say("failed", { status: answer.status });
    try { message = (await answer.json()).error.message || message; } catch (e) { /* not JSON: keep ours */ }
    throw new Error(message);
  }
  return answer;
}

function cell(row, text, className) {
  const td = row.insertCell();
  td.textContent = text === null || text === undefined ? "–" : String(text);
  if (className) td.className = className;
  return td;
}

const number = (n) => Number(n).toLocaleString();
const when = (at) => (at ? new Date(at * 1000).toLocaleString() : null);

function students(data) {
  const body = $("students").tBodies[0];
  body.replaceChildren();
  for (const s of data.students) {
    const row = body.insertRow();
    cell(row, s.id);
    cell(row, s.name);
    cell(row, say("key_" + s.key), s.key === "revoked" ? "revoked" : "");
    cell(row, s.active ? say("yes") : "");
    cell(row, when(s.last_at));
    cell(row, number(s.calls), "number");
    cell(row, number(s.input_tokens + s.output_tokens), "number");
    cell(row, number(s.errors), "number");
    cell(row, s.spend ?? say("unknown"));
  }
}

function results(data) {
  const head = $("results").tHead.rows[0];
  const body = $("results").tBodies[0];
  head.replaceChildren();
  body.replaceChildren();
  $("no-results").hidden = data.exercises.length > 0;
  if (!data.exercises.length) return;
  for (const title of [say("id"), say("name"), ...data.exercises]) {
    const th = document.createElement("th");
    th.textContent = title;
    head.appendChild(th);
  }
  for (const s of data.students) {
    const row = body.insertRow();
    cell(row, s.id);
    cell(row, s.name);
    for (const exercise of data.exercises) {
      const done = s.results[exercise];
      const td = cell(row, done ? (done.passed ? "✓" : "✗") : "", done ? (done.passed ? "passed" : "failed") : "");
      if (done) td.title = when(done.at);
    }
  }
}

function hours(data) {
  const body = $("hours").tBodies[0];
  body.replaceChildren();
  const most = Math.max(1, ...data.hours.map((h) => h.calls));
  for (const h of data.hours) {
    const row = body.insertRow();
    cell(row, h.hour.replace("T", " ") + ":00 UTC");
    cell(row, number(h.calls), "number");
    const bar = document.createElement("progress");
    bar.max = most;
    bar.value = h.calls;
    row.insertCell().appendChild(bar);
    cell(row, number(h.tokens), "number");
    cell(row, number(h.errors), "number");
  }
}

function upstreams(data) {
  const body = $("upstreams").tBodies[0];
  body.replaceChildren();
  for (const u of data.upstreams) {
    const row = body.insertRow();
    cell(row, u.name);
    cell(row, say(u.healthy ? "healthy" : "resting"), u.healthy ? "" : "down");
    cell(row, number(u.calls), "number");
    cell(row, number(u.errors), "number");
    cell(row, u.last_error);
  }
}

async function refresh() {
  try {
    const data = await (await get("summary")).json();
    students(data);
    results(data);
    hours(data);
    upstreams(data);
    $("error").hidden = true;
    $("status").textContent = say("updated", { time: new Date(data.at * 1000).toLocaleTimeString() });
  } catch (error) {
    $("error").textContent = error.message;
    $("error").hidden = false;
  }
}

async function download(path) {
  try {
    const blob = await (await get(path)).blob();
    const link = document.createElement("a");
    link.href = URL.createObjectURL(blob);
    link.download = path;
    link.click();
    setTimeout(() => URL.revokeObjectURL(link.href), 1000); // after the download has started
  } catch (error) {
    $("error").textContent = error.message;
    $("error").hidden = false;
  }
}

fill();
$("usage-csv").addEventListener("click", () => download("usage.csv"));
$("results-csv").addEventListener("click", () => download("results.csv"));
refresh();
setInterval(refresh, REFRESH);
