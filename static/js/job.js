/* Progress of a batch job (print batch, finalised letters, archive): polls until it ends. */
(function () {
  'use strict';
  var job = document.getElementById('job');
  if (!job) { return; }
  function poll() {
    var xhr = new XMLHttpRequest();
    xhr.open('GET', job.getAttribute('data-url'));
    xhr.onload = function () {
      var state = {};
      try { state = JSON.parse(xhr.responseText); } catch (e) { state = { status: 'failed', error: '' }; }
      document.getElementById('job-progress').textContent = (state.done || 0) + ' / ' + (state.total || 0);
      document.getElementById('job-meter').style.width = (state.total ? Math.round(100 * state.done / state.total) : 0) + '%';
      var text = '';
      var waiting = state.status === 'running' || state.status === 'queued';
      if (state.status === 'done') {
        text = job.getAttribute('data-done-text').replace('{pages}', state.pages).replace('{seconds}', state.seconds);
      } else if (state.status === 'interrupted') {
        text = job.getAttribute('data-interrupted-text') + ' ' + (state.error || '');
      } else if (!waiting) {
        text = job.getAttribute('data-failed-text') + ' ' + (state.error || '');
      }
      document.getElementById('job-status').textContent = text;
      if (state.status === 'done') {
        if (job.getAttribute('data-reload')) { window.location.reload(); return; }
        document.getElementById('job-done').hidden = false;
        document.getElementById('batch-link').href = job.getAttribute('data-pdf');
      } else if (waiting) {
        setTimeout(poll, 500);
      }
    };
    xhr.send();
  }
  poll();
})();
