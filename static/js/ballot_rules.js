/* The ballot validity rules, checked on the phone before sending.
   Mirrors meeting/scoring.py check_ballot(); the server checks again.
   Each problem also says where it is (ids: the reporters at fault, in sheet order;
   lines: the unanswered lines), so that the sheet can point at it. */
(function (window) {
  'use strict';

  // answers: {reporterId: {lineKey: value}}; value null means abstain
  function check(scheme, round, answers) {
    var problems = [];
    var missing = [];
    var missingIds = [];
    var missingLines = [];
    var overall = [];
    var i, j, reporter, given, gap;
    for (i = 0; i < round.reporters.length; i++) {
      reporter = round.reporters[i];
      given = answers[reporter.id] || {};
      gap = false;
      for (j = 0; j < scheme.lines.length; j++) {
        if (!given.hasOwnProperty(scheme.lines[j].key)) {
          missingLines.push({ r: reporter.id, k: scheme.lines[j].key });
          gap = true;
        }
      }
      if (gap) {
        missing.push(reporter.name);
        missingIds.push(reporter.id);
      }
      overall.push(given.hasOwnProperty('overall') ? given.overall : undefined);
    }
    if (missing.length) {
      problems.push({
        code: 'incomplete',
        params: { n: missing.length, names: missing.slice(0, 5).join('、') + (missing.length > 5 ? '……' : '') },
        ids: missingIds,
        lines: missingLines
      });
    }
    if (round.top_quota !== null && round.top_quota !== undefined && scheme.mode === 'grade') {
      var top = scheme.lines[scheme.lines.length - 1].grades[0];
      var topIds = [];
      for (i = 0; i < overall.length; i++) { if (overall[i] === top) { topIds.push(round.reporters[i].id); } }
      if (topIds.length > round.top_quota) {
        problems.push({
          code: 'top_quota',
          params: { grade: top, limit: round.top_quota, used: topIds.length, over: topIds.length - round.top_quota },
          ids: topIds,
          lines: []
        });
      }
    }
    // every reporter on the top grade is already the quota problem on that grade (fixing
    // it fixes both): one fault, reported once, as the server explains it (explain_all)
    var quotaOnTop = problems.length && problems[problems.length - 1].code === 'top_quota' ? problems[problems.length - 1].params.grade : undefined;
    if (scheme.same_grade_invalid && round.reporters.length >= scheme.same_grade_min && !missing.length && overall[0] !== quotaOnTop) {
      var same = overall[0] !== null && overall[0] !== undefined;
      for (i = 1; i < overall.length && same; i++) { same = overall[i] === overall[0]; }
      if (same) {
        var all = [];
        for (i = 0; i < round.reporters.length; i++) { all.push(round.reporters[i].id); }
        problems.push({ code: 'same_grade', params: { grade: overall[0] }, ids: all, lines: [] });
      }
    }
    return problems;
  }

  function topUsed(scheme, round, answers) {
    var top = scheme.lines[scheme.lines.length - 1].grades[0];
    var used = 0;
    for (var i = 0; i < round.reporters.length; i++) {
      var given = answers[round.reporters[i].id] || {};
      if (given.overall === top) { used++; }
    }
    return { grade: top, used: used, limit: round.top_quota };
  }

  window.BallotRules = { check: check, topUsed: topUsed };
})(window);
