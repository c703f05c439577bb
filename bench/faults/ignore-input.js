// After AFTER key presses every input is swallowed before the game sees it
// (the "New Game" button too), while a clock in the corner keeps ticking:
// the game is alive and drawing, and stuck.
(function () {
  var AFTER = 8, keys = 0;
  function swallow(event) {
    if (keys >= AFTER) { event.stopImmediatePropagation(); event.preventDefault(); }
  }
  window.addEventListener('keydown', function (event) {
    if (keys >= AFTER) return swallow(event);
    keys++;
  }, true);
  ['click', 'mousedown', 'mouseup', 'touchstart', 'touchend', 'pointerdown'].forEach(function (type) {
    window.addEventListener(type, swallow, true);
  });
  document.addEventListener('DOMContentLoaded', function () {
    var clock = document.createElement('div');
    clock.style.cssText = 'position:fixed;right:4px;bottom:4px;font:12px monospace';
    document.body.appendChild(clock);
    setInterval(function () { clock.textContent = 'tick ' + Math.floor(performance.now() / 500); }, 500);
  });
})();
