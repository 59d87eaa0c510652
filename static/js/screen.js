/* The projector follows the meeting by itself: a full snapshot on every (re)connect,
   fresh snapshots as things change. Read-only. */
(function (window, document) {
  'use strict';

  var boot = window.Live.boot();
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
      html.push('<div class="row"><span>' + Live.esc(c.name) + '</span><div class="bar"><span data-w="' + pct(c.voted, c.eligible) + '"></span></div><span class="num">' + c.voted + ' / ' + c.eligible + '</span></div>');
    }
    html.push('<div class="row total"><span>' + Live.esc(T.total) + '</span><div class="bar"><span data-w="' + pct(turnout.voted, turnout.eligible) + '"></span></div><span class="num">' + turnout.voted + ' / ' + turnout.eligible + '</span></div>');
    html.push('</div>');
    return html.join('');
  }

  // clock: the phase's countdown under a label (scoring time), or none outside the agenda
  function roundHtml(round, turnout, clock) {
    var closed = round.status !== 'open';
    var label = round.rehearsal ? (closed ? T.scoring_closed : T.rehearsal_open) : (closed ? T.scoring_closed : T.scoring_open);
    return '<div class="round-top"><div><p class="round-state' + (closed ? ' closed' : '') + (round.rehearsal ? ' rehearsal' : '') + '">' +
      (round.rehearsal ? '<span class="tag">' + Live.esc(T.rehearsal) + '</span>' : '') + Live.esc(label) + '</p>' +
      '<p class="round-title">' + Live.esc(round.title) + '</p></div>' + (clock && !closed ? clock : '') + '</div>' + (turnout ? turnoutHtml(turnout) : '');
  }

  function show(id, timer) {
    var clock = Live.byId(id);
    if (!clock) { return; }
    var left = Live.remaining(timer);
    clock.innerHTML = left === null ? '' : Live.esc(Live.clock(left));
    clock.className = clock.className.split(' ')[0] + (left !== null && left < 0 ? ' overtime' : '') + (timer && !timer.running ? ' paused' : '');
  }

  function tick() {
    if (!state || !state.now || !state.now.timer || state.meeting.status === 'closed') { return; }
    show('countdown', state.now.timer);
    if (state.now.phase_timer) { show('phase-countdown', state.now.phase_timer); }
  }

  function labelledClock(label, id, size) {
    return '<div class="timer ' + size + '"><p class="timer-label">' + Live.esc(label) + '</p><p class="' + (size === 'big' ? 'countdown' : 'countdown-small') + '" id="' + id + '"></p></div>';
  }

  function neutral() {
    return '<div class="neutral"><p>' + Live.esc(state.meeting.title) + '</p></div>';
  }

  function speakerHtml(now) {
    var who = now.item.reporter;
    return '<p class="phase-label">' + Live.esc(now.phase.label) + '</p>' +
      '<p class="speaker">' + Live.esc(who ? who.name : now.item.title) + '</p>' +
      (who ? '<p class="speaker-meta">' + Live.esc(who.unit) + ' ' + Live.esc(who.title) + '</p>' : '');
  }

  function phaseHtml(now) {
    var key = now.phase.key;
    var clock = '<p class="countdown" id="countdown"></p>';
    if (key === 'scoring' && state.round) { return roundHtml(state.round, state.turnout, labelledClock(T.scoring_left, 'countdown', 'side')); }
    if (key === 'report') { return speakerHtml(now) + clock; }
    if (key === 'comment') {
      var speaker = now.speaker ? '<p class="speaker-meta">' + Live.esc(T.commenting) + ': <b>' + Live.esc(now.speaker.name) + '</b> ' + Live.esc(now.speaker.role) + '</p>' : '';
      return speakerHtml(now) + speaker + clock;
    }
    if (key === 'inquiry') {
      var q = state.inquiry;
      var html = ['<p class="phase-label">' + Live.esc(now.phase.label) + ' · ' + Live.esc(now.item.reporter ? now.item.reporter.name : now.item.title) + '</p>'];
      if (q.current) {
        html.push('<div class="question-now">' + Live.esc(q.current.text) + (q.current.asker ? '<span class="asker">' + Live.esc(q.current.asker) + '</span>' : '') + '</div>');
      }
      // the answer countdown of the question being asked, and the phase's own time beside it
      html.push('<div class="timers">' + (now.phase_timer
        ? labelledClock(T.answer_timer, 'countdown', 'big') + labelledClock(T.phase_left, 'phase-countdown', 'side')
        : labelledClock(T.phase_left, 'countdown', 'big')) + '</div>');
      if (q.queue.length) {
        html.push('<p class="phase-label">' + Live.esc(T.next_questions) + '</p><ol class="queue">');
        for (var i = 0; i < q.queue.length && i < 5; i++) { html.push('<li>' + Live.esc(q.queue[i].text) + '</li>'); }
        html.push('</ol>');
      }
      return html.join('');
    }
    if (key === 'written') {
      var names = ['<p class="phase-label">' + Live.esc(now.phase.label) + '</p><p class="round-title">' + Live.esc(now.item.title) + '</p><div class="names">'];
      for (var n = 0; n < (now.written || []).length; n++) { names.push('<div>' + Live.esc(now.written[n].name) + '</div>'); }
      names.push('</div>');
      return names.join('');
    }
    return '<p class="phase-label">' + Live.esc(now.phase.label) + '</p><p class="speaker">' + Live.esc(now.item.title) + '</p>' + clock;
  }

  function resultsHtml(published) {
    var html = ['<p class="phase-label">' + Live.esc(T.results) + '</p>'];
    var rows = published.rows;
    if (published.level === 'turnout') {
      html.push('<div class="turnout">');
      for (var i = 0; i < rows.length; i++) {
        html.push('<div class="row"><span>' + Live.esc(rows[i].name) + '</span><div class="bar"><span data-w="' + pct(rows[i].returned, rows[i].issued) + '"></span></div><span class="num">' + rows[i].returned + ' / ' + rows[i].issued + '</span></div>');
      }
      html.push('</div>');
      return html.join('');
    }
    if (!published.numeric) {
      html.push('<div class="legend">');
      for (var g = 0; g < published.labels.length; g++) { html.push('<span><i class="c' + g + '"></i>' + Live.esc(published.labels[g]) + '</span>'); }
      html.push('</div>');
    }
    html.push('<div class="results' + (rows.length > 12 ? ' many' : '') + '">');
    for (var r = 0; r < rows.length; r++) {
      var row = rows[r];
      if (row.void) {
        // a result without a quorum is shown as what it is, never as a grade
        html.push('<div class="row void"><span>' + Live.esc(row.name) + '</span><div class="void-text">' + Live.esc(row.void_text) + '</div><span class="num"></span></div>');
        continue;
      }
      var stack = [];
      for (var k = 0; row.percents && k < row.percents.length; k++) {
        stack.push('<span class="c' + k + '" data-w="' + row.percents[k] + '" title="' + Live.esc(published.labels[k]) + ' ' + row.percents[k] + '%"></span>');
      }
      var tail = published.level === 'ranking'
        ? (row.rank ? row.rank + '. ' : '') + Live.esc(row.final || '—') + ' ' + Live.esc(row.grade || '')
        : Live.esc((row.percents || [''])[0]) + (row.percents ? '%' : '');
      html.push('<div class="row"><span>' + Live.esc(row.name) + '</span><div class="stack">' + stack.join('') + '</div><span class="num">' + tail + '</span></div>');
    }
    html.push('</div>');
    return html.join('');
  }

  // sealed: a calm end, no countdown, no join code (the slips no longer work)
  function overHtml() {
    return '<div class="neutral over"><p>' + Live.esc(T.meeting_over) + '</p><p class="over-hint">' + Live.esc(T.meeting_over_hint) + '</p></div>';
  }

  function draw() {
    var html;
    if (!state) { return; }
    var now = state.now;
    var sealed = state.meeting.status === 'closed';
    Live.byId('join').hidden = sealed;
    Live.byId('stage').className = 'stage' + (sealed ? ' sealed' : '');
    if (state.published && state.published.level) {
      html = resultsHtml(state.published);
      if (sealed) { html = '<p class="over-line">' + Live.esc(T.meeting_over) + '</p>' + html; }
    } else if (sealed) {
      html = overHtml();
    } else if (now && now.started && !now.finished && now.item) {
      html = phaseHtml(now);
    } else if (state.round) {
      // outside the agenda: the latest round, open or "scoring has closed"
      html = roundHtml(state.round, state.turnout);
    } else {
      html = neutral();
    }
    // redraw only what changed: no flicker, bars animate
    if (html !== lastHtml) {
      var main = Live.byId('main');
      main.innerHTML = html;
      Live.fillBars(main);
      lastHtml = html;
    }
    tick();
  }

  // the countdown as this page computes it (server clock, skew corrected)
  window.remainingMs = function () { return state && state.now ? Live.remaining(state.now.timer) : null; };
  setInterval(tick, 200);

  Live.connect({ role: 'screen', meeting: boot.meeting, key: boot.key }, {
    status: function (online) { Live.byId('link').innerHTML = online ? '' : Live.esc(T.reconnecting); },
    state: function (snapshot) { state = snapshot; draw(); },
    refused: function (message) { Live.byId('link').innerHTML = Live.esc(message); }
  });
})(window, document);
