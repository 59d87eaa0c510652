/* The console's agenda runner, question queue and comments. Drawn from snapshots only;
   a part is redrawn only when its HTML changes, so forms being typed in are left alone. */
(function (window, document) {
  'use strict';

  var boot = window.Live.boot();
  var T = boot.text;
  var Live = window.Live;
  var state = null;
  var drawn = {};
  var sortables = {};
  var moving = false; // a next/back is on its way
  var editing = false; // the agenda's editing tools are unfolded while the meeting runs

  function act(event, payload, done, failed, origin) { window.Console.act(event, payload, done, failed, origin); }

  function put(id, html) {
    if (drawn[id] === html) { return false; }
    drawn[id] = html;
    Live.byId(id).innerHTML = html;
    return true;
  }

  function nameOf(reporterId) {
    for (var i = 0; i < boot.reporters.length; i++) { if (boot.reporters[i] === reporterId) { return boot.names[i]; } }
    return '';
  }

  // ------------------------------------------------------------------ now + countdown

  function tick() {
    var clock = Live.byId('clock');
    if (!clock || !state || !state.now) { return; }
    var left = Live.remaining(state.now.timer);
    if (left === null) { clock.innerHTML = ''; return; }
    clock.innerHTML = Live.esc(Live.clock(left));
    clock.className = 'clock' + (left < 0 ? ' overtime' : '') + (state.now.timer.running ? '' : ' paused');
    // while a question is answered the big clock is its answer time; the phase runs on beside it
    var phaseLeft = Live.byId('phase-left');
    if (phaseLeft) {
      var rest = Live.remaining(state.now.phase_timer);
      phaseLeft.innerHTML = rest === null ? '' : Live.esc(T.phase_left) + ' <b>' + Live.esc(Live.clock(rest)) + '</b>';
    }
  }

  function drawNow() {
    var now = state.now;
    var html = [];
    if (!now.started) {
      // a live meeting only waits for its agenda; a draft one starts with it
      var live = state.meeting.status === 'live';
      html.push('<div class="where">' + Live.esc(live ? T.agenda_not_started : T.not_started) + '</div><div></div><div class="controls">');
      if (boot.admin) { html.push('<button type="button" class="primary" data-act="agenda_start">' + Live.esc(live ? T.start_agenda : T.start_meeting) + '</button>'); }
      html.push('</div>');
    } else if (now.finished) {
      html.push('<div class="where">' + Live.esc(T.finished) + '</div><div></div><div class="controls">');
      if (boot.admin) { html.push('<button type="button" data-act="agenda_back">◀ ' + Live.esc(T.back) + '</button>'); }
      html.push('</div>');
    } else {
      // "会议开始" in the 会议开始 phase, "集中测评" in its 测评 phase: said once
      var title = now.item.title || '';
      var head = title.indexOf(now.phase.label) >= 0 ? '<span class="phase">' + Live.esc(title) + '</span>' :
        '<span class="phase">' + Live.esc(now.phase.label) + '</span>' + Live.esc(title);
      html.push('<div class="where">' + head +
        ' <small class="muted">(' + (now.item.index + 1) + '/' + now.item.count + ')</small>' +
        (now.speaker ? '<br><small>' + Live.esc(T.speaking) + ': ' + Live.esc(now.speaker.name) + ' ' + Live.esc(now.speaker.role) + '</small>' : '') +
        '</div><div class="clocks">' + (now.phase_timer ? '<div class="clock-label">' + Live.esc(T.answer_timer) + '</div>' : '') +
        '<div class="clock" id="clock"></div>' + (now.phase_timer ? '<div class="phase-left" id="phase-left"></div>' : '') + '</div><div class="controls">');
      if (boot.admin) {
        html.push('<button type="button" data-act="agenda_back">◀ ' + Live.esc(T.back) + '</button>');
        html.push('<button type="button" class="primary" data-act="agenda_next" id="next">' + Live.esc(T.next) + ' ▶</button>');
        html.push(now.timer && now.timer.running
          ? '<button type="button" data-timer="pause">' + Live.esc(T.pause) + '</button>'
          : '<button type="button" data-timer="resume">' + Live.esc(T.resume) + '</button>');
        html.push('<button type="button" data-timer="add" data-seconds="60">+1′</button>');
        html.push('<button type="button" data-timer="add" data-seconds="-60">−1′</button>');
        html.push('<button type="button" data-timer="reset">' + Live.esc(T.reset) + '</button>');
      }
      html.push('</div>');
    }
    put('now-panel', html.join(''));
    tick();
  }

  // ------------------------------------------------------------------ agenda

  function drawAgenda() {
    var running = state.now.started && !state.now.finished;
    Live.byId('agenda-panel').className = 'card' + (!running || editing ? ' editing' : '');
    var html = ['<div class="agenda-head"><h2>' + Live.esc(T.agenda) + '</h2>' +
      (boot.admin && running && state.agenda.length ? '<label class="small"><input type="checkbox" id="agenda-edit"' + (editing ? ' checked' : '') + '> ' + Live.esc(T.setup_tools) + '</label>' : '') + '</div>'];
    if (!state.agenda.length) {
      html.push('<p class="hint">' + Live.esc(T.no_agenda) + '</p>');
      if (boot.admin) { html.push('<button type="button" class="primary" data-act="agenda_build">' + Live.esc(T.build) + '</button>'); }
      put('agenda-panel', html.join(''));
      return;
    }
    var currentItem = state.now.item ? state.now.item.id : null;
    html.push('<ol class="agenda-list" id="agenda-list">');
    for (var i = 0; i < state.agenda.length; i++) {
      var item = state.agenda[i];
      html.push('<li data-id="' + item.id + '" class="' + (item.id === currentItem ? 'current' : '') + '"><div class="item-head"><span>' +
        (boot.admin ? '<span class="grip setup-only" title="' + Live.esc(T.drag) + '">☰</span>' : '') + Live.esc(item.title) + '</span>');
      if (boot.admin && item.id !== currentItem) { html.push('<button type="button" class="small danger setup-only" data-remove="' + item.id + '">×</button>'); }
      html.push('</div><div class="chips">');
      for (var p = 0; p < item.phases.length; p++) {
        var phase = item.phases[p];
        var here = item.id === currentItem && p === state.now.phase.index;
        html.push('<span class="chip' + (here ? ' current' : '') + '" data-goto="' + item.id + '" data-phase="' + p + '">' +
          Live.esc(phase.label) + ' ' + Math.round(phase.seconds / 6) / 10 + '′</span>');
      }
      html.push('</div>');
      if (boot.admin) {
        html.push('<details class="setup-only"><summary class="small">' + Live.esc(T.durations) + '</summary><div class="durations" data-item="' + item.id + '">');
        for (var d = 0; d < item.phases.length; d++) {
          html.push('<label>' + Live.esc(item.phases[d].label) + ' <input data-phase-key="' + item.phases[d].key + '" value="' + (item.phases[d].seconds / 60) + '"></label>');
          if (item.phases[d].answer_seconds) {
            html.push('<label>' + Live.esc(T.answer_time) + ' <input data-answer="1" value="' + (item.phases[d].answer_seconds / 60) + '"></label>');
          }
        }
        html.push('<button type="button" class="small" data-durations="' + item.id + '">' + Live.esc(T.save) + '</button></div></details>');
      }
      html.push('</li>');
    }
    html.push('</ol>');
    if (boot.admin) {
      html.push('<div class="inline-form setup-only"><select id="new-kind"><option value="custom">' + Live.esc(T.kind_custom) + '</option><option value="report">' + Live.esc(T.kind_report) +
        '</option><option value="written">' + Live.esc(T.kind_written) + '</option><option value="closing">' + Live.esc(T.kind_closing) + '</option></select>');
      html.push('<select id="new-reporter">');
      for (var r = 0; r < boot.reporters.length; r++) { html.push('<option value="' + boot.reporters[r] + '">' + Live.esc(boot.names[r]) + '</option>'); }
      html.push('</select><input id="new-title" placeholder="' + Live.esc(T.item_title) + '"><button type="button" class="small" id="add-item">' + Live.esc(T.add_item) + '</button></div>');
    }
    var changed = put('agenda-panel', html.join(''));
    // a long agenda scrolls in its own box: keep the current item in sight
    var list = Live.byId('agenda-list');
    var current = list.querySelector('li.current');
    if (changed && current && list.scrollHeight > list.clientHeight) {
      list.scrollTop = Math.max(0, current.offsetTop - list.clientHeight / 3);
    }
    if (changed && boot.admin && window.Sortable) {
      sortables.agenda = window.Sortable.create(Live.byId('agenda-list'), {
        handle: '.grip',
        animation: 120,
        onEnd: function () {
          var ids = [];
          var rows = Live.byId('agenda-list').children;
          for (var k = 0; k < rows.length; k++) { ids.push(parseInt(rows[k].getAttribute('data-id'), 10)); }
          drawn['agenda-panel'] = null;
          act('agenda_reorder', { items: ids });
        }
      });
    }
  }

  // ------------------------------------------------------------------ speaker and comments

  function focus() { return state.focus_reporter; }

  function drawSpeaker() {
    var phase = state.now.phase ? state.now.phase.key : null;
    if (phase !== 'comment') { put('speaker-panel', ''); Live.byId('speaker-panel').hidden = true; return; }
    Live.byId('speaker-panel').hidden = false;
    put('speaker-panel', '<h3>' + Live.esc(T.speaker_title) + '</h3><div class="inline-form"><input id="speaker-name" placeholder="' + Live.esc(T.name) + '">' +
      '<input id="speaker-role" placeholder="' + Live.esc(T.role) + '"><button type="button" id="set-speaker">' + Live.esc(T.show_speaker) + '</button>' +
      '<button type="button" class="small" id="clear-speaker">' + Live.esc(T.clear) + '</button></div>');
  }

  function drawComments() {
    var reporter = focus();
    var panel = Live.byId('comments-panel');
    if (!reporter) { panel.hidden = true; return; }
    panel.hidden = false;
    var html = ['<h3>' + Live.esc(T.comments) + ' · ' + Live.esc(nameOf(reporter)) + '</h3><div id="comment-list">'];
    for (var i = 0; i < state.comments.length; i++) {
      var c = state.comments[i];
      html.push('<div class="q"><b>' + Live.esc(c.name) + '</b> <span class="meta">' + Live.esc(c.role) + '</span><div>' + Live.esc(c.summary) + '</div>' +
        '<div class="q-actions"><button type="button" class="small" data-comment-edit="' + c.id + '">' + Live.esc(T.edit) + '</button>' +
        '<button type="button" class="small danger" data-comment-delete="' + c.id + '">' + Live.esc(T.remove) + '</button></div></div>');
    }
    html.push('</div><div class="inline-form" data-for="' + reporter + '"><input id="comment-name" placeholder="' + Live.esc(T.name) + '"><input id="comment-role" placeholder="' + Live.esc(T.role) + '">' +
      '<textarea id="comment-summary" rows="2" placeholder="' + Live.esc(T.summary) + '"></textarea><button type="button" id="add-comment">' + Live.esc(T.record_comment) + '</button></div>');
    put('comments-panel', html.join(''));
  }

  // ------------------------------------------------------------------ questions

  function questionHtml(q) {
    var html = ['<div class="q ' + q.status + '" data-q="' + q.id + '"><div class="meta">' + Live.esc(q.status_label) +
      (q.asker ? ' · ' + Live.esc(q.asker) : '') + (q.category ? ' · ' + Live.esc(q.category) : '') + (q.edited ? ' · ' + Live.esc(T.edited) : '') +
      (q.reporter_id !== focus() ? ' · → ' + Live.esc(nameOf(q.reporter_id)) : '') + '</div><div class="text">' + Live.esc(q.text) + '</div>'];
    if (q.status === 'rejected' && q.reject_reason) { html.push('<div class="meta">' + Live.esc(q.reject_reason) + '</div>'); }
    if (q.status === 'answered' && q.answer) { html.push('<div class="meta">' + Live.esc(T.answer) + ': ' + Live.esc(q.answer) + '</div>'); }
    html.push('<div class="q-actions">');
    if (q.status === 'pending') {
      html.push('<button type="button" class="small primary" data-q-act="inquiry_approve">' + Live.esc(T.approve) + '</button>');
      html.push('<button type="button" class="small danger" data-q-act="inquiry_reject">' + Live.esc(T.reject) + '</button>');
    }
    if (q.status === 'approved') {
      html.push('<button type="button" class="small primary" data-q-act="inquiry_asking">' + Live.esc(T.ask_now) + '</button>');
      html.push('<button type="button" class="small" data-q-act="inquiry_not_reached">' + Live.esc(T.not_reached) + '</button>');
    }
    if (q.status === 'pending' || q.status === 'approved' || q.status === 'asking') {
      html.push('<button type="button" class="small" data-q-act="inquiry_edit">' + Live.esc(T.edit) + '</button>');
    }
    if (q.status === 'asking') {
      html.push('<textarea rows="2" id="answer-' + q.id + '" placeholder="' + Live.esc(T.answer_summary) + '"></textarea>');
      html.push('<button type="button" class="small primary" data-q-act="inquiry_answered">' + Live.esc(T.answered) + '</button>');
    }
    html.push('</div></div>');
    return html.join('');
  }

  function drawQuestions() {
    var reporter = focus();
    var openFor = state.inquiry.open_for;
    var html = ['<h3>' + Live.esc(T.questions) + (reporter ? ' · ' + Live.esc(nameOf(reporter)) : '') + '</h3>'];
    var askers = state.inquiry_categories || [];
    var openText = askers.length ? Live.fmt(T.questions_open_by, { who: askers.join('、'), name: openFor ? openFor.name : '' }) : T.questions_nobody;
    html.push('<p class="hint">' + Live.esc(openFor ? openText : T.questions_closed) + ' ');
    html.push('<select id="open-for"><option value="">' + Live.esc(T.close_questions) + '</option>');
    for (var r = 0; r < boot.reporters.length; r++) {
      html.push('<option value="' + boot.reporters[r] + '"' + (openFor && openFor.id === boot.reporters[r] ? ' selected' : '') + '>' + Live.esc(boot.names[r]) + '</option>');
    }
    html.push('</select> <button type="button" class="small" id="set-open-for">' + Live.esc(T.apply) + '</button></p>');
    var pending = [];
    var asking = [];
    var queue = [];
    var done = [];
    for (var i = 0; i < state.questions.length; i++) {
      var q = state.questions[i];
      if (q.status === 'pending') { pending.push(q); } else if (q.status === 'asking') { asking.push(q); } else if (q.status === 'approved') { queue.push(q); } else { done.push(q); }
    }
    var k;
    html.push('<h4>' + Live.esc(T.pending) + ' (' + pending.length + ')</h4>');
    for (k = 0; k < pending.length; k++) { html.push(questionHtml(pending[k])); }
    html.push('<h4>' + Live.esc(T.now_asking) + '</h4>');
    for (k = 0; k < asking.length; k++) { html.push(questionHtml(asking[k])); }
    html.push('<h4>' + Live.esc(T.queue) + ' (' + queue.length + ')</h4><div id="queue-list">');
    for (k = 0; k < queue.length; k++) { html.push(questionHtml(queue[k])); }
    html.push('</div>');
    if (done.length) {
      html.push('<details><summary>' + Live.esc(T.done) + ' (' + done.length + ')</summary>');
      for (k = 0; k < done.length; k++) { html.push(questionHtml(done[k])); }
      html.push('</details>');
    }
    var list = html.join('');
    var form = reporter ? '<h4>' + Live.esc(T.spoken) + '</h4><div class="inline-form"><input id="spoken-asker" placeholder="' + Live.esc(T.asker) + '">' +
      '<textarea id="spoken-text" rows="2" placeholder="' + Live.esc(T.question_text) + '"></textarea><button type="button" id="add-spoken">' + Live.esc(T.add_question) + '</button></div>' : '';
    var panel = Live.byId('questions-panel');
    if (drawn['questions-form'] !== form) {
      drawn['questions-form'] = form;
      panel.innerHTML = '<div id="questions-list"></div><div id="questions-form">' + form + '</div>';
      drawn['questions-list'] = null;
    }
    var answers = {};
    for (k = 0; k < asking.length; k++) {
      var box = Live.byId('answer-' + asking[k].id);
      if (box) { answers[asking[k].id] = box.value; }
    }
    if (put('questions-list', list)) {
      for (var id in answers) { if (answers.hasOwnProperty(id) && Live.byId('answer-' + id)) { Live.byId('answer-' + id).value = answers[id]; } }
      if (window.Sortable && Live.byId('queue-list')) {
        window.Sortable.create(Live.byId('queue-list'), {
          animation: 120,
          onEnd: function () {
            var ids = [];
            var rows = Live.byId('queue-list').children;
            for (var n = 0; n < rows.length; n++) { ids.push(parseInt(rows[n].getAttribute('data-q'), 10)); }
            drawn['questions-list'] = null;
            act('inquiry_reorder', { ids: ids });
          }
        });
      }
    }
  }

  function draw(snapshot) {
    state = snapshot;
    // a sealed meeting has no agenda to run: console.js draws its read-only panel
    if (!state.now || state.meeting.status === 'closed') { return; }
    drawNow();
    drawAgenda();
    drawSpeaker();
    drawQuestions();
    drawComments();
  }

  function value(id) { var el = Live.byId(id); return el ? el.value : ''; }

  // The items a forward jump passes over without entering: those after the current one
  // (all of them before the agenda starts) and before the target.
  function skippedBefore(itemId) {
    var titles = [];
    var currentId = state.now.started && state.now.item ? state.now.item.id : null;
    var passing = !state.now.started;
    for (var i = 0; i < state.agenda.length; i++) {
      var id = state.agenda[i].id;
      if (id === itemId) { return passing ? titles : []; }
      if (passing) { titles.push(state.agenda[i].title); }
      if (id === currentId) { passing = true; }
    }
    return [];
  }

  // Jumping to a phase: one that opens scoring asks first (every phone switches to the
  // ballot); leaving an open round asks to close it, as "next" does.
  function goTo(chip) {
    if (moving) { return; }
    var itemId = parseInt(chip.getAttribute('data-goto'), 10);
    var index = parseInt(chip.getAttribute('data-phase'), 10);
    var item = null;
    for (var i = 0; i < state.agenda.length; i++) { if (state.agenda[i].id === itemId) { item = state.agenda[i]; } }
    if (!item || !item.phases[index]) { return; }
    var asks = [];
    var skipped = skippedBefore(itemId);
    if (skipped.length) { asks.push(Live.fmt(T.goto_skips, { items: skipped.join('、') })); }
    if (item.phases[index].key === 'scoring' && !state.open_round) {
      var question;
      if (item.reporter_id) {
        question = Live.fmt(T.goto_scoring_confirm, { name: nameOf(item.reporter_id) || item.title });
      } else {
        var count = 0; // the reporters the server will put in the round: not yet scored
        for (var r = 0; r < state.reporters.length; r++) {
          if (!state.reporters[r].scored && (item.kind !== 'written' || !state.reporters[r].on_site)) { count++; }
        }
        question = Live.fmt(T.goto_scoring_many_confirm, { title: item.title, n: count });
      }
      asks.push(question);
    }
    if (asks.length && !window.confirm(asks.join('\n'))) { return; }
    moving = true;
    var done = function () { moving = false; };
    act('agenda_goto', { item: itemId, phase: index }, done, function (ack) {
      moving = false;
      if (ack.needs_close && window.confirm(T.close_and_move)) {
        moving = true;
        act('agenda_goto', { item: itemId, phase: index, close_round: true }, done, function () { moving = false; return false; }, chip);
        return true;
      }
      return false;
    }, chip);
  }

  document.addEventListener('change', function (event) {
    if (event.target.id === 'agenda-edit') {
      editing = event.target.checked;
      if (state) { drawAgenda(); }
    }
  });

  document.addEventListener('click', function (event) {
    var t = event.target;
    var simple = t.getAttribute('data-act');
    if (simple === 'agenda_next' || simple === 'agenda_back' || simple === 'agenda_start') {
      // one move at a time, from the position this console shows: a double click or a
      // second console that moved meanwhile is refused instead of skipping a phase
      if (moving) { return; }
      moving = true;
      var version = state && state.now ? state.now.version : null;
      var done = function () { moving = false; };
      act(simple, { version: version }, done, function (ack) {
        moving = false;
        // leaving a scoring phase with the round still open: ask, then close and move on
        if (ack.needs_close && window.confirm(T.close_and_move)) {
          moving = true;
          act(simple, { close_round: true, version: version }, done, function () { moving = false; return false; }, t);
          return true;
        }
        return false;
      }, t);
      return;
    }
    if (simple) { act(simple, {}, null, null, t); return; }
    if (t.getAttribute('data-timer')) {
      var seconds = t.getAttribute('data-seconds');
      act('timer', { action: t.getAttribute('data-timer'), seconds: seconds ? parseInt(seconds, 10) : null }, null, null, t);
      return;
    }
    if (t.getAttribute('data-goto')) {
      goTo(t);
      return;
    }
    if (t.getAttribute('data-remove')) {
      if (window.confirm(T.remove_item_confirm)) { act('agenda_remove', { item: parseInt(t.getAttribute('data-remove'), 10) }, null, null, t); }
      return;
    }
    if (t.getAttribute('data-durations')) {
      var box = t.parentNode;
      var minutes = {};
      var answer = null;
      var inputs = box.querySelectorAll('input');
      for (var i = 0; i < inputs.length; i++) {
        if (inputs[i].getAttribute('data-answer')) { answer = inputs[i].value; } else { minutes[inputs[i].getAttribute('data-phase-key')] = inputs[i].value; }
      }
      act('agenda_durations', { item: parseInt(t.getAttribute('data-durations'), 10), minutes: minutes, answer_minutes: answer }, null, null, t);
      return;
    }
    if (t.id === 'add-item') {
      var kind = value('new-kind');
      act('agenda_add', { kind: kind, title: value('new-title'), reporter: kind === 'report' ? parseInt(value('new-reporter'), 10) : null }, function () {
        Live.byId('new-title').value = '';
      }, null, t);
      return;
    }
    if (t.id === 'set-speaker') { act('speaker', { name: value('speaker-name'), role: value('speaker-role') }, null, null, t); return; }
    if (t.id === 'clear-speaker') { act('speaker', { name: '', role: '' }, null, null, t); return; }
    if (t.id === 'add-comment') {
      act('comment_add', { reporter: focus(), name: value('comment-name'), role: value('comment-role'), summary: value('comment-summary') }, function () {
        Live.byId('comment-summary').value = '';
      }, null, t);
      return;
    }
    if (t.getAttribute('data-comment-delete')) {
      if (window.confirm(T.remove_comment_confirm)) { act('comment_delete', { id: parseInt(t.getAttribute('data-comment-delete'), 10) }, null, null, t); }
      return;
    }
    if (t.getAttribute('data-comment-edit')) {
      var id = parseInt(t.getAttribute('data-comment-edit'), 10);
      for (var c = 0; c < state.comments.length; c++) {
        if (state.comments[c].id === id) {
          var summary = window.prompt(T.summary, state.comments[c].summary);
          if (summary !== null) { act('comment_update', { id: id, name: state.comments[c].name, role: state.comments[c].role, summary: summary }, null, null, t); }
        }
      }
      return;
    }
    if (t.id === 'set-open-for') {
      var chosen = value('open-for');
      act('inquiries_open', { reporter: chosen ? parseInt(chosen, 10) : null }, null, null, t);
      return;
    }
    if (t.id === 'add-spoken') {
      act('inquiry_add', { reporter: focus(), text: value('spoken-text'), asker: value('spoken-asker') }, function () {
        Live.byId('spoken-text').value = '';
      }, null, t);
      return;
    }
    var qAct = t.getAttribute('data-q-act');
    if (qAct) {
      var qid = parseInt(t.parentNode.parentNode.getAttribute('data-q'), 10);
      var payload = { id: qid };
      if (qAct === 'inquiry_reject') {
        var reason = window.prompt(T.reject_reason);
        if (!reason) { return; }
        payload.reason = reason;
      }
      if (qAct === 'inquiry_edit') {
        var current = t.parentNode.parentNode.querySelector('.text').textContent;
        var text = window.prompt(T.edit_question, current);
        if (text === null) { return; }
        payload.text = text;
      }
      if (qAct === 'inquiry_answered') { payload.summary = value('answer-' + qid); }
      act(qAct, payload, null, null, t);
    }
  });

  // the countdown as this page computes it (server clock, skew corrected)
  window.remainingMs = function () { return state && state.now ? Live.remaining(state.now.timer) : null; };
  setInterval(tick, 200);
  window.ConsoleAgenda = { draw: draw };
})(window, document);
