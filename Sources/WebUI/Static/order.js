// Checkout: the hold's countdown (the page reloads when it runs out, to show what happened);
// while a payment completes, the page looks again every two seconds, for two minutes at most.
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

const waiting = document.getElementById("waiting");
if (waiting && !waiting.querySelector("a.button")) {
  const started = Number(sessionStorage.getItem(`waiting-${waiting.dataset.order}`) || Date.now());
  sessionStorage.setItem(`waiting-${waiting.dataset.order}`, String(started));
  if (Date.now() - started < 120000) setTimeout(() => location.reload(), 2000);
}
