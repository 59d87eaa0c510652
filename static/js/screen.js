/* The projector follows the meeting by itself: a full snapshot on every (re)connect,
   fresh snapshots as things change. Read-only. */
(function (window, document) {
  'use strict';

  var boot = window.SCREEN;
  var T = boot.text;
  var Live = window.Live;
  var state = null;
  var lastHtml = '';

  function pct(part, whole) { return whole ? Math.round((part / whole) * 1000) / 10 : 0; }

  function turnoutHtml(turnout) {
    var html = ['<div class="turnout">'];
    for (var i = 0; i < turnout.categories.length; i++) {
      var c = turnout.categories[i];
      if (!c.eligible) { continue; }
      html.push('<div class="row"><span>' + Live.esc(c.name) + '</span><div class="bar"><span style="width:' + pct(c.voted, c.eligible) + '%"></span></div><span class="num">' + c.voted + ' / ' + c.eligible + '</span></div>');
    }
    html.push('<div class="row total"><span>' + Live.esc(T.total) + '</span><div class="bar"><span style="width:' + pct(turnout.voted, turnout.eligible) + '%"></span></div><span class="num">' + turnout.voted + ' / ' + turnout.eligible + '</span></div>');
    html.push('</div>');
    return html.join('');
  }

  function roundHtml(round, turnout) {
    var closed = round.status !== 'open';
    return '<p class="round-state' + (closed ? ' closed' : '') + '">' + Live.esc(closed ? T.scoring_closed : T.scoring_open) + '</p>' +
      '<p class="round-title">' + Live.esc(round.title) + '</p>' + (turnout ? turnoutHtml(turnout) : '');
  }

  function draw() {
    var html;
    if (!state) { return; }
    if (state.round) {
      html = roundHtml(state.round, state.turnout);
    } else {
      html = '<div class="neutral"><p>' + Live.esc(state.meeting.title) + '</p></div>';
    }
    // redraw only what changed: no flicker, bars animate
    if (html !== lastHtml) {
      var main = Live.byId('main');
      main.innerHTML = html;
      lastHtml = html;
    }
  }

  Live.connect({ role: 'screen', meeting: boot.meeting, key: boot.key }, {
    status: function (online) { Live.byId('link').innerHTML = online ? '' : Live.esc(T.reconnecting); },
    state: function (snapshot) { state = snapshot; draw(); },
    refused: function (message) { Live.byId('link').innerHTML = Live.esc(message); }
  });
})(window, document);
