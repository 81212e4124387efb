// The seat map: choose seats by pointer or keyboard (arrow keys move, Space or Enter toggles),
// see the selection's price, and watch other people's holds and sales arrive live. Without this
// script the page still books through its best-available form.
const frame = document.getElementById("seatmap");
if (frame) {
  const form = document.getElementById("selection-form");
  const field = document.getElementById("selected-seats");
  const summary = document.getElementById("selection-summary");
  const button = document.getElementById("hold-selected");
  const status = document.getElementById("live-status");
  const max = Number(frame.dataset.max);
  const seats = [...frame.querySelectorAll(".seat")];
  const byIndex = new Map(seats.map((s) => [Number(s.dataset.i), s]));
  const prices = new Map([...document.querySelectorAll(".legend [data-price]")].map((li) => [`c${li.dataset.category}`, Number(li.dataset.price)]));
  const money = new Intl.NumberFormat(undefined, { style: "currency", currency: frame.dataset.currency });
  const digits = money.resolvedOptions().maximumFractionDigits;
  const chosen = [];
  form.hidden = false;

  const isFree = (seat) => seat.classList.contains("free");
  const category = (seat) => [...seat.classList].find((c) => /^c\d+$/.test(c));

  function render() {
    field.value = chosen.map((s) => s.dataset.label).join(",");
    button.disabled = chosen.length === 0;
    if (chosen.length === 0) { summary.textContent = "No seats chosen yet."; return; }
    const total = chosen.reduce((sum, s) => sum + (prices.get(category(s)) ?? 0), 0);
    summary.textContent = `${chosen.length} seat${chosen.length > 1 ? "s" : ""}: ${chosen.map((s) => s.dataset.label).join(", ")} · ${money.format(total / 10 ** digits)}`;
  }

  function toggle(seat) {
    const at = chosen.indexOf(seat);
    if (at >= 0) {
      chosen.splice(at, 1);
      seat.setAttribute("aria-checked", "false");
    } else if (!isFree(seat)) {
      status.textContent = `${seat.dataset.label} is not available.`;
      return;
    } else if (chosen.length >= max) {
      status.textContent = `You can choose up to ${max} seats.`;
      return;
    } else {
      chosen.push(seat);
      seat.setAttribute("aria-checked", "true");
    }
    render();
  }

  function focusSeat(seat) {
    seats.forEach((s) => s.setAttribute("tabindex", "-1"));
    seat.setAttribute("tabindex", "0");
    seat.focus();
  }

  // The nearest seat in a direction: same row first for left and right, nearest column for up and down.
  function neighbour(seat, dx, dy) {
    const x = Number(seat.getAttribute("x")), y = Number(seat.getAttribute("y"));
    let best = null, bestScore = Infinity;
    for (const other of seats) {
      if (other === seat) continue;
      const ox = Number(other.getAttribute("x")) - x, oy = Number(other.getAttribute("y")) - y;
      if (dx !== 0 && (Math.sign(ox) !== dx || oy !== 0)) continue;
      if (dy !== 0 && Math.sign(oy) !== dy) continue;
      const score = dx !== 0 ? Math.abs(ox) : Math.abs(oy) * 1000 + Math.abs(ox);
      if (score < bestScore) { best = other; bestScore = score; }
    }
    return best;
  }

  frame.addEventListener("click", (event) => {
    const seat = event.target.closest(".seat");
    if (seat) { toggle(seat); focusSeat(seat); }
  });
  frame.addEventListener("keydown", (event) => {
    const seat = event.target.closest(".seat");
    if (!seat) return;
    const moves = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };
    if (event.key in moves) {
      const next = neighbour(seat, ...moves[event.key]);
      if (next) focusSeat(next);
      event.preventDefault();
    } else if (event.key === " " || event.key === "Enter") {
      toggle(seat);
      event.preventDefault();
    }
  });

  // Live: each seat's state, as the seat server reports changes. A seat someone else takes
  // leaves the selection, and the page says so.
  const stateClass = { f: "free", h: "held", s: "sold", b: "blocked" };
  const stateWords = { f: "free", h: "held by someone", s: "sold", b: "not for sale" };
  function apply(index, code) {
    const seat = byIndex.get(index);
    const state = stateClass[code];
    if (!seat || !state || seat.classList.contains(state) || seat.classList.contains("blocked")) return;
    seat.classList.remove("free", "held", "sold");
    seat.classList.add(state);
    if (state === "free") seat.removeAttribute("aria-disabled"); else seat.setAttribute("aria-disabled", "true");
    seat.setAttribute("aria-label", seat.getAttribute("aria-label").replace(/[^,]+$/, ` ${stateWords[code]}`));
    if (state !== "free" && chosen.includes(seat)) {
      chosen.splice(chosen.indexOf(seat), 1);
      seat.setAttribute("aria-checked", "false");
      seat.classList.add("flash");
      status.textContent = `${seat.dataset.label} was just taken by someone else.`;
      render();
    }
  }
  function applyAll(availability) {
    for (let i = 0; i < availability.length; i++) apply(i, availability[i]);
  }

  const live = new EventSource(`/showtimes/${frame.dataset.showtime}/live`);
  live.addEventListener("seats", (event) => applyAll(JSON.parse(event.data).availability));
  live.addEventListener("change", (event) => {
    for (const [index, code] of JSON.parse(event.data).seats) apply(index, code);
  });
  live.addEventListener("gone", () => { live.close(); status.textContent = "This showtime is no longer on sale."; });
  // The server ends the stream for a moment; the browser reconnects by itself and the next
  // event brings the map up to date.
  const paused = "Live updates paused: reconnecting…";
  live.addEventListener("unavailable", () => { status.textContent = paused; });
  live.addEventListener("seats", () => { if (status.textContent === paused) status.textContent = ""; });
  render();
  performance.mark("seat-map-ready");  // when the map answers clicks: the page's measured readiness
}
