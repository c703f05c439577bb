// At the AFTER-th key press the page allocates until the renderer dies of
// running out of memory.
(function () {
  var AFTER = 8, keys = 0, hoard = [];
  window.addEventListener('keydown', function () {
    keys++;
    if (keys === AFTER) {
      for (;;) { hoard.push(new Array(1 << 24).fill(keys)); }
    }
  }, true);
})();
