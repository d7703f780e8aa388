// The local chat platform's page: chat as a made-up customer with the bot.
// Every text from the server is shown with textContent, never as HTML. The page's own words are the
// catalogue's im.page.* texts in the learner's language, which the server puts in <script id="strings">.
"use strict";

const state = { users: new Map(), bot: null, messages: new Map(), current: null, bubbles: new Map() };
const $ = (id) => document.getElementById(id);
const TEXTS = JSON.parse($("strings").textContent);
// say("chat_as", { name: "Alice" }): a text of the page with its {fields} filled in (as text, not HTML).
const say = (key, fields = {}) => (TEXTS[key] || key).replace(/\{(\w+)\}/g,
  (whole, field) => (Object.hasOwn(fields, field) ? String(fields[field]) : whole));
const STATUS = {
  pending: () => say("pending"),
  retrying: (m) => say("retrying", { reason: m.delivery.reason }),
  delivered: () => say("delivered"),
  failed: (m) => say("not_delivered", { reason: m.delivery.reason }),
  not_sent: (m) => say("not_delivered", { reason: m.delivery.reason }),
};

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

const name = (uid) => (state.users.get(uid) || { name: say("unknown_user", { uid }) }).name;
const pairKey = (a, b) => [a, b].sort().join("|");
const keyOf = (m) => pairKey(m.from, m.to);
const customerOf = (key) => key.split("|").find((uid) => uid !== state.bot.uid);
// "Alice Martin ↔ Shop assistant (bot)": the customer first, the bot last.
const members = (key) => key.split("|").sort((a, b) => (a === state.bot.uid) - (b === state.bot.uid));
const title = (key) => members(key).map(name).join(" ↔ ");
const byTime = (a, b) => a.created_at - b.created_at || (a.id < b.id ? -1 : 1);

function isAi(m) {
  try { const ext = JSON.parse(m.ext || "{}"); return !!(ext && ext.ai && ext.ai.role === "ai"); }
  catch (e) { return false; }
}

async function loadState() {
  const answer = await fetch("/api/state", { cache: "no-store" });
  const data = await answer.json();
  state.users = new Map(data.users.map((u) => [u.uid, u]));
  state.bot = data.users.find((u) => u.is_bot);
  state.messages = new Map(data.messages.map((m) => [m.id, m]));
  $("app-id").textContent = data.app_id;
  $("webhook").textContent = data.bot_webhook || say("no_webhook");
  $("text").maxLength = data.max_text;
  if (!state.current) {
    const first = data.users.find((u) => !u.is_bot);
    state.current = pairKey(first.uid, state.bot.uid);
  }
  state.bubbles.clear();
  $("messages").replaceChildren();
  render();
}

function upsert(message) {
  const old = state.messages.get(message.id);
  if (old && old.seq > message.seq) return;  // an older snapshot arriving late
  state.messages.set(message.id, message);
  render();
}

function render() {
  renderUsers();
  renderConversations();
  renderMessages();
}

function renderUsers() {
  $("users").replaceChildren(...[...state.users.values()].map((u) => {
    const li = el("li", "", u.name + " ");
    li.append(el("span", "uid", u.uid));
    if (u.is_bot) li.append(el("span", "tag", say("bot_tag")));
    else li.addEventListener("click", () => select(pairKey(u.uid, state.bot.uid)));
    li.title = u.is_bot ? say("bot_tip") : say("chat_as", { name: u.name });
    return li;
  }));
}

function renderConversations() {
  const last = new Map();
  for (const u of state.users.values()) if (!u.is_bot) last.set(pairKey(u.uid, state.bot.uid), null);
  for (const m of [...state.messages.values()].sort(byTime)) last.set(keyOf(m), m);
  $("conversations").replaceChildren(...[...last.entries()].map(([key, m]) => {
    const li = el("li", key === state.current ? "current" : "");
    li.dataset.key = key;
    li.append(el("strong", "", title(key)));
    li.append(el("span", "preview", m ? say("preview", { name: name(m.from), text: m.text }) : say("no_messages")));
    li.addEventListener("click", () => select(key));
    return li;
  }));
}

