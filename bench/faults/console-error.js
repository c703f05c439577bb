// Logs a console error (and goes on) whenever two tiles merge.
document.addEventListener('DOMContentLoaded', function () {
  var addTile = HTMLActuator.prototype.addTile;
  HTMLActuator.prototype.addTile = function (tile) {
    if (tile.mergedFrom) {
      console.error('merge bookkeeping is off for tile ' + tile.value + ' at ' + tile.x + ',' + tile.y);
    }
    return addTile.call(this, tile);
  };
});
