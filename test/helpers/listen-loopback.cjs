// Preloaded (NODE_OPTIONS=--require) into node servers under test that listen on every interface when given
// only a port (the npm websockify): their listen(port) becomes listen(port, '127.0.0.1'), so tests stay on
// loopback. Loaded by environment, not argv, so the process's command line is the server's own.
const net = require('node:net');
const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
  if ((typeof args[0] === 'number' || typeof args[0] === 'string') && (args.length === 1 || typeof args[1] === 'function')) {
    args.splice(1, 0, '127.0.0.1');
  }
  return listen.apply(this, args);
};
