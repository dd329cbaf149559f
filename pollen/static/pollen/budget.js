// Adds budget lines from the formset's empty template, and keeps a submit button from firing twice.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-add-line]");
  if (!button) return;
  const prefix = button.dataset.addLine;
  const total = document.getElementById(`id_${prefix}-TOTAL_FORMS`);
  const template = document.getElementById(`${prefix}-template`);
  const body = document.querySelector(`#${prefix === "expenses" ? "expense" : "resource"}-lines tbody`);
  const index = Number(total.value);
  const html = template.innerHTML.replaceAll("__prefix__", String(index));
  body.insertAdjacentHTML("beforeend", html);
  total.value = String(index + 1);
  const first = body.lastElementChild.querySelector("input, select");
  if (first) first.focus();
});
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!form.matches("[data-submit-once]")) return;
  if (form.dataset.sent) { event.preventDefault(); return; }
  form.dataset.sent = "1";
});
