// Checkout: the hold's countdown (the page reloads when it runs out, to show what happened).
const countdown = document.getElementById("countdown");
if (countdown) {
  const deadline = Date.parse(countdown.dataset.deadline);
  const tick = () => {
    const remaining = deadline - Date.now();
    // Whole seconds left, rounded up: it never shows 0:00 while the hold still stands.
    const left = Math.max(0, Math.ceil(remaining / 1000));
    const minutes = Math.floor(left / 60);
    const seconds = String(left % 60).padStart(2, "0");
    countdown.textContent = remaining > 0 ? `Your seats are held for ${minutes}:${seconds} more.` : "The hold has run out.";
    countdown.classList.toggle("urgent", left < 60);
    if (remaining <= 0) { clearInterval(timer); setTimeout(() => location.reload(), 1000); }
  };
  const timer = setInterval(tick, 1000);
  tick();
}

// While a payment or a refund completes, the page follows its order live (server-sent
// events) and reloads when it moves on; a browser without EventSource looks again every two
// seconds, for two minutes at most.
const follow = document.getElementById("follow");
if (follow && "EventSource" in window) {
  const events = new EventSource(`/orders/${follow.dataset.order}/events`);
  events.addEventListener("order", (event) => {
    if (JSON.parse(event.data).key !== follow.dataset.follow) { events.close(); location.reload(); }
  });
} else if (follow) {
  const started = Number(sessionStorage.getItem(`waiting-${follow.dataset.order}`) || Date.now());
  sessionStorage.setItem(`waiting-${follow.dataset.order}`, String(started));
  if (Date.now() - started < 120000) setTimeout(() => location.reload(), 2000);
}
