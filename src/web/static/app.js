// Wardline: a little first-party script, and the pages work without it.
// Buttons marked data-confirm ask before they submit.
document.addEventListener("submit", function (e) {
  var b = e.submitter;
  var msg = b && b.getAttribute("data-confirm");
  if (msg && !window.confirm(msg)) e.preventDefault();
});
