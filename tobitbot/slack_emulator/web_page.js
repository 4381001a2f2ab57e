// A minimal Slack for the emulated workspace. No dependencies. Every string that comes from a
// message goes through esc() before it becomes HTML; only our own tags are added after that.
"use strict";

const EMOJI = {
  white_check_mark: "✅", heavy_check_mark: "✔️", x: "❌", warning: "⚠️", no_entry: "⛔",
  leftwards_arrow_with_hook: "↩️", inbox_tray: "📥", raised_hand: "✋", gear: "⚙️", key: "🔑",
  hourglass: "⌛", hourglass_flowing_sand: "⏳", question: "❓", large_green_circle: "🟢",
  small_blue_diamond: "🔹", electric_plug: "🔌", boom: "💥", thumbsup: "👍", "+1": "👍",
  thumbsdown: "👎", eyes: "👀", lock: "🔒", rotating_light: "🚨", fax: "📠", email: "📧",
  tada: "🎉", memo: "📝", information_source: "ℹ️", red_circle: "🔴", stop_sign: "🛑",
};
const PICKER = ["white_check_mark", "x", "thumbsup", "eyes"];

const params = new URLSearchParams(location.search);
let me = params.get("user") || "";
let channel = params.get("channel") || "";
let threadTs = null;
let S = null;            // the last state from the server
let since = -1;
let poller = null;       // AbortController of the running long poll
let jump = true;         // scroll to the newest message on the next render (a new view)
let shownModal = null;   // the modal view on screen, so a re-render keeps what was typed
const HOME = "@home";    // the app's Home tab, in place of a channel
const lastSeen = {};     // channel -> newest ts the user has looked at

