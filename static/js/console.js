/* The organiser console: live state from the server, actions as acknowledged events.
   Several console tabs (chair and clerk) stay in step: each one only draws snapshots. */
(function (window, document) {
  'use strict';

  var boot = window.Live.boot();
  var T = boot.text;
  var Live = window.Live;
  var state = null;
  var socket = null;
  var picked = {}; // reporter id -> true, kept across redraws
  var closing = false; // a close-round confirm or ack is pending

  function message(text) {
    var box = Live.byId('message');
    box.hidden = !text;
    box.innerHTML = Live.esc(text || '');
    if (text && box.scrollIntoView) { box.scrollIntoView({ block: 'nearest' }); }
  }

  // ------------------------------------------------------------------ errors beside their control

  // A refused action is explained right under the button or form that sent it. Panels are
  // redrawn from snapshots, so the error remembers its control as a selector and is put
  // back after every redraw until the next action succeeds.
  var shownError = null; // {selector, text}
  var ANCHORS = '.inline-form, .q-actions, .durations, .controls, .chips, .buttons, .round-actions';

  function selectorOf(control) {
    if (control.id) { return '#' + control.id; }
    var parts = [control.tagName.toLowerCase()];
    for (var i = 0; i < control.attributes.length; i++) {
      var a = control.attributes[i];
      if (a.name.indexOf('data-') === 0) { parts.push('[' + a.name + '="' + a.value.replace(/"/g, '') + '"]'); }
    }
    var question = control.closest ? control.closest('[data-q]') : null;
    return (question ? '[data-q="' + question.getAttribute('data-q') + '"] ' : '') + parts.join('');
  }

  function placeError(scroll) {
    var old = document.querySelectorAll('.inline-error');
    for (var i = 0; i < old.length; i++) { old[i].parentNode.removeChild(old[i]); }
    if (!shownError) { return; }
    var control = document.querySelector(shownError.selector);
    if (!control) { message(shownError.text); return; }
    var anchor = (control.closest && control.closest(ANCHORS)) || control.parentNode;
    var box = document.createElement('p');
    box.className = 'inline-error';
    box.setAttribute('role', 'alert');
    box.textContent = shownError.text;
    anchor.parentNode.insertBefore(box, anchor.nextSibling);
    if (scroll && box.scrollIntoView) { box.scrollIntoView({ block: 'nearest' }); }
  }

  function showError(text, origin) {
    if (!origin) { message(text); return; }
    shownError = { selector: selectorOf(origin), text: text };
    placeError(true);
  }

  function clearErrors() {
    message('');
    shownError = null;
    placeError(false);
  }

  // Events that create something carry a one-time key, the same until the server has
  // acknowledged: a double click or a re-sent event creates nothing twice.
  var CREATES = { open_round: 1, rerun_round: 1, comment_add: 1, inquiry_add: 1, agenda_add: 1 };
  var onceKeys = {};

  function newKey() {
    var key = '';
    var alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
    for (var i = 0; i < 24; i++) { key += alphabet.charAt(Math.floor(Math.random() * alphabet.length)); }
    return key;
  }

  // origin: the control that sent the action; a refusal is shown beside it
  function act(event, payload, done, failed, origin) {
    if (CREATES[event]) { payload.once = onceKeys[event] || (onceKeys[event] = newKey()); }
    socket.timeout(10000).emit(event, payload, function (err, ack) {
      if (err) {
        if (failed && failed({ ok: false, error: T.offline })) { return; }
        showError(T.offline, origin);
        return;
      }
      if (!ack.ok) {
        if (failed && failed(ack)) { return; }
        showError(ack.error, origin);
        return;
      }
      clearErrors();
      delete onceKeys[event];
      if (done) { done(ack); }
    });
  }

  // ------------------------------------------------------------------ rounds

  function rehearsalButton() {
    // the room practises scanning and sending before the real vote: before the start and
    // between rounds, never while a round is open
    // only while the agenda has not started: mid-meeting it would take every phone away
    if (!boot.admin || state.open_round || state.meeting.status === 'closed' || (state.now && state.now.started)) { return ''; }
    return '<div class="round-actions"><button type="button" id="open-rehearsal">' + Live.esc(T.open_rehearsal) + '</button> <small class="hint">' +
      Live.esc(T.rehearsal_hint) + '</small></div>';
  }

  function drawRoundPicker() {
    var panel = Live.byId('round-panel');
    if (state.open_round) { panel.hidden = true; panel.innerHTML = ''; return; }
    panel.hidden = false;
    if (state.meeting.status !== 'live') {
      panel.innerHTML = '<h2>' + Live.esc(T.open_title) + '</h2><p class="hint">' + Live.esc(state.meeting.status === 'draft' ? T.needs_live : T.no_round) + '</p>' + rehearsalButton();
      return;
    }
    // with an agenda, rounds open by themselves in the scoring phases: the picker folds away
    var folded = state.agenda && state.agenda.length;
    var wasOpen = panel.querySelector('details') && panel.querySelector('details').open;
    var html = [rehearsalButton()];
    html.push('<details' + (!folded || wasOpen ? ' open' : '') + '><summary><b>' + Live.esc(T.open_title) + '</b></summary><p class="hint">' + Live.esc(T.pick) + '</p>');
    html.push('<p class="buttons"><button type="button" data-pick="written">' + Live.esc(T.pick_written) + '</button>');
    html.push('<button type="button" data-pick="all">' + Live.esc(T.pick_all) + '</button>');
    html.push('<button type="button" data-pick="none">' + Live.esc(T.pick_none) + '</button></p><div class="pick-list">');
    for (var i = 0; i < state.reporters.length; i++) {
      var r = state.reporters[i];
      html.push('<label class="check' + (r.scored ? ' muted' : '') + '"><input type="checkbox" name="pick" value="' + r.id + '"' +
        (r.scored ? ' disabled' : '') + (picked[r.id] && !r.scored ? ' checked' : '') + '> ' + Live.esc(r.name) +
        ' <small>' + Live.esc(r.unit) + (r.on_site ? ' · ' + Live.esc(T.on_site) : '') + (r.scored ? ' · ' + Live.esc(T.scored) : '') + '</small></label>');
    }
    html.push('</div><p class="inline-form"><input id="round-title" placeholder="' + Live.esc(T.round_title) + '"> ');
    if (boot.admin) { html.push('<button type="button" class="primary" id="open-round">' + Live.esc(T.open) + '</button>'); }
    html.push('</p></details>');
    var title = Live.byId('round-title');
    var typed = title ? title.value : '';
    panel.innerHTML = html.join('');
    if (typed && Live.byId('round-title')) { Live.byId('round-title').value = typed; }
  }

  function rehearsalBadge(round) {
    return round.rehearsal ? ' <span class="badge badge-rehearsal">' + Live.esc(T.rehearsal) + '</span>' : '';
  }

  function drawOpenRound() {
    var panel = Live.byId('open-panel');
    var round = state.open_round;
    // no open round: the panel steps aside (the round picker says so)
    if (!round) { panel.hidden = true; panel.innerHTML = ''; return; }
    panel.hidden = false;
    panel.className = 'card' + (round.rehearsal ? ' rehearsal' : '');
    var t = round.turnout;
    var heading = round.rehearsal
      ? '<span class="badge badge-rehearsal">' + Live.esc(T.rehearsal) + '</span> ' + Live.esc(round.title && round.title !== T.rehearsal ? round.title : T.open_round)
      : Live.esc(T.open_round) + ': ' + Live.esc(round.title);
    var html = ['<div class="round-head"><h2>' + heading + '</h2>'];
    if (boot.admin) {
      html.push('<p class="round-actions"><button type="button" class="primary" id="close-round" data-round="' + round.id + '" data-rehearsal="' + (round.rehearsal ? 1 : 0) + '"' +
        (closing ? ' disabled' : '') + '>' + Live.esc(round.rehearsal ? T.close_rehearsal : T.close) + '</button></p>');
    }
    html.push('</div>');
    html.push('<table class="table compact" id="turnout"><thead><tr><th>' + Live.esc(T.category) + '</th><th class="num">' + Live.esc(T.voted) + '</th><th class="num">' + Live.esc(T.eligible) + '</th><th></th></tr></thead><tbody>');
    for (var i = 0; i < t.categories.length; i++) {
      var c = t.categories[i];
      var share = c.eligible ? Math.round(100 * c.voted / c.eligible) : 0;
      html.push('<tr><td>' + Live.esc(c.name) + '</td><td class="num">' + c.voted + '</td><td class="num">' + c.eligible +
        '</td><td><div class="meter"><span data-w="' + share + '"></span></div></td></tr>');
    }
    // no valid/invalid counts while the round is open: next to the list of who has not
    // voted they would tell whose ballot was invalid
    html.push('<tr class="total"><td>' + Live.esc(T.total) + '</td><td class="num" id="voted-total">' + t.voted + '</td><td class="num">' + t.eligible +
      '</td><td></td></tr></tbody></table>');
    html.push('<details><summary>' + Live.esc(Live.fmt(T.not_voted, { n: round.not_voted.length })) + '</summary><p class="codes mono">');
    for (var j = 0; j < round.not_voted.length; j++) {
      html.push('<span title="' + Live.esc(round.not_voted[j].category) + '">' + Live.esc(Live.fmt(T.slip_no, round.not_voted[j])) + '</span> ');
    }
    html.push('</p></details>');
    var open = panel.querySelector('details') && panel.querySelector('details').open;
    panel.innerHTML = html.join('');
    Live.fillBars(panel);
    if (open) { panel.querySelector('details').open = true; }
  }

  function drawHistory() {
    var html = ['<table class="table compact"><tbody>'];
    for (var i = 0; i < state.rounds.length; i++) {
      var r = state.rounds[i];
      html.push('<tr><td>' + Live.esc(r.title) + rehearsalBadge(r) + '<br><small class="muted">' + Live.esc(r.reporter_names.join('、')) + '</small></td>');
      html.push('<td><span class="badge badge-' + (r.status === 'open' ? 'live' : (r.status === 'void' ? 'draft' : 'closed')) + '">' + Live.esc(T['status_' + r.status]) + '</span>');
      if (r.status === 'void') { html.push('<br><small>' + Live.esc(r.void_reason) + '</small>'); }
      html.push('</td><td class="num">' + (r.status !== 'void' ? r.voted + ' / ' + r.eligible : ''));
      if (r.status === 'closed') { html.push('<br><small>' + r.valid + ' ' + Live.esc(T.valid) + ' · ' + r.invalid + ' ' + Live.esc(T.invalid) + '</small>'); }
      html.push('</td><td class="actions">');
      if (r.status === 'closed') { html.push('<a class="small" target="_blank" rel="noopener" href="' + boot.tally + r.id + '/tally.pdf">' + Live.esc(T.tally) + '</a> '); }
      if (boot.admin && !sealed() && r.status !== 'void' && !r.rehearsal) { html.push('<button type="button" class="small danger" data-void="' + r.id + '">' + Live.esc(T.void) + '</button>'); }
      if (boot.admin && !sealed() && r.status === 'void') { html.push('<button type="button" class="small" data-rerun="' + r.id + '">' + Live.esc(T.rerun) + '</button>'); }
      html.push('</td></tr>');
    }
    html.push('</tbody></table>');
    Live.byId('history-panel').innerHTML = html.join('');
    Live.byId('history-summary').innerHTML = Live.esc(Live.fmt(T.history_fold, { n: state.rounds.length }));
  }

  // The header badge follows the meeting (筹备中 -> 进行中 -> 已结束) without a reload.
  function drawMeetingStatus() {
    var holder = Live.byId('meeting-status');
    var status = state.meeting.status;
    if (!holder || !T['meeting_' + status]) { return; }
    var html = '<span class="badge badge-' + status + '">' + Live.esc(T['meeting_' + status]) + '</span>';
    if (holder.innerHTML !== html) { holder.innerHTML = html; }
  }

  // The panels are ordered for the phase (console.css): the chair's tools for now on top.
  function arrange() {
    var now = state.now || {};
    var running = now.started && !now.finished;
    var grid = Live.byId('console-grid');
    grid.setAttribute('data-phase', running && now.phase ? now.phase.key : (state.open_round ? 'scoring' : 'none'));
    grid.setAttribute('data-running', running ? '1' : '0');
  }

  function sealed() { return state.meeting.status === 'closed'; }

  // A sealed meeting is over: one calm panel with where to go next, no live controls.
  function drawSealed() {
    var html = '<div class="sealed"><h2>' + Live.esc(T.sealed) + '</h2><p class="hint">' + Live.esc(T.sealed_hint) + '</p><p class="buttons">' +
      '<a class="button primary" href="' + Live.esc(boot.results) + '">' + Live.esc(T.results) + '</a> ' +
      '<a class="button" href="' + Live.esc(boot.letters) + '">' + Live.esc(T.letters) + '</a></p></div>';
    var panel = Live.byId('now-panel');
    if (panel.innerHTML !== html) { panel.innerHTML = html; }
    Live.byId('console-main').hidden = true;
    Live.byId('agenda-panel').hidden = true;
  }

  // The note after a close stays until it is out of date: a new round opens, or (after a
  // rehearsal) the agenda starts.
  function expireCloseNote() {
    var box = Live.byId('tally-ready');
    if (box.hidden) { return; }
    var afterRehearsal = box.getAttribute('data-kind') === 'rehearsal';
    // the round just closed may still show as open until its state arrives
    var another = state.open_round && String(state.open_round.id) !== box.getAttribute('data-round');
    if (another || (afterRehearsal && state.now && state.now.started)) { box.hidden = true; }
  }

  function draw() {
    if (!state) { return; }
    arrange();
    drawMeetingStatus();
    expireCloseNote();
    if (sealed()) {
      drawSealed();
      drawHistory();
      placeError(false);
      return;
    }
    drawRoundPicker();
    drawOpenRound();
    drawHistory();
    if (window.ConsoleAgenda) { window.ConsoleAgenda.draw(state); }
    placeError(false);
  }

  function pick(kind) {
    picked = {};
    for (var i = 0; i < state.reporters.length; i++) {
      var r = state.reporters[i];
      if (!r.scored && (kind === 'all' || (kind === 'written' && !r.on_site))) { picked[r.id] = true; }
    }
    drawRoundPicker();
  }

  document.addEventListener('change', function (event) {
    if (event.target.name === 'pick') {
      picked[event.target.value] = event.target.checked;
    }
  });

  document.addEventListener('click', function (event) {
    var target = event.target;
    if (target.getAttribute('data-pick')) { pick(target.getAttribute('data-pick')); return; }
    if (target.id === 'open-round') {
      var ids = [];
      for (var key in picked) { if (picked.hasOwnProperty(key) && picked[key]) { ids.push(parseInt(key, 10)); } }
      act('open_round', { reporters: ids, title: Live.byId('round-title').value }, function () { picked = {}; }, null, target);
      return;
    }
    if (target.id === 'open-rehearsal') {
      if (!window.confirm(T.open_rehearsal_confirm)) { return; }
      act('open_rehearsal', {}, null, null, target);
      return;
    }
    if (target.id === 'close-round') {
      // one dialog for a double click: later clicks are ignored until this one is answered
      if (closing) { return; }
      closing = true;
      target.disabled = true;
      var rehearsal = target.getAttribute('data-rehearsal') === '1';
      if (!window.confirm(rehearsal ? T.close_rehearsal_confirm : T.close_confirm)) {
        closing = false;
        target.disabled = false;
        return;
      }
      act('close_round', { round: parseInt(target.getAttribute('data-round'), 10) }, function (ack) {
        closing = false;
        var box = Live.byId('tally-ready');
        box.setAttribute('data-kind', rehearsal ? 'rehearsal' : 'tally');
        box.setAttribute('data-round', String(ack.round));
        if (rehearsal) {
          box.innerHTML = Live.esc(T.rehearsal_closed);
        } else {
          // the tally sheet is printed the moment a round closes, to be signed
          box.innerHTML = Live.esc(T.tally_ready) + ' <a class="button primary" target="_blank" rel="noopener" href="' + boot.tally + ack.round + '/tally.pdf">' + Live.esc(T.tally) + '</a>';
        }
        box.hidden = false;
        draw();
      }, function () {
        closing = false;
        var button = Live.byId('close-round');
        if (button) { button.disabled = false; }
        return false;
      }, target);
      return;
    }
    if (target.getAttribute('data-void')) {
      var reason = window.prompt(T.void_reason);
      if (reason) { act('void_round', { round: parseInt(target.getAttribute('data-void'), 10), reason: reason }, null, null, target); }
      return;
    }
    if (target.getAttribute('data-rerun')) {
      act('rerun_round', { round: parseInt(target.getAttribute('data-rerun'), 10) }, null, null, target);
    }
  });

  socket = Live.connect({ role: 'organiser', meeting: boot.meeting }, {
    status: function (online) {
      var link = Live.byId('link');
      link.className = 'badge ' + (online ? 'badge-live' : 'badge-offline');
      link.innerHTML = Live.esc(online ? T.online : T.disconnected);
    },
    state: function (snapshot) { state = snapshot; draw(); },
    refused: function (text) { message(text); }
  });

  window.Console = { act: act, state: function () { return state; }, socket: function () { return socket; }, redraw: draw };
})(window, document);
