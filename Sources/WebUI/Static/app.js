// Every page: search suggestions as you type, and the service worker that lets the site be
// installed on a phone's home screen.
const input = document.getElementById("site-search");
const list = document.getElementById("site-search-suggestions");
let pending = null;
let timer = 0;
input?.addEventListener("input", () => {
  clearTimeout(timer);
  const text = input.value.trim();
  if (text.length < 2) { list.replaceChildren(); return; }
  timer = setTimeout(async () => {
    pending?.abort();
    pending = new AbortController();
    try {
      const response = await fetch(`/api/v1/suggest?q=${encodeURIComponent(text)}`, { signal: pending.signal });
      if (!response.ok) return;
      const { suggestions } = await response.json();
      list.replaceChildren(...suggestions.map((s) => Object.assign(document.createElement("option"), { value: s })));
    } catch { /* a newer keystroke aborted this one, or the network is away: suggestions are optional */ }
  }, 150);
});

if ("serviceWorker" in navigator) {
  navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(() => {});
}