const $ = (id) => document.getElementById(id);
const esc = (s) => String(s ?? "").replace(/[&<>"']/g,
  (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
const unent = (s) => String(s ?? "").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
// own names only: `:constructor:` must not find Object.prototype.constructor
const known = (name) => (Object.hasOwn(EMOJI, name) ? EMOJI[name] : null);
const emoji = (name) => known(name) || `:${name}:`;

function el(tag, cls, htmlText) {
  const node = document.createElement(tag);
  if (cls) node.className = cls;
  if (htmlText !== undefined) node.innerHTML = htmlText;   // callers pass escaped HTML only
  return node;
}

// ---- mrkdwn -------------------------------------------------------------------------------

function mrkdwn(text) {
  return String(text ?? "").split("```").map((part, i) => i % 2
    ? `<pre><code>${esc(unent(part.replace(/^\n/, "")))}</code></pre>`
    : inline(part)).join("");
}

function inline(text) {
  // code spans and <...> sequences become placeholders first, so that *bold* may span them
  const kept = [];
  const keep = (htmlText) => `\u0000${kept.push(htmlText) - 1}\u0000`;
  const marked = String(text).replace(/\u0000/g, "")
    .replace(/<([^<>\n]+)>|`([^`\n]+)`/g, (all, special_, code) =>
      keep(code !== undefined ? `<code>${esc(unent(code))}</code>` : special(special_)));
  return styled(marked).replace(/\u0000(\d+)\u0000/g, (all, i) => kept[Number(i)]);
}

function styled(text) {
  return esc(unent(text))
    .replace(/(^|[\s(\u0000])\*([^*\n]+)\*/g, "$1<b>$2</b>")
    .replace(/(^|[\s(\u0000])_([^_\n]+)_/g, "$1<i>$2</i>")
    .replace(/(^|[\s(\u0000])~([^~\n]+)~/g, "$1<s>$2</s>")
    .replace(/:([a-z0-9_+-]+):/g, (all, name) => known(name) || all)
    .replace(/\n/g, "<br>");
}

function special(inner) {
  const [target, label] = inner.split("|", 2);
  if (target.startsWith("@")) {
    const user = userById(target.slice(1));
    return `<span class="mention">@${esc(label || (user ? user.name : target.slice(1)))}</span>`;
  }
  if (target.startsWith("#")) {
    const ch = (S?.channels || []).find((c) => c.id === target.slice(1));
    return `<span class="mention">#${esc(label || (ch ? ch.name : target.slice(1)))}</span>`;
  }
  if (target.startsWith("!")) return `<span class="mention">@${esc(label || target.slice(1))}</span>`;
  if (/^(https?:|mailto:)/i.test(target)) {
    return `<a href="${esc(unent(target))}" target="_blank" rel="noopener noreferrer">${esc(unent(label || target))}</a>`;
  }
  return esc(unent(`<${inner}>`));
}

function textObject(t) {
  if (!t) return "";
  if (t.type === "plain_text") return esc(t.text).replace(/:([a-z0-9_+-]+):/g, (a, n) => known(n) || a);
  return mrkdwn(t.text);
}

// ---- Block Kit ------------------------------------------------------------------------------

// `target` says where a click goes: {click(element, block)}; messages and views differ.
function renderBlocks(blocks, target) {
  const box = el("div", "blocks");
  for (const block of blocks) box.appendChild(renderBlock(block, target));
  return box;
}

function messageTarget(msg) {
  return { click: (e, block) => post("/web/click", { user: me, channel: msg.channel, ts: msg.ts,
                                                     action_id: e.action_id, block_id: block.block_id }) };
}

function viewTarget(view) {
  return { click: (e) => post("/web/view-click", { user: me, view_id: view.id, action_id: e.action_id }) };
}

function renderBlock(block, target) {
  switch (block.type) {
    case "header": return el("div", "block header", textObject(block.text));
    case "divider": return el("hr", "divider");
    case "context": {
      const node = el("div", "block context");
      for (const e of block.elements || []) {
        node.appendChild(el("span", "", e.type === "image" ? `[${esc(e.alt_text)}]` : textObject(e)));
      }
      return node;
    }
    case "section": {
      const node = el("div", "block section");
      const text = el("div", "text", textObject(block.text));
      if (block.fields) {
        const fields = el("div", "fields");
        for (const f of block.fields) fields.appendChild(el("div", "", textObject(f)));
        text.appendChild(fields);
      }
      node.appendChild(text);
      if (block.accessory) node.appendChild(renderElement(block.accessory, block, target));
      return node;
    }
    case "actions": {
      const node = el("div", "block actions");
      for (const e of block.elements || []) node.appendChild(renderElement(e, block, target));
      return node;
    }
    case "image": return el("div", "block", `[image: ${esc(block.alt_text)}]`);
    case "rich_text": return el("div", "block", richText(block.elements || []));
    case "input": return renderInput(block);
    default: return el("div", "block context", `[${esc(block.type)} block]`);
  }
}

function renderElement(e, block, target) {
  if (e.type !== "button") return el("span", "context", `[${esc(e.type)}]`);
  const button = el("button", e.style || "", textObject(e.text));
  button.type = "button";
  button.dataset.actionId = e.action_id || "";
  button.addEventListener("click", async () => {
    if (e.confirm && !(await confirmDialog(e.confirm))) return;
    if (e.url) window.open(e.url, "_blank", "noopener");
    target.click(e, block);
  });
  return button;
}

// ---- modals --------------------------------------------------------------------------------

function renderInput(block) {
  const node = el("div", "block input");
  node.dataset.blockId = block.block_id;
  const e = block.element || {};
  const id = `input-${block.block_id}`;
  node.appendChild(el("label", "", textObject(block.label) + (block.optional ? " <small>(optional)</small>" : "")));
  node.querySelector("label").htmlFor = id;
  let field;
  if (e.type === "plain_text_input") {
    field = el(e.multiline ? "textarea" : "input");
    if (!e.multiline) field.type = "text";
    field.value = e.initial_value || "";
    if (e.placeholder) field.placeholder = e.placeholder.text;
  } else if (e.type === "checkboxes" || e.type === "radio_buttons") {
    field = el("div");
    (e.options || []).forEach((option, i) => {
      const row = el("label", "option");
      const box = el("input");
      box.type = e.type === "checkboxes" ? "checkbox" : "radio";
      box.name = id;
      box.value = String(i);
      row.append(box, " ");
      row.insertAdjacentHTML("beforeend", textObject(option.text));
      field.appendChild(row);
    });
  } else if (e.type === "static_select") {
    field = el("select");
    field.appendChild(el("option", "", ""));
    (e.options || []).forEach((option, i) => {
      const choice = el("option", "", textObject(option.text));
      choice.value = String(i);
      field.appendChild(choice);
    });
  } else {
    field = el("div", "context", `[${esc(e.type)}]`);
  }
  field.id = id;
  field.dataset.actionId = e.action_id || "";
  node.appendChild(field);
  if (block.hint) node.appendChild(el("div", "hint", textObject(block.hint)));
  node.appendChild(el("div", "error"));
  return node;
}

function inputValues(container, view) {
  const values = {};
  for (const block of view.blocks || []) {
    if (block.type !== "input") continue;
    const e = block.element || {};
    const node = container.querySelector(`#input-${CSS.escape(block.block_id)}`);
    let value;
    if (e.type === "plain_text_input") value = { type: e.type, value: node.value || null };
    else if (e.type === "checkboxes") {
      value = { type: e.type, selected_options: [...node.querySelectorAll("input:checked")].map((b) => e.options[Number(b.value)]) };
    } else if (e.type === "radio_buttons" || e.type === "static_select") {
      const picked = e.type === "static_select" ? node.value : node.querySelector("input:checked")?.value;
      value = { type: e.type, selected_option: picked ? e.options[Number(picked)] : null };
    } else continue;
    values[block.block_id] = { [e.action_id]: value };
  }
  return values;
}

function renderModal() {
  const modals = S.views.filter((v) => v.type === "modal");
  const view = modals[modals.length - 1];
  const dialog = $("modal");
  if (!view) {
    shownModal = null;
    if (dialog.open) dialog.close();
    return;
  }
  if (dialog.open && shownModal && shownModal.id === view.id && shownModal.hash === view.hash) return;
  shownModal = view;
  $("modal-title").innerHTML = textObject(view.title);
  $("modal-submit").hidden = !view.submit;
  $("modal-submit").innerHTML = view.submit ? textObject(view.submit) : "Submit";
  $("modal-close").innerHTML = view.close ? textObject(view.close) : "Cancel";
  $("modal-blocks").replaceChildren(renderBlocks(view.blocks || [], viewTarget(view)));
  if (!dialog.open) dialog.showModal();
}

async function submitModal(event) {
  event.preventDefault();
  const view = shownModal;
  if (!view) return;
  const answer = await post("/web/submit", { user: me, view_id: view.id, values: inputValues($("modal-blocks"), view) });
  for (const node of $("modal-blocks").querySelectorAll(".block.input .error")) node.textContent = "";
  for (const [blockId, message] of Object.entries(answer.errors || {})) {
    const node = $("modal-blocks").querySelector(`.block.input[data-block-id="${CSS.escape(blockId)}"] .error`);
    if (node) node.textContent = message;
  }
}

function closeModal() {
  if (shownModal) post("/web/close", { user: me, view_id: shownModal.id });
  shownModal = null;
  if ($("modal").open) $("modal").close();
}

// ---- rich text ------------------------------------------------------------------------------

function richText(elements) {
  return elements.map((part) => {
    const inner = richText(part.elements || []);
    switch (part.type) {
      case "rich_text_section": return `<div>${inner}</div>`;
      case "rich_text_preformatted": return `<pre><code>${inner}</code></pre>`;
      case "rich_text_quote": return `<blockquote>${inner}</blockquote>`;
      case "rich_text_list": return `<ul>${(part.elements || []).map((i) => `<li>${richText(i.elements || [])}</li>`).join("")}</ul>`;
      case "text": {
        let t = esc(part.text).replace(/\n/g, "<br>");
        const s = part.style || {};
        if (s.code) t = `<code>${t}</code>`;
        if (s.bold) t = `<b>${t}</b>`;
        if (s.italic) t = `<i>${t}</i>`;
        if (s.strike) t = `<s>${t}</s>`;
        return t;
      }
      case "link": return special(`${part.url}|${part.text || part.url}`);
      case "user": return special(`@${part.user_id}`);
      case "channel": return special(`#${part.channel_id}`);
      case "emoji": return esc(emoji(part.name));
      default: return "";
    }
  }).join("");
}

function confirmDialog(c) {
  $("confirm-title").innerHTML = textObject(c.title);
  $("confirm-text").innerHTML = textObject(c.text);
  $("confirm-ok").innerHTML = textObject(c.confirm) || "OK";
  $("confirm-deny").innerHTML = textObject(c.deny) || "Cancel";
  $("confirm-ok").className = c.style === "danger" ? "danger" : "primary";
  const dialog = $("confirm");
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => resolve(dialog.returnValue === "confirm"), { once: true });
    dialog.showModal();
  });
}