function select(key) {
  state.current = key;
  state.bubbles.clear();
  $("messages").replaceChildren();
  render();
  $("text").focus();
}

function renderMessages() {
  const list = $("messages");
  const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
  const shown = [...state.messages.values()].filter((m) => keyOf(m) === state.current).sort(byTime);
  const canType = state.current.split("|").includes(state.bot.uid);
  const conversation = title(state.current);
  $("title").textContent = canType ? say("you_are", { conversation, name: name(customerOf(state.current)) })
    : say("read_only", { conversation });
  $("text").disabled = $("send").disabled = !canType;
  const wanted = new Set(shown.map((m) => m.id));
  for (const [id, li] of state.bubbles) if (!wanted.has(id)) { li.remove(); state.bubbles.delete(id); }
  let previous = null;
  for (const m of shown) {
    let li = state.bubbles.get(m.id);
    if (!li) { li = bubble(m); state.bubbles.set(m.id, li); }
    fill(li, m);
    if (li.parentNode !== list || li.previousSibling !== previous) {
      list.insertBefore(li, previous ? previous.nextSibling : list.firstChild);
    }
    previous = li;
  }
  const empty = list.querySelector(".empty");
  if (!shown.length && !empty) list.append(el("li", "empty", say("empty")));
  if (shown.length && empty) empty.remove();
  if (atBottom) list.scrollTop = list.scrollHeight;
}

function bubble(m) {
  const fromBot = state.bot && m.from === state.bot.uid;
  const li = el("li", "msg " + (fromBot ? "bot" : "customer"));
  li.dataset.id = m.id;
  li.append(el("div", "meta"), el("div", "bubble"), el("div", "status"));
  return li;
}

function fill(li, m) {
  const time = new Date(m.created_at * 1000).toLocaleTimeString();
  let meta = name(m.from) + " · " + time + " · #" + m.id;
  if (isAi(m)) meta += " · AI";
  if (m.updates) meta += " · " + say("updated", { count: m.updates });
  li.querySelector(".meta").textContent = meta;
  li.querySelector(".bubble").textContent = m.text;
  const status = li.querySelector(".status");
  const describe = m.delivery && STATUS[m.delivery.status];
  status.className = "status " + (m.delivery ? m.delivery.status : "");
  status.textContent = describe ? describe(m) : "";
  status.hidden = !describe;
}

async function send(event) {
  event.preventDefault();
  const box = $("text");
  const text = box.value.trim();
  if (!text) return;
  $("error").textContent = "";
  try {
    const answer = await fetch("/api/messages", {
      method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ from: customerOf(state.current), text }),
    });
    const data = await answer.json();
    if (!answer.ok) throw new Error(data.message || answer.statusText);
    box.value = "";
    upsert(data);
  } catch (error) {
    $("error").textContent = say("not_sent", { why: error.message });
  }
}

function listen() {
  const events = new EventSource("/api/events");
  const connection = $("connection");
  events.onopen = () => { connection.textContent = say("live"); connection.className = "connection live"; loadState(); };
  events.onerror = () => { connection.textContent = say("reconnecting"); connection.className = "connection"; };
  events.addEventListener("message", (e) => upsert(JSON.parse(e.data).message));
  events.addEventListener("reload", () => loadState());
}

function showTexts() {
  document.title = say("title");
  for (const node of document.querySelectorAll("[data-text]")) node.textContent = say(node.dataset.text);
  $("text").placeholder = say("placeholder");
}

document.addEventListener("DOMContentLoaded", () => {
  showTexts();
  $("composer").addEventListener("submit", send);
  $("text").addEventListener("keydown", (e) => {
    // Enter sends; Shift+Enter is a new line; an input method still composing (e.g. pinyin) keeps Enter.
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) send(e);
  });
  loadState().then(listen);
});
