// Live order status: poll the JSON API while the order is on its way, reload when it moves.
(function () {
  var el = document.getElementById("order");
  if (!el) return;
  var status = el.dataset.status;
  if (status === "pending" || status === "paid") {
    var poll = function () {
      fetch("/api/v1/orders/" + encodeURIComponent(el.dataset.token), {cache: "no-store"})
        .then(function (r) { return r.json(); })
        .then(function (data) {
          if (data.status && data.status !== status) { window.location.reload(); }
          else { setTimeout(poll, 700); }
        })
        .catch(function () { setTimeout(poll, 2000); });
    };
    setTimeout(poll, 500);
  }
  document.querySelectorAll("button.copy").forEach(function (button) {
    if (!navigator.clipboard) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(button.dataset.copy).then(function () { button.textContent = button.dataset.done || "Copied"; });
    });
  });
})();
