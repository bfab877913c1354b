// Progressive enhancement only: every form here works with a submit button when JavaScript is off.
document.documentElement.classList.add("js");
document.addEventListener("DOMContentLoaded", function () {
  var language = document.getElementById("language-choice");
  if (language) {
    language.addEventListener("change", function () { language.form.submit(); });
  }
});
