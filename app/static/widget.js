// The support widget: the buyer's conversations and orders (their secret links, kept in this
// browser), new replies as they arrive, and the shop's proactive notes. Without JavaScript the
// button is a plain link to the help center.
(function () {
  var root = document.getElementById("widget");
  if (!root) return;
  var POLL_OPEN = 3000, POLL_IDLE = 30000;
  var CONVERSATIONS = "keyshop.conversations", ORDERS = "keyshop.orders", READ = "keyshop.read",
      NOTES = "keyshop.notes";
  var button = root.querySelector(".widget-button"), panel = root.querySelector(".widget-panel");
  var badge = root.querySelector(".widget-badge");

  function load(key, empty) {
    try { return JSON.parse(localStorage.getItem(key)) || empty; } catch (e) { return empty; }
  }
  function save(key, value) { try { localStorage.setItem(key, JSON.stringify(value)); } catch (e) {} }
  function remember(key, token) {
    var list = load(key, []).filter(function (t) { return t !== token; });
    list.unshift(token);
    save(key, list.slice(0, 20));
  }

  document.querySelectorAll("[data-remember-conversation]").forEach(function (el) {
    remember(CONVERSATIONS, el.dataset.rememberConversation);
    var read = load(READ, {});
    read[el.dataset.rememberConversation] = Number(el.dataset.staffReplies || 0);
    save(READ, read);
  });
  var order = document.getElementById("order");
  if (order && order.dataset.token) remember(ORDERS, order.dataset.token);

  button.addEventListener("click", function (event) {
    event.preventDefault();
    panel.hidden = !panel.hidden;
    button.setAttribute("aria-expanded", String(!panel.hidden));
    if (!panel.hidden) refresh();
  });

  function post(url, body) {
    return fetch(url, {method: "POST", credentials: "same-origin", cache: "no-store", body: JSON.stringify(body),
                       headers: {"Content-Type": "application/json", Accept: "application/json"}});
  }

  function refresh() {
    clearTimeout(refresh.timer);
    post(root.dataset.state, {conversations: load(CONVERSATIONS, []), orders: load(ORDERS, [])})
      .then(function (r) { return r.json(); })
      .then(render)
      .catch(function () {})
      .then(function () { refresh.timer = setTimeout(refresh, panel.hidden ? POLL_IDLE : POLL_OPEN); });
  }

  function render(state) {
    var unread = conversations(state.conversations || []) + notes(state.notices || []);
    badge.textContent = unread ? String(unread) : "";
    badge.hidden = !unread;
  }

  function conversations(found) {
    var section = root.querySelector(".widget-conversations"), list = section.querySelector("ul");
    var read = load(READ, {}), unread = 0;
    list.textContent = "";
    found.forEach(function (c) {
      var li = section.querySelector("template").content.firstElementChild.cloneNode(true);
      li.querySelector("a").href = c.url;
      li.querySelector("a").textContent = c.number + " · " + c.subject;
      li.querySelector(".status").textContent = c.status.replace("_", " ");
      if (c.staff_replies > (read[c.token] || 0)) {
        unread += 1;
        li.querySelector(".reply").hidden = false;
        li.querySelector(".reply span").textContent = c.latest_reply;
      }
      list.appendChild(li);
    });
    section.hidden = found.length === 0;
    return unread;
  }

  function notes(arrived) {
    // A note is given until a page shows it; then it stays in this tab for the rest of the visit.
    var kept = JSON.parse(sessionStorage.getItem(NOTES) || "[]");
    var known = kept.map(function (note) { return note.id; });
    arrived = arrived.filter(function (note) { return known.indexOf(note.id) < 0; });
    kept = kept.concat(arrived);
    sessionStorage.setItem(NOTES, JSON.stringify(kept));
    var section = root.querySelector(".widget-notices"), list = section.querySelector("ul");
    list.textContent = "";
    kept.forEach(function (note) {
      var li = document.createElement("li"), link = document.createElement("a");
      li.className = "notice notice-" + note.kind;
      li.appendChild(document.createTextNode(note.text + " "));
      link.href = note.url;
      link.textContent = "→";
      li.appendChild(link);
      list.appendChild(li);
    });
    section.hidden = kept.length === 0;
    if (arrived.length) {
      if (panel.hidden) { panel.hidden = false; button.setAttribute("aria-expanded", "true"); }
      post(root.dataset.seen, {notices: arrived.map(function (note) { return note.id; }), orders: load(ORDERS, [])});
    }
    return arrived.length;
  }

  refresh();
})();
