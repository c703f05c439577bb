// The AFTER-th key press never returns.
(function () {
  var AFTER = 8, keys = 0;
  window.addEventListener('keydown', function () {
    keys++;
    if (keys === AFTER) { for (;;) {} }
  }, true);
})();