// ---- messages -------------------------------------------------------------------------------

function userById(id) { return (S?.users || []).find((u) => u.id === id); }

function clock(ts) {
  return new Date(parseFloat(ts) * 1000).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit" });
}

function renderMessage(msg, inThread) {
  const node = el("div", "msg" + (msg.is_ephemeral ? " ephemeral" : ""));
  node.dataset.ts = msg.ts;
  node.dataset.channel = msg.channel;
  const author = msg.is_ephemeral && msg.source === "slack" ? "Slackbot"
    : msg.bot_id || msg.is_ephemeral ? (userById(S.bot_user_id)?.name || "bot") : (userById(msg.user)?.real_name || msg.user);
  node.appendChild(el("div", "meta", `<b>${esc(author)}</b>`
    + (msg.bot_id || (msg.is_ephemeral && msg.source !== "slack") ? '<span class="badge">APP</span>' : "")
    + esc(clock(msg.ts)) + (msg.edited ? " (edited)" : "")
    + (msg.is_ephemeral ? ' · <span class="only-you">Only visible to you</span>' : "")));
  const body = msg.blocks && msg.blocks.length ? renderBlocks(msg.blocks, messageTarget(msg)) : el("div", "text", mrkdwn(msg.text));
  body.classList.add("body");
  node.appendChild(body);
  if (!msg.is_ephemeral) {
    if ((msg.reactions || []).length) node.appendChild(renderReactions(msg));
    node.appendChild(renderToolbar(msg, inThread));
  }
  const replies = inThread || msg.is_ephemeral ? [] : repliesOf(msg);
  if (replies.length) {
    const link = el("a", "replies", `${replies.length} ${replies.length === 1 ? "reply" : "replies"}`);
    link.addEventListener("click", () => openThread(msg.ts));
    node.appendChild(link);
  }
  return node;
}

