// After AFTER key presses, every animation frame busy-waits 50 ms.
(function () {
  var AFTER = 8, keys = 0, started = false;
  window.addEventListener('keydown', function () {
    keys++;
    if (keys >= AFTER && !started) {
      started = true;
      var spin = function () {
        var until = performance.now() + 50;
        while (performance.now() < until) {}
        window.requestAnimationFrame(spin);
      };
      window.requestAnimationFrame(spin);
    }
  }, true);
})();
