/* The venue pages: the slips page's address form and the pre-flight page's live ticks
   (the address reached from a phone, the projector, the clocks, the PDF workers). */
(function (document, window) {
  'use strict';

  // typing an address picks the "other address" choice
  document.addEventListener('input', function (event) {
    var selector = event.target.getAttribute && event.target.getAttribute('data-choose');
    var radio = selector && document.querySelector(selector);
    if (radio) { radio.checked = true; }
  });

  // a refused form comes back with its reason beside it: bring both into view
  var refused = document.querySelector('.field-error');
  if (refused) {
    refused.scrollIntoView({ block: 'center' });
    var field = refused.parentNode.querySelector('[aria-invalid="true"]') || document.querySelector('[aria-invalid="true"]');
    if (field && field.focus) { field.focus({ preventScroll: true }); }
  }

  var bootNode = document.getElementById('preflight-boot');
  if (!bootNode) { return; }
  var boot = JSON.parse(bootNode.textContent);
  var text = boot.text;

  function row(name) { return document.getElementById('check-' + name); }

  function mark(name, state, detail) {
    var node = row(name);
    if (!node) { return; }
    node.className = 'check-' + state;
    node.setAttribute('data-state', state);
    node.querySelector('.check-state').textContent = text[state];
    if (detail !== undefined) { node.querySelector('.check-detail').textContent = detail; }
    summarise();
  }

  // one line on top: ready, or how many rows need attention
  function summarise() {
    var rows = document.querySelectorAll('#checks tr[data-state]');
    var bad = 0, waiting = 0;
    for (var i = 0; i < rows.length; i++) {
      var state = rows[i].getAttribute('data-state');
      if (state === 'bad') { bad += 1; } else if (state === 'wait') { waiting += 1; }
    }
    var summary = document.getElementById('preflight-summary');
    if (bad) {
      summary.className = 'preflight-summary some-bad';
      summary.textContent = fill(text.summary_bad, { n: bad });
    } else if (waiting) {
      summary.className = 'preflight-summary some-wait';
      summary.textContent = text.summary_wait;
    } else {
      summary.className = 'preflight-summary all-ok';
      summary.textContent = text.summary_ok;
    }
  }

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (all, key) {
      return values[key] !== undefined ? String(values[key]) : all;
    });
  }

  function two(n) { return (n < 10 ? '0' : '') + n; }
  // in the organ's time zone (as every other time on the page), whatever the laptop's is
  function clock(ms) {
    var d = new Date(ms + (boot.tz_offset_ms || 0));
    return two(d.getUTCHours()) + ':' + two(d.getUTCMinutes()) + ':' + two(d.getUTCSeconds());
  }

  function show(status, sentAt, receivedAt) {
    if (status.reachable) {
      mark('reach', 'ok', fill(text.reach_ok, { at: status.reachable }));
    }
    if (status.screen === 'ok') {
      mark('screen', 'ok', status.screen_text);
    } else {
      mark('screen', status.screen === 'bad' ? 'bad' : 'wait', status.screen_text);
    }
    // the server's clock at the middle of the round trip, against this browser's
    var middle = (sentAt + receivedAt) / 2;
    var skew = Math.round((status.server_ms - middle) / 1000);
    var detail = fill(text.clock, { server: clock(status.server_ms + (receivedAt - middle)), browser: clock(receivedAt) });
    if (Math.abs(skew) > boot.max_skew) {
      mark('clock', 'bad', detail + ' ' + fill(text.clock_off, { seconds: Math.abs(skew) }));
    } else {
      mark('clock', 'ok', detail);
    }
  }

  function poll() {
    var sentAt = Date.now();
    var request = new XMLHttpRequest();
    request.open('GET', boot.status_url);
    request.onload = function () {
      if (request.status === 200) { show(JSON.parse(request.responseText), sentAt, Date.now()); }
    };
    request.send();
  }

  function checkWorkers() {
    var request = new XMLHttpRequest();
    request.open('GET', boot.workers_url);
    request.onload = function () {
      if (request.status === 200) {
        var answer = JSON.parse(request.responseText);
        mark('workers', answer.state, answer.text);
      } else {
        mark('workers', 'bad', text.workers_failed);
      }
    };
    request.onerror = function () { mark('workers', 'bad', text.workers_failed); };
    request.send();
  }

  summarise();
  poll();
  checkWorkers();
  window.setInterval(poll, boot.poll_ms);
})(document, window);
