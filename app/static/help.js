// Help articles that match what the buyer is typing: in the help center's search, the widget's, and
// above the support form, where "This answered my question" closes the attempt (and is counted).
(function () {
  var DELAY = 250;

  function suggest(input) {
    var target = document.getElementById(input.dataset.suggest);
    if (!target) return;
    var timer = null, asked = "";
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        var q = input.value.trim();
        if (q === asked) return;
        asked = q;
        if (q.length < 2) { show(target, input, []); return; }
        fetch("/help/suggest?q=" + encodeURIComponent(q), {headers: {Accept: "application/json"}})
          .then(function (r) { return r.json(); })
          .then(function (data) { if (asked === q) show(target, input, data.results || []); })
          .catch(function () {});
      }, DELAY);
    });
  }

  function show(target, input, results) {
    var list = target.tagName === "OL" ? target : target.querySelector("ol");
    list.textContent = "";
    results.forEach(function (hit) { list.appendChild(item(target, input, hit)); });
    target.hidden = results.length === 0;
    var flag = input.form && input.form.querySelector("input[name=suggested]");
    if (flag && results.length) flag.value = "1";
  }

  function item(target, input, hit) {
    var template = target.querySelector("template");
    var li = template ? template.content.firstElementChild.cloneNode(true) : document.createElement("li");
    var link = li.querySelector("a") || li.appendChild(document.createElement("a"));
    link.href = hit.url;
    link.textContent = hit.title;
    link.target = template ? "_blank" : "";
    var answered = li.querySelector("button.answered");
    if (answered) answered.addEventListener("click", function () { deflect(target, input.form, hit); });
    return li;
  }

  function deflect(target, form, hit) {
    var token = form.querySelector("input[name=csrf_token]").value;
    fetch(hit.url + "/answered", {method: "POST", credentials: "same-origin",
                                  headers: {"X-CSRF-Token": token, Accept: "application/json"}})
      .then(function () {
        form.querySelectorAll("label, button[type=submit], fieldset").forEach(function (el) { el.hidden = true; });
        target.querySelector("ol").hidden = true;
        target.querySelector(".answered-thanks").hidden = false;
      });
  }

  document.querySelectorAll("[data-suggest]").forEach(suggest);
})();