function renderToolbar(msg, inThread) {
  const bar = el("div", "toolbar");
  const add = el("button", "add-reaction", "☺+");
  add.type = "button";
  add.title = "Add reaction";
  add.addEventListener("click", () => {
    const picker = el("span", "picker");
    for (const name of PICKER) {
      const choice = el("button", "", esc(emoji(name)));
      choice.type = "button";
      choice.dataset.emoji = name;
      choice.title = `:${name}:`;
      choice.addEventListener("click", () => react(msg, name, true));
      picker.appendChild(choice);
    }
    bar.classList.add("open");
    add.replaceWith(picker);
  });
  bar.appendChild(add);
  if (!inThread) {
    const reply = el("button", "open-thread", "Reply in thread");
    reply.type = "button";
    reply.addEventListener("click", () => openThread(msg.ts));
    bar.appendChild(reply);
  }
  return bar;
}

function renderReactions(msg) {
  const row = el("div", "reactions");
  for (const r of msg.reactions || []) {
    const mine = r.users.includes(me);
    const chip = el("button", "reaction" + (mine ? " mine" : ""), `${esc(emoji(r.name))} ${r.count}`);
    chip.type = "button";
    chip.dataset.reaction = r.name;
    chip.title = r.users.map((id) => userById(id)?.name || id).join(", ");
    chip.addEventListener("click", () => react(msg, r.name, !mine));
    row.appendChild(chip);
  }
  return row;
}

