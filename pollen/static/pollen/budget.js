// Adds and deletes budget lines (the formset's empty template, its hidden DELETE fields), and
// keeps a submit button from firing twice.
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
// Without JavaScript the « Supprimer » button posts the form with its line's name; here the
// line's DELETE field is set, the row hidden, and a change event lets the autosave (HTMX)
// recompute the totals.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-delete-line]");
  if (!button) return;
  event.preventDefault();
  const field = document.getElementById(`id_${button.value}-DELETE`);
  field.value = "on";
  button.closest("tr").hidden = true;
  const add = document.querySelector(`[data-add-line="${button.value.split("-")[0]}"]`);
  if (add) add.focus();
  field.form.dispatchEvent(new Event("change", { bubbles: true }));
});
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!form.matches("[data-submit-once]")) return;
  if (form.dataset.sent) { event.preventDefault(); return; }
  form.dataset.sent = "1";
});
