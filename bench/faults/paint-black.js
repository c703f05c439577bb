// After AFTER key presses, a black layer covers the whole page.
(function () {
  var AFTER = 8, keys = 0;
  window.addEventListener('keydown', function () {
    keys++;
    if (keys === AFTER) {
      var layer = document.createElement('div');
      layer.style.cssText = 'position:fixed;left:0;top:0;width:100vw;height:100vh;background:#000;z-index:2147483647';
      document.body.appendChild(layer);
    }
  }, true);
})();
