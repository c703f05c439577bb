// Throws an uncaught error from the frame that draws the first merged tile.
document.addEventListener('DOMContentLoaded', function () {
  var addTile = HTMLActuator.prototype.addTile;
  HTMLActuator.prototype.addTile = function (tile) {
    if (tile.mergedFrom) {
      throw new TypeError('cannot merge tile of value ' + tile.value + ' at ' + tile.x + ',' + tile.y);
    }
    return addTile.call(this, tile);
  };
});
