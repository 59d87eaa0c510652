/* Shared by the live pages: connect, keep the server clock, small helpers.
   Plain ES5 so that old Android WebViews and WeChat's browser run it. */
(function (window) {
  'use strict';

  var Live = {};
  var offset = 0; // server clock minus this device's clock, in ms
  var bestRoundTrip = Infinity;

  Live.now = function () { return Date.now() + offset; };

  Live.esc = function (text) {
    return String(text === null || text === undefined ? '' : text)
      .replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
      .replace(/"/g, '&quot;').replace(/'/g, '&#39;');
  };

  // "Scored {done} of {total}" + {done: 3, total: 21}
  Live.fmt = function (text, params) {
    return String(text).replace(/\{(\w+)\}/g, function (all, key) {
      return params && params.hasOwnProperty(key) ? params[key] : all;
    });
  };

  Live.byId = function (id) { return document.getElementById(id); };

  // Bars drawn as <span data-w="42.5">: their width is set here, through the style
  // object, because the Content-Security-Policy refuses style attributes in markup.
  Live.fillBars = function (root) {
    var bars = root.querySelectorAll('[data-w]');
    for (var i = 0; i < bars.length; i++) { bars[i].style.width = bars[i].getAttribute('data-w') + '%'; }
  };

  // The page's start-up data: a JSON block, not an inline script (the Content-Security-
  // Policy allows only the app's own script files).
  Live.boot = function () { return JSON.parse(document.getElementById('boot').textContent); };

  // Snapshots carry server_time; a ping measures the round trip to refine the offset.
  Live.noteServerTime = function (serverTime) {
    if (typeof serverTime === 'number' && bestRoundTrip === Infinity) {
      offset = serverTime - Date.now();
    }
  };

  function syncClock(socket) {
    var sent = Date.now();
    socket.timeout(5000).emit('time', { t: sent }, function (err, answer) {
      if (err || !answer || typeof answer.server !== 'number') { return; }
      var received = Date.now();
      var roundTrip = received - sent;
      if (roundTrip <= bestRoundTrip) {
        bestRoundTrip = roundTrip;
        offset = answer.server + roundTrip / 2 - received;
      }
    });
  }

  // Connect with automatic reconnection; handlers: state, me, status(online), refused(msg)
  Live.connect = function (auth, handlers) {
    var socket = window.io({
      auth: auth,
      transports: ['websocket', 'polling'],
      reconnectionDelay: 500,
      reconnectionDelayMax: 3000,
      timeout: 8000
    });
    socket.on('connect', function () {
      bestRoundTrip = Infinity;
      if (handlers.status) { handlers.status(true); }
      syncClock(socket);
      setTimeout(function () { syncClock(socket); }, 1500);
    });
    socket.on('disconnect', function () { if (handlers.status) { handlers.status(false); } });
    socket.on('connect_error', function (err) {
      if (handlers.status) { handlers.status(false); }
      // Transport errors leave the socket active: it retries by itself. A refusal by the
      // server deactivates it, with the reason as the error's message; try again later
      // unless the page's handler says there is no point (returns false).
      if (socket.active) { return; }
      var again = handlers.refused ? handlers.refused((err && err.message) || '') : true;
      if (again !== false) { setTimeout(function () { socket.connect(); }, 5000); }
    });
    socket.on('state', function (state) {
      Live.noteServerTime(state.server_time);
      if (handlers.state) { handlers.state(state); }
    });
    if (handlers.me) { socket.on('me', handlers.me); }
    if (handlers.receipt) { socket.on('receipt', handlers.receipt); }
    if (handlers.revoked) { socket.on('revoked', handlers.revoked); }
    if (handlers.otherDevice) { socket.on('other_device', handlers.otherDevice); }
    // the login behind a console ended (logout elsewhere, password reset): stop here
    socket.on('logged_out', function (data) {
      socket.disconnect();
      if (handlers.refused) { handlers.refused(data && data.message ? data.message : ''); }
    });
    return socket;
  };

  // Remaining ms of a countdown snapshot: from its absolute end (running) or what was
  // left when paused; negative in overtime; null when the phase has no countdown.
  Live.remaining = function (timer) {
    if (!timer) { return null; }
    if (timer.running && timer.ends_ms !== null) { return timer.ends_ms - Live.now(); }
    return timer.remaining_ms !== null ? timer.remaining_ms : timer.duration_ms;
  };

  // mm:ss (or -mm:ss in overtime) of a number of milliseconds
  Live.clock = function (ms) {
    var negative = ms < 0;
    var seconds = Math.ceil(Math.abs(ms) / 1000);
    if (negative) { seconds = Math.floor(Math.abs(ms) / 1000); }
    var m = Math.floor(seconds / 60);
    var s = seconds % 60;
    return (negative ? '-' : '') + (m < 10 ? '0' : '') + m + ':' + (s < 10 ? '0' : '') + s;
  };

  window.Live = Live;
})(window);
