// After AFTER key presses, requestAnimationFrame never calls back: the
// board stops being drawn while the game still takes input. It arms later
// than the others: a freeze is a screen that stays still under input that
// normally changes it, and what is normal has to be seen first.
(function () {
  var AFTER = 40, keys = 0;
  var raf = window.requestAnimationFrame.bind(window);
  window.addEventListener('keydown', function () { keys++; }, true);
  window.requestAnimationFrame = function (callback) {
    if (keys >= AFTER) return 0;
    return raf(callback);
  };
})();
