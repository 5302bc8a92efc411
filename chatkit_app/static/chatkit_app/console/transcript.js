// A thread's transcript in the admin: each item's "JSON" is fetched from the admin when it is first opened,
// not sent with the page (a thousand cards' JSON would triple it). Shown as text, never as HTML.
"use strict";
document.addEventListener(
  "toggle",
  (event) => {
    const details = event.target;
    if (!(details instanceof HTMLDetailsElement) || !details.open || !details.dataset.json) return;
    if (details.dataset.state === "loading" || details.dataset.state === "loaded") return;
    const pre = details.querySelector("pre");
    details.dataset.state = "loading";
    fetch(details.dataset.json, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then((response) => (response.ok ? response.text() : Promise.reject(new Error(`HTTP ${response.status}`))))
      .then((text) => {
        pre.textContent = text;
        details.dataset.state = "loaded";
      })
      .catch((error) => {
        pre.textContent = `This item's JSON could not be loaded (${error.message}). Close and open to try again.`;
        delete details.dataset.state;
      });
  },
  true, // "toggle" does not bubble: listen as it goes down to the <details>
);
