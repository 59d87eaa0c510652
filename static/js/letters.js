/* Progress of a print batch: polls the job until it is done. */
(function () {
  var job = document.getElementById('job');
  if (!job) { return; }
  function poll() {
    var xhr = new XMLHttpRequest();
    xhr.open('GET', job.getAttribute('data-url'));
    xhr.onload = function () {
      var state = {};
      try { state = JSON.parse(xhr.responseText); } catch (e) { state = { status: 'failed', error: '' }; }
      document.getElementById('job-progress').innerHTML = (state.done || 0) + ' / ' + (state.total || 0);
      document.getElementById('job-meter').style.width = (state.total ? Math.round(100 * state.done / state.total) : 0) + '%';
      var text = '';
      if (state.status === 'done') {
        text = job.getAttribute('data-done-text').replace('{pages}', state.pages).replace('{seconds}', state.seconds);
      } else if (state.status === 'interrupted') {
        text = job.getAttribute('data-interrupted-text') + ' ' + (state.error || '');
      } else if (state.status !== 'running' && state.status !== 'queued') {
        text = job.getAttribute('data-failed-text') + ' ' + (state.error || '');
      }
      document.getElementById('job-status').textContent = text;
      if (state.status === 'done') {
        document.getElementById('job-done').style.display = '';
        document.getElementById('batch-link').href = job.getAttribute('data-pdf');
      } else if (state.status === 'running' || state.status === 'queued') {
        setTimeout(poll, 500);
      }
    };
    xhr.send();
  }
  poll();
})();
