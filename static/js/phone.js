/* The delegate's phone: waits, shows the sheet when a round opens, keeps the draft on
   the phone, checks the rules, submits, and re-sends after a lost connection.
   Plain ES5 for old Android WebViews and WeChat's built-in browser. */
(function (window, document) {
  'use strict';

  var boot = window.Live.boot();
  var T = boot.text;
  var Live = window.Live;
  var state = null;      // the meeting's delegate snapshot
  var me = null;         // this phone's snapshot (category, stored ballots)
  var online = false;
  var reviewing = false;
  var sheetRound = null; // the round whose sheet is drawn (id and opening time)
  var socket = null;
  var memory = {};       // storage fallback when localStorage is unavailable
  var inFlight = null;   // submission id sent and not yet answered
  var over = false;      // the meeting was sealed: stay on the final message
  var checked = false;   // the sheet was checked once: show where the rules find fault
  var JUMP_LIST_FROM = 4; // reporters on a ballot from which the jump list is offered

  // ------------------------------------------------------------------ storage

  function storageKey(roundId) { return 'sanshu.' + boot.meeting + '.' + boot.token + '.' + roundId; }

  // Drafts live in localStorage; when a write fails (storage full, private mode) the
  // draft stays in memory, and memory wins over storage from then on for that key.
  function load(roundId) {
    var key = storageKey(roundId);
    var raw = null;
    if (memory.hasOwnProperty(key)) {
      raw = memory[key];
    } else {
      try { raw = window.localStorage.getItem(key); } catch (e) { raw = null; }
    }
    var draft = null;
    try { draft = raw ? JSON.parse(raw) : null; } catch (e2) { draft = null; }
    return draft || { answers: {}, seq: 0, pending: null, receipt: null, editing: false, error: null };
  }

  function save(roundId, draft) {
    var key = storageKey(roundId);
    var raw = JSON.stringify(draft);
    try {
      window.localStorage.setItem(key, raw);
      delete memory[key];
    } catch (e) {
      memory[key] = raw;
    }
  }

  // This slip's stored drafts: [round id, storage key].
  function storedRounds() {
    var prefix = 'sanshu.' + boot.meeting + '.' + boot.token + '.';
    var found = [];
    var keys = [];
    var i;
    try { for (i = 0; i < window.localStorage.length; i++) { keys.push(window.localStorage.key(i)); } } catch (e) { keys = []; }
    for (var key in memory) { if (memory.hasOwnProperty(key)) { keys.push(key); } }
    for (i = 0; i < keys.length; i++) {
      if (keys[i] && keys[i].indexOf(prefix) === 0) { found.push([keys[i].substring(prefix.length), keys[i]]); }
    }
    return found;
  }

  // What a ballot said stays on the phone only while it may still be needed: answers are
  // dropped once their round is no longer open and nothing waits to be sent (receipts and
  // top-grade counts stay, for the per-meeting quota); everything goes at sealing or when
  // the slip is revoked. A borrowed phone keeps no record of how its slip voted.
  function forgetAnswers(openId) {
    var rounds = storedRounds();
    for (var i = 0; i < rounds.length; i++) {
      if (String(rounds[i][0]) === String(openId)) { continue; }
      var draft = load(rounds[i][0]);
      if (draft.pending) { continue; }
      var has = false;
      for (var k in draft.answers) { if (draft.answers.hasOwnProperty(k)) { has = true; break; } }
      var receipt = draft.receipt;
      var said = receipt && receipt.problems && receipt.problems.length;
      if (has || said) {
        draft.answers = {};
        // the receipt's reasons quote the ballot; only that it arrived and its top grades stay
        if (receipt) { draft.receipt = { round: receipt.round, revision: receipt.revision, top_used: receipt.top_used }; }
        save(rounds[i][0], draft);
      }
    }
  }

  function forgetAll() {
    var rounds = storedRounds();
    for (var i = 0; i < rounds.length; i++) {
      try { window.localStorage.removeItem(rounds[i][1]); } catch (e) { /* nothing stored */ }
      delete memory[rounds[i][1]];
    }
  }

  // The draft of an open round. A draft kept for another round of the same id (a deleted
  // rehearsal whose id the database gave again) is dropped: practice answers and receipts
  // never show as a real ballot.
  function roundDraft(round) {
    var draft = load(round.id);
    if (draft.opened && round.opened && draft.opened !== round.opened) {
      draft = { answers: {}, seq: 0, pending: null, receipt: null, editing: false, error: null };
    }
    if (round.opened && (draft.opened !== round.opened || draft.rehearsal !== !!round.rehearsal)) {
      draft.opened = round.opened;
      draft.rehearsal = !!round.rehearsal;
      save(round.id, draft);
    }
    return draft;
  }

  function newSubmissionId() {
    var bytes = [];
    var i;
    if (window.crypto && window.crypto.getRandomValues) {
      var array = new Uint8Array(16);
      window.crypto.getRandomValues(array);
      for (i = 0; i < array.length; i++) { bytes.push(array[i]); }
    } else {
      for (i = 0; i < 16; i++) { bytes.push(Math.floor(Math.random() * 256)); }
    }
    var hex = '';
    for (i = 0; i < bytes.length; i++) { hex += (bytes[i] < 16 ? '0' : '') + bytes[i].toString(16); }
    return hex;
  }

  // ------------------------------------------------------------------ helpers

  function openRound() { return state && state.round && state.round.status === 'open' ? state.round : null; }

  // Per-meeting quota: the top grades this phone gave in earlier rounds, from its own
  // acknowledgements (the server never tells any device what a ballot said).
  function topUsedBefore(roundId) {
    var used = 0;
    var rounds = storedRounds();
    for (var i = 0; i < rounds.length; i++) {
      if (String(rounds[i][0]) === String(roundId)) { continue; }
      var draft = load(rounds[i][0]);
      // a rehearsal counts nothing, its top grades neither
      if (draft.receipt && !draft.rehearsal && typeof draft.receipt.top_used === 'number') { used += draft.receipt.top_used; }
    }
    return used;
  }

  // The round as the rules see it: with a per-meeting quota, what is left of it.
  function rulesRound(round) {
    // a rehearsal practises on the whole quota, as the server checks it
    if (!state || state.scheme.quota_scope !== 'meeting' || round.rehearsal || round.top_quota === null || round.top_quota === undefined) { return round; }
    return { id: round.id, reporters: round.reporters, top_quota: Math.max(0, round.top_quota - topUsedBefore(round.id)) };
  }

  function countDone(round, answers) {
    var done = 0;
    for (var i = 0; i < round.reporters.length; i++) {
      var given = answers[round.reporters[i].id] || {};
      var complete = true;
      for (var j = 0; j < state.scheme.lines.length; j++) {
        if (!given.hasOwnProperty(state.scheme.lines[j].key)) { complete = false; break; }
      }
      if (complete) { done++; }
    }
    return done;
  }

  function wireLines(round, answers) {
    var lines = [];
    for (var i = 0; i < round.reporters.length; i++) {
      var rid = round.reporters[i].id;
      var given = answers[rid] || {};
      for (var j = 0; j < state.scheme.lines.length; j++) {
        var key = state.scheme.lines[j].key;
        if (given.hasOwnProperty(key)) { lines.push({ r: rid, k: key, v: given[key] }); }
      }
    }
    return lines;
  }

  // a number stays with its measure word: "15 人" never breaks into "15" / "人。"
  function problemText(problem) {
    return Live.fmt(T[problem.code] || problem.code, problem.params).replace(/ (\d+) /g, '\u00a0$1\u00a0');
  }

  function show(id) {
    var panels = ['panel-status', 'panel-sheet', 'panel-review', 'panel-done'];
    for (var i = 0; i < panels.length; i++) {
      Live.byId(panels[i]).hidden = panels[i] !== id;
    }
    Live.byId('bar').hidden = id !== 'panel-sheet';
    fitBar();
  }

  function status(message, tone) {
    var box = Live.byId('panel-status');
    box.innerHTML = '<p class="big ' + (tone || '') + '">' + Live.esc(message) + '</p>';
    show('panel-status');
  }

  // ------------------------------------------------------------------ drawing

  function drawSheet(round) {
    var scheme = state.scheme;
    var html = [];
    for (var i = 0; i < round.reporters.length; i++) {
      var r = round.reporters[i];
      html.push('<section class="reporter" id="rep-' + r.id + '">');
      html.push('<div class="card-head"><header><span class="index">' + (i + 1) + '</span><div class="who"><b>' + Live.esc(r.name) + '</b>');
      html.push('<small>' + Live.esc(r.unit) + ' ' + Live.esc(r.title) + ' · ' + Live.esc(r.on_site ? T.on_site : T.written) + '</small></div>');
      if (r.has_report) { html.push('<a class="report-link" href="' + boot.reportBase + r.id + '">' + Live.esc(T.read_report) + '</a>'); }
      html.push('</header><p class="fault-note" hidden></p></div>');
      for (var j = 0; j < scheme.lines.length; j++) {
        var line = scheme.lines[j];
        html.push('<div class="line' + (line.key === 'overall' ? ' overall' : '') + '" data-r="' + r.id + '" data-k="' + line.key + '">');
        html.push('<div class="line-name">' + Live.esc(line.name) + ' <span class="line-note"></span></div><div class="choices">');
        if (scheme.mode === 'grade') {
          for (var g = 0; g < line.grades.length; g++) {
            html.push('<button type="button" class="choice" data-v="' + Live.esc(line.grades[g]) + '">' + Live.esc(line.grades[g]) + '</button>');
          }
        } else {
          html.push('<input class="score" type="number" inputmode="decimal" min="0" max="100" step="0.5" placeholder="' + Live.esc(T.score_hint) + '">');
        }
        if (scheme.abstain) {
          html.push('<button type="button" class="choice abstain" data-abstain="1">' + Live.esc(scheme.abstain) + '</button>');
        }
        html.push('</div></div>');
      }
      html.push('</section>');
    }
    Live.byId('sheet').innerHTML = html.join('');
    Live.byId('sheet-title').innerHTML = Live.esc(round.title);
    Live.byId('sheet-rehearsal').hidden = !round.rehearsal;
    var jump = [];
    for (var k = 0; k < round.reporters.length; k++) {
      jump.push('<button type="button" class="jump-to" data-jump="' + round.reporters[k].id + '"><span class="mark"></span>' +
        (k + 1) + ' ' + Live.esc(round.reporters[k].name) + '</button>');
    }
    Live.byId('jump-list').innerHTML = jump.join('');
    Live.byId('jump-toggle').hidden = round.reporters.length < JUMP_LIST_FROM;
    showJump(false);
    sheetRound = round.id + '|' + round.opened;
    checked = false;
  }

  // ------------------------------------------------------------------ problems on the sheet

  // Where the rules find fault, by reporter: the note on its card and the lines to mark.
  // A rule broken by several cards at once (the quota) is one problem: explained on the
  // first of them; the others only get a neutral hint (byHint), not an error each.
  function faultsOf(round, draft) {
    var faults = {};
    var hints = {};
    if (!checked) { return { list: [], byId: faults, byHint: hints }; }
    var problems = window.BallotRules.check(state.scheme, rulesRound(round), draft.answers);
    function entry(rid) {
      faults[rid] = faults[rid] || { notes: [], lines: {}, overall: false };
      return faults[rid];
    }
    for (var i = 0; i < problems.length; i++) {
      var p = problems[i];
      var j;
      if (p.code === 'incomplete') {
        var count = {};
        for (j = 0; j < p.lines.length; j++) {
          entry(p.lines[j].r).lines[p.lines[j].k] = T.problem_line;
          count[p.lines[j].r] = (count[p.lines[j].r] || 0) + 1;
        }
        for (j = 0; j < p.ids.length; j++) { entry(p.ids[j]).notes.push(Live.fmt(T.problem_reporter, { n: count[p.ids[j]] })); }
      } else if (p.code === 'top_quota') {
        entry(p.ids[0]).notes.push(problemText(p));
        entry(p.ids[0]).lines.overall = '';
        for (j = 1; j < p.ids.length; j++) { hints[p.ids[j]] = p.params.grade; }
      } else if (p.code === 'same_grade') {
        entry(p.ids[0]).notes.push(problemText(p));
        entry(p.ids[0]).lines.overall = '';
      }
    }
    return { list: problems, byId: faults, byHint: hints };
  }

  function paintFaults(round, draft) {
    var found = faultsOf(round, draft);
    var cards = Live.byId('sheet').querySelectorAll('.reporter');
    for (var i = 0; i < cards.length; i++) {
      var rid = cards[i].id.substring(4);
      var fault = found.byId[rid];
      cards[i].className = 'reporter' + (fault ? ' fault' : '');
      var note = cards[i].querySelector('.fault-note');
      note.hidden = !fault || !fault.notes.length;
      note.innerHTML = fault ? Live.esc(fault.notes.join(' ')) : '';
      var hint = found.byHint[rid];
      var lines = cards[i].querySelectorAll('.line');
      for (var j = 0; j < lines.length; j++) {
        var key = lines[j].getAttribute('data-k');
        var mark = fault && fault.lines.hasOwnProperty(key) ? fault.lines[key] : null;
        if (mark !== null) { lines[j].className += ' fault'; }
        var lineNote = lines[j].querySelector('.line-note');
        if (!mark && hint && key === 'overall') {
          lineNote.className = 'line-note hint';
          lineNote.innerHTML = Live.esc(Live.fmt(T.problem_top_hint, { grade: hint }));
        } else {
          lineNote.className = 'line-note';
          lineNote.innerHTML = mark ? Live.esc(mark) : '';
        }
      }
    }
    // the jump list: one mark per reporter, and a legend for exactly the marks in use
    var used = {};
    var marks = Live.byId('jump-list').querySelectorAll('.jump-to');
    for (var k = 0; k < marks.length; k++) {
      var id = marks[k].getAttribute('data-jump');
      var kind = found.byId[id] ? 'fault' : (found.byHint[id] ? 'top' : (isDone(draft.answers[id]) ? 'done' : 'open'));
      var sign = { fault: '!', top: found.byHint[id], done: '✓', open: '○' }[kind];
      used[kind] = sign;
      marks[k].className = 'jump-to ' + kind;
      marks[k].querySelector('.mark').innerHTML = Live.esc(sign);
    }
    var legend = [];
    var order = ['done', 'open', 'fault', 'top'];
    for (var m = 0; m < order.length; m++) {
      if (used.hasOwnProperty(order[m])) {
        legend.push('<span class="legend-' + order[m] + '">' + Live.esc(Live.fmt(T['mark_' + order[m]], { mark: used[order[m]], grade: used[order[m]] })) + '</span>');
      }
    }
    Live.byId('jump-legend').innerHTML = legend.join(' ');
    return found.list;
  }

  function isDone(given) {
    given = given || {};
    for (var j = 0; j < state.scheme.lines.length; j++) {
      if (!given.hasOwnProperty(state.scheme.lines[j].key)) { return false; }
    }
    return true;
  }

  function pageTop() {
    var header = document.querySelector('header.top');
    return header ? header.offsetHeight : 0;
  }

  // The cards' heads (name, reason) stick under the page's header: the name stays in
  // view while the delegate works down a long card.
  function fitHeads() {
    document.documentElement.style.setProperty('--page-top', pageTop() + 'px');
  }

  // Scroll so that an element sits just under the sticky header (and `above` more).
  function scrollToElement(element, above) {
    var top = element.getBoundingClientRect().top + (window.pageYOffset || document.documentElement.scrollTop);
    window.scrollTo(0, Math.max(0, top - pageTop() - (above || 0) - 8));
  }

  // The first problem: the unanswered line right under its card's head (name and reason),
  // or the card itself.
  function showFirstProblem(problems) {
    var p = problems[0];
    var card = Live.byId('rep-' + p.ids[0]);
    if (!card) { return; }
    fitHeads();
    // the line to change: the first unanswered one, or the overall grade
    var line = p.code === 'incomplete' && p.lines.length ? card.querySelector('.line[data-k="' + p.lines[0].k + '"]') :
      card.querySelector('.line.overall');
    var head = card.querySelector('.card-head');
    if (line && line !== card.querySelector('.line')) {
      scrollToElement(line, head ? head.offsetHeight : 0);
    } else {
      scrollToElement(card);
    }
    card.className += ' flash';
  }

  function showJump(open) {
    Live.byId('jump').hidden = !open;
    Live.byId('jump-toggle').setAttribute('aria-expanded', open ? 'true' : 'false');
    fitBar();
  }

  function paintAnswers(round, draft) {
    var lines = Live.byId('sheet').querySelectorAll('.line');
    for (var i = 0; i < lines.length; i++) {
      var line = lines[i];
      var given = draft.answers[line.getAttribute('data-r')] || {};
      var key = line.getAttribute('data-k');
      var has = given.hasOwnProperty(key);
      var value = has ? given[key] : undefined;
      var buttons = line.querySelectorAll('.choice');
      for (var b = 0; b < buttons.length; b++) {
        var button = buttons[b];
        var isAbstain = button.getAttribute('data-abstain') === '1';
        var selected = has && (isAbstain ? value === null : button.getAttribute('data-v') === value);
        button.className = 'choice' + (isAbstain ? ' abstain' : '') + (selected ? ' selected' : '');
        button.setAttribute('aria-pressed', selected ? 'true' : 'false');
      }
      var input = line.querySelector('input.score');
      if (input && document.activeElement !== input) { input.value = has && value !== null ? value : ''; }
      line.className = 'line' + (key === 'overall' ? ' overall' : '') + (has ? ' answered' : '');
    }
    paintBar(round, draft, paintFaults(round, draft));
  }

  function paintBar(round, draft, problems) {
    var text = Live.fmt(T.progress, { done: countDone(round, draft.answers), total: round.reporters.length });
    if (round.top_quota !== null && round.top_quota !== undefined && state.scheme.mode === 'grade') {
      var top = window.BallotRules.topUsed(state.scheme, rulesRound(round), draft.answers);
      var quotaText = state.scheme.quota_scope === 'meeting' ? T.quota_meeting : T.quota;
      text += ' · <span class="' + (top.used > top.limit ? 'over' : '') + '">' + Live.esc(Live.fmt(quotaText, top)) + '</span>';
    }
    Live.byId('progress').innerHTML = text;
    var error = '';
    if (draft.error) {
      error = '<p class="error">' + Live.esc(T.error) + ' ' + Live.esc(draft.error) + '</p>';
    } else if (problems && problems.length) {
      // the first reason in one place that is always in view, next to the submit button
      error = '<p class="error">' + Live.esc(problemText(problems[0])) +
        (problems.length > 1 ? ' <b>' + Live.esc(Live.fmt(T.problems_left, { more: problems.length - 1 })) + '</b>' : '') + '</p>';
    }
    Live.byId('sheet-error').innerHTML = error;
    fitBar();
  }

  // the page ends above the bottom bar, whatever the bar holds now
  function fitBar() {
    var bar = Live.byId('bar');
    document.body.style.paddingBottom = (bar.hidden ? 24 : bar.offsetHeight + 24) + 'px';
  }

  // "Check and submit": a ballot the rules refuse stays on the sheet, which points at the
  // first problem; a good one goes to the last look before sending.
  function checkSheet() {
    var round = openRound();
    if (!round) { return; }
    var draft = roundDraft(round);
    checked = true;
    showJump(false);
    paintAnswers(round, draft);
    var problems = window.BallotRules.check(state.scheme, rulesRound(round), draft.answers);
    if (problems.length) { showFirstProblem(problems); return; }
    reviewing = true;
    render();
    window.scrollTo(0, 0);
  }

  function drawReview(round, draft) {
    var problems = window.BallotRules.check(state.scheme, rulesRound(round), draft.answers);
    var html = ['<h2>' + Live.esc(T.review_title) + '</h2>'];
    if (round.rehearsal) { html.push('<p class="rehearsal"><b>' + Live.esc(T.rehearsal) + '</b></p>'); }
    if (problems.length) {
      html.push('<ul class="problems">');
      for (var i = 0; i < problems.length; i++) { html.push('<li>' + Live.esc(problemText(problems[i])) + '</li>'); }
      html.push('</ul>');
    } else {
      html.push('<p class="ok">' + Live.esc(T.review_ok) + '</p>');
    }
    html.push('<table class="summary"><thead><tr><th>' + Live.esc(T.reporter) + '</th><th>' + Live.esc(T.overall) + '</th></tr></thead><tbody>');
    for (var j = 0; j < round.reporters.length; j++) {
      var r = round.reporters[j];
      var given = draft.answers[r.id] || {};
      var value = given.hasOwnProperty('overall') ? (given.overall === null ? state.scheme.abstain : given.overall) : '—';
      html.push('<tr><td>' + Live.esc(r.name) + '</td><td>' + Live.esc(value) + '</td></tr>');
    }
    html.push('</tbody></table><div class="actions sticky-actions">');
    html.push('<button type="button" id="back" class="secondary">' + Live.esc(T.back) + '</button>');
    if (!problems.length) { html.push('<button type="button" id="confirm" class="primary">' + Live.esc(T.confirm) + '</button>'); }
    html.push('</div>');
    Live.byId('panel-review').innerHTML = html.join('');
    show('panel-review');
  }

  function drawDone(round, draft) {
    var html = [];
    if (round.rehearsal) { html.push('<p class="rehearsal"><b>' + Live.esc(T.rehearsal) + '</b><br><small>' + Live.esc(T.rehearsal_hint) + '</small></p>'); }
    if (draft.pending) {
      html.push('<p class="big pending">' + Live.esc(online ? T.sending : T.pending) + '</p>');
    } else if (draft.receipt && draft.receipt.valid === false) {
      html.push('<p class="big warn">' + Live.esc(T.submitted_invalid) + '</p><ul class="problems">');
      for (var i = 0; i < draft.receipt.problems.length; i++) { html.push('<li>' + Live.esc(draft.receipt.problems[i]) + '</li>'); }
      html.push('</ul>');
    } else {
      html.push('<p class="big ok">✓ ' + Live.esc(T.submitted) + '</p>');
    }
    if (draft.notice) { html.push('<p class="warn">' + Live.esc(draft.notice) + '</p>'); }
    if (!draft.pending) { html.push('<button type="button" id="change" class="secondary">' + Live.esc(T.change) + '</button>'); }
    Live.byId('panel-done').innerHTML = html.join('');
    show('panel-done');
  }

  // ------------------------------------------------------------------ now and questions

  function tick() {
    var clock = Live.byId('now-clock');
    if (!clock || !state || !state.now || !state.now.timer) { return; }
    var left = Live.remaining(state.now.timer);
    // while a question is answered, the timer is the answer's (the phase's is set aside)
    var text = left === null ? '' : Live.clock(left);
    if (text && state.now.phase_timer) { text = Live.fmt(T.answer_clock, { clock: text }); }
    clock.innerHTML = Live.esc(text);
    clock.className = 'clock' + (left !== null && left < 0 ? ' overtime' : '');
  }

  function reportOf(reporterId) {
    var reports = (state && state.reports) || [];
    for (var i = 0; i < reports.length; i++) { if (reports[i].id === reporterId) { return reports[i]; } }
    return null;
  }

  function reportButton(reporterId, label) {
    return '<a class="report-button" href="' + boot.reportBase + reporterId + '">' + Live.esc(label) + '</a>';
  }

  // The headline between rounds: what the room is doing now.
  function nowHeadline(now) {
    var who = now.item.reporter;
    var key = now.phase.key;
    if (who && key === 'report') { return Live.fmt(T.now_report, { name: who.name }); }
    if (who && key === 'comment') { return Live.fmt(T.now_comment, { name: who.name }); }
    if (who && key === 'inquiry') { return Live.fmt(T.now_inquiry, { name: who.name }); }
    // a scoring phase with no round open (and none closed in it: scoringDone): about to open
    if (key === 'scoring') { return T.now_scoring; }
    return Live.fmt(T.now_item, { title: who ? who.name + ' ' + now.phase.label : (now.item.title || now.phase.label) });
  }

  // The agenda stands on a scoring phase whose round has closed: the scoring is over,
  // whatever its countdown still shows (the agenda has no link to rounds: the newest
  // ended round that counts is taken as this phase's).
  function scoringDone(now) {
    var recent = state.recent_round;
    return now.phase.key === 'scoring' && !openRound() && !!recent && !recent.rehearsal && recent.status === 'closed';
  }

  function nextText(next) {
    return next.reporter && next.kind === 'report' ? Live.fmt(T.next_report, { name: next.reporter }) : Live.fmt(T.next_item, { title: next.title });
  }

  // The header card. Above a ballot: one line (phase, who, countdown); the sheet's own
  // heading names the round. Between rounds: what is happening (once), who speaks, the
  // countdown, what comes next, and the report; after a scoring phase's round closed:
  // that the scoring is over and what comes next, with no clock.
  var nowHtml = '';
  function drawNow(expanded) {
    var box = Live.byId('now');
    var now = state && state.now;
    var html = '';
    if (now && now.started && now.item && state.meeting.status !== 'closed') {
      var who = now.item.reporter;
      var next = state.next;
      var clock = '<span id="now-clock" class="clock"></span>';
      if (!expanded) {
        html = '<div class="now-row"><div class="now-text"><span class="phase">' + Live.esc(now.phase.label) + '</span>' +
          (who ? ' ' + Live.esc(who.name) + ' <small>' + Live.esc(who.unit) + ' ' + Live.esc(who.title) + '</small>' : '') +
          '</div>' + clock + '</div>';
      } else if (scoringDone(now)) {
        html = '<div class="now-row"><p class="now-text now-head">' + Live.esc(next ?
          Live.fmt(T.scoring_over_next, { title: next.reporter && next.kind === 'report' ? next.reporter : next.title }) :
          T.scoring_over) + '</p></div>';
      } else {
        html = '<div class="now-row"><p class="now-text now-head">' + Live.esc(nowHeadline(now)) + '</p>' + clock + '</div>';
        if (who && (who.unit || who.title)) { html += '<p class="now-line"><small>' + Live.esc(who.unit) + ' ' + Live.esc(who.title) + '</small></p>'; }
        var speaker = now.speaker;
        if (speaker && speaker.name) {
          html += '<p class="now-line">' + Live.esc(Live.fmt(speaker.role ? T.speaker_role : T.speaker, speaker)) + '</p>';
        }
        if (who && reportOf(who.id)) {
          html += reportButton(who.id, T.read_report);
        } else if (now.item.kind === 'written') {
          var written = [];
          var reports = state.reports || [];
          for (var i = 0; i < reports.length; i++) {
            if (!reports[i].on_site) { written.push('<li>' + reportButton(reports[i].id, reports[i].name + ' ' + reports[i].unit) + '</li>'); }
          }
          if (written.length) {
            html += '<details class="written"><summary>' + Live.esc(Live.fmt(T.written_reports, { n: written.length })) +
              '</summary><ul>' + written.join('') + '</ul></details>';
          }
        }
        if (next && now.phase.index === now.phase.count - 1 && now.phase.key !== 'report') {
          html += '<p class="now-line next">' + Live.esc(nextText(next)) + '</p>';
        }
      }
    }
    if (html !== nowHtml) { box.innerHTML = html; nowHtml = html; }
    box.className = 'now' + (html ? ' visible' : '') + (expanded ? ' expanded' : '');
    tick();
  }

  // What this phone can say about the round that ended last (never what it voted).
  function recentRoundText() {
    var recent = state.recent_round;
    if (!recent) { return null; }
    // said after the practice, until the meeting's agenda moves on
    if (recent.rehearsal) { return state.now && state.now.started ? null : { text: T.rehearsal_over, tone: '' }; }
    if (recent.status === 'void') { return { text: Live.fmt(T.recent_void, recent), tone: 'warn' }; }
    var draft = load(recent.id);
    var mine = (me && me.ballots && me.ballots[recent.id]) || draft.receipt;
    if (draft.pending || (draft.error && !mine)) { return { text: T.not_received, tone: 'warn' }; }
    // the header already says the scoring is over: only this phone's part is news
    var short = state.now && state.now.phase && scoringDone(state.now);
    if (mine) { return { text: short ? T.voted_short : Live.fmt(T.recent_voted, recent), tone: 'ok' }; }
    return { text: short ? T.not_voted_short : Live.fmt(T.recent_not_voted, recent), tone: '' };
  }

  var questionSubmission = null;
  var questionFormFor = null;
  function drawQuestions() {
    var panel = Live.byId('panel-question');
    var openFor = state && state.inquiry ? state.inquiry.open_for : null;
    var mine = me && me.questions ? me.questions : [];
    if (!me || (!me.may_inquire && !mine.length) || (!openFor && !mine.length)) { panel.hidden = true; return; }
    panel.hidden = false;
    if (openFor && me.may_inquire) {
      if (questionFormFor !== openFor.id) {
        questionFormFor = openFor.id;
        Live.byId('question-form').innerHTML = '<h2>' + Live.esc(Live.fmt(T.ask_title, { name: openFor.name })) + '</h2>' +
          '<textarea id="question-text" maxlength="300" placeholder="' + Live.esc(T.question_hint) + '"></textarea>' +
          '<input id="question-name" maxlength="20" placeholder="' + Live.esc(T.name_optional) + '">' +
          '<button type="button" class="primary wide" id="send-question">' + Live.esc(T.send_question) + '</button><p id="question-note" class="hint"></p>';
      }
    } else {
      questionFormFor = null;
      Live.byId('question-form').innerHTML = '';
    }
    var html = [];
    if (mine.length) {
      html.push('<h3>' + Live.esc(T.my_questions) + '</h3><ul class="my-questions">');
      for (var i = 0; i < mine.length; i++) {
        var q = mine[i];
        html.push('<li><span class="tag ' + q.status + '">' + Live.esc(q.status_label) + '</span> ' + Live.esc(q.text) +
          (q.reject_reason ? '<br><small>' + Live.esc(q.reject_reason) + '</small>' : '') + '</li>');
      }
      html.push('</ul>');
    }
    Live.byId('question-list').innerHTML = html.join('');
  }

  function sendQuestion() {
    var openFor = state && state.inquiry ? state.inquiry.open_for : null;
    if (!openFor || !socket || !socket.connected) { return; }
    var text = Live.byId('question-text').value;
    questionSubmission = questionSubmission || newSubmissionId();
    var button = Live.byId('send-question');
    button.disabled = true;
    socket.timeout(10000).emit('submit_inquiry', {
      reporter: openFor.id, text: text, name: Live.byId('question-name').value, submission: questionSubmission
    }, function (err, ack) {
      button.disabled = false;
      var note = Live.byId('question-note');
      if (err) { note.innerHTML = Live.esc(T.pending); return; }
      if (ack.ok) {
        questionSubmission = null;
        Live.byId('question-text').value = '';
        note.className = 'ok';
        note.innerHTML = Live.esc(T.question_sent);
      } else {
        note.className = 'error';
        note.innerHTML = Live.esc(ack.error);
      }
    });
  }

  function render() {
    if (over || (state && state.meeting.status === 'closed')) { drawOver(); return; }
    var round = openRound();
    if (state) { forgetAnswers(round ? round.id : null); }
    // say only what is true: answers are kept only while there is a ballot to fill in
    Live.byId('offline').innerHTML = Live.esc(round ? T.offline : T.offline_idle);
    drawNow(!round);
    drawQuestions();
    if (!state) { status(T.connecting); return; }
    if (!round) {
      reviewing = false;
      drawBetween();
      return;
    }
    var draft = roundDraft(round);
    if (draft.pending || (draft.receipt && !draft.editing)) { drawDone(round, draft); return; }
    if (reviewing) { drawReview(round, draft); return; }
    if (sheetRound !== round.id + '|' + round.opened) { drawSheet(round); fitHeads(); }
    paintAnswers(round, draft);
    show('panel-sheet');
  }

  // No round open: what the room does now (header card), and what became of the last round.
  function drawBetween() {
    var now = state.now || {};
    var recent = recentRoundText();
    var agendaRuns = now.started && now.item;
    var html = '';
    if (now.finished) {
      html = '<p class="big ok">' + Live.esc(T.agenda_done) + '</p>';
      if (recent) { html += '<p class="note ' + recent.tone + '">' + Live.esc(recent.text) + '</p>'; }
    } else if (agendaRuns) {
      if (recent) { html = '<p class="note ' + recent.tone + '">' + Live.esc(recent.text) + '</p>'; }
    } else if (recent) {
      // no agenda in use: the round is the news
      var mine = recent.tone === 'ok';
      html = '<p class="big ' + recent.tone + '">' + Live.esc(mine ? T.round_closed : recent.text) + '</p>';
    } else {
      html = '<p class="big">' + Live.esc(T.waiting) + '</p>';
    }
    var box = Live.byId('panel-status');
    box.innerHTML = html;
    show('panel-status');
    box.hidden = !html;
  }

  // Sealed: the meeting is over; nothing runs, nothing is offered.
  function drawOver() {
    over = true;
    forgetAll();
    drawNow(false);
    Live.byId('now').className = 'now';
    Live.byId('panel-question').hidden = true;
    Live.byId('offline').hidden = true;
    Live.byId('connection').hidden = true;
    var box = Live.byId('panel-status');
    box.innerHTML = '<p class="big ok final">' + Live.esc(T.meeting_over) + '</p>';
    show('panel-status');
    if (socket && socket.connected) { socket.disconnect(); }
  }

  // ------------------------------------------------------------------ actions

  function setAnswer(rid, key, value, remove) {
    var round = openRound();
    if (!round) { return; }
    var draft = roundDraft(round);
    draft.answers[rid] = draft.answers[rid] || {};
    if (remove) { delete draft.answers[rid][key]; } else { draft.answers[rid][key] = value; }
    draft.error = null;
    save(round.id, draft);
    paintAnswers(round, draft);
  }

  function send(round, draft) {
    // socket.connected, not the online flag: socket.io delivers the snapshots that
    // arrive with a (re)connect before it fires 'connect'. A closed round's pending
    // ballot is sent once more only to learn whether it arrived before the close.
    if (!draft.pending || !socket || !socket.connected) { render(); return; }
    var pending = draft.pending;
    if (inFlight === pending.submission) { render(); return; }
    inFlight = pending.submission;
    socket.timeout(15000).emit('submit_ballot', {
      round: round.id, submission: pending.submission, seq: pending.seq, lines: pending.lines
    }, function (err, ack) {
      inFlight = null;
      var current = load(round.id);
      if (err) { render(); return; } // no answer: stays pending, re-sent on reconnect
      if (ack && ack.ok) {
        current.receipt = ack;
        if (round.rehearsal) { current.rehearsal = true; }
        if (!current.pending || current.pending.submission === ack.submission || ack.superseded) { current.pending = null; }
        current.editing = false;
        if (ack.superseded) {
          // another device of this slip stored a newer version: that one counts
          current.notice = T.superseded;
          requestSync();
        }
      } else if (ack && ack.retry) {
        // busy or a passing server fault: keep the ballot and try again shortly
        setTimeout(function () {
          var open = openRound();
          if (open && open.id === round.id) { send(open, load(open.id)); } else if (round.closed) { send(round, load(round.id)); }
        }, 3000 + Math.floor(Math.random() * 2000));
      } else {
        current.pending = null;
        current.editing = true;
        current.error = ack && ack.error ? ack.error : '';
      }
      save(round.id, current);
      render();
    });
    render();
  }

  function submit() {
    var round = openRound();
    if (!round) { return; }
    var draft = roundDraft(round);
    if (window.BallotRules.check(state.scheme, rulesRound(round), draft.answers).length) { return; }
    draft.seq = Math.max(draft.seq || 0, draft.receipt ? draft.receipt.seq : 0) + 1;
    draft.pending = { submission: newSubmissionId(), seq: draft.seq, lines: wireLines(round, draft.answers) };
    draft.error = null;
    save(round.id, draft);
    reviewing = false;
    send(round, draft);
  }

  // What the server has stored for this slip: receipts only (version numbers, or for a
  // closed round that this slip voted), never what a ballot said. A ballot this phone
  // still holds unconfirmed is simply sent again: the server answers a re-send from its
  // store (same submission id), or says the round closed before it arrived.
  function reconcile(roundId) {
    if (!me || !roundId) { return; }
    var open = openRound();
    var draft = open && String(open.id) === String(roundId) ? roundDraft(open) : load(roundId);
    var stored = me.ballots ? me.ballots[roundId] : null;
    var changed = false;
    if (stored && !draft.pending) {
      if (!draft.receipt) {
        draft.receipt = stored;  // stored before a reload, or from another device
        changed = true;
      } else if (stored.revision && draft.receipt.revision && stored.revision > draft.receipt.revision) {
        draft.notice = T.changed_elsewhere;  // changed from another device of this slip
        draft.receipt = stored;
        draft.seq = Math.max(draft.seq || 0, stored.seq || 0);
        changed = true;
      }
    }
    if (changed) { save(roundId, draft); }
    if (draft.pending) {
      var round = openRound();
      send(round && String(round.id) === String(roundId) ? round : { id: roundId, closed: true }, draft);
    }
  }

  function reconcileOpen() {
    var round = openRound();
    if (round) { reconcile(round.id); }
  }

  function requestSync() {
    if (!socket || !socket.connected) { return; }
    socket.timeout(8000).emit('sync', {}, function (err, answer) {
      if (err || !answer || !answer.ok) { return; }
      state = answer.state;
      me = answer.me;
      if (state.last_round) { reconcile(state.last_round.id); }
      reconcileOpen();
      render();
    });
  }

  function onClick(event) {
    var target = event.target;
    if (target.id === 'check') { checkSheet(); return; }
    if (target.id === 'jump-toggle') { showJump(Live.byId('jump').hidden); return; }
    var jumpTo = target.getAttribute && (target.getAttribute('data-jump') || (target.parentNode && target.parentNode.getAttribute && target.parentNode.getAttribute('data-jump')));
    if (jumpTo) {
      showJump(false);
      var card = Live.byId('rep-' + jumpTo);
      if (card) { scrollToElement(card); }
      return;
    }
    if (target.id === 'send-question') { sendQuestion(); return; }
    if (target.id === 'back') { reviewing = false; render(); return; }
    if (target.id === 'confirm') { submit(); return; }
    if (target.id === 'next-open') { jumpToOpen(); return; }
    if (target.id === 'change') {
      var round = openRound();
      if (round) {
        var draft = roundDraft(round);
        draft.editing = true;
        save(round.id, draft);
        // a ballot stored as invalid: show at once where the rules find fault
        checked = !!(draft.receipt && draft.receipt.valid === false);
        render();
        var problems = checked ? window.BallotRules.check(state.scheme, rulesRound(round), draft.answers) : [];
        if (problems.length) { showFirstProblem(problems); } else { window.scrollTo(0, 0); }
      }
      return;
    }
    if (typeof target.className !== 'string' || target.className.indexOf('choice') === -1) { return; }
    var line = target.parentNode.parentNode;
    var rid = line.getAttribute('data-r');
    var key = line.getAttribute('data-k');
    if (target.getAttribute('data-abstain') === '1') { setAnswer(rid, key, null); } else { setAnswer(rid, key, target.getAttribute('data-v')); }
  }

  function onInput(event) {
    var input = event.target;
    if (!input.className || input.className.indexOf('score') === -1) { return; }
    var line = input.parentNode.parentNode;
    var text = input.value.replace(/\s/g, '');
    var number = Number(text);
    var ok = text !== '' && !isNaN(number) && number >= 0 && number <= 100 && Math.round(number * 10) === number * 10;
    input.className = 'score' + (text !== '' && !ok ? ' wrong' : '');
    setAnswer(line.getAttribute('data-r'), line.getAttribute('data-k'), ok ? number : null, !ok);
  }

  function jumpToOpen() {
    var lines = Live.byId('sheet').querySelectorAll('.line');
    for (var i = 0; i < lines.length; i++) {
      if (lines[i].className.indexOf('answered') === -1) {
        // below its card's sticky head (name), which would cover it otherwise
        var head = lines[i].parentNode.querySelector('.card-head');
        fitHeads();
        scrollToElement(lines[i], head && lines[i] !== lines[i].parentNode.querySelector('.line') ? head.offsetHeight : 0);
        return;
      }
    }
  }

  // ------------------------------------------------------------------ start

  document.addEventListener('click', onClick);
  document.addEventListener('input', onInput);
  document.addEventListener('visibilitychange', function () {
    if (!document.hidden) { requestSync(); }
  });

  socket = Live.connect({ role: 'delegate' }, {
    status: function (isOnline) {
      if (over) { return; }
      online = isOnline;
      var badge = Live.byId('connection');
      badge.className = 'connection ' + (isOnline ? 'online' : 'offline');
      badge.innerHTML = Live.esc(isOnline ? T.online : T.offline_short);
      Live.byId('offline').hidden = isOnline;
      if (isOnline) { reconcileOpen(); } else { inFlight = null; }
      render();
    },
    state: function (snapshot) {
      var before = state && state.round ? state.round.id : null;
      state = snapshot;
      if (!state.round || state.round.id !== before) {
        reviewing = false;
        // the round closed while a ballot was unconfirmed: ask whether it arrived
        if (before && load(before).pending) { requestSync(); }
      }
      reconcileOpen();
      render();
    },
    me: function (snapshot) { me = snapshot; reconcileOpen(); render(); },
    // another device of this slip stored a ballot: its receipt (version numbers only)
    receipt: function (data) {
      if (!me || !data || !data.round) { return; }
      me.ballots = me.ballots || {};
      me.ballots[data.round] = { seq: data.seq, revision: data.revision, round_status: 'open' };
      reconcileOpen();
      render();
    },
    refused: function (message) {
      if (message !== T.sealed_refusal) { status(message, 'warn'); return true; }
      // sealed while this phone was away: the meeting is over, not an error
      if (!over) {
        state = state || { meeting: { status: 'closed' } };
        state.meeting.status = 'closed';
        drawOver();
      }
      return false;
    },
    revoked: function (data) { forgetAll(); status(data.message || T.revoked, 'warn'); socket.disconnect(); },
    // another device opened this slip: the holder must know at once
    otherDevice: function (data) {
      var box = Live.byId('shared');
      box.textContent = (data && data.message) || T.other_device;
      box.hidden = false;
      box.className = 'shared-warning alert';
    }
  });
  // the countdown as this page computes it (server clock, skew corrected)
  window.remainingMs = function () { return state && state.now ? Live.remaining(state.now.timer) : null; };
  setInterval(tick, 500);
  window.PhoneApp = { socket: function () { return socket; } };
  render();
})(window, document);