function react(msg, name, add) {
  const existing = (msg.reactions || []).find((r) => r.name === name);
  if (add && existing && existing.users.includes(me)) add = false;   // clicking yours removes it
  post("/web/react", { user: me, channel: msg.channel, ts: msg.ts, name, add });
}

const isReply = (m) => m.thread_ts && m.thread_ts !== m.ts;
const repliesOf = (msg) => S.messages.filter((m) => m.channel === msg.channel && m.thread_ts === msg.ts && m.ts !== msg.ts);
const byTs = (a, b) => parseFloat(a.ts) - parseFloat(b.ts);

// ---- the page -------------------------------------------------------------------------------

function render() {
  document.title = S.title;
  $("title").textContent = S.title;
  $("notice").hidden = !S.notice;
  $("notice").innerHTML = mrkdwn(S.notice);
  renderUsers();
  const visible = S.channels.filter((c) => !c.is_im);
  if (channel !== HOME && !S.channels.some((c) => c.id === channel)) channel = visible.length ? visible[0].id : "";
  renderChannelList();
  renderModal();
  if (channel === HOME) return renderHome();
  $("composer").hidden = false;
  const ch = S.channels.find((c) => c.id === channel);
  $("channel-header").textContent = ch ? (ch.is_im ? "tobitbot (direct message)" : "#" + ch.name) : "";
  const list = S.messages.filter((m) => m.channel === channel && !isReply(m))
    .concat(S.ephemerals.filter((e) => e.channel === channel && !e.thread_ts)).sort(byTs);
  fill($("messages"), list.map((m) => renderMessage(m, false)), jump);
  lastSeen[channel] = list.length ? list[list.length - 1].ts : "0";
  renderThread();
  jump = false;
}

function fill(container, nodes, toEnd) {
  const atBottom = container.scrollHeight - container.scrollTop - container.clientHeight < 40;
  container.replaceChildren(...nodes);
  if (atBottom || toEnd) container.scrollTop = container.scrollHeight;
}

function renderUsers() {
  const select = $("user");
  const people = S.users.filter((u) => !u.is_bot);
  if (!people.some((u) => u.id === me) && people.length) me = people[0].id;
  select.replaceChildren(...people.map((u) => {
    const option = el("option", "", esc(`${u.real_name} (${u.groups.join(", ") || "no role"})`));
    option.value = u.id;
    return option;
  }));
  select.value = me;
  const who = userById(me);
  $("roles").textContent = who ? `@${who.name}` : "";
}

function renderChannelList() {
  const link = (c, label) => {
    const a = el("a", c.id === channel ? "active" : "", esc(label));
    a.dataset.channel = c.id;
    a.dataset.channelName = c.name;
    const unread = S.messages.filter((m) => m.channel === c.id && !isReply(m) && parseFloat(m.ts) > parseFloat(lastSeen[c.id] || "0")).length;
    if (c.id !== channel && unread && lastSeen[c.id] !== undefined) a.appendChild(el("span", "unread", String(unread)));
    a.addEventListener("click", () => { channel = c.id; threadTs = null; jump = true; remember(); render(); });
    return a;
  };
  $("channels").replaceChildren(...S.channels.filter((c) => !c.is_im).map((c) => link(c, "# " + c.name)));
  $("dms").replaceChildren(...S.channels.filter((c) => c.is_im).map((c) => link(c, "tobitbot")));
  const app = el("a", channel === HOME ? "active" : "", esc(`${userById(S.bot_user_id)?.name || "app"} · Home`));
  app.dataset.testid = "app-home";
  app.addEventListener("click", openHome);
  $("apps").replaceChildren(app);
  $("shortcuts-title").hidden = !S.shortcuts.length;
  $("shortcuts").replaceChildren(...S.shortcuts.map((s) => {
    const a = el("a", "", "⚡ " + esc(s.name));
    a.dataset.callbackId = s.callback_id;
    a.addEventListener("click", () => post("/web/shortcut", { user: me, callback_id: s.callback_id }));
    return a;
  }));
}

