// Choosing a reply template fills the reply box; without JavaScript the filled texts are listed below it.
document.querySelectorAll("select[data-template-target]").forEach(function (select) {
  select.addEventListener("change", function () {
    var box = document.getElementById(select.dataset.templateTarget);
    if (box && select.value) { box.value = select.value; }
  });
});
