// After AFTER key presses, requestAnimationFrame never calls back: the
// board stops being drawn while the game still takes input.
(function () {
  var AFTER = 8, keys = 0;
  var raf = window.requestAnimationFrame.bind(window);
  window.addEventListener('keydown', function () { keys++; }, true);
  window.requestAnimationFrame = function (callback) {
    if (keys >= AFTER) return 0;
    return raf(callback);
  };
})();