function renderHome() {
  $("composer").hidden = true;
  $("thread").hidden = true;
  $("channel-header").textContent = `${userById(S.bot_user_id)?.name || "app"} · Home`;
  const home = S.views.find((v) => v.type === "home");
  const pane = el("div", "home");
  pane.appendChild(home ? renderBlocks(home.blocks || [], viewTarget(home)) : el("div", "context", "Opening…"));
  $("messages").replaceChildren(pane);
  jump = false;
}

function openHome() {
  channel = HOME;
  threadTs = null;
  remember();
  render();
  post("/web/home", { user: me });
}

function openThread(ts) { threadTs = ts; jump = true; render(); $("thread-compose").focus(); }

function renderThread() {
  const parent = threadTs && S.messages.find((m) => m.channel === channel && m.ts === threadTs);
  $("thread").hidden = !parent;
  if (!parent) return;
  const list = [parent].concat(repliesOf(parent),
    S.ephemerals.filter((e) => e.channel === channel && e.thread_ts === threadTs)).sort(byTs);
  fill($("thread-messages"), list.map((m) => renderMessage(m, true)), jump);
}

function remember() {
  const q = new URLSearchParams({ user: me, channel });
  history.replaceState(null, "", "?" + q.toString());
}

function toast(text) {
  const t = $("toast");
  t.textContent = text;
  t.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { t.hidden = true; }, 4000);
}

async function post(path, body) {
  try {
    const r = await fetch(path, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
    const answer = await r.json();
    if (!answer.ok) toast(`Slack: ${answer.error}`);
    else if (answer.status !== undefined && answer.status !== null && answer.status !== 200) toast(`the app answered HTTP ${answer.status}`);
    return answer;
  } catch (err) {
    toast(`request failed: ${err}`);
    return { ok: false };
  }
}

async function poll() {
  if (poller) poller.abort();
  const mine = poller = new AbortController();
  while (poller === mine) {
    try {
      const r = await fetch(`/web/state?user=${encodeURIComponent(me)}&since=${since}`, { signal: mine.signal, cache: "no-store" });
      const data = await r.json();
      if (poller !== mine) return;
      S = data;
      since = data.version;
      render();
      remember();
    } catch (err) {
      if (poller !== mine) return;
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
}

function composer(form, input, thread) {
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (!text || !channel) return;
    input.value = "";
    post("/web/send", { user: me, channel, text, thread_ts: thread() });
  });
}

composer($("composer"), $("compose"), () => null);
composer($("thread-composer"), $("thread-compose"), () => threadTs);
$("close-thread").addEventListener("click", () => { threadTs = null; render(); });
$("modal-form").addEventListener("submit", submitModal);
$("modal-close").addEventListener("click", closeModal);
$("modal").addEventListener("cancel", (event) => { event.preventDefault(); closeModal(); });
$("user").addEventListener("change", (event) => {
  me = event.target.value;
  since = -1;
  jump = true;
  shownModal = null;
  if ($("modal").open) $("modal").close();
  remember();
  poll();
  if (channel === HOME) post("/web/home", { user: me });
});
poll();
if (channel === HOME && me) post("/web/home", { user: me });
