/* Drag-and-drop order for the reporter list: posts the new order, reloads on refusal. */
(function () {
  var table = document.getElementById('reporters');
  // no order URL: the list is read-only (a sealed meeting, a clerk)
  if (!table || !window.Sortable || !table.getAttribute('data-order-url')) { return; }
  var body = table.querySelector('tbody');
  window.Sortable.create(body, {
    handle: '.handle',
    animation: 120,
    onEnd: function () {
      var ids = [];
      var rows = body.querySelectorAll('tr[data-id]');
      for (var i = 0; i < rows.length; i++) { ids.push(rows[i].getAttribute('data-id')); }
      var xhr = new XMLHttpRequest();
      xhr.open('POST', table.getAttribute('data-order-url'));
      xhr.setRequestHeader('Content-Type', 'application/x-www-form-urlencoded');
      xhr.setRequestHeader('X-CSRFToken', table.getAttribute('data-csrf'));
      xhr.onload = function () { window.location.reload(); };
      xhr.send('order=' + encodeURIComponent(ids.join(',')));
    }
  });
})();
