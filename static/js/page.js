/* Every organiser page: confirmations and small behaviours, without inline script
   (the Content-Security-Policy allows only the app's own script files). */
(function (document) {
  'use strict';

  // <form data-confirm="…">: ask before it is sent
  document.addEventListener('submit', function (event) {
    var form = event.target;
    var question = form.getAttribute && form.getAttribute('data-confirm');
    if (question && !window.confirm(question)) { event.preventDefault(); return; }
    // one click, one submission: a double click does not send the form twice
    if (form.getAttribute('data-sent') === '1') { event.preventDefault(); return; }
    form.setAttribute('data-sent', '1');
    window.setTimeout(function () { form.removeAttribute('data-sent'); }, 4000);
  }, true);

  // <button data-fill="#id" data-value="…">: put a suggested value into a field
  document.addEventListener('click', function (event) {
    var target = event.target;
    var selector = target.getAttribute && target.getAttribute('data-fill');
    if (!selector) { return; }
    var field = document.querySelector(selector);
    if (field) { field.value = target.getAttribute('data-value'); field.focus(); }
    event.preventDefault();
  });

  // <input type="date" data-year-hint="#chip">: the assessment year a meeting on that date
  // usually reviews (January to March: the year before), offered on the chip
  document.addEventListener('change', function (event) {
    var target = event.target;
    var selector = target.getAttribute && target.getAttribute('data-year-hint');
    if (!selector || !target.value) { return; }
    var chip = document.querySelector(selector);
    var parts = target.value.split('-');
    var year = parseInt(parts[0], 10);
    if (!chip || !year) { return; }
    if (parseInt(parts[1], 10) <= 3) { year -= 1; }
    chip.setAttribute('data-value', String(year));
    chip.textContent = chip.getAttribute('data-template').replace('{year}', String(year));
  });

  // <a data-back>: back to the previous page
  document.addEventListener('click', function (event) {
    if (event.target.hasAttribute && event.target.hasAttribute('data-back') && window.history.length > 1) {
      event.preventDefault();
      window.history.back();
    }
  });
})(document);
