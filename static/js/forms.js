/* Set-up forms (categories, scheme, reporters, meeting): nothing typed is lost unnoticed.

   - the first error shown beside a field (.field-error) is scrolled into view and its
     field focused, so a refused save never leaves the reason off-screen;
   - <form data-unsaved>: once changed (or rendered with data-dirty="1": a loaded preset,
     values sent back after a refused save) it shows its "not saved" badge and leaving
     the page asks first;
   - [data-weight-total]: the categories' total weight follows the typing;
   - select[data-mode-choice]: only the fields of the chosen ballot kind ([data-mode]) show;
   - input[pattern][title]: a value off the pattern is refused with the title's words.
   Text comes from the page's JSON block #form-text (no words in this file). */
(function (document, window) {
  'use strict';

  var textNode = document.getElementById('form-text');
  var text = textNode ? JSON.parse(textNode.textContent) : {};

  // ------------------------------------------------------------ first error in view
  var firstError = document.querySelector('.field-error');
  if (firstError) {
    var holder = firstError.closest('td, label, .field') || firstError.parentNode;
    var field = holder && holder.querySelector('[aria-invalid="true"]');
    if (!field) { field = document.querySelector('[aria-invalid="true"]'); }
    firstError.scrollIntoView({block: 'center'});
    if (field) { field.focus({preventScroll: true}); }
  }

  // ------------------------------------------------------------ unsaved changes
  var dirtyForms = [];
  var leaving = false;

  function markDirty(form) {
    if (form.getAttribute('data-dirty') !== '1') { form.setAttribute('data-dirty', '1'); }
    var badge = form.querySelector('[data-unsaved-badge]');
    if (badge) { badge.hidden = false; }
    if (dirtyForms.indexOf(form) < 0) { dirtyForms.push(form); }
  }

  Array.prototype.forEach.call(document.querySelectorAll('form[data-unsaved]'), function (form) {
    var fieldset = form.querySelector('fieldset');
    if (fieldset && fieldset.disabled) { return; }  // read-only: nothing can be unsaved
    if (form.getAttribute('data-dirty') === '1') { markDirty(form); }
    form.addEventListener('input', function () { markDirty(form); });
    form.addEventListener('change', function () { markDirty(form); });
    form.addEventListener('submit', function (event) {
      if (!event.defaultPrevented) { leaving = true; }  // not when a confirmation said no
    });
  });

  window.addEventListener('beforeunload', function (event) {
    if (leaving || !dirtyForms.length) { return undefined; }
    event.preventDefault();
    event.returnValue = text.leave || '';
    return text.leave || '';
  });

  // ------------------------------------------------------------ format hints in the page's words
  // a field with a pattern says what it wants with its own title, not the browser's
  // generic "Please match the requested format."
  Array.prototype.forEach.call(document.querySelectorAll('input[pattern][title]'), function (input) {
    input.addEventListener('invalid', function () {
      input.setCustomValidity(input.validity.patternMismatch ? input.title : '');
    });
    input.addEventListener('input', function () { input.setCustomValidity(''); });
  });

  // ------------------------------------------------------------ fields of one ballot kind
  // [data-mode-choice] picks the kind; [data-mode] fields show only for their kind
  Array.prototype.forEach.call(document.querySelectorAll('select[data-mode-choice]'), function (choice) {
    var form = choice.form;
    var follow = function () {
      Array.prototype.forEach.call(form.querySelectorAll('[data-mode]'), function (field) {
        field.hidden = field.getAttribute('data-mode') !== choice.value;
      });
    };
    choice.addEventListener('change', follow);
    follow();
  });

  // ------------------------------------------------------------ live total of the weights
  var total = document.querySelector('[data-weight-total]');
  if (total) {
    var note = document.getElementById('weight-note');
    var inputs = document.querySelectorAll('input[data-weight]');
    // exact to six decimals: 0.1 + 0.2 must read 0.3, not 0.30000000000000004
    var SCALE = 1000000;
    var units = function (value) {
      var cleaned = String(value).replace(/[%％\s]/g, '');
      if (cleaned === '') { return 0; }
      var number = Number(cleaned);
      return isFinite(number) ? Math.round(number * SCALE) : NaN;
    };
    var show = function (value) {
      return String(Math.round(value) / SCALE);
    };
    var update = function () {
      var sum = 0;
      var fractions = inputs.length > 0;
      Array.prototype.forEach.call(inputs, function (input) {
        var value = units(input.value);
        sum += value;
        if (!(value <= SCALE)) { fractions = false; }
      });
      if (isNaN(sum)) {
        total.textContent = '?';
        total.className = 'error-text';
        if (note) { note.textContent = ''; }
        return;
      }
      fractions = fractions && sum === SCALE;
      total.textContent = (fractions ? '100' : show(sum)) + '%';
      total.className = (fractions || sum === 100 * SCALE) ? 'ok' : 'error-text';
      if (note) { note.textContent = fractions ? (text.fractions || '') : ''; }
    };
    Array.prototype.forEach.call(inputs, function (input) {
      input.addEventListener('input', update);
    });
    update();
  }
})(document, window);
